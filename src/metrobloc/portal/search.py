"""The search box: an exact match goes straight to its page; otherwise "nothing found for ...".

The node's search (``GET /v1/search``) decides what matches; a query too long to match anything
is not looked at, so 10 kB of garbage answers as fast as a typo.
"""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import APIRouter, Query
from starlette.responses import RedirectResponse, Response

from metrobloc.api import search as node_search
from metrobloc.portal.site import Page, Site

PAGES = {"tx": "/txs/{}", "block": "/blocks/{}", "account": "/accounts/{}", "asset": "/assets/{}"}
"""Search kind -> the portal page of what was found (modules add theirs: ``SEARCH_PAGES``); an id of
several parts (``<org>/<proposal>``) fills one ``{}`` per part."""
SHOWN_CHARS = 100
"""Characters of an unmatched query repeated on the page."""


def router(site: Site, module_pages: Mapping[str, str]) -> APIRouter:
    r = APIRouter(include_in_schema=False)
    pages = {**PAGES, **module_pages}

    @r.get("/search")
    @site.page("search.html")
    def search(q: str = Query("")) -> Page | Response:
        if not q.strip():
            return Page(query="", matches=[], shown="")
        found = [m for m in node_search.matches(site.node, q) if m["kind"] in pages]
        links = [(m["kind"], m["id"], pages[m["kind"]].format(*str(m["id"]).split("/"))) for m in found]
        if len(links) == 1:
            return RedirectResponse(links[0][2], status_code=303)
        shown = q if len(q) <= SHOWN_CHARS else q[:SHOWN_CHARS] + "…"
        return Page(query=q, matches=links, shown=shown)

    return r
