"""The time-bank module's portal pages (found by the portal by convention, like ``routes.py`` by the
API): the institutional registry of banks, a bank's page (its book, members and clearing positions
with other banks) and a member's page (minutes per bank and the history at each). Templates live in
``templates/timebank/``; ``Site`` is the narrow part of the portal these pages use.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ParamSpec, Protocol

from fastapi import APIRouter, Path, Query
from starlette.responses import Response

from metrobloc.modules.timebank import queries
from metrobloc.modules.timebank.keeper import Scanner

P = ParamSpec("P")
PAGE = 50
BANK = Path(max_length=80)
MEMBER = Path(max_length=80)
CURSOR = Query(None, max_length=80)
NAV = (("Time banks", "/timebank"),)
"""Links this module adds to the portal's main navigation."""
LINKS = {
    "bank": "/timebank/banks/{}",
    "provider_bank": "/timebank/banks/{}",
    "receiver_bank": "/timebank/banks/{}",
    "member": "/timebank/members/{}",
}
"""Field and event attribute names whose values are time-bank pages (the tx page links them)."""


class Site(Protocol):
    """What these pages need of the portal."""

    def page(self, template: str) -> Callable[[Callable[P, Mapping[str, Any]]], Callable[P, Response]]: ...


def account_links(address: str) -> list[tuple[str, str]]:
    """The time-bank page about an account, listed on its page."""
    return [("Its time-bank minutes", f"/timebank/members/{address}")]


def bank_page(state: Scanner, bank: str, cursor: str | None) -> dict[str, Any]:
    """The bank with its book and clearing positions (named), and a page of its members."""
    found = queries.bank(state, bank)
    names = {b["bank"]: b["name"] for b in queries.banks(state)["banks"]}
    page = queries.members(state, bank, after=cursor, limit=PAGE)
    after = page["next"]
    return {
        **found,
        "clearing": [{**p, "name": names.get(p["bank"], "")} for p in found["clearing"]],
        "members_page": page["members"],
        "next_url": None if after is None else f"/timebank/banks/{bank}?cursor={after}",
        "api_url": f"/v1/timebank/banks/{bank}",
    }


def _entries(state: Scanner, address: str, bank: str) -> list[dict[str, Any]]:
    """Every entry of the account at ``bank``, oldest first."""
    entries: list[dict[str, Any]] = []
    after: int | None = None
    while True:
        (history,) = queries.history(state, address, bank, after=after)["histories"]
        entries += history["entries"]
        if history["next"] is None:
            return entries
        after = history["next"]


def member_page(state: Scanner, address: str) -> dict[str, Any]:
    """The account's minutes per bank and, for each bank, its history (newest first)."""
    minutes = queries.member(state, address)
    names = {b["bank"]: b["name"] for b in queries.banks(state)["banks"]}
    histories = [{**b, "entries": list(reversed(_entries(state, address, b["bank"])))} for b in minutes["banks"]]
    return {
        "address": address,
        "total_minutes": minutes["total_minutes"],
        "histories": histories,
        "names": names,
        "api_url": f"/v1/timebank/members/{address}",
    }


def router(state: Scanner, site: Site) -> APIRouter:
    r = APIRouter(include_in_schema=False)

    @r.get("/timebank")
    @site.page("timebank/banks.html")
    def banks() -> Mapping[str, Any]:
        return queries.banks(state)

    @r.get("/timebank/banks/{bank}")
    @site.page("timebank/bank.html")
    def bank(bank: str = BANK, cursor: str | None = CURSOR) -> Mapping[str, Any]:
        return bank_page(state, bank, cursor)

    @r.get("/timebank/members/{address}")
    @site.page("timebank/member.html")
    def member(address: str = MEMBER) -> Mapping[str, Any]:
        return member_page(state, address)

    return r


__all__ = ["LINKS", "NAV", "account_links", "bank_page", "member_page", "router"]
