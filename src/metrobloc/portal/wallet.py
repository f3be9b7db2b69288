"""The wallet page, ``/accounts/{address}/wallet``: the API's wallet answer (``api.wallet``) shown for
people, every asset with its lots, their expiry and what is spendable, minutes per time bank and the
watch-list listings about the account, all as of the block the page reflects."""

from __future__ import annotations

from fastapi import APIRouter, Path

from metrobloc.api import wallet
from metrobloc.portal.site import Page, Site

ADDRESS = Path(max_length=90)


def router(site: Site) -> APIRouter:
    r = APIRouter(include_in_schema=False)
    node = site.node
    modules = {m.name for m in node.app.modules}

    @r.get("/accounts/{address}/wallet")
    @site.page("wallet.html")
    def wallet_page(address: str = ADDRESS) -> Page:
        found = wallet.wallet(node.store.reader, address, site.height(), site.tip_time_ms(), modules)
        return Page(**found, api_url=f"/v1/accounts/{address}/wallet")

    return r
