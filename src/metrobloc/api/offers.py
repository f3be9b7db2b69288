"""Routes of credential offers and requests by reference (docs/spec/credentials.md §8): ``POST`` a JSON
object, get a short id; ``GET`` it back by id, for a QR code that holds only the URL."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Path, Request
from starlette.responses import Response

from metrobloc.api.bodies import json_response, read_limited
from metrobloc.api.openapi import errors_doc
from metrobloc.node import Node
from metrobloc.node.offers import ID_PATTERN, MAX_OFFER_BYTES

OFFER_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"type": "object", "minProperties": 1}}},
    }
}


def router(node: Node) -> APIRouter:
    r = APIRouter(tags=["credentials"])

    @r.post(
        "/v1/identity/offers",
        summary="Store a credential offer or presentation request; answers its short id",
        status_code=201,
        responses={
            201: {"description": "`{id, expires_ms}`: fetch it at /v1/identity/offers/{id}"},
            **errors_doc(
                {
                    400: ["offers.bad_offer", "request.bad_length"],
                    413: ["offers.too_large", "request.too_large"],
                    503: ["offers.full"],
                }
            ),
        },
        openapi_extra=OFFER_BODY,
    )
    async def post_offer(request: Request) -> Response:
        body = await read_limited(request, MAX_OFFER_BYTES)
        return json_response(await asyncio.to_thread(node.offers.put, body), 201)

    @r.get(
        "/v1/identity/offers/{offer_id}",
        summary="A stored credential offer or presentation request",
        responses=errors_doc({400: ["request.invalid"], 404: ["offers.not_found"]}),
    )
    async def get_offer(
        offer_id: str = Path(..., description="The id POST answered.", pattern=ID_PATTERN),
    ) -> dict[str, Any]:
        return await asyncio.to_thread(node.offers.get, offer_id)

    return r
