"""The watch-list module's portal pages (found by the portal by convention, like ``routes.py`` by the
API): the lists in use, a list's current entries (also as CSV and JSON), and a subject's page (its
listing with a state check verified in the browser, ``js/state-verify.js``, and its full history).
Templates live in ``templates/watchlist/``; ``Site`` is the narrow part of the portal these pages use.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, ParamSpec, Protocol

from fastapi import APIRouter, Path, Query
from starlette.responses import Response

from metrobloc.modules.watchlist import keys, queries
from metrobloc.modules.watchlist.keeper import Scanner

P = ParamSpec("P")
Listing = Callable[[str | None, int], tuple[list[dict[str, Any]], str | None]]
PAGE = 50
LIST = Path(max_length=32)
SUBJECT = Path(max_length=80)
CURSOR = Query(None, max_length=100)
NAV = (("Watch-lists", "/watchlist"),)
"""Links this module adds to the portal's main navigation."""
LINKS = {"list": "/watchlist/{}"}
"""Field and event attribute names whose values are watch-list pages (the tx page links them)."""
ENTRY_FIELDS = (
    "subject",
    "authority",
    "reason_code",
    "legal_basis_digest",
    "expires_ms",
    "since_height",
    "since_ms",
    "updated_height",
    "tx_hash",
)
CHECKED = ("authority", "reason_code", "legal_basis_digest", "expires_ms", "since_height")
"""The listing's members the subject page's state check proves."""


class Site(Protocol):
    """What these pages need of the portal."""

    def page(self, template: str) -> Callable[[Callable[P, Mapping[str, Any]]], Callable[P, Response]]: ...

    def export(self, listing: Listing, fields: Sequence[str], fmt: str, name: str, cursor: str | None) -> Response: ...


def entries_listing(state: Scanner, list_id: str) -> Listing:
    def listing(cursor: str | None, limit: int) -> tuple[list[dict[str, Any]], str | None]:
        page = queries.entries(state, list_id, after=cursor, limit=min(limit, queries.MAX_PAGE))
        return page["entries"], page["next"]

    return listing


def subject_page(state: Scanner, list_id: str, subject: str) -> dict[str, Any]:
    """The listing (or none), what the state check expects of its key, and the whole history (newest first)."""
    answer = queries.subject(state, list_id, subject)
    listing = answer["listing"]
    events: list[dict[str, Any]] = []
    after = 0
    while True:
        page = queries.history(state, list_id, subject, after=after)
        events += page["events"]
        if page["next"] is None:
            break
        after = page["next"]
    expect = None if listing is None else {name: listing[name] for name in CHECKED}
    return {
        "list": list_id,
        "subject": subject,
        "listing": listing,
        "hashed": subject.startswith("sha256:"),
        "events": list(reversed(events)),
        "state_key": keys.entry_key(list_id, subject).decode(),
        "expect": expect,
        "api_url": f"/v1/watchlist/{list_id}/subjects/{subject}",
    }


def router(state: Scanner, site: Site) -> APIRouter:
    r = APIRouter(include_in_schema=False)

    @r.get("/watchlist")
    @site.page("watchlist/lists.html")
    def lists() -> Mapping[str, Any]:
        return queries.lists(state)

    # The export before the list page: the page's path parameter would also match "<list>.csv".
    @r.get("/watchlist/{list_id}.{fmt}")
    def export(fmt: str, list_id: str = LIST, cursor: str | None = CURSOR) -> Response:
        queries.list_id(list_id)
        return site.export(entries_listing(state, list_id), ENTRY_FIELDS, fmt, f"watchlist-{list_id}", cursor)

    @r.get("/watchlist/{list_id}")
    @site.page("watchlist/list.html")
    def entries(list_id: str = LIST, cursor: str | None = CURSOR) -> Mapping[str, Any]:
        items, after = entries_listing(state, queries.list_id(list_id))(cursor, PAGE)
        url = f"/watchlist/{list_id}"
        return {
            "list": list_id,
            "items": items,
            "next_url": None if after is None else f"{url}?cursor={after}",
            "exports": {f: f"{url}.{f}" for f in ("csv", "json")},
        }

    @r.get("/watchlist/{list_id}/subjects/{subject}")
    @site.page("watchlist/subject.html")
    def subject(list_id: str = LIST, subject: str = SUBJECT) -> Mapping[str, Any]:
        return subject_page(state, list_id, subject)

    return r


__all__ = ["LINKS", "NAV", "router", "subject_page"]
