"""The asset page: its rules and supply, its holders, and its issuance (mints and burns) over time."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path, Query
from starlette.responses import Response

from metrobloc.api import lists
from metrobloc.modules.assets import queries
from metrobloc.node import Node
from metrobloc.portal import display
from metrobloc.portal.site import Page, Site

SYMBOL = Path(max_length=32)
HOLDER_FIELDS = ("address", "balance")
ISSUANCE_FIELDS = ("seq", "tx_hash", "height", "type", "amount", "supply_after")
ISSUANCE_SCANNED = 2000
"""Recent mints and burns of the whole chain searched for an asset's issuance."""


def holders(node: Node, symbol: str, cursor: str | None, limit: int) -> tuple[list[dict[str, Any]], str | None]:
    page = queries.holders(node.store.reader, symbol, cursor=cursor, limit=limit)
    return page["holders"], page["next"]


def _changes(node: Node, event_type: str, symbol: str) -> list[dict[str, Any]]:
    """This asset's events of one type among the chain's last ``ISSUANCE_SCANNED``, newest first."""
    found: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(ISSUANCE_SCANNED // lists.MAX_PAGE):
        page = lists.event_history(node, event_type, cursor, lists.MAX_PAGE)
        for tx in page["txs"]:
            for event in reversed(tx["events"]):
                if event["attributes"].get("asset") == symbol:
                    amount = int(event["attributes"]["amount"])
                    found.append(
                        {
                            **{k: tx[k] for k in ("seq", "tx_hash", "height", "index")},
                            "type": event_type,
                            "amount": str(amount if event_type == "assets/mint" else -amount),
                        }
                    )
        cursor = page["next"]
        if cursor is None:
            break
    return found


def issuance(node: Node, symbol: str, supply: int) -> list[dict[str, Any]]:
    """Mints and burns, oldest first, each with the supply after it (counted back from today's)."""
    changes = _changes(node, "assets/mint", symbol) + _changes(node, "assets/burn", symbol)
    changes.sort(key=lambda c: c["seq"], reverse=True)  # several events of one tx keep their order
    after = supply
    for change in changes:
        change["supply_after"] = str(after)
        after -= int(change["amount"])
    return changes[::-1]


def router(site: Site) -> APIRouter:
    r = APIRouter(include_in_schema=False)
    node = site.node

    @r.get("/assets/{symbol}")
    @site.page("asset.html")
    def asset(symbol: str = SYMBOL, cursor: str | None = Query(None, max_length=90)) -> Page:
        record = queries.asset(node.store.reader, symbol)
        decimals = record["decimals"]
        items, after = holders(node, symbol, cursor, lists.MAX_PAGE)
        history = issuance(node, symbol, int(record["supply"]))
        for change in history:
            change["shown"] = display.amount(change["amount"], decimals)
            change["supply_shown"] = display.amount(change["supply_after"], decimals)
        return Page(
            asset=record,
            supply=display.amount(record["supply"], decimals),
            max_supply=None if record["max_supply"] is None else display.amount(record["max_supply"], decimals),
            holders=[{**h, "shown": display.amount(h["balance"], decimals)} for h in items],
            issuance=history,
            next_url=None if after is None else f"/assets/{symbol}?cursor={after}",
            exports={f: f"/assets/{symbol}/holders.{f}" for f in ("csv", "json")},
            issuance_exports={f: f"/assets/{symbol}/issuance.{f}" for f in ("csv", "json")},
        )

    @r.get("/assets/{symbol}/holders.{fmt}")
    def holders_export(fmt: str, symbol: str = SYMBOL, cursor: str | None = Query(None, max_length=90)) -> Response:
        listing = lambda c, n: holders(node, symbol, c, n)  # noqa: E731
        return site.export(listing, HOLDER_FIELDS, fmt, f"{symbol}-holders", cursor)

    @r.get("/assets/{symbol}/issuance.{fmt}")
    def issuance_export(fmt: str, symbol: str = SYMBOL) -> Response:
        def listing(_: str | None, __: int) -> tuple[list[dict[str, Any]], str | None]:
            record = queries.asset(node.store.reader, symbol)
            return issuance(node, symbol, int(record["supply"])), None

        return site.export(listing, ISSUANCE_FIELDS, fmt, f"{symbol}-issuance", None)

    return r
