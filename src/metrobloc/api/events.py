"""The Server-Sent Events route: committed blocks and module events as they happen."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import orjson
from fastapi import APIRouter, Query, Request
from starlette.responses import StreamingResponse

from metrobloc.node import Node

KEEP_ALIVE_S = 15


def router(node: Node) -> APIRouter:
    r = APIRouter(tags=["events"])

    @r.get(
        "/v1/events",
        summary="Server-Sent Events of blocks and module events",
        response_class=StreamingResponse,
        responses={
            200: {"description": "An event stream", "content": {"text/event-stream": {"schema": {"type": "string"}}}}
        },
    )
    async def events(
        request: Request,
        types: str | None = Query(None, description="Comma-separated event types, e.g. block,assets/transfer"),
    ) -> StreamingResponse:
        wanted = frozenset(t.strip() for t in types.split(",") if t.strip()) if types else None
        headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
        return StreamingResponse(_stream(node, request, wanted), media_type="text/event-stream", headers=headers)

    return r


async def _stream(node: Node, request: Request, wanted: frozenset[str] | None) -> AsyncIterator[bytes]:
    sub = node.hub.subscribe(wanted)
    try:
        yield b": connected\n\n"
        while True:
            try:
                event = await asyncio.wait_for(sub.queue.get(), KEEP_ALIVE_S)
            except TimeoutError:
                if await request.is_disconnected():
                    return
                yield b": keep-alive\n\n"
                continue
            if event is None:
                yield b"event: overflow\ndata: {}\n\n"
                return
            yield b"event: " + event["type"].encode() + b"\ndata: " + orjson.dumps(event) + b"\n\n"
    finally:
        node.hub.unsubscribe(sub)
