"""The land registry's portal pages (found by the portal by convention, like ``routes.py`` by the API):
a parcel (owners and shares, liens in rank order, settled claims, its history with proof links),
the parcels of a district or of an owner, a lender's liens; each list also as CSV and JSON.

Templates live in ``templates/land/``. The portal hands ``router`` the committed state and a
``Site``: the narrow part of the portal these pages use, declared here as ``expected.py`` does for
keepers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, ParamSpec, Protocol

from fastapi import APIRouter, Path, Query
from starlette.responses import Response

from metrobloc.execution.state_access import Scanner
from metrobloc.modules.land import queries

P = ParamSpec("P")
Listing = Callable[[str | None, int], tuple[list[dict[str, Any]], str | None]]
PAGE = 50
PARCEL = Path(max_length=64)
ADDRESS = Path(max_length=90)
CURSOR = Query(None, max_length=300)
LINKS = {
    "parcel": "/land/parcels/{}",
    "parcels": "/land/parcels/{}",
    "into": "/land/parcels/{}",
    "children": "/land/parcels/{}",
    "parents": "/land/parcels/{}",
    "district": "/land/districts/{}",
}
"""Field and event attribute names whose values are land pages (the tx page links them)."""
SEARCH_PAGES = {"parcel": "/land/parcels/{}"}
"""Search kind -> page."""
PARCEL_FIELDS = ("parcel", "district", "area_m2", "owners", "status", "registered_height", "liens", "revenue_rights")
HISTORY_FIELDS = ("seq", "type", "height", "time_ms", "tx_hash", "details", "proof")
LIEN_FIELDS = (
    "parcel",
    "lien_id",
    "rank",
    "lender",
    "amount",
    "asset",
    "reference_digest",
    "created_height",
    "created_tx",
    "prior_liens",
)


class Site(Protocol):
    """What these pages need of the portal."""

    def page(self, template: str) -> Callable[[Callable[P, Mapping[str, Any]]], Callable[P, Response]]: ...

    def export(self, listing: Listing, fields: Sequence[str], fmt: str, name: str, cursor: str | None) -> Response: ...

    def amount(self, units: int | str, asset: str) -> str: ...


def account_links(address: str) -> list[tuple[str, str]]:
    """Land pages about an account, listed on its page."""
    return [("Parcels it owns a share of", f"/land/owners/{address}"), ("Liens it holds", f"/land/lenders/{address}")]


def _history(state: Scanner, parcel: str, cursor: str | None, limit: int) -> tuple[list[dict[str, Any]], str | None]:
    after = int(cursor) if cursor and cursor.isdigit() else 0
    page = queries.history(state, parcel, after=after, limit=limit)
    return page["events"], None if page["next"] is None else str(page["next"])


def _paged(key: str, query: Callable[..., dict[str, Any]], state: Scanner, subject: str) -> Listing:
    def listing(cursor: str | None, limit: int) -> tuple[list[dict[str, Any]], str | None]:
        page = query(state, subject, after=cursor, limit=min(limit, queries.MAX_PAGE))
        return page[key], page["next"]

    return listing


def _list_page(listing: Listing, cursor: str | None, url: str, export: str = "", **context: Any) -> dict[str, Any]:
    """One page of a list at ``url``, its next page's URL and its exports (``export`` or ``url`` + .csv/.json)."""
    items, after = listing(cursor, PAGE)
    exports = {f: f"{export or url}.{f}" for f in ("csv", "json")}
    next_url = None if after is None else f"{url}?cursor={after}"
    return {**context, "items": items, "next_url": next_url, "exports": exports}


def router(state: Scanner, site: Site) -> APIRouter:
    r = APIRouter(include_in_schema=False)
    # The exports first: a page's path parameter would also match "<id>.csv".
    exports: dict[str, tuple[Callable[[str], Listing], Sequence[str]]] = {
        "/land/parcels/{subject}/history": (lambda s: lambda c, n: _history(state, s, c, n), HISTORY_FIELDS),
        "/land/districts/{subject}": (
            lambda s: _paged("parcels", queries.parcels_by_district, state, s),
            PARCEL_FIELDS,
        ),
        "/land/owners/{subject}": (lambda s: _paged("parcels", queries.parcels_by_owner, state, s), PARCEL_FIELDS),
        "/land/lenders/{subject}": (lambda s: _paged("liens", queries.liens_by_lender, state, s), LIEN_FIELDS),
    }
    for path, (make, fields) in exports.items():
        _export_route(r, site, path, make, fields)

    def liens(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{**lien, "shown": site.amount(lien["amount"], lien["asset"])} for lien in items]

    @r.get("/land/parcels/{parcel}")
    @site.page("land/parcel.html")
    def parcel(parcel: str = PARCEL, cursor: str | None = CURSOR) -> Mapping[str, Any]:
        record = queries.parcel(state, parcel)
        listing: Listing = lambda c, n: _history(state, parcel, c, n)  # noqa: E731
        url = f"/land/parcels/{parcel}"
        return _list_page(listing, cursor, url, f"{url}/history", parcel=record, liens=liens(record["liens"]))

    @r.get("/land/districts/{district}")
    @site.page("land/district.html")
    def district(district: str = Path(max_length=64), cursor: str | None = CURSOR) -> Mapping[str, Any]:
        listing = _paged("parcels", queries.parcels_by_district, state, district)
        return _list_page(listing, cursor, f"/land/districts/{district}", district=district)

    @r.get("/land/owners/{address}")
    @site.page("land/owner.html")
    def owner(address: str = ADDRESS, cursor: str | None = CURSOR) -> Mapping[str, Any]:
        listing = _paged("parcels", queries.parcels_by_owner, state, address)
        return _list_page(listing, cursor, f"/land/owners/{address}", owner=address)

    @r.get("/land/lenders/{address}")
    @site.page("land/lender.html")
    def lender(address: str = ADDRESS, cursor: str | None = CURSOR) -> Mapping[str, Any]:
        page = _list_page(
            _paged("liens", queries.liens_by_lender, state, address), cursor, f"/land/lenders/{address}", lender=address
        )
        return {**page, "items": liens(page["items"])}

    return r


def _export_route(r: APIRouter, site: Site, path: str, make: Callable[[str], Listing], fields: Sequence[str]) -> None:
    name = path.split("/")[2]

    @r.get(path + ".{fmt}")
    def export(fmt: str, subject: str = Path(max_length=90), cursor: str | None = CURSOR) -> Response:
        return site.export(make(subject), fields, fmt, f"land-{name}-{subject}", cursor)
