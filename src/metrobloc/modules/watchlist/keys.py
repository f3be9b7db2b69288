"""State key layout of the watch-list module (docs/spec/state.md §watchlist).

List ids and subjects never contain ``/``, so every ``<prefix>/<list>/`` is an exact range.
"""

PREFIX = b"watchlist/"


def _join(*parts: str) -> bytes:
    return PREFIX + "/".join(parts).encode()


def list_key(list_id: str) -> bytes:
    """``watchlist/list/<list>`` -> JCS ``{created_height, created_ms}``: the list has been used."""
    return _join("list", list_id)


def entry_key(list_id: str, subject: str) -> bytes:
    """``watchlist/entry/<list>/<subject>`` -> JCS of the listing; absent when not listed (or delisted)."""
    return _join("entry", list_id, subject)


def entry_prefix(list_id: str) -> bytes:
    return _join("entry", list_id) + b"/"


def history_count_key(list_id: str, subject: str) -> bytes:
    """``watchlist/hist_n/<list>/<subject>`` -> how many history events the pair has, ASCII decimal."""
    return _join("hist_n", list_id, subject)


def history_key(list_id: str, subject: str, seq: int) -> bytes:
    """``watchlist/hist/<list>/<subject>/<seq:012>`` -> JCS of history event ``seq`` (from 0)."""
    return _join("hist", list_id, subject, f"{seq:012d}")


def history_prefix(list_id: str, subject: str) -> bytes:
    return _join("hist", list_id, subject) + b"/"
