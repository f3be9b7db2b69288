"""Read-only queries of the time-bank module over committed state: the registry of banks, a bank's book,
members, listings and clearing positions, an account's minutes per bank and its history."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import orjson

from metrobloc.codec import is_address
from metrobloc.modules.timebank import errors, keys
from metrobloc.modules.timebank.keeper import Bank, Scanner, TimebankKeeper, load
from metrobloc.modules.timebank.msgs import ListingId

KEEPER = TimebankKeeper()
MAX_PAGE = 100
MAX_BANKS = 500
"""Banks the registry lists (a city has a handful)."""
MAX_CLEARING = 500
MAX_LISTINGS = 1000
KINDS = ("offer", "request")


def _address(text: str, name: str = "address") -> str:
    if not is_address(text):
        raise errors.BAD_QUERY.error(f"{name} must be an mb1 address")
    return text


def _limit(limit: int) -> int:
    if not 1 <= limit <= MAX_PAGE:
        raise errors.BAD_QUERY.error(f"limit must be in 1..{MAX_PAGE}")
    return limit


def _bank(state: Scanner, bank: str) -> Bank:
    found = KEEPER.bank(state, _address(bank, "bank"))
    if found is None:
        raise errors.UNKNOWN_BANK.error(f"no bank at {bank}")
    return found


def banks(state: Scanner) -> dict[str, Any]:
    """Every registered bank, in address order: the institutional registry."""
    return {"banks": [orjson.loads(v) for _, v in state.scan(keys.bank_key(""), MAX_BANKS)]}


def clearing(state: Scanner, bank: str) -> dict[str, Any]:
    """The bank's positions: for each other bank, the minutes it owes this one (negative: owed to it)."""
    _bank(state, bank)
    prefix = keys.clearing_prefix(bank)
    positions = [
        {"bank": k[len(prefix) :].decode(), "minutes": int(v)} for k, v in state.scan(prefix, MAX_CLEARING) if int(v)
    ]
    return {"bank": bank, "positions": positions, "net": sum(p["minutes"] for p in positions)}


def bank(state: Scanner, address: str) -> dict[str, Any]:
    """A bank's record and its book: own balance + members' balances = net clearing position."""
    found = _bank(state, address)
    members = [orjson.loads(v)["balance"] for _, v in state.scan(keys.member_prefix(address), found.members + 1)]
    position = clearing(state, address)
    book = {
        "bank_balance": found.balance,
        "members_balance": sum(members),
        "clearing_net": position["net"],
    }
    return {**asdict(found), "book": book, "clearing": position["positions"]}


def members(state: Scanner, bank: str, after: str | None = None, limit: int = MAX_PAGE) -> dict[str, Any]:
    """A page of the bank's members in address order; ``next`` is the cursor of the next page."""
    _bank(state, bank)
    prefix = keys.member_prefix(bank)
    start = None if after is None else keys.member_key(bank, _address(after, "after"))
    rows = state.scan(prefix, _limit(limit) + 1, start)
    items = [orjson.loads(v) for _, v in rows[:limit]]
    return {"bank": bank, "members": items, "next": items[-1]["member"] if len(rows) > limit else None}


def listings(state: Scanner, bank: str, kind: str | None = None, open_only: bool = False) -> dict[str, Any]:
    """The bank's offers and requests in id order (at most 1,000), filtered by kind and openness."""
    _bank(state, bank)
    if kind is not None and kind not in KINDS:
        raise errors.BAD_QUERY.error("kind is offer or request")
    items = [orjson.loads(v) for _, v in state.scan(keys.listing_prefix(bank), MAX_LISTINGS)]
    items = [
        i for i in items if (kind is None or i["kind"] == kind) and not (open_only and i["closed_height"] is not None)
    ]
    return {"bank": bank, "listings": items}


def listing(state: Scanner, bank: str, listing_id: str) -> dict[str, Any]:
    if not ListingId.pattern.fullmatch(listing_id):
        raise errors.BAD_QUERY.error(f"listing_id must match {ListingId.pattern.pattern}")
    found = load(state, keys.listing_key(_address(bank, "bank"), listing_id))
    if found is None:
        raise errors.UNKNOWN_LISTING.error(f"{bank} has no listing {listing_id}")
    return dict(found)


def member(state: Scanner, address: str) -> dict[str, Any]:
    """An account's minutes per bank: what a wallet needs. An account of no bank has an empty list."""
    per_bank = KEEPER.balances(state, _address(address))
    return {"address": address, "banks": per_bank, "total_minutes": sum(b["balance"] for b in per_bank)}


def history(
    state: Scanner, address: str, bank: str | None = None, after: int | None = None, limit: int = MAX_PAGE
) -> dict[str, Any]:
    """The account's entries at each of its banks (or at ``bank``), oldest first, ``limit`` a bank."""
    _address(address)
    chosen = KEEPER.banks_of(state, address) if bank is None else [_address(bank, "bank")]
    out = []
    for b in chosen:
        m = KEEPER.membership(state, b, address)
        if m is None:
            raise errors.NOT_MEMBER.error(f"{address} is not a member of {b}")
        start = None if after is None else keys.entry_key(b, address, after)
        rows = state.scan(keys.entry_prefix(b, address), _limit(limit) + 1, start)
        entries = [orjson.loads(v) for _, v in rows[:limit]]
        out.append({"bank": b, "balance": m.balance, "entries": entries, "next": _next(entries, len(rows) > limit)})
    return {"address": address, "histories": out}


def _next(entries: list[dict[str, Any]], more: bool) -> int | None:
    return int(entries[-1]["seq"]) if more else None


def service(state: Scanner, service_id: int) -> dict[str, Any]:
    found = load(state, keys.service_key(service_id))
    if found is None:
        raise errors.UNKNOWN_SERVICE.error(f"no service {service_id}")
    return dict(found)
