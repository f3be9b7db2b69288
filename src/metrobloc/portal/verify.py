"""The verify page: a proof bundle and a genesis the reader trusts, checked in the browser.

The page is the same for everyone and carries nothing of the node's: the reader pastes both
documents (the genesis from a source they trust, never from this node), ``js/verify-page.js`` checks
them with ``js/verify.js`` and shows every step; nothing is sent anywhere.
"""

from __future__ import annotations

from fastapi import APIRouter

from metrobloc.portal.site import Page, Site


def router(site: Site) -> APIRouter:
    r = APIRouter(include_in_schema=False)

    @r.get("/verify")
    @site.page("verify.html")
    def verify() -> Page:
        return Page()

    return r
