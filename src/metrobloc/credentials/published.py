"""Status lists as published: the exact bytes an issuer anchors on chain and its node serves, a signed
BitstringStatusListCredential (JCS bytes) or an IETF Status List Token (a compact JWS, ``EdDSA``).

The anchor's digest is SHA-256 of these bytes, so a verifier checks the bytes it was given against
the chain before it parses them (docs/spec/credentials.md §5).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from metrobloc.codec import b64url_decode, b64url_encode, canonical_json, parse_json
from metrobloc.credentials.di import add_proof
from metrobloc.credentials.status import status_list_credential
from metrobloc.crypto import PrivateKey, verify_signature
from metrobloc.errors import InvalidInput, MetroblocError, VerificationFailed

TOKEN_TYP = "statuslist+jwt"
"""The ``typ`` of a Status List Token (draft-ietf-oauth-status-list §5.1)."""
MAX_PUBLISHED_BYTES = 2 * 1024 * 1024
"""The largest published list a node stores and a verifier reads."""
BITSTRING_MEDIA_TYPE = "application/vc"
TOKEN_MEDIA_TYPE = "application/statuslist+jwt"


def digest(published: bytes) -> str:
    """The anchor digest: SHA-256 of the published bytes, lower-case hex."""
    return hashlib.sha256(published).hexdigest()


def bitstring_list(
    *,
    list_url: str,
    issuer: str,
    encoded_list: str,
    key: PrivateKey,
    verification_method: str,
    valid_from: str,
    valid_until: str | None = None,
    purpose: str = "revocation",
) -> bytes:
    """A BitstringStatusListCredential with id ``list_url``, signed eddsa-jcs-2022, as its JCS bytes."""
    unsigned = status_list_credential(
        list_id=list_url,
        issuer=issuer,
        purpose=purpose,
        encoded_list=encoded_list,
        valid_from=valid_from,
        valid_until=valid_until,
    )
    return canonical_json(add_proof(unsigned, key, verification_method))


def token_list(
    *, list_url: str, status_list: dict[str, Any], key: PrivateKey, kid: str, iat: int, exp: int | None = None
) -> bytes:
    """A Status List Token: ``{typ: statuslist+jwt, alg: EdDSA, kid}`` over ``{sub, iat, exp?, status_list}``."""
    header = {"alg": "EdDSA", "kid": kid, "typ": TOKEN_TYP}
    payload: dict[str, Any] = {"sub": list_url, "iat": iat, "status_list": status_list}
    if exp is not None:
        payload["exp"] = exp
    signing_input = b64url_encode(canonical_json(header)) + "." + b64url_encode(canonical_json(payload))
    signature = key.sign(signing_input.encode("ascii"))
    return (signing_input + "." + b64url_encode(signature)).encode("ascii")


@dataclass(frozen=True)
class TokenList:
    """A Status List Token read (its signature not yet checked)."""

    kid: str
    """The header's ``kid``: the DID URL of the issuer's verification method."""
    payload: dict[str, Any]
    """``sub``, ``iat``, ``exp``?, ``status_list``."""
    signing_input: bytes
    signature: bytes

    def verify(self, public_key: bytes) -> None:
        """``credential.status_unsigned`` unless ``public_key`` (Ed25519) signed the token."""
        if not verify_signature(public_key, self.signing_input, self.signature):
            raise VerificationFailed("the status list token's signature does not verify", "credential.status_unsigned")


def read_token_list(published: bytes) -> TokenList:
    """Parse a Status List Token; a wrong shape, ``typ`` or ``alg`` is ``credential.bad_status_list``."""
    bad = "credential.bad_status_list"
    try:
        parts = published.decode("ascii").split(".")
        if len(parts) != 3:
            raise InvalidInput("a JWS has three parts", bad)
        header = parse_json(b64url_decode(parts[0], what="header"))
        payload = parse_json(b64url_decode(parts[1], what="payload"))
        signature = b64url_decode(parts[2], what="signature")
    except (UnicodeDecodeError, MetroblocError) as exc:
        raise VerificationFailed(f"not a status list token: {exc}", bad) from exc
    if not isinstance(header, dict) or header.get("typ") != TOKEN_TYP or header.get("alg") != "EdDSA":
        raise VerificationFailed(f"a status list token is typ {TOKEN_TYP}, alg EdDSA", bad)
    if "crit" in header or not isinstance(header.get("kid"), str) or not isinstance(payload, dict):
        raise VerificationFailed("a status list token has a kid, no crit, and a JSON object payload", bad)
    for name in ("iat", "exp"):
        if name in payload and (type(payload[name]) is not int or payload[name] < 0):
            raise VerificationFailed(f"{name} must be integer seconds", bad)
    if not isinstance(payload.get("sub"), str) or type(payload.get("iat")) is not int:
        raise VerificationFailed("a status list token has sub and iat", bad)
    return TokenList(header["kid"], payload, (parts[0] + "." + parts[1]).encode("ascii"), signature)


def read_bitstring_list(published: bytes) -> dict[str, Any]:
    """Parse a published BitstringStatusListCredential (JSON object); ``credential.bad_status_list``."""
    try:
        document = parse_json(published)
    except MetroblocError as exc:
        raise VerificationFailed(f"the status list is not JSON: {exc.message}", "credential.bad_status_list") from exc
    if not isinstance(document, dict):
        raise VerificationFailed("the status list is not a JSON object", "credential.bad_status_list")
    return document


__all__ = [
    "BITSTRING_MEDIA_TYPE",
    "MAX_PUBLISHED_BYTES",
    "TOKEN_MEDIA_TYPE",
    "TOKEN_TYP",
    "TokenList",
    "bitstring_list",
    "digest",
    "read_bitstring_list",
    "read_token_list",
    "token_list",
]
