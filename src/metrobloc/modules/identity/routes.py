"""HTTP routes of the identity module: the W3C DID Resolution HTTP binding and the registries."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, Path, Query, Request
from starlette.responses import Response

from metrobloc.errors import MetroblocError
from metrobloc.execution.messages import Address, param_schema
from metrobloc.modules.identity import queries
from metrobloc.modules.identity.expected import Accounts
from metrobloc.modules.identity.keeper import Scanner
from metrobloc.modules.identity.msgs import CredentialType, ListId, SchemaId

DID = Path(description="A DID, e.g. did:mb:mb1... (URL-encoded or not).", json_schema_extra={"maxLength": 256})
ADDRESS = Path(description="An account address.", json_schema_extra=param_schema(Address))
ISSUER = Path(description="The issuer's address.", json_schema_extra=param_schema(Address))
"""Its own ``Path``: FastAPI names a parameter after the first function that uses a ``Path`` object,
so sharing ADDRESS made the status route ask for a path parameter ``address`` it does not have."""
MAX_MS = 2**53 - 1
VERSION_ID = "^[1-9][0-9]{0,15}$"
RESOLUTION = "application/did-resolution"
DOCUMENT_TYPES = ("application/did+json", "application/did+ld+json")
DID_ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {"description": "The resolution result (or only the DID document, for Accept: application/did+json)"},
    410: {"description": "The DID is deactivated; didDocumentMetadata.deactivated is true"},
    501: {"description": "METHOD_NOT_SUPPORTED: a DID of another method than did:mb"},
}


def _json(body: Any, status: int, media_type: str) -> Response:
    return Response(orjson.dumps(body), status, media_type=media_type)


def router(state: Scanner, accounts: Accounts) -> APIRouter:
    r = APIRouter(tags=["identity"])

    @r.get("/1.0/identifiers/{did}", summary="Resolve a DID (W3C DID Resolution, HTTP binding)", responses=DID_ANSWERS)
    def resolve_did(
        request: Request,
        did: str = DID,
        # Checked by the route, not by FastAPI, so that a bad option gets the W3C answer
        # (INVALID_OPTIONS) like every other resolution error.
        version_id: str | None = Query(
            None, alias="versionId", description="A block height.", json_schema_extra={"pattern": VERSION_ID}
        ),
        version_time: str | None = Query(
            None,
            alias="versionTime",
            description="A date-time with a zone, e.g. 2026-11-29T05:38:06Z.",
            json_schema_extra={"maxLength": 40},
        ),
    ) -> Response:
        accept = request.headers.get("accept", "")
        try:
            height = None if version_id is None else queries.parse_height(version_id)
            result = queries.resolve(state, accounts, did, height, version_time)
        except MetroblocError as exc:
            status, body = queries.resolution_error(exc)
            return _json(body, status, RESOLUTION if RESOLUTION in accept else "application/json")
        status = 410 if result["didDocumentMetadata"]["deactivated"] else 200
        wanted = next((t for t in DOCUMENT_TYPES if t in accept), None)
        if wanted is not None:
            return _json(result["didDocument"], status, wanted)
        return _json(result, status, RESOLUTION if RESOLUTION in accept else "application/json")

    @r.get("/v1/identity/issuers/{address}", summary="An issuer's accreditations; accredited at a time for a type")
    def get_issuer(
        address: str = ADDRESS,
        credential_type: str | None = Query(
            None, alias="type", description="A credential type.", json_schema_extra=param_schema(CredentialType)
        ),
        at_ms: int | None = Query(None, ge=0, le=MAX_MS, description="Unix ms: was it accredited then?"),
    ) -> dict[str, Any]:
        return queries.accreditations(state, address, credential_type, at_ms)

    @r.get("/v1/identity/accreditations/{accreditation}", summary="One accreditation")
    def get_accreditation(accreditation: int = Path(..., ge=1, le=MAX_MS)) -> dict[str, Any]:
        return queries.accreditation(state, accreditation)

    @r.get("/v1/identity/schemas/{schema_id}", summary="A registered credential schema and its digest")
    def get_schema(
        schema_id: str = Path(..., description="A schema id.", json_schema_extra=param_schema(SchemaId)),
    ) -> dict[str, Any]:
        return queries.schema(state, schema_id)

    @r.get("/v1/identity/status/{issuer}/{list_id}", summary="A status list's anchored publications")
    def get_status(
        issuer: str = ISSUER,
        list_id: str = Path(..., description="The list id.", json_schema_extra=param_schema(ListId)),
    ) -> dict[str, Any]:
        return queries.status_anchor(state, issuer, list_id)

    return r
