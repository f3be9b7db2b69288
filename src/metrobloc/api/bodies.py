"""Request and response bodies: reading within a byte limit, answering JSON."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import Request
from starlette.responses import Response

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


def json_response(data: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(data), status_code=status, media_type="application/json")
