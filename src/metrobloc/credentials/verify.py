"""Verifying a credential end to end: the model, the proof with the issuer's key as its DID document was
at issuance, the issuer's accreditation then, the subject's schema, and the status list checked against
its on-chain anchor, failing closed (docs/spec/credentials.md §6).

The chain's answers come through ``Facts``; this code trusts them as given. ``metrobloc.sdk.credentials``
provides facts proven against a genesis, fetched from a node (online) or read from a saved evidence
bundle (offline), so both paths run exactly these checks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from metrobloc.codec import b64url_decode, parse_json
from metrobloc.credentials import di, published, sdjwt, status, vc
from metrobloc.credentials.multikey import decode_ed25519
from metrobloc.errors import InvalidInput, MetroblocError, VerificationFailed

JSONObject = dict[str, Any]


@dataclass(frozen=True)
class Resolved:
    """A DID as a verifier needs it: its document at one time, and whether it is deactivated now."""

    document: JSONObject
    """The DID document at the time asked (W3C DID Core shape, did-method.md §3.1)."""
    deactivated: bool
    """Deactivated (for good) as of the facts' time: nothing it signed verifies any more."""


class Facts(Protocol):
    """The chain's answers a verification needs (see ``metrobloc.sdk.credentials`` for proven ones).

    Each method raises ``VerificationFailed`` when it cannot give a trustworthy answer.
    """

    def resolve(self, did: str, version_time: str) -> Resolved:
        """``did`` at ``version_time`` (a date-time with ms, e.g. 2026-11-29T05:38:06.250Z)."""
        ...

    def accredited(self, address: str, credential_type: str, at_ms: int) -> bool:
        """Whether ``address`` was accredited for ``credential_type`` at ``at_ms`` (the whole chain)."""
        ...

    def schema(self, schema_id: str) -> JSONObject:
        """The registered schema record ``{schema_id, credential_type, document, digest, ...}``."""
        ...

    def status_anchor(self, issuer: str, list_id: str) -> JSONObject | None:
        """The last anchored publication ``{kind, version, digest, valid_until_ms, ...}``, None if none."""
        ...

    def status_list(self, url: str, version: int) -> bytes:
        """The bytes published as ``version`` of the list at ``url`` (``credential.status_unavailable``)."""
        ...


@dataclass(frozen=True)
class Verified:
    """What a successful verification establishes."""

    kind: str
    """``vc-di`` (a VC with an eddsa-jcs-2022 proof) or ``sd-jwt`` (an SD-JWT VC presentation)."""
    issuer: str
    """The issuer's DID."""
    credential_type: str
    """The type the issuer was accredited for (``vct`` for SD-JWT)."""
    issued_ms: int
    """``validFrom`` (or ``iat``) as Unix ms: the time the key, accreditation and window were checked at."""
    verification_method: str
    """The DID URL of the issuer's key that signed."""
    claims: JSONObject
    """The credential subject (VC) or the disclosed claims (SD-JWT)."""
    status: str
    """``valid`` (a status list said so) or ``none`` (the credential names no status list)."""


def verify_credential(credential: object, facts: Facts, *, now_ms: int) -> Verified:
    """Verify a VC-DI credential at ``now_ms``; the first failing step's ``VerificationFailed`` is raised.

    Order: 1 the model (contexts, type, issuer, validity window at ``now_ms``, schema and status
    references); 2 the proof, with the key of the issuer's DID document at ``validFrom``; 3 the
    issuer's accreditation for the type at ``validFrom``; 4 the subject against its registered
    schema; 5 the status list.
    """
    model = vc.check_credential(credential, now_ms=now_ms)
    assert isinstance(credential, dict)
    proof = credential.get("proof")
    created = proof.get("created") if isinstance(proof, dict) else None

    def key_of(method: str) -> bytes:
        signed_ms = max(model.valid_from_ms, vc.to_ms(created)) if isinstance(created, str) else model.valid_from_ms
        return method_key(facts, model.issuer, method, model.valid_from_ms, signed_ms)

    checked = di.verify_proof(credential, key_of)
    require_accreditation(facts, model.issuer_address, model.credential_type, model.valid_from_ms)
    if model.schema_id is not None:
        vc.check_subject(credential, model.credential_type, facts.schema(model.schema_id))
    state = "none"
    if model.status is not None:
        bitstring_status(facts, credential["credentialStatus"], model.issuer, now_ms)
        state = "valid"
    return Verified(
        "vc-di",
        model.issuer,
        model.credential_type,
        model.valid_from_ms,
        checked.verification_method,
        dict(credential["credentialSubject"]),
        state,
    )


def verify_presentation(presentation: object, facts: Facts, *, now_ms: int, aud: str, nonce: str) -> Verified:
    """Verify an SD-JWT VC presentation at ``now_ms`` for audience ``aud`` and ``nonce``.

    Order: 1 ``sdjwt.verify_presentation`` (format, alg, the issuer's signature with the key named by
    ``kid`` = a DID URL, in the DID document at ``iat``; claims, disclosures, key binding); 2 ``iss``
    is the DID of ``kid`` and ``vct`` a credential type; 3 the accreditation for ``vct`` at ``iat``;
    4 the Token Status List named by ``status``, if any.
    """
    if not isinstance(presentation, str):
        raise VerificationFailed("a presentation is SD-JWT text", "sdjwt.bad_format")
    iat_ms = _unverified_iat(presentation) * 1000
    named: list[str] = []

    def issuer_key(kid: str | None, iss: str | None) -> bytes:
        if kid is None or iss is None or kid.partition("#")[0] != iss:
            raise VerificationFailed("iss must be a did:mb DID and kid a DID URL of it", "credential.bad_issuer")
        named.append(kid)
        return method_key(facts, iss, kid, iat_ms, iat_ms)

    checked = sdjwt.verify_presentation(
        presentation, issuer_key=issuer_key, expected_aud=aud, expected_nonce=nonce, now_s=now_ms // 1000
    )
    assert checked.issuer is not None and named
    if not vc.CREDENTIAL_TYPE.fullmatch(checked.vct):
        raise VerificationFailed("vct must be a credential type such as ResidencyCredential", "credential.bad_type")
    require_accreditation(facts, vc.did_address(checked.issuer), checked.vct, iat_ms)
    state = "none"
    if checked.status is not None:
        token_status(facts, checked.status, checked.issuer, now_ms)
        state = "valid"
    return Verified("sd-jwt", checked.issuer, checked.vct, iat_ms, named[0], checked.claims, state)


def _unverified_iat(presentation: str) -> int:
    """``iat`` of the issuer-signed JWT, read before its signature is checked, to pick the DID version."""
    try:
        payload = parse_json(b64url_decode(presentation.split("~")[0].split(".")[1], what="payload"))
    except (IndexError, MetroblocError) as exc:
        raise VerificationFailed("not an SD-JWT presentation", "sdjwt.bad_format") from exc
    iat = payload.get("iat") if isinstance(payload, dict) else None
    if type(iat) is not int or iat < 0:
        raise VerificationFailed(
            "the SD-JWT needs iat (its issuance time) to pick the issuer's key", "sdjwt.bad_claims"
        )
    return iat


def iso_ms(ms: int) -> str:
    """Unix ms as ``YYYY-MM-DDTHH:MM:SS.mmmZ``: the ``versionTime`` asked of a resolver."""
    return datetime.fromtimestamp(ms // 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S") + f".{ms % 1000:03d}Z"


def method_key(facts: Facts, issuer: str, method: str, at_ms: int, signed_ms: int) -> bytes:
    """The Ed25519 key of ``method`` if the issuer's DID document at ``at_ms`` lets it sign then.

    ``credential.bad_issuer`` (another DID's method), ``credential.issuer_deactivated``,
    ``credential.unknown_key`` (no such method then), ``credential.key_not_authorized`` (not in
    ``assertionMethod`` then), ``credential.key_compromised`` (``revoked`` at or before ``signed_ms``).
    """
    if method.partition("#")[0] != issuer or not method.partition("#")[2]:
        raise VerificationFailed(f"{method[:120]!r} is not a key of the issuer {issuer}", "credential.bad_issuer")
    resolved = facts.resolve(issuer, iso_ms(at_ms))
    if resolved.deactivated:
        raise VerificationFailed(f"{issuer} is deactivated", "credential.issuer_deactivated")
    document = resolved.document
    found = [m for m in document.get("verificationMethod", []) if isinstance(m, dict) and m.get("id") == method]
    if not found:
        raise VerificationFailed(f"{issuer} had no key {method} at {iso_ms(at_ms)}", "credential.unknown_key")
    if method not in document.get("assertionMethod", []):
        raise VerificationFailed(
            f"{method} was not in assertionMethod at {iso_ms(at_ms)}", "credential.key_not_authorized"
        )
    revoked = found[0].get("revoked")
    if isinstance(revoked, str) and vc.to_ms(revoked) <= signed_ms:
        raise VerificationFailed(
            f"{method} is marked compromised since {revoked}, before this signature", "credential.key_compromised"
        )
    try:
        return decode_ed25519(str(found[0].get("publicKeyMultibase")))
    except InvalidInput as exc:
        raise VerificationFailed(exc.message, "credential.bad_key") from exc


def require_accreditation(facts: Facts, address: str, credential_type: str, at_ms: int) -> None:
    """``credential.not_accredited`` unless the issuer was accredited for the type at ``at_ms``."""
    if not facts.accredited(address, credential_type, at_ms):
        raise VerificationFailed(
            f"did:mb:{address} was not accredited for {credential_type} at {iso_ms(at_ms)}", "credential.not_accredited"
        )


def _anchored(facts: Facts, url: str, issuer: str, kind: str, now_ms: int) -> bytes:
    """The published list at ``url`` whose digest the latest anchor holds, the anchor still in force."""
    address, list_id = vc.status_list_parts(url)
    if f"did:mb:{address}" != issuer:
        raise VerificationFailed("the status list is not the issuer's", "credential.status_list_mismatch")
    anchor = facts.status_anchor(address, list_id)
    if anchor is None or anchor.get("kind") != kind:
        raise VerificationFailed(f"no {kind} list {list_id} is anchored by {issuer}", "credential.status_not_anchored")
    if not isinstance(anchor.get("valid_until_ms"), int) or anchor["valid_until_ms"] <= now_ms:
        raise VerificationFailed(
            f"the last anchored version of {list_id} was valid until {anchor.get('valid_until_ms')} ms",
            "credential.status_stale",
        )
    body = facts.status_list(url, int(anchor["version"]))
    if len(body) > published.MAX_PUBLISHED_BYTES or published.digest(body) != anchor.get("digest"):
        raise VerificationFailed(
            f"the list served for version {anchor['version']} is not the one anchored on chain",
            "credential.status_not_anchored",
        )
    return body


def bitstring_status(facts: Facts, entry: JSONObject, issuer: str, now_ms: int) -> None:
    """A BitstringStatusListEntry's list: anchored, signed by the issuer, in force, and the bit clear."""
    parsed = status.parse_status_entry(entry)
    document = published.read_bitstring_list(_anchored(facts, parsed.list_credential, issuer, "bitstring", now_ms))
    if document.get("issuer") != issuer:
        raise VerificationFailed("the status list credential is not the issuer's", "credential.status_unsigned")
    try:
        valid_from = vc.to_ms(document.get("validFrom", ""))
        unsecured = di.verify_proof(document, lambda m: method_key(facts, issuer, m, valid_from, valid_from)).document
    except VerificationFailed as exc:
        raise VerificationFailed(f"the status list is not signed by {issuer}: {exc.code}: {exc.message}",
                                 "credential.status_unsigned") from exc  # fmt: skip
    if "validUntil" in unsecured and vc.to_ms(unsecured["validUntil"]) <= now_ms:
        raise VerificationFailed("the status list credential has expired", "credential.status_stale")
    status.check_status_entry(entry, unsecured).require_valid()


def token_status(facts: Facts, claim: JSONObject, issuer: str, now_ms: int) -> None:
    """An SD-JWT VC's ``status.status_list {idx, uri}``: the Status List Token, anchored, signed, in force."""
    reference = claim.get("status_list")
    if not isinstance(reference, dict) or not isinstance(reference.get("uri"), str):
        raise VerificationFailed("status is {status_list: {idx, uri}}", "credential.bad_status_entry")
    index, url = reference.get("idx"), reference["uri"]
    if type(index) is not int or index < 0:
        raise VerificationFailed("status_list.idx must be a non-negative integer", "credential.bad_status_entry")
    token = published.read_token_list(_anchored(facts, url, issuer, "token", now_ms))
    try:
        at_ms = int(token.payload["iat"]) * 1000
        token.verify(method_key(facts, issuer, token.kid, at_ms, at_ms))
    except VerificationFailed as exc:
        raise VerificationFailed(f"the status list token is not signed by {issuer}: {exc.message}",
                                 "credential.status_unsigned") from exc  # fmt: skip
    if token.payload["sub"] != url:
        raise VerificationFailed("the status list token is for another list", "credential.status_list_mismatch")
    if "exp" in token.payload and token.payload["exp"] * 1000 <= now_ms:
        raise VerificationFailed("the status list token has expired", "credential.status_stale")
    value = status.decode_token_list(token.payload.get("status_list")).status(index)
    if value == status.TOKEN_SUSPENDED:
        raise VerificationFailed(f"credential is suspended (index {index})", "credential.suspended")
    if value != status.TOKEN_VALID:
        raise VerificationFailed(f"credential is revoked (index {index}, status {value})", "credential.revoked")


__all__ = [
    "Facts",
    "Resolved",
    "Verified",
    "bitstring_status",
    "iso_ms",
    "method_key",
    "require_accreditation",
    "token_status",
    "verify_credential",
    "verify_presentation",
]
