"""The identity module's portal pages (found by the portal by convention, like ``routes.py`` by the
API): the registry of accredited issuers and registered schemas, a DID page (its document, key
history, services, versions and a QR code), a schema page, and the page that verifies a VC-DI
credential in the browser (``js/vc-verify.js``; the page itself carries nothing of the node's).

Templates live in ``templates/identity/``. The portal hands ``router`` the committed state, a
``Site`` (the narrow part of the portal these pages use) and the accounts keeper the module
``needs`` (the key history lives there).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ParamSpec, Protocol

import orjson
import segno
from fastapi import APIRouter, Path, Query
from starlette.responses import Response

from metrobloc.credentials.multikey import encode_ed25519
from metrobloc.modules.identity import keys, queries
from metrobloc.modules.identity.expected import Accounts
from metrobloc.modules.identity.keeper import MAX_CHAIN, Accreditation, Scanner

P = ParamSpec("P")
MAX_ISSUERS = 500
"""Issuers listed on the registry page (a city has a handful; the API pages through the rest)."""
MAX_SCHEMAS = 500
MAX_MS = 2**53 - 1
DID = Path(max_length=256)
NAV = (("Issuers", "/identity/issuers"), ("Verify a credential", "/identity/verify"))
"""Links this module adds to the portal's main navigation."""
LINKS = {"did": "/identity/dids/{}", "schema_id": "/identity/schemas/{}"}
"""Field and event attribute names whose values are identity pages (the tx page links them)."""
KEEPER = queries.KEEPER


class Site(Protocol):
    """What these pages need of the portal."""

    def page(self, template: str) -> Callable[[Callable[P, Mapping[str, Any]]], Callable[P, Response]]: ...


def account_links(address: str) -> list[tuple[str, str]]:
    """Identity pages about an account, listed on its page."""
    return [("Its DID document", f"/identity/dids/did:mb:{address}"), ("Its accreditations", "/identity/issuers")]


def qr_code(text: str) -> str:
    """A QR code of ``text`` as an SVG data URI (an ``img`` source the portal's CSP allows)."""
    return str(segno.make(text, error="m").svg_data_uri(scale=4, border=2))


def _subjects(state: Scanner, prefix: bytes, limit: int) -> list[str]:
    return [k[len(prefix) :].decode() for k, _ in state.scan(prefix, limit)]


def chain_of(state: Scanner, acc: Accreditation) -> list[Accreditation]:
    """``acc`` and the accreditations above it, up to the root authority's (at most MAX_CHAIN + 1)."""
    chain = [acc]
    while acc.parent is not None and len(chain) <= MAX_CHAIN and (parent := KEEPER.accreditation(state, acc.parent)):
        chain.append(parent)
        acc = parent
    return chain


def accreditation_view(state: Scanner, acc: Accreditation) -> dict[str, Any]:
    """An accreditation as the registry shows it: its record, its chain, and whether it was revoked."""
    chain = chain_of(state, acc)
    revoked_above = [a.id for a in chain[1:] if a.revoked_height is not None]
    return {
        **acc.to_json(),
        "chain": [{"id": a.id, "accreditor": a.accreditor, "root": a.parent is None} for a in chain],
        "revoked": acc.revoked_height is not None,
        "revoked_above": revoked_above,
    }


def registry(state: Scanner) -> dict[str, Any]:
    """Every issuer with its accreditations (revoked ones included), and every registered schema."""
    prefix = keys.issuer_key("")
    issuers = []
    for subject in _subjects(state, prefix, MAX_ISSUERS):
        records = [a for i in KEEPER.accreditation_ids(state, subject) if (a := KEEPER.accreditation(state, i))]
        has_did = KEEPER.did(state, subject) is not None
        issuers.append(
            {"address": subject, "has_did": has_did, "accreditations": [accreditation_view(state, a) for a in records]}
        )
    schemas = [orjson.loads(v) for _, v in state.scan(keys.schema_key(""), MAX_SCHEMAS)]
    return {"issuers": issuers, "schemas": schemas}


def key_history(accounts: Accounts, state: Scanner, address: str, did: str) -> list[dict[str, Any]]:
    """The account's keys as the DID page lists them: method id, Multikey, when in force, status."""
    return [
        {
            "id": f"{did}#key-{n}",
            "multibase": encode_ed25519(e.public_key),
            "from_height": e.from_height,
            "from_time_ms": e.from_time_ms,
            "to_height": e.to_height,
            "to_time_ms": e.to_time_ms,
            "status": e.status,
            "compromised_since_ms": e.compromised_since_ms,
        }
        for n, e in enumerate(accounts.key_history(state, address), start=1)
    ]


def did_page(state: Scanner, accounts: Accounts, did: str, version_id: int | None) -> dict[str, Any]:
    """What the DID page shows: the resolution (at ``version_id``, if given), the key history and the versions."""
    result = queries.resolve(state, accounts, did, version_id, None)
    address = queries.did_address(did)
    history = key_history(accounts, state, address, did)
    changes = {int(v["updated_height"]) for v in _versions(state, address)}
    changes |= {k["from_height"] for k in history} | {k["to_height"] for k in history if k["to_height"]}
    return {
        "did": did,
        "address": address,
        "result": result,
        "document_json": orjson.dumps(result["didDocument"], option=orjson.OPT_INDENT_2).decode(),
        "keys": history,
        "versions": sorted(changes, reverse=True),
        "version_id": version_id,
        "current": version_id is None,
        "qr": qr_code(did),
        "resolution_url": f"/1.0/identifiers/{did}",
    }


def _versions(state: Scanner, address: str) -> list[dict[str, Any]]:
    return [orjson.loads(v) for _, v in state.scan(keys.did_version_prefix(address), queries.MAX_VERSIONS)]


def schema_page(state: Scanner, schema_id: str) -> dict[str, Any]:
    record = queries.schema(state, schema_id)
    return {
        "schema": record,
        "document_json": orjson.dumps(record["document"], option=orjson.OPT_INDENT_2).decode(),
        "api_url": f"/v1/identity/schemas/{schema_id}",
    }


def router(state: Scanner, site: Site, accounts: Accounts) -> APIRouter:
    r = APIRouter(include_in_schema=False)

    @r.get("/identity/issuers")
    @site.page("identity/issuers.html")
    def issuers() -> Mapping[str, Any]:
        return registry(state)

    @r.get("/identity/dids/{did}")
    @site.page("identity/did.html")
    def did(
        did: str = DID, version_id: int | None = Query(None, alias="versionId", ge=1, le=MAX_MS)
    ) -> Mapping[str, Any]:
        return did_page(state, accounts, did, version_id)

    @r.get("/identity/schemas/{schema_id}")
    @site.page("identity/schema.html")
    def schema(schema_id: str = Path(max_length=64)) -> Mapping[str, Any]:
        return schema_page(state, schema_id)

    @r.get("/identity/verify")
    @site.page("identity/verify.html")
    def verify() -> Mapping[str, Any]:
        return {}

    return r


__all__ = ["LINKS", "NAV", "account_links", "qr_code", "registry", "router"]
