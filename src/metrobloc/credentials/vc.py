"""The W3C Verifiable Credentials Data Model 2.0 as MetroBloc issues and accepts it: one credential type
besides ``VerifiableCredential``, a ``did:mb`` issuer, pinned contexts only, and the subject checked
against the JSON Schema registered on chain (docs/spec/credentials.md §4).

Building and checking are pure: times come in as arguments, nothing is fetched.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jsonschema
from referencing.exceptions import Unresolvable

from metrobloc.codec import is_address
from metrobloc.credentials.di import KNOWN_CONTEXTS, VC_V2_CONTEXT, add_proof, is_date_time_stamp
from metrobloc.credentials.status import StatusEntry, parse_status_entry
from metrobloc.crypto import PrivateKey
from metrobloc.errors import InvalidInput, VerificationFailed

JSONObject = dict[str, Any]
BASE_TYPE = "VerifiableCredential"
CREDENTIAL_TYPE = re.compile(r"[A-Z][A-Za-z0-9]{0,63}")
"""A credential type as accreditations name it (the identity module's ``CredentialType``)."""
SCHEMA_PATH = "/v1/identity/schemas/"
SCHEMA_ID = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
STATUS_LIST_PATH = "/v1/identity/status-lists/"
LIST_ID = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
MEMBERS = frozenset(
    {
        "@context", "id", "type", "issuer", "name", "description", "validFrom", "validUntil",
        "credentialSubject", "credentialSchema", "credentialStatus", "proof",
    }
)  # fmt: skip
"""Top-level members accepted; anything else is ``credential.unknown_member`` (no JSON-LD processing)."""
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Credential:
    """What the model check of a credential establishes (nothing about its proof yet)."""

    issuer: str
    """The issuer's DID, ``did:mb:<address>``."""
    issuer_address: str
    """The issuer's account address."""
    credential_type: str
    """The one type besides VerifiableCredential: what the issuer must be accredited for."""
    valid_from_ms: int
    """``validFrom`` as Unix ms: the DID version and accreditation are taken at this time."""
    valid_until_ms: int | None
    """``validUntil`` as Unix ms, if any."""
    schema_id: str | None
    """The registered schema id named by ``credentialSchema``, if any."""
    status: StatusEntry | None
    """The checked ``credentialStatus`` entry, if any."""


def to_ms(text: str) -> int:
    """An XML Schema dateTimeStamp as Unix ms (digits beyond ms are dropped); ``credential.bad_time``."""
    if not is_date_time_stamp(text):
        raise VerificationFailed(f"{str(text)[:40]!r} is not a date-time with a zone", "credential.bad_time")
    whole, _, rest = text.partition(".")
    if rest:  # Python reads at most microseconds: keep six digits and the zone
        digits = re.match(r"[0-9]*", rest)
        assert digits is not None
        whole += "." + digits.group()[:6].ljust(6, "0") + rest[digits.end() :]
    try:
        return (datetime.fromisoformat(whole) - _EPOCH) // timedelta(milliseconds=1)
    except (ValueError, OverflowError) as exc:
        raise VerificationFailed(f"date-time {text[:40]!r} is out of range", "credential.bad_time") from exc


def iso_seconds(ms: int) -> str:
    """Unix ms as ``YYYY-MM-DDTHH:MM:SSZ`` (UTC, to the second, rounded down)."""
    return datetime.fromtimestamp(ms // 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def did_address(did: object, code: str = "credential.bad_issuer") -> str:
    """The address of a ``did:mb:<address>`` DID (no fragment), or ``code``."""
    if not isinstance(did, str) or not did.startswith("did:mb:") or not is_address(did[7:]):
        raise VerificationFailed(f"{str(did)[:80]!r} is not a did:mb DID", code)
    return did[7:]


def status_list_parts(url: str) -> tuple[str, str]:
    """``(issuer address, list id)`` of a status list URL ``<node>/v1/identity/status-lists/<issuer>/<list>``."""
    _, found, tail = url.partition(STATUS_LIST_PATH)
    parts = tail.split("/")
    if not found or len(parts) != 2 or not is_address(parts[0]) or not LIST_ID.fullmatch(parts[1]):
        raise VerificationFailed(
            f"{url[:120]!r} is not a status list URL (<node>{STATUS_LIST_PATH}<issuer>/<list id>)",
            "credential.bad_status_entry",
        )
    return parts[0], parts[1]


def status_entry(list_url: str, index: int, purpose: str = "revocation") -> JSONObject:
    """A ``BitstringStatusListEntry`` for entry ``index`` of the list at ``list_url``."""
    status_list_parts(list_url)
    return {
        "id": f"{list_url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose,
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }


def build_credential(
    *,
    issuer: str,
    credential_type: str,
    subject: JSONObject,
    valid_from: str,
    valid_until: str | None = None,
    schema_url: str | None = None,
    status: JSONObject | None = None,
    credential_id: str | None = None,
) -> JSONObject:
    """An unsigned credential in the shape ``check_credential`` accepts (``InvalidInput`` otherwise)."""
    credential: JSONObject = {"@context": [VC_V2_CONTEXT]}
    if credential_id is not None:
        credential["id"] = credential_id
    credential.update({"type": [BASE_TYPE, credential_type], "issuer": issuer, "validFrom": valid_from})
    if valid_until is not None:
        credential["validUntil"] = valid_until
    credential["credentialSubject"] = copy.deepcopy(subject)
    if schema_url is not None:
        credential["credentialSchema"] = {"id": schema_url, "type": "JsonSchema"}
    if status is not None:
        credential["credentialStatus"] = copy.deepcopy(status)
    try:
        check_credential(credential, now_ms=None)
    except VerificationFailed as exc:
        raise InvalidInput(exc.message, exc.code) from exc
    return credential


def issue_credential(credential: JSONObject, key: PrivateKey, verification_method: str) -> JSONObject:
    """The credential signed ``eddsa-jcs-2022`` by ``key``, named by ``verification_method`` (a DID URL)."""
    try:
        model = check_credential(credential, now_ms=None)
    except VerificationFailed as exc:
        raise InvalidInput(exc.message, exc.code) from exc
    if verification_method.partition("#")[0] != model.issuer:
        raise InvalidInput("the verification method must be one of the issuer's", "credential.bad_issuer")
    return add_proof(credential, key, verification_method)


def check_credential(credential: object, *, now_ms: int | None) -> Credential:
    """The model checks, in order (docs/spec/credentials.md §4.2); ``now_ms`` None skips the time window."""
    if not isinstance(credential, dict):
        raise VerificationFailed("a credential is a JSON object", "credential.bad_document")
    _check_contexts(credential.get("@context"))
    unknown = sorted(set(credential) - MEMBERS)
    if unknown:
        raise VerificationFailed(f"unknown member {unknown[0][:60]!r}", "credential.unknown_member")
    credential_type = _check_type(credential.get("type"))
    issuer = credential.get("issuer")
    issuer = issuer.get("id") if isinstance(issuer, dict) else issuer
    address = did_address(issuer)
    valid_from, valid_until = _check_window(credential, now_ms)
    subject = credential.get("credentialSubject")
    if not isinstance(subject, dict) or not subject:
        raise VerificationFailed("credentialSubject must be one non-empty JSON object", "credential.bad_subject")
    schema_id = _schema_id(credential["credentialSchema"]) if "credentialSchema" in credential else None
    status = parse_status_entry(credential["credentialStatus"]) if "credentialStatus" in credential else None
    assert isinstance(issuer, str)
    return Credential(issuer, address, credential_type, valid_from, valid_until, schema_id, status)


def _check_contexts(contexts: object) -> None:
    if not isinstance(contexts, list) or not contexts or contexts[0] != VC_V2_CONTEXT:
        raise VerificationFailed(
            f"@context must be a list beginning with {VC_V2_CONTEXT}", "credential.unknown_context"
        )
    for context in contexts:
        if not isinstance(context, str) or context not in KNOWN_CONTEXTS:
            raise VerificationFailed(f"unknown @context {str(context)[:100]!r}", "credential.unknown_context")


def _check_type(types: object) -> str:
    if (
        not isinstance(types, list)
        or len(types) != 2
        or types[0] != BASE_TYPE
        or not isinstance(types[1], str)
        or not CREDENTIAL_TYPE.fullmatch(types[1])
    ):
        raise VerificationFailed(
            f'type must be ["{BASE_TYPE}", <a credential type such as ResidencyCredential>]', "credential.bad_type"
        )
    return types[1]


def _check_window(credential: JSONObject, now_ms: int | None) -> tuple[int, int | None]:
    if "validFrom" not in credential:
        raise VerificationFailed("validFrom is required (the issuance time)", "credential.bad_time")
    valid_from = to_ms(credential["validFrom"])
    valid_until = to_ms(credential["validUntil"]) if "validUntil" in credential else None
    if valid_until is not None and valid_until <= valid_from:
        raise VerificationFailed("validUntil must be after validFrom", "credential.bad_time")
    if now_ms is not None and now_ms < valid_from:
        raise VerificationFailed(f"valid from {credential['validFrom']}, not yet", "credential.not_yet_valid")
    if now_ms is not None and valid_until is not None and now_ms >= valid_until:
        raise VerificationFailed(f"expired at {credential['validUntil']}", "credential.expired")
    return valid_from, valid_until


def _schema_id(schema: object) -> str:
    url = schema.get("id") if isinstance(schema, dict) else None
    if not isinstance(schema, dict) or schema.get("type") != "JsonSchema" or not isinstance(url, str):
        raise VerificationFailed("credentialSchema is {id, type: JsonSchema}", "credential.bad_schema_ref")
    _, found, schema_id = url.partition(SCHEMA_PATH)
    if not found or not SCHEMA_ID.fullmatch(schema_id) or set(schema) != {"id", "type"}:
        raise VerificationFailed(
            f"credentialSchema.id must be <node>{SCHEMA_PATH}<schema id>", "credential.bad_schema_ref"
        )
    return schema_id


_VALIDATORS: dict[str, Any] = {}
"""Checked validators by the schema's on-chain digest: checking a schema against its meta-schema
costs milliseconds, checking a subject against it microseconds."""
MAX_VALIDATORS = 256


def _validator(document: JSONObject, digest: object) -> Any:
    """A validator of ``document``, checked against its meta-schema once per registered digest."""
    cached = _VALIDATORS.get(digest) if isinstance(digest, str) else None
    if cached is not None and cached.schema == document:
        return cached
    validator_class = jsonschema.validators.validator_for(document, default=jsonschema.Draft202012Validator)
    validator_class.check_schema(document)
    validator = validator_class(document)
    if isinstance(digest, str):
        if len(_VALIDATORS) >= MAX_VALIDATORS:
            _VALIDATORS.clear()
        _VALIDATORS[digest] = validator
    return validator


def check_subject(credential: JSONObject, credential_type: str, schema_record: JSONObject) -> None:
    """The subject against a registered schema record ``{credential_type, document}``.

    ``credential.schema_type_mismatch`` if the schema is for another type, ``credential.bad_schema`` if
    the document is not a valid JSON Schema, ``credential.schema_mismatch`` if the subject fails it.
    No ``$ref`` is ever retrieved: a schema that needs one fails as ``credential.bad_schema``.
    """
    registered_type = schema_record.get("credential_type")
    if registered_type is not None and registered_type != credential_type:
        raise VerificationFailed(
            f"the schema is for {str(registered_type)[:64]}, not {credential_type}", "credential.schema_type_mismatch"
        )
    document = schema_record.get("document")
    if not isinstance(document, dict):
        raise VerificationFailed("the registered schema is not a JSON object", "credential.bad_schema")
    try:
        validator = _validator(document, schema_record.get("digest"))
        error = jsonschema.exceptions.best_match(validator.iter_errors(credential["credentialSubject"]))
    except (jsonschema.exceptions.SchemaError, Unresolvable) as exc:  # Unresolvable: a $ref we will not fetch
        raise VerificationFailed(f"the registered schema is not usable: {exc}"[:300], "credential.bad_schema") from exc
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "(subject)"
        raise VerificationFailed(
            f"credentialSubject does not match the schema at {where}: {error.message}"[:300],
            "credential.schema_mismatch",
        )


__all__ = [
    "BASE_TYPE",
    "CREDENTIAL_TYPE",
    "SCHEMA_PATH",
    "STATUS_LIST_PATH",
    "Credential",
    "build_credential",
    "check_credential",
    "check_subject",
    "did_address",
    "issue_credential",
    "iso_seconds",
    "status_entry",
    "status_list_parts",
    "to_ms",
]
