"""Block pages: the list of blocks, newest first, and one block (header, attestations, its txs)."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, Path, Query
from starlette.responses import Response

from metrobloc.api import lists
from metrobloc.errors import NotFound
from metrobloc.node import Node
from metrobloc.portal.records import block_view
from metrobloc.portal.site import Page, Site

PAGE = 50
LIMIT = Query(PAGE, ge=1, le=100)
"""Items per page of a list page (``?limit=``)."""
HEIGHT = Path(ge=0, le=2**53 - 1)
BLOCK_FIELDS = ("height", "block_hash", "time_ms", "tx_count")
TX_FIELDS = ("seq", "tx_hash", "height", "index", "status", "error", "msg_types")
"""The fields of a tx in a list (a block's, an account's): the items of ``GET /v1/accounts/{address}/txs``."""


def next_url(path: str, cursor_name: str, cursor: object, limit: int) -> str | None:
    """The URL of a list's next page (``limit`` kept when it is not the default), or None."""
    if cursor is None:
        return None
    return f"{path}?{cursor_name}={cursor}" + ("" if limit == PAGE else f"&limit={limit}")


def tx_items(node: Node, seqs: list[int]) -> list[dict[str, Any]]:
    """The list items of these log entries."""
    items = []
    for seq, height, tx, raw in node.store.indexes.entries(seqs):
        receipt = orjson.loads(raw)
        items.append(
            {
                "seq": seq,
                "tx_hash": receipt["tx_hash"],
                "height": height,
                "index": receipt["index"],
                "status": receipt["status"],
                "error": receipt["error"],
                "msg_types": [m["type"] for m in orjson.loads(tx)["body"]["msgs"]],
            }
        )
    return items


def block_txs(node: Node, height: int, cursor: str | None, limit: int) -> tuple[list[dict[str, Any]], str | None]:
    """One page of a block's txs in block order; the cursor is the index of the next one."""
    found = node.store.block(height)
    if found is None:
        raise NotFound(f"no block at height {height}", "blocks.not_found")
    start = int(cursor) if cursor and cursor.isdigit() else 0
    count = orjson.loads(found[1])["tx_count"]
    end = min(count, start + limit)
    items = tx_items(node, list(range(found[3] + start, found[3] + end)))
    return items, (str(end) if end < count else None)


def block_list(node: Node, cursor: str | None, limit: int) -> tuple[list[dict[str, Any]], str | None]:
    before = int(cursor) if cursor and cursor.isdigit() else None
    page = lists.recent_blocks(node, before, limit)
    return page["blocks"], None if page["next"] is None else str(page["next"])


def router(site: Site) -> APIRouter:
    r = APIRouter(include_in_schema=False)
    node = site.node

    @r.get("/blocks")
    @site.page("blocks.html")
    def blocks(before: str | None = Query(None, max_length=20), limit: int = LIMIT) -> Page:
        items, after = block_list(node, before, limit)
        exports = {f: f"/blocks.{f}" for f in ("csv", "json")}
        return Page(blocks=items, next_url=next_url("/blocks", "before", after, limit), exports=exports)

    @r.get("/blocks.{fmt}")
    def blocks_export(fmt: str, cursor: str | None = Query(None, max_length=20)) -> Response:
        return site.export(lambda c, n: block_list(node, c, n), BLOCK_FIELDS, fmt, "blocks", cursor)

    @r.get("/blocks/{height}")
    @site.page("block.html")
    def block(height: int = HEIGHT, start: str | None = Query(None, max_length=20)) -> Page:
        view = block_view(node, height)
        txs, after = block_txs(node, height, start, PAGE)
        exports = {f: f"/blocks/{height}/txs.{f}" for f in ("csv", "json")}
        next_url = None if after is None else f"/blocks/{height}?start={after}"
        return Page(block=view, txs=txs, next_url=next_url, exports=exports)

    @r.get("/blocks/{height}/txs.{fmt}")
    def block_txs_export(fmt: str, height: int = HEIGHT, cursor: str | None = Query(None, max_length=20)) -> Response:
        listing = lambda c, n: block_txs(node, height, c, n)  # noqa: E731
        return site.export(listing, TX_FIELDS, fmt, f"block-{height}-txs", cursor)

    return r
