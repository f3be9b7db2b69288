"""Routes of the published status lists an issuing agency's node serves (docs/spec/credentials.md §5):
``PUT`` the bytes of an anchored version, ``GET`` the latest stored version or a given one."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Path, Request
from starlette.exceptions import HTTPException
from starlette.responses import Response

from metrobloc.api.bodies import json_response, read_limited
from metrobloc.api.openapi import errors_doc
from metrobloc.credentials.published import MAX_PUBLISHED_BYTES
from metrobloc.execution.messages import Address, param_schema
from metrobloc.modules.identity.msgs import ListId
from metrobloc.node import Node
from metrobloc.node.statuslists import Published

BASE = "/v1/identity/status-lists/{issuer}/{list_id}"
ISSUER = Path(..., description="The issuer's address.", json_schema_extra=param_schema(Address))
LIST_ID = Path(..., description="The list's id.", json_schema_extra=param_schema(ListId))
VERSION = Path(..., ge=1, le=2**53 - 1, description="An anchored version.")
BINARY = {"schema": {"type": "string", "format": "binary"}}
PUT_BODY = {"requestBody": {"required": True, "content": {"application/octet-stream": BINARY}}}
SERVED: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The published bytes: a signed BitstringStatusListCredential (application/vc) or a "
        "Status List Token (application/statuslist+jwt)",
        "content": {"application/vc": BINARY, "application/statuslist+jwt": BINARY},
    }
}
GET_ERRORS = {400: ["statuslist.bad_name", "request.invalid"], 404: ["statuslist.not_found"]}
PUT_ERRORS = {
    400: ["statuslist.bad_name", "request.invalid", "request.bad_length"],
    404: ["statuslist.not_anchored"],
    409: ["statuslist.digest_mismatch"],
    413: ["statuslist.too_large", "request.too_large"],
}
SERVE_HEADERS = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}
"""Verifiers fetch each time (a list changes with each version); the anchor says which bytes are right."""


def _served(found: Published) -> Response:
    headers = {**SERVE_HEADERS, "Metrobloc-Status-Version": str(found.version), "ETag": f'"{found.digest}"'}
    return Response(found.body, media_type=found.media_type, headers=headers)


def router(node: Node) -> APIRouter:
    r = APIRouter(tags=["credentials"])

    @r.put(
        BASE + "/{version}",
        summary="Publish the bytes of an anchored status list version (their SHA-256 must be the anchor's digest)",
        responses={200: {"description": "Stored (or already held)"}, **errors_doc(PUT_ERRORS)},
        openapi_extra=PUT_BODY,
    )
    async def put_status_list(
        request: Request, issuer: str = ISSUER, list_id: str = LIST_ID, version: int = VERSION
    ) -> Response:
        body = await read_limited(request, MAX_PUBLISHED_BYTES)
        stored = await asyncio.to_thread(node.status_lists.put, issuer, list_id, version, body)
        return json_response(stored.summary())

    @r.get(
        BASE, summary="The latest published version of a status list", responses={**SERVED, **errors_doc(GET_ERRORS)}
    )
    async def get_latest_status_list(issuer: str = ISSUER, list_id: str = LIST_ID) -> Response:
        return _served(await asyncio.to_thread(node.status_lists.get, issuer, list_id))

    @r.get(
        BASE + "/{version}",
        summary="One published version of a status list",
        responses={**SERVED, **errors_doc(GET_ERRORS)},
    )
    async def get_status_list(issuer: str = ISSUER, list_id: str = LIST_ID, version: int = VERSION) -> Response:
        return _served(await asyncio.to_thread(node.status_lists.get, issuer, list_id, version))

    @r.api_route(BASE + "/{version}", methods=["POST", "DELETE", "PATCH", "OPTIONS"], include_in_schema=False)
    async def other_methods(issuer: str, list_id: str, version: str) -> None:
        # GET and PUT are two routes; the framework's 405 would name only the first one's method.
        raise HTTPException(405, "Method Not Allowed", headers={"Allow": "GET, PUT"})

    return r
