"""Routes of the node's personal-data store: signed requests to store, read, list and erase a subject's
documents (docs/spec/personal-data.md). The node checks and logs; this file only speaks HTTP."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Depends, Header, Path, Request
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from metrobloc.api.bodies import json_response, read_limited
from metrobloc.api.openapi import errors_doc
from metrobloc.codec import b64url_decode, is_address
from metrobloc.errors import InvalidInput, TooLarge
from metrobloc.execution.messages import Address, param_schema
from metrobloc.ledger import pds as wire
from metrobloc.node import Node, pds

DOCUMENTS = "/v1/pds/subjects/{subject}/documents"
METHODS = {"/v1/pds": ("GET",), DOCUMENTS: ("GET",), DOCUMENTS + "/{digest}": ("DELETE", "GET", "PUT")}
"""The methods of each path of the store (what a 405 answer's ``Allow`` lists)."""
KEY_PATTERN = "^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$"
NONCE_PATTERN = "^[A-Za-z0-9_-]{21}[AQgw]$"
SIGNATURE_PATTERN = "^[A-Za-z0-9_-]{85}[AQgw]$"
SUBJECT = Path(..., description="The data subject's address.", json_schema_extra=param_schema(Address))
DIGEST = Path(..., description="The document's SHA-256, 64 lower-case hex digits.", pattern=wire.DIGEST.pattern)
SERVE_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Disposition": "attachment",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "sandbox; default-src 'none'",
}
"""A document is personal data of any media type: never cached, never rendered in the portal's origin."""

SIGNED = {
    400: ["request.invalid", "pds.bad_request", "codec.bad_base64url", "codec.bad_length"],
    401: ["pds.bad_signature", "pds.stale_request", "pds.wrong_key", "pds.forbidden"],
    409: ["pds.replay"],
}
PUT_ANSWERS = {
    **SIGNED,
    400: [*SIGNED[400], "request.bad_length", "pds.bad_media_type", "pds.digest_mismatch"],
    409: [*SIGNED[409], "pds.erased", "pds.exists", "pds.quota"],
    413: ["pds.too_large"],
}
READ_ANSWERS = {
    **SIGNED,
    400: [*SIGNED[400], "pds.no_purpose"],
    404: ["pds.not_found"],
    409: [*SIGNED[409], "pds.erased", "pds.no_agency_key", "pds.node_not_agency", "pds.log_failed"],
    503: ["pds.log_pending", "ordering.unavailable", "node.unavailable", "node.checker_unavailable"],
}
ERASE_ANSWERS = {
    **SIGNED,
    404: ["pds.not_found"],
    409: [*SIGNED[409], "pds.no_agency_key", "pds.node_not_agency"],
    503: ["pds.busy"],
}
BINARY = {"schema": {"type": "string", "format": "binary"}}
PUT_BODY = {"requestBody": {"required": True, "content": {"application/octet-stream": BINARY}}}


@dataclass(frozen=True)
class SignatureHeaders:
    """The signature headers of a request, shape-checked by their patterns."""

    signer: str
    public_key: str
    time_ms: int
    nonce: str
    signature: str
    purpose: str


def signature_headers(
    signer: str = Header(
        ..., alias=wire.SIGNER, description="The signer's address.", json_schema_extra=param_schema(Address)
    ),
    public_key: str = Header(
        ..., alias=wire.PUBLIC_KEY, description="The signer's current key, base64url.", pattern=KEY_PATTERN
    ),
    time_ms: int = Header(..., alias=wire.TIME, ge=0, le=2**53 - 1, description="When it was signed (Unix ms)."),
    nonce: str = Header(..., alias=wire.NONCE, description="16 random bytes, base64url.", pattern=NONCE_PATTERN),
    signature: str = Header(
        ..., alias=wire.SIGNATURE, description="Ed25519 over the request statement.", pattern=SIGNATURE_PATTERN
    ),
    purpose: str = Header(  # typed str, not str | None: the document says "a digest, or no header", never null
        None, alias=wire.PURPOSE, description="SHA-256 of an agency's stated purpose.", pattern=wire.DIGEST.pattern
    ),
) -> SignatureHeaders:
    """The headers every request to the store carries (``Metrobloc-Purpose`` only for agency reads)."""
    return SignatureHeaders(signer, public_key, time_ms, nonce, signature, purpose or "")


SIGNATURE = Depends(signature_headers)


class SharedPathRoute(APIRoute):
    """A route whose 405 answer names every method of its path (RFC 9110): Starlette would name only
    those of the first route registered on that path."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        allowed = METHODS.get(self.path)
        if allowed and scope["method"] not in allowed:
            raise HTTPException(405, "Method Not Allowed", headers={"Allow": ", ".join(allowed)})
        await super().handle(scope, receive, send)


class PdsRoutes:
    """Turns an HTTP request into the signed statement the node checks."""

    def __init__(self, node: Node) -> None:
        self.node = node

    def signed(
        self, request: Request, h: SignatureHeaders, subject: str, digest: str = "", media_type: str = ""
    ) -> wire.SignedPdsRequest:
        if not is_address(subject):
            raise InvalidInput("subject must be an mb1 address", "pds.bad_request")
        statement = wire.PdsRequest(
            self.node.genesis.chain_id,
            request.method,
            request.url.path,
            digest,
            media_type,
            h.purpose,
            h.signer,
            h.time_ms,
            h.nonce,
        )
        key = b64url_decode(h.public_key, length=32, what="public key")
        return wire.SignedPdsRequest(statement, key, b64url_decode(h.signature, length=64, what="signature"))

    async def put(self, request: Request, subject: str, digest: str, h: SignatureHeaders) -> Response:
        media_type = request.headers.get("content-type", "application/octet-stream").strip()
        if not wire.MEDIA_TYPE.fullmatch(media_type):
            raise pds.BAD_MEDIA_TYPE.error("Content-Type must be a lower-case type/subtype without parameters")
        try:
            content = await read_limited(request, pds.MAX_DOCUMENT_BYTES)
        except TooLarge:
            raise pds.TOO_LARGE.error(f"a document is at most {pds.MAX_DOCUMENT_BYTES} bytes") from None
        signed = self.signed(request, h, subject, digest, media_type)
        info, created = await self.node.pds.put(signed, subject, content)
        return json_response(info, 201 if created else 200)

    async def read(self, request: Request, subject: str, digest: str, h: SignatureHeaders) -> Response:
        doc, access_tx = await self.node.pds.read(self.signed(request, h, subject, digest), subject)
        headers = dict(SERVE_HEADERS)
        if access_tx is not None:
            headers[wire.ACCESS_TX] = access_tx
        return Response(doc.content, media_type=doc.media_type, headers=headers)

    async def erase(self, request: Request, subject: str, digest: str, h: SignatureHeaders) -> Response:
        erasure = await self.node.pds.erase(self.signed(request, h, subject, digest), subject)
        return json_response(erasure, 200 if erasure["erasure_tx"] else 202)

    async def listing(self, request: Request, subject: str, h: SignatureHeaders) -> Response:
        documents = await self.node.pds.listing(self.signed(request, h, subject), subject)
        return json_response({"subject": subject, "documents": documents})


def router(node: Node) -> APIRouter:
    r = APIRouter(tags=["pds"], route_class=SharedPathRoute)
    routes = PdsRoutes(node)

    @r.get("/v1/pds", summary="This node's personal-data store: its agency account, whether it logs reads, limits")
    async def pds_info() -> Response:
        return json_response(await _describe(node))

    @r.put(
        DOCUMENTS + "/{digest}",
        summary="Store a document for its subject (signed by the subject or an agency); 201, or 200 if held",
        openapi_extra=PUT_BODY,
        responses={201: {"description": "Stored"}, **errors_doc(PUT_ANSWERS)},
    )
    async def put_document(
        request: Request, subject: str = SUBJECT, digest: str = DIGEST, h: SignatureHeaders = SIGNATURE
    ) -> Response:
        return await routes.put(request, subject, digest, h)

    @r.get(
        DOCUMENTS + "/{digest}",
        summary="Read a document (its subject; or an agency for a stated purpose, logged on chain first)",
        responses={200: {"description": "The document", "content": {"*/*": BINARY}}, **errors_doc(READ_ANSWERS)},
    )
    async def get_document(
        request: Request, subject: str = SUBJECT, digest: str = DIGEST, h: SignatureHeaders = SIGNATURE
    ) -> Response:
        return await routes.read(request, subject, digest, h)

    @r.delete(
        DOCUMENTS + "/{digest}",
        summary="Erase a document at its subject's request; 200 once recorded on chain, 202 while not yet",
        responses={202: {"description": "Erased; not yet recorded on chain"}, **errors_doc(ERASE_ANSWERS)},
    )
    async def erase_document(
        request: Request, subject: str = SUBJECT, digest: str = DIGEST, h: SignatureHeaders = SIGNATURE
    ) -> Response:
        return await routes.erase(request, subject, digest, h)

    @r.get(DOCUMENTS, summary="A subject's documents, without content (for the subject)", responses=errors_doc(SIGNED))
    async def list_documents(request: Request, subject: str = SUBJECT, h: SignatureHeaders = SIGNATURE) -> Response:
        return await routes.listing(request, subject, h)

    return r


async def _describe(node: Node) -> dict[str, Any]:
    return await asyncio.to_thread(node.pds.describe)
