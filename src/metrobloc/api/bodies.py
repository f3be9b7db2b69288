"""Reading request bodies within a byte limit, and parsing them as strict JSON."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from metrobloc.codec import parse_json
from metrobloc.errors import InvalidInput, TooLarge


async def read_limited(request: Request, limit: int) -> bytes:
    """The body, refusing (413) anything over ``limit`` bytes without buffering past it."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise InvalidInput("bad Content-Length", "request.bad_length")
        if int(declared) > limit:
            raise TooLarge(f"request body exceeds {limit} bytes", "request.too_large")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TooLarge(f"request body exceeds {limit} bytes", "request.too_large")
        chunks.append(chunk)
    return b"".join(chunks)


async def read_json(request: Request, limit: int, *, max_depth: int = 32) -> Any:
    body = await read_limited(request, limit)
    if not body:
        raise InvalidInput("request body is empty; send JSON", "codec.bad_json")
    return parse_json(body, max_depth=max_depth)
