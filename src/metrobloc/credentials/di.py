"""W3C Data Integrity proofs with the cryptosuite ``eddsa-jcs-2022`` (Data Integrity EdDSA
Cryptosuites v1.0, §3.3): RFC 8785 canonical JSON, SHA-256 and Ed25519, with no JSON-LD processing.

The steps carry the specification's names (docs/spec/credentials.md §2): ``transform`` the document,
``canonical_proof_config`` of the proof options, ``hash_data`` = SHA-256(proof config) ||
SHA-256(document), an Ed25519 signature over it, written as multibase base58btc in ``proofValue``.
"""

from __future__ import annotations

import copy
import hashlib
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import base58

from metrobloc.codec import canonical_json
from metrobloc.credentials.multikey import decode_base58btc
from metrobloc.crypto import PrivateKey, verify_signature
from metrobloc.errors import InvalidInput, VerificationFailed

JSONObject = dict[str, Any]
KeyResolver = Callable[[str], bytes]
"""Gives the raw 32-byte Ed25519 public key of a verification method id, or raises."""

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-jcs-2022"
VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
DATA_INTEGRITY_V2_CONTEXT = "https://w3id.org/security/data-integrity/v2"
KNOWN_CONTEXTS: frozenset[str] = frozenset({VC_V2_CONTEXT, DATA_INTEGRITY_V2_CONTEXT})
"""The context URLs a document may name by default: pinned strings, never fetched."""

_SIGNATURE_BYTES = 64
_PROOF_VALUE_MAX_CHARS = 100  # 'z' + at most 88 base58 characters for 64 bytes
# XML Schema 1.1 dateTimeStamp: a dateTime with a required time zone.
_DATE_TIME_STAMP = re.compile(
    r"-?[0-9]{4,}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"
    r"(\.[0-9]+)?(Z|[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00))"
)


@dataclass(frozen=True)
class VerifiedProof:
    """What a valid proof establishes; the caller checks ``created``/``expires`` against its time."""

    document: JSONObject
    """The unsecured document the proof covers (its ``@context`` as the proof names it)."""
    verification_method: str
    """The key's id (a DID URL): the caller decides whether that controller may issue this."""
    proof_purpose: str
    """The proof's ``proofPurpose``, already checked against the expected one."""
    created: str | None
    """The proof's ``created`` dateTimeStamp, if any."""
    expires: str | None
    """The proof's ``expires`` dateTimeStamp, if any (checked only when ``at`` was given)."""


def transform(document: JSONObject) -> bytes:
    """Transformation (§3.3.3): the RFC 8785 canonical UTF-8 bytes of the unsecured document."""
    return canonical_json(document)


def canonical_proof_config(options: JSONObject) -> bytes:
    """Proof Configuration (§3.3.5): check type, cryptosuite and ``created``, then canonicalise."""
    if options.get("type") != PROOF_TYPE:
        raise VerificationFailed(f"proof type must be {PROOF_TYPE}", "credential.wrong_proof_type")
    if options.get("cryptosuite") != CRYPTOSUITE:
        raise VerificationFailed(f"cryptosuite must be {CRYPTOSUITE}", "credential.wrong_cryptosuite")
    for name in ("created", "expires"):
        if name in options and not is_date_time_stamp(options[name]):
            raise VerificationFailed(f"proof {name} is not an XML Schema dateTimeStamp", "credential.bad_proof")
    return canonical_json(options)


def hash_data(transformed_document: bytes, canonical_config: bytes) -> bytes:
    """Hashing (§3.3.4): SHA-256(canonical proof config) || SHA-256(transformed document)."""
    return hashlib.sha256(canonical_config).digest() + hashlib.sha256(transformed_document).digest()


def is_date_time_stamp(value: object) -> bool:
    """True for an XML Schema 1.1 dateTimeStamp string (a date and time with a zone)."""
    return isinstance(value, str) and _DATE_TIME_STAMP.fullmatch(value) is not None


def add_proof(
    document: JSONObject,
    key: PrivateKey,
    verification_method: str,
    proof_purpose: str = "assertionMethod",
    created: str | None = None,
    *,
    expires: str | None = None,
    domain: str | None = None,
    challenge: str | None = None,
) -> JSONObject:
    """Create Proof (§3.3.1): a copy of ``document`` with a ``proof`` member added.

    ``created`` is left out when None (no clock is read here). The proof copies the document's
    ``@context``, as the specification advises, so that the proof's context is signed too.
    """
    if not isinstance(document, dict) or "proof" in document:
        raise InvalidInput("sign a JSON object that has no proof yet", "credential.bad_document")
    # Members in the order of the specification's examples, so a signed vector reads the same.
    proof: JSONObject = {"type": PROOF_TYPE, "cryptosuite": CRYPTOSUITE}
    if created is not None:
        proof["created"] = created
    proof["verificationMethod"] = verification_method
    proof["proofPurpose"] = proof_purpose
    for name, value in (("expires", expires), ("domain", domain), ("challenge", challenge)):
        if value is not None:
            proof[name] = value
    if "@context" in document:
        proof["@context"] = copy.deepcopy(document["@context"])
    try:
        config = canonical_proof_config(proof)
    except VerificationFailed as exc:
        raise InvalidInput(exc.message, exc.code) from exc
    signature = key.sign(hash_data(transform(document), config))
    proof["proofValue"] = "z" + base58.b58encode(signature).decode("ascii")
    secured = copy.deepcopy(document)
    secured["proof"] = proof
    return secured


def verify_proof(
    secured_document: JSONObject,
    resolve_key: KeyResolver,
    *,
    proof_purpose: str = "assertionMethod",
    contexts: Collection[str] = KNOWN_CONTEXTS,
    domain: str | None = None,
    challenge: str | None = None,
    at: datetime | None = None,
) -> VerifiedProof:
    """Verify Proof (§3.3.2) of a document with one ``eddsa-jcs-2022`` proof.

    Fails closed with ``VerificationFailed``: ``credential.bad_document``, ``credential.bad_proof``,
    ``credential.wrong_proof_type``, ``credential.wrong_cryptosuite``, ``credential.unknown_context``,
    ``credential.context_mismatch``, ``credential.wrong_proof_purpose``, ``credential.wrong_domain``,
    ``credential.wrong_challenge``, ``credential.proof_expired``, ``credential.bad_key`` or
    ``credential.bad_signature``. ``resolve_key``'s own errors pass through unchanged. ``at``, an
    aware datetime, is the verifier's time for the proof's ``expires``; ``domain`` and ``challenge``,
    when given, must equal the proof's.
    """
    if not isinstance(secured_document, dict):
        raise VerificationFailed("a secured document is a JSON object", "credential.bad_document")
    options, signature = _proof_options(secured_document.get("proof"))
    unsecured = {name: value for name, value in secured_document.items() if name != "proof"}
    _check_contexts(unsecured, options, contexts)
    _check_options(options, proof_purpose, domain, challenge, at)
    try:
        config = canonical_proof_config(options)
        transformed = transform(unsecured)
    except InvalidInput as exc:  # e.g. a float, which this JCS refuses: fail closed
        raise VerificationFailed(f"document cannot be canonicalised: {exc.message}", "credential.bad_document") from exc
    public_key = resolve_key(options["verificationMethod"])
    if not isinstance(public_key, bytes) or len(public_key) != 32:
        raise VerificationFailed("verification method is not a 32-byte Ed25519 key", "credential.bad_key")
    if not verify_signature(public_key, hash_data(transformed, config), signature):
        raise VerificationFailed("the proof's signature does not verify", "credential.bad_signature")
    return VerifiedProof(
        document=unsecured,
        verification_method=options["verificationMethod"],
        proof_purpose=options["proofPurpose"],
        created=options.get("created"),
        expires=options.get("expires"),
    )


def _proof_options(proof: object) -> tuple[JSONObject, bytes]:
    """The proof without ``proofValue``, and the decoded 64-byte signature; shape checks only."""
    if not isinstance(proof, dict):
        raise VerificationFailed("expected exactly one proof, a JSON object", "credential.bad_proof")
    if proof.get("type") != PROOF_TYPE:
        raise VerificationFailed(f"proof type must be {PROOF_TYPE}", "credential.wrong_proof_type")
    if proof.get("cryptosuite") != CRYPTOSUITE:
        raise VerificationFailed(f"cryptosuite must be {CRYPTOSUITE}", "credential.wrong_cryptosuite")
    for name in ("verificationMethod", "proofPurpose", "proofValue"):
        if not isinstance(proof.get(name), str) or not proof[name]:
            raise VerificationFailed(f"proof.{name} must be a non-empty string", "credential.bad_proof")
    for name in ("domain", "challenge"):
        if name in proof and not isinstance(proof[name], str):
            raise VerificationFailed(f"proof.{name} must be a string", "credential.bad_proof")
    for name in ("created", "expires"):
        if name in proof and not is_date_time_stamp(proof[name]):
            raise VerificationFailed(f"proof.{name} is not an XML Schema dateTimeStamp", "credential.bad_proof")
    try:
        signature = decode_base58btc(
            proof["proofValue"], what="proofValue", code="credential.bad_proof", max_chars=_PROOF_VALUE_MAX_CHARS
        )
    except InvalidInput as exc:
        raise VerificationFailed(exc.message, exc.code) from exc
    if len(signature) != _SIGNATURE_BYTES:
        raise VerificationFailed("proofValue must hold a 64-byte Ed25519 signature", "credential.bad_proof")
    return {name: value for name, value in proof.items() if name != "proofValue"}, signature


def _context_list(value: object, where: str) -> list[str]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or not all(isinstance(item, str) for item in items):
        raise VerificationFailed(
            f"{where} @context must be URL strings (no inline contexts)", "credential.unknown_context"
        )
    return items


def _check_contexts(unsecured: JSONObject, options: JSONObject, known: Collection[str]) -> None:
    """Only pinned context URLs; the proof's ``@context`` must begin the document's (§3.3.2 step 4)."""
    if "@context" in unsecured:
        names = _context_list(unsecured["@context"], "document")
        unknown = [name for name in names if name not in known]
        if unknown:
            raise VerificationFailed(f"unknown @context {unknown[0][:100]!r}", "credential.unknown_context")
    if "@context" in options:
        signed = _context_list(options["@context"], "proof")
        names = _context_list(unsecured.get("@context"), "document") if "@context" in unsecured else []
        if names[: len(signed)] != signed:
            raise VerificationFailed("document @context does not begin with the proof's", "credential.context_mismatch")
        unsecured["@context"] = copy.deepcopy(options["@context"])


def _check_options(
    options: JSONObject, purpose: str, domain: str | None, challenge: str | None, at: datetime | None
) -> None:
    if options["proofPurpose"] != purpose:
        raise VerificationFailed(
            f"proofPurpose is {options['proofPurpose'][:40]!r}, expected {purpose!r}", "credential.wrong_proof_purpose"
        )
    if domain is not None and options.get("domain") != domain:
        raise VerificationFailed("proof domain does not match", "credential.wrong_domain")
    if challenge is not None and options.get("challenge") != challenge:
        raise VerificationFailed("proof challenge does not match", "credential.wrong_challenge")
    expires = options.get("expires")
    if at is not None and expires is not None and _instant(expires) <= at:
        raise VerificationFailed(f"proof expired at {expires}", "credential.proof_expired")


def _instant(text: str) -> datetime:
    """A dateTimeStamp as an aware datetime (years 1 to 9999; others cannot be compared here)."""
    whole, _, fraction = text.partition(".")
    if fraction:  # Python reads at most microseconds: keep six digits and the zone
        digits = re.match(r"[0-9]*", fraction)
        assert digits is not None
        whole += "." + digits.group()[:6].ljust(6, "0") + fraction[digits.end() :]
    try:
        return datetime.fromisoformat(whole)
    except ValueError as exc:
        raise VerificationFailed(f"proof time {text[:40]!r} is out of range", "credential.bad_proof") from exc


__all__ = [
    "CRYPTOSUITE",
    "DATA_INTEGRITY_V2_CONTEXT",
    "KNOWN_CONTEXTS",
    "PROOF_TYPE",
    "VC_V2_CONTEXT",
    "KeyResolver",
    "VerifiedProof",
    "add_proof",
    "canonical_proof_config",
    "hash_data",
    "is_date_time_stamp",
    "transform",
    "verify_proof",
]
