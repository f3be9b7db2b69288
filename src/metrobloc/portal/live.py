"""The live feed: an event stream of HTML list items (``/live``) that the home page's htmx SSE
extension puts at the top of its lists, one ``block`` event per committed block and one ``tx``
event for each of its first txs. The items come from the node's event hub, as ``/v1/events`` does."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import orjson
from fastapi import APIRouter, Request
from starlette.responses import StreamingResponse

from metrobloc.portal.site import Site

KEEP_ALIVE_S = 15
TXS_PER_BLOCK = 10
"""Txs of one block sent to the feed (the home page shows ten)."""


def sse(event: str, html: str) -> bytes:
    """One Server-Sent Event whose data is an HTML fragment (a ``data:`` line per line)."""
    lines = "".join(f"data: {line}\n" for line in html.splitlines() or [""])
    return f"event: {event}\n{lines}\n".encode()


def router(site: Site) -> APIRouter:
    r = APIRouter(include_in_schema=False)
    feed = site.env.get_template("feed.html").module
    node = site.node

    def receipts(height: int) -> list[dict[str, Any]]:
        out = []
        for _, raw in node.store.block_entries(height):
            out.append(orjson.loads(raw))
            if len(out) == TXS_PER_BLOCK:
                break
        return out

    async def stream(request: Request) -> AsyncIterator[bytes]:
        sub = node.hub.subscribe(frozenset({"block"}))
        try:
            yield b": connected\n\n"
            while True:
                try:
                    block = await asyncio.wait_for(sub.queue.get(), KEEP_ALIVE_S)
                except TimeoutError:
                    if await request.is_disconnected():
                        return
                    yield b": keep-alive\n\n"
                    continue
                if block is None:  # fell behind: the browser reconnects and starts afresh
                    return
                yield sse("block", str(feed.block_item(block["height"], block["time_ms"], block["tx_count"])))  # type: ignore[attr-defined]
                for receipt in reversed(await asyncio.to_thread(receipts, block["height"])):
                    yield sse("tx", str(feed.tx_item(receipt)))  # type: ignore[attr-defined]
        finally:
            node.hub.unsubscribe(sub)

    @r.get("/live")
    async def live(request: Request) -> StreamingResponse:
        headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
        return StreamingResponse(stream(request), media_type="text/event-stream", headers=headers)

    return r
