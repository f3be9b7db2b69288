"""State key layout of the time-bank module (docs/spec/state.md §timebank)."""

PREFIX = b"timebank/"


def _join(*parts: str) -> bytes:
    return PREFIX + "/".join(parts).encode()


def bank_key(bank: str) -> bytes:
    """``timebank/bank/<bank>`` -> JCS of the bank record (name, starter, floor, its own balance, members)."""
    return _join("bank", bank)


def member_key(bank: str, member: str) -> bytes:
    """``timebank/member/<bank>/<member>`` -> JCS of the membership (residency digest, balance, entries)."""
    return _join("member", bank, member)


def member_prefix(bank: str) -> bytes:
    return _join("member", bank) + b"/"


def banks_of_key(member: str) -> bytes:
    """``timebank/banks_of/<member>`` -> JCS list of the banks an account is a member of, in address order."""
    return _join("banks_of", member)


def entry_key(bank: str, member: str, seq: int) -> bytes:
    """``timebank/entry/<bank>/<member>/<seq, 12 digits>`` -> JCS of one history entry (from 0)."""
    return _join("entry", bank, member, f"{seq:012d}")


def entry_prefix(bank: str, member: str) -> bytes:
    return _join("entry", bank, member) + b"/"


def listing_key(bank: str, listing_id: str) -> bytes:
    """``timebank/listing/<bank>/<listing id>`` -> JCS of an offer or request."""
    return _join("listing", bank, listing_id)


def listing_prefix(bank: str) -> bytes:
    return _join("listing", bank) + b"/"


def clearing_key(bank: str, other: str) -> bytes:
    """``timebank/clearing/<bank>/<other>`` -> ASCII integer: the minutes ``other`` owes ``bank`` (may be < 0)."""
    return _join("clearing", bank, other)


def clearing_prefix(bank: str) -> bytes:
    return _join("clearing", bank) + b"/"


def next_service_key() -> bytes:
    """``timebank/next_service`` -> the next service id, ASCII digits (absent: 1)."""
    return _join("next_service")


def service_key(service_id: int) -> bytes:
    """``timebank/service/<id, 12 digits>`` -> JCS of a recorded service."""
    return _join("service", f"{service_id:012d}")
