"""The account page: its key and roles, its key rotations, every balance, its tx history."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from fastapi import APIRouter, Path, Query
from starlette.responses import Response

from metrobloc.api import lists
from metrobloc.codec import decode_address
from metrobloc.modules.accounts import queries as account_queries
from metrobloc.modules.assets import KEEPER as ASSETS
from metrobloc.modules.assets.keys import PREFIX as ASSETS_PREFIX
from metrobloc.node import Node
from metrobloc.portal import display
from metrobloc.portal.blocks import LIMIT, TX_FIELDS, next_url
from metrobloc.portal.site import Page, Site

ADDRESS = Path(max_length=90)
MAX_ASSETS = 1000
"""Assets whose balances an account page looks up (symbol order)."""
ROTATIONS_SCANNED = 5000
"""Recent key rotations of the whole chain searched for an account's own."""
AccountLinks = Callable[[str], Sequence[tuple[str, str]]]


def balances(node: Node, address: str) -> list[dict[str, Any]]:
    """Every non-zero balance of ``address``, by asset symbol, with its decimals applied."""
    state = node.store.reader
    out = []
    for key, _ in state.scan(ASSETS_PREFIX + b"asset/", MAX_ASSETS):
        symbol = key.removeprefix(ASSETS_PREFIX + b"asset/").decode()
        units = ASSETS.balance(state, symbol, address)
        if units:
            asset = ASSETS.get(state, symbol)
            out.append(
                {"asset": symbol, "name": asset.name, "units": units, "shown": display.amount(units, asset.decimals)}
            )
    return out


def rotations(node: Node, address: str) -> list[dict[str, Any]]:
    """The account's key rotations (newest first) among the chain's last ``ROTATIONS_SCANNED``."""
    found: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(ROTATIONS_SCANNED // lists.MAX_PAGE):
        page = lists.event_history(node, "accounts/rotate_key", cursor, lists.MAX_PAGE)
        found += [t for t in page["txs"] if any(e["attributes"].get("address") == address for e in t["events"])]
        cursor = page["next"]
        if cursor is None:
            break
    return found


def account_txs(node: Node, address: str, cursor: str | None, limit: int) -> tuple[list[dict[str, Any]], str | None]:
    page = lists.account_txs(node, address, cursor, limit)
    return page["txs"], page["next"]


def router(site: Site, account_links: Sequence[AccountLinks]) -> APIRouter:
    r = APIRouter(include_in_schema=False)
    node = site.node

    @r.get("/accounts/{address}")
    @site.page("account.html")
    def account(address: str = ADDRESS, cursor: str | None = Query(None, max_length=20), limit: int = LIMIT) -> Page:
        decode_address(address)
        record = account_queries.account(node.store.reader, address)
        txs, after = account_txs(node, address, cursor, limit)
        return Page(
            address=address,
            record=record,
            admin=address == node.genesis.admin_address,
            rotations=rotations(node, address),
            balances=balances(node, address),
            txs=txs,
            more=[link for links in account_links for link in links(address)],
            next_url=next_url(f"/accounts/{address}", "cursor", after, limit),
            exports={f: f"/accounts/{address}/txs.{f}" for f in ("csv", "json")},
        )

    @r.get("/accounts/{address}/txs.{fmt}")
    def account_txs_export(
        fmt: str, address: str = ADDRESS, cursor: str | None = Query(None, max_length=20)
    ) -> Response:
        listing = lambda c, n: account_txs(node, address, c, n)  # noqa: E731
        return site.export(listing, TX_FIELDS, fmt, f"account-{address}-txs", cursor)

    return r
