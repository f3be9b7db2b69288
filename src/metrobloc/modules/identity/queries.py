"""Read-only queries of the identity module: DID resolution (docs/spec/did-method.md §Read), issuers,
schemas and status-list anchors."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from metrobloc.codec import is_address
from metrobloc.credentials.multikey import encode_ed25519
from metrobloc.errors import MetroblocError
from metrobloc.modules.identity import errors, keys
from metrobloc.modules.identity.expected import Accounts
from metrobloc.modules.identity.keeper import Accreditation, DidRecord, IdentityKeeper, Scanner, load
from metrobloc.modules.identity.msgs import CredentialType, ListId, SchemaId

DID_CONTEXT = ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"]
METHOD = "mb"
MAX_VERSIONS = 10_000
RELATIONSHIPS = ("authentication", "assertionMethod", "capabilityInvocation")
KEEPER = IdentityKeeper()
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
HEIGHT = re.compile(r"[1-9][0-9]{0,15}")
MAX_DID_CHARS = 256
MAX_TIME_CHARS = 40


def iso(ms: int) -> str:
    """Unix ms as an XML Schema dateTime in UTC, to the second (e.g. 2026-11-29T05:38:06Z)."""
    return datetime.fromtimestamp(ms // 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> int:
    """An XML Schema dateTime with a zone (Z or ±hh:mm) as Unix ms; ``identity.bad_query`` otherwise.

    A time given to the second stands for that whole second (its last ms), since ``created``,
    ``updated`` and ``revoked`` are given to the second (DID Core §7.3.2): resolving at the
    ``updated`` of a version finds that version even when its block time has milliseconds.
    """
    if len(text) > MAX_TIME_CHARS:
        raise errors.BAD_QUERY.error(f"versionTime is at most {MAX_TIME_CHARS} characters")
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise errors.BAD_QUERY.error(f"{text!r} is not a date-time such as 2026-11-29T05:38:06Z") from None
    if parsed.tzinfo is None:
        raise errors.BAD_QUERY.error("a date-time needs a time zone (Z or +hh:mm)")
    ms = (parsed - EPOCH) // timedelta(milliseconds=1)  # exact: no float on the way
    return ms if "." in text or "," in text else ms + 999


def parse_height(text: str) -> int:
    """A ``versionId``: a block height, 1 to 16 decimal digits; ``identity.bad_query`` otherwise."""
    if not HEIGHT.fullmatch(text):
        raise errors.BAD_QUERY.error("versionId is a block height: 1 to 16 decimal digits, no leading 0")
    return int(text)


def did_address(did: str) -> str:
    """The account address of a ``did:mb`` DID; ``identity.invalid_did`` or ``identity.method_not_supported``."""
    parts = did.split(":")
    if len(did) > MAX_DID_CHARS or len(parts) < 3 or parts[0] != "did" or not parts[1] or not all(parts[2:]):
        raise errors.INVALID_DID.error(f"{did[:80]!r} is not a DID (did:<method>:<id>)")
    if parts[1] != METHOD:
        raise errors.METHOD_NOT_SUPPORTED.error(f"this node resolves did:mb only, not did:{parts[1][:32]}")
    if len(parts) != 3 or not is_address(parts[2]):
        raise errors.INVALID_DID.error("a did:mb DID is did:mb:<mb1 address>")
    return parts[2]


@dataclass(frozen=True)
class Version:
    """Where a resolution stands: the DID record and the keys as of one point of the chain."""

    record: DidRecord
    keys: list[Any]
    """Key entries known at that point, oldest first (each with ``in_force``, ``compromised``...)."""
    height: int
    """The versionId: the height of the last change to the document at or before that point."""
    time_ms: int


def _versions(state: Scanner, address: str) -> list[DidRecord]:
    rows = state.scan(keys.did_version_prefix(address), MAX_VERSIONS)
    return [DidRecord.from_json(orjson.loads(v)) for _, v in rows]


def _at(state: Scanner, accounts: Accounts, address: str, height: int | None, time_ms: int | None) -> Version:
    """The document's version at a height, or at a time, or the current one."""
    versions = _versions(state, address)
    history = accounts.key_history(state, address)
    if height is not None:
        versions = [v for v in versions if v.updated_height <= height]
        history = [k for k in history if k.from_height <= height]
    elif time_ms is not None:
        versions = [v for v in versions if v.updated_ms <= time_ms]
        history = [k for k in history if k.from_time_ms <= time_ms]
    if not versions:
        raise errors.DID_NOT_FOUND.error(f"did:mb:{address} did not exist then")
    record = versions[-1]
    changes = [(record.updated_height, record.updated_ms)] + [(k.from_height, k.from_time_ms) for k in history]
    changes += [(k.to_height, k.to_time_ms) for k in history if k.to_height is not None and _before(k, height, time_ms)]
    last_height, last_ms = max(changes)
    return Version(record, history, last_height, last_ms)


def _before(entry: Any, height: int | None, time_ms: int | None) -> bool:
    """Whether the key's retirement happened at or before the point resolved."""
    if height is not None:
        return bool(entry.to_height <= height)
    return time_ms is None or bool(entry.to_time_ms <= time_ms)


def document(did: str, version: Version) -> dict[str, Any]:
    """The DID document of a version: every key so far as a Multikey, the one in force in each relationship."""
    methods, current = [], None
    for n, entry in enumerate(version.keys, start=1):
        method: dict[str, Any] = {
            "id": f"{did}#key-{n}",
            "type": "Multikey",
            "controller": did,
            "publicKeyMultibase": encode_ed25519(entry.public_key),
        }
        if entry.compromised_since_ms is not None:
            method["revoked"] = iso(entry.compromised_since_ms)
        methods.append(method)
        if entry.to_height is None or entry.to_height > version.height:
            current = method["id"]
    doc: dict[str, Any] = {"@context": DID_CONTEXT, "id": did, "verificationMethod": methods}
    if not version.record.deactivated and current is not None:
        doc.update({name: [current] for name in RELATIONSHIPS})
    if version.record.services:
        doc["service"] = [
            {"id": f"{did}#{s['id']}", "type": s["type"], "serviceEndpoint": s["endpoint"]}
            for s in version.record.services
        ]
    return doc


def resolve(
    state: Scanner, accounts: Accounts, did: str, version_id: int | None = None, version_time: str | None = None
) -> dict[str, Any]:
    """The W3C DID resolution result ``{didDocument, didResolutionMetadata, didDocumentMetadata}``."""
    address = did_address(did)
    if version_id is not None and version_time is not None:
        raise errors.BAD_QUERY.error("give versionId or versionTime, not both")
    created = KEEPER.did(state, address)
    if created is None:
        raise errors.DID_NOT_FOUND.error(f"{did} has no DID document")
    version = _at(state, accounts, address, version_id, None if version_time is None else parse_iso(version_time))
    metadata: dict[str, Any] = {
        "created": iso(created.created_ms),
        "updated": iso(version.time_ms),
        "versionId": str(version.height),
        "deactivated": version.record.deactivated,
    }
    return {
        "didDocument": document(did, version),
        "didResolutionMetadata": {"contentType": "application/did+json"},
        "didDocumentMetadata": metadata,
    }


def resolution_error(exc: MetroblocError) -> tuple[int, dict[str, Any]]:
    """The HTTP status and W3C resolution result of a failed resolution (plus the API's error member)."""
    answers: dict[str, tuple[str, int]] = {
        errors.INVALID_DID: ("INVALID_DID", 400),
        errors.METHOD_NOT_SUPPORTED: ("METHOD_NOT_SUPPORTED", 501),
        errors.DID_NOT_FOUND: ("NOT_FOUND", 404),
    }
    name, status = answers.get(exc.code, ("INVALID_OPTIONS", 400))
    problem = {"type": f"https://www.w3.org/ns/did#{name}", "title": name, "detail": exc.message}
    return status, {
        "didDocument": None,
        "didResolutionMetadata": {"error": problem},
        "didDocumentMetadata": {},
        "error": {"code": exc.code, "message": exc.message},
    }


# -- issuers, schemas, status lists ----------------------------------------------------------------
def accreditations(state: Scanner, address: str, credential_type: str | None, at_ms: int | None) -> dict[str, Any]:
    """An issuer's accreditations; with ``at_ms``, whether it was accredited then (for the type, if given)."""
    if not is_address(address):
        raise errors.BAD_QUERY.error("address must be an mb1 address")
    if credential_type is not None and not CredentialType.pattern.fullmatch(credential_type):
        raise errors.BAD_QUERY.error(f"type must match {CredentialType.pattern.pattern}")
    records = [a for i in KEEPER.accreditation_ids(state, address) if (a := KEEPER.accreditation(state, i))]
    out: dict[str, Any] = {"address": address, "accreditations": [_accreditation(a) for a in records]}
    if at_ms is not None:
        found = KEEPER.in_force_for(state, address, at_ms, credential_type)
        out["accredited"] = found is not None
        out["by"] = None if found is None else found.id
        out["chain"] = [] if found is None else _chain(state, found)
    return out


def _accreditation(acc: Accreditation) -> dict[str, Any]:
    return acc.to_json()


def _chain(state: Scanner, acc: Accreditation) -> list[dict[str, Any]]:
    """The accreditation and those above it, up to the root authority's."""
    chain = [acc.to_json()]
    while acc.parent is not None and (parent := KEEPER.accreditation(state, acc.parent)) is not None:
        chain.append(parent.to_json())
        acc = parent
    return chain


def accreditation(state: Scanner, acc_id: int) -> dict[str, Any]:
    found = KEEPER.accreditation(state, acc_id)
    if found is None:
        raise errors.UNKNOWN_ACCREDITATION.error(f"no accreditation {acc_id}")
    return found.to_json()


def schema(state: Scanner, schema_id: str) -> dict[str, Any]:
    if not SchemaId.pattern.fullmatch(schema_id):
        raise errors.BAD_QUERY.error(f"schema_id must match {SchemaId.pattern.pattern}")
    record = load(state, keys.schema_key(schema_id))
    if record is None:
        raise errors.UNKNOWN_SCHEMA.error(f"no schema {schema_id}")
    return dict(record)


def status_anchor(state: Scanner, issuer: str, list_id: str) -> dict[str, Any]:
    """The last anchored publication of a status list, and every earlier one."""
    if not is_address(issuer) or not ListId.pattern.fullmatch(list_id):
        raise errors.BAD_QUERY.error("issuer must be an mb1 address and list_id match " + ListId.pattern.pattern)
    last = load(state, keys.status_key(issuer, list_id))
    if last is None:
        raise errors.UNKNOWN_STATUS_LIST.error(f"{issuer} anchored no list {list_id}")
    prefix = keys.status_version_key(issuer, list_id, 0)[:-10]
    versions = [orjson.loads(v) for _, v in state.scan(prefix, 1000)]
    return {"anchor": last, "versions": versions}
