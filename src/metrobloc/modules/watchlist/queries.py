"""Read-only queries of the watch-list module over committed state.

Lists are paged like land's: at most ``limit`` items (1..100) after the cursor ``after``; ``next`` is
the cursor of the following page, or null on the last one.
"""

from __future__ import annotations

import re
from typing import Any

import orjson

from metrobloc.modules.watchlist import errors, keys
from metrobloc.modules.watchlist.keeper import Scanner, WatchlistKeeper
from metrobloc.modules.watchlist.msgs import ListId, Subject

MAX_PAGE = 100
MAX_LISTS = 1000
CURSOR = re.compile(r"^[a-z0-9:_-]{1,80}$")
KEEPER = WatchlistKeeper()


def list_id(value: str) -> str:
    if not ListId.pattern.fullmatch(value):
        raise errors.BAD_LIST.error(f"list must match {ListId.pattern.pattern}")
    return value


def subject_id(value: str) -> str:
    """A subject's form only: an mb1 subject with a bad checksum can never be listed, so reads answer
    "not listed" for it (the messages refuse it: ``watchlist.bad_subject``)."""
    if not Subject.pattern.fullmatch(value):
        raise errors.BAD_SUBJECT.error("subject is an mb1 address or sha256: and 64 lower-case hex digits")
    return value


def _page(limit: int, after: str | None) -> None:
    if not 1 <= limit <= MAX_PAGE:
        raise errors.BAD_QUERY.error(f"limit must be in 1..{MAX_PAGE}")
    if after is not None and not CURSOR.fullmatch(after):
        raise errors.BAD_QUERY.error(f"after must match {CURSOR.pattern}")


def subject(state: Scanner, list_name: str, who: str, at_ms: int | None = None) -> dict[str, Any]:
    """Is ``who`` listed on ``list_name``: the listing (by whom, since when, why, until when), or none.

    ``listed`` is whether a listing stands (not delisted), expired or not; with ``at_ms``,
    ``in_force`` says whether it was listed and unexpired at that block time.
    """
    found = KEEPER.listing(state, list_id(list_name), subject_id(who))
    out: dict[str, Any] = {
        "list": list_name,
        "subject": who,
        "listed": found is not None,
        "listing": None if found is None else found.to_json(),
    }
    if at_ms is not None:
        out["at_ms"] = at_ms
        out["in_force"] = found is not None and found.in_force(at_ms)
    return out


def history(state: Scanner, list_name: str, who: str, *, after: int = 0, limit: int = MAX_PAGE) -> dict[str, Any]:
    """Every listing, amendment and delisting of the pair, oldest first, from seq ``after`` on."""
    list_id(list_name)
    subject_id(who)
    _page(limit, None)
    start = keys.history_key(list_name, who, after - 1) if after > 0 else None
    rows = state.scan(keys.history_prefix(list_name, who), limit, start)
    events = [orjson.loads(v) for _, v in rows]
    return {
        "list": list_name,
        "subject": who,
        "events": events,
        "next": events[-1]["seq"] + 1 if len(events) == limit else None,
    }


def entries(state: Scanner, list_name: str, *, after: str | None = None, limit: int = MAX_PAGE) -> dict[str, Any]:
    """The subjects listed on ``list_name`` (expired listings included until delisted), by subject."""
    list_id(list_name)
    _page(limit, after)
    prefix = keys.entry_prefix(list_name)
    rows = state.scan(prefix, limit, None if after is None else prefix + after.encode())
    items = [orjson.loads(v) for _, v in rows]
    return {"list": list_name, "entries": items, "next": items[-1]["subject"] if len(items) == limit else None}


def lists(state: Scanner) -> dict[str, Any]:
    """Every list id that has ever been used, with the block that first used it."""
    prefix = keys.list_key("")
    found = [{"list": k[len(prefix) :].decode(), **orjson.loads(v)} for k, v in state.scan(prefix, MAX_LISTS)]
    return {"lists": found}
