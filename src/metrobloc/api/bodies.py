"""Reading request bodies within a byte limit."""

from __future__ import annotations

from fastapi import Request

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
