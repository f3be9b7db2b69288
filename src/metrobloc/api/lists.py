"""The chain's lists, newest first and paged by cursor: blocks, an account's txs, txs by event type.

Each page holds at most ``limit`` items and ``next``, the cursor of the following page (null on the
last one). A cursor names a position in commit order (a height, a log seq), so a page is the same
whenever it is asked for and blocks committed meanwhile never shift it: paging from the first page
to the last lists every item once. The functions here are what the routes answer, for the portal's
pages to call as they are.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import orjson
from fastapi import APIRouter, Path, Query
from starlette.responses import Response

from metrobloc.api.bodies import json_response
from metrobloc.api.openapi import errors_doc
from metrobloc.codec import decode_address
from metrobloc.errors import InvalidInput
from metrobloc.execution.messages import Address, param_schema
from metrobloc.node import Node

MAX_PAGE = 100
DEFAULT_PAGE = 20
CURSOR = re.compile(r"^(0|[1-9][0-9]{0,15})$")
LIMIT = Query(DEFAULT_PAGE, ge=1, le=MAX_PAGE, description=f"Items per page, 1..{MAX_PAGE}.")
CURSOR_PARAM = Query(
    None,
    description="The `next` of the previous page; omit for the newest.",
    json_schema_extra={"pattern": CURSOR.pattern},
)
ADDRESS = Path(description="An account address.", json_schema_extra=param_schema(Address))


def _cursor(cursor: str | None) -> int:
    """The log seq a page starts below (everything, without a cursor)."""
    if cursor is None:
        return 1 << 62
    if not CURSOR.fullmatch(cursor):
        raise InvalidInput(f"a cursor is the `next` of a page: decimal digits ({CURSOR.pattern})", "lists.bad_cursor")
    return int(cursor)


def _next(items: list[dict[str, Any]], limit: int, key: str) -> Any:
    """The cursor after a page fetched with one item beyond ``limit`` (dropped here), or None."""
    if len(items) <= limit:
        return None
    del items[limit:]
    return items[-1][key]


def recent_blocks(node: Node, before: int | None, limit: int) -> dict[str, Any]:
    """``GET /v1/blocks``: blocks below height ``before`` (all, without it), newest first."""
    top = node.store.tip.height + 1 if before is None else before
    blocks = []
    for height, block_hash, header in node.store.indexes.blocks(top, limit + 1):
        fields = orjson.loads(header)
        blocks.append(
            {"height": height, "block_hash": block_hash, "time_ms": fields["time_ms"], "tx_count": fields["tx_count"]}
        )
    return {"blocks": blocks, "next": _next(blocks, limit, "height")}


def _entries(node: Node, seqs: Sequence[int]) -> list[tuple[dict[str, Any], bytes, dict[str, Any]]]:
    """(position fields, JCS(tx), receipt) of log entries."""
    out = []
    for seq, height, tx, raw_receipt in node.store.indexes.entries(seqs):
        receipt = orjson.loads(raw_receipt)
        where = {"seq": seq, "tx_hash": receipt["tx_hash"], "height": height, "index": receipt["index"]}
        out.append((where, tx, receipt))
    return out


def account_txs(node: Node, address: str, cursor: str | None, limit: int) -> dict[str, Any]:
    """``GET /v1/accounts/{address}/txs``: the txs an account signed or is named in, newest first."""
    decode_address(address)
    seqs = node.store.indexes.account_seqs(address, _cursor(cursor), limit + 1)
    txs = [
        {
            **where,
            "status": receipt["status"],
            "error": receipt["error"],
            "msg_types": [m["type"] for m in orjson.loads(tx)["body"]["msgs"]],
        }
        for where, tx, receipt in _entries(node, seqs)
    ]
    cursor_after = _next(txs, limit, "seq")
    return {"address": address, "txs": txs, "next": None if cursor_after is None else str(cursor_after)}


def event_history(node: Node, event_type: str, cursor: str | None, limit: int) -> dict[str, Any]:
    """``GET /v1/events/history``: the txs that emitted an event of a type, with those events, newest first."""
    if event_type not in event_types(node):
        raise InvalidInput(f"no module emits events of type {event_type[:80]!r}", "events.unknown_type")
    seqs = node.store.indexes.event_seqs(event_type, _cursor(cursor), limit + 1)
    txs = [
        {**where, "events": [e for e in receipt["events"] if e["type"] == event_type]}
        for where, _, receipt in _entries(node, seqs)
    ]
    cursor_after = _next(txs, limit, "seq")
    return {"type": event_type, "txs": txs, "next": None if cursor_after is None else str(cursor_after)}


def event_types(node: Node) -> list[str]:
    """Every event type the chain's modules declare, in module order."""
    return [spec.type for module in node.app.modules for spec in module.events]


def router(node: Node) -> APIRouter:
    r = APIRouter(tags=["lists"])

    @r.get(
        "/v1/blocks",
        summary="Blocks, newest first: height, hash, time, tx count",
        responses=errors_doc({400: ["request.invalid"]}),
    )
    async def list_blocks(
        before: int | None = Query(None, ge=1, le=2**53 - 1, description="Blocks below this height (the `next`)."),
        limit: int = LIMIT,
    ) -> Response:
        return json_response(recent_blocks(node, before, limit))

    @r.get(
        "/v1/accounts/{address}/txs",
        summary="The txs an account signed or is named in (its events), newest first",
        responses=errors_doc({400: ["codec.bad_address", "lists.bad_cursor", "request.invalid"]}),
    )
    async def list_account_txs(
        address: str = ADDRESS, cursor: str | None = CURSOR_PARAM, limit: int = LIMIT
    ) -> Response:
        return json_response(account_txs(node, address, cursor, limit))

    types = event_types(node)
    declared = {"enum": types} if types else None  # an empty enum would admit nothing

    @r.get(
        "/v1/events/history",
        summary="Committed txs that emitted an event of one type, with those events, newest first",
        responses=errors_doc({400: ["events.unknown_type", "lists.bad_cursor", "request.invalid"]}),
    )
    async def list_events(
        event_type: str = Query(
            ..., alias="type", description="An event type, e.g. assets/transfer.", json_schema_extra=declared
        ),
        cursor: str | None = CURSOR_PARAM,
        limit: int = LIMIT,
    ) -> Response:
        return json_response(event_history(node, event_type, cursor, limit))

    return r
