"""The asset page: its rules and supply, its holders, and its issuance (mints and burns) over time."""

from __future__ import annotations

import functools
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
ISSUANCE_FIELDS = ("seq", "tx_hash", "height", "type", "count", "amount", "supply_after")
ISSUANCE_SCANNED = 2000
"""Recent mint and burn txs of the whole chain searched for an asset's issuance."""
CHART_BLOCKS = 200
"""Blocks with mints or burns shown on the asset page (the export has every change)."""


def holders(node: Node, symbol: str, cursor: str | None, limit: int) -> tuple[list[dict[str, Any]], str | None]:
    page = queries.holders(node.store.reader, symbol, cursor=cursor, limit=limit)
    return page["holders"], page["next"]


def _changes(node: Node, event_type: str, symbol: str) -> list[dict[str, Any]]:
    """This asset's mints (or burns) per tx among the chain's last ``ISSUANCE_SCANNED`` such txs,
    newest first: how many, and the units they added (negative for burns)."""
    sign = 1 if event_type == "assets/mint" else -1
    found: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(ISSUANCE_SCANNED // lists.MAX_PAGE):
        page = lists.event_history(node, event_type, cursor, lists.MAX_PAGE)
        for tx in page["txs"]:
            amounts = [int(e["attributes"]["amount"]) for e in tx["events"] if e["attributes"].get("asset") == symbol]
            if amounts:
                where = {k: tx[k] for k in ("seq", "tx_hash", "height")}
                found.append({**where, "type": event_type, "count": len(amounts), "amount": sign * sum(amounts)})
        cursor = page["next"]
        if cursor is None:
            break
    return found


def issuance(node: Node, symbol: str, supply: int) -> list[dict[str, Any]]:
    """Mints and burns per tx, oldest first, each with the supply after it (counted back from today's)."""
    changes = sorted(
        _changes(node, "assets/mint", symbol) + _changes(node, "assets/burn", symbol),
        key=lambda c: (c["seq"], c["type"] == "assets/mint"),
        reverse=True,
    )
    after = supply
    for change in changes:
        change["supply_after"] = str(after)
        after -= change["amount"]
        change["amount"] = str(change["amount"])
    return changes[::-1]


def by_block(changes: list[dict[str, Any]], decimals: int) -> list[dict[str, Any]]:
    """Mints and burns summed per block (the last ``CHART_BLOCKS`` blocks that had any), oldest first."""
    blocks: dict[int, dict[str, Any]] = {}
    for change in changes:
        row = blocks.setdefault(change["height"], {"height": change["height"], "changes": 0, "net": 0})
        row["changes"] += change["count"]
        row["net"] += int(change["amount"])
        row["supply_after"] = int(change["supply_after"])
    rows = list(blocks.values())[-CHART_BLOCKS:]
    for row in rows:
        row["net_shown"] = display.amount(row["net"], decimals)
        row["supply_shown"] = display.amount(row["supply_after"], decimals)
        row["supply_value"] = row["supply_after"] / 10**decimals
    return rows


def router(site: Site) -> APIRouter:
    r = APIRouter(include_in_schema=False)
    node = site.node

    @functools.lru_cache(maxsize=64)
    def cached(symbol: str, newest: tuple[tuple[int, ...], ...], supply: int) -> list[dict[str, Any]]:
        return issuance(node, symbol, supply)

    def recent_issuance(symbol: str, supply: int) -> list[dict[str, Any]]:
        """``issuance``, computed again only after a mint or a burn (of any asset) is committed."""
        newest = tuple(tuple(node.store.indexes.event_seqs(t, 1 << 62, 1)) for t in ("assets/mint", "assets/burn"))
        return [dict(change) for change in cached(symbol, newest, supply)]

    @r.get("/assets/{symbol}")
    @site.page("asset.html")
    def asset(symbol: str = SYMBOL, cursor: str | None = Query(None, max_length=90)) -> Page:
        record = queries.asset(node.store.reader, symbol)
        decimals = record["decimals"]
        items, after = holders(node, symbol, cursor, lists.MAX_PAGE)
        return Page(
            asset=record,
            supply=display.amount(record["supply"], decimals),
            max_supply=None if record["max_supply"] is None else display.amount(record["max_supply"], decimals),
            holders=[{**h, "shown": display.amount(h["balance"], decimals)} for h in items],
            issuance=by_block(recent_issuance(symbol, int(record["supply"])), decimals),
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
            return recent_issuance(symbol, int(record["supply"])), None

        return site.export(listing, ISSUANCE_FIELDS, fmt, f"{symbol}-issuance", None)

    return r
