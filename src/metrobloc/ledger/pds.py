"""Signed requests to an agency's personal-data store: the statement a data subject or an agency
signs, its sign bytes and its digest, and the HTTP headers that carry them (docs/spec/personal-data.md).

One copy for the node that checks a request and the SDK that signs one.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from metrobloc.codec import b64url_decode, b64url_encode, canonical_json_checked, is_address
from metrobloc.crypto import PrivateKey, tagged, verify_signature
from metrobloc.errors import InvalidInput

PDS_TAG = b"metrobloc/pds/v1\x00"
"""Prefix of a personal-data store request's sign bytes."""
NONCE_BYTES = 16
METHODS = frozenset({"GET", "PUT", "DELETE"})
DIGEST = re.compile(r"^[0-9a-f]{64}$")
MEDIA_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}$")
"""A media type without parameters, lower case (``application/pdf``, ``image/png``)."""

SIGNER = "Metrobloc-Signer"
PUBLIC_KEY = "Metrobloc-Public-Key"
TIME = "Metrobloc-Time"
NONCE = "Metrobloc-Nonce"
SIGNATURE = "Metrobloc-Signature"
PURPOSE = "Metrobloc-Purpose"
"""Header names: the signer's address, its key, the time (Unix ms), the nonce, the signature, and the
digest of the stated purpose (agency reads)."""
ACCESS_TX = "Metrobloc-Access-Tx"
"""Answer header of an agency's read: the ``identity/log_access`` tx that logged it."""


@dataclass(frozen=True)
class PdsRequest:
    """What one request to a personal-data store asks, exactly as signed."""

    chain_id: str
    """The chain whose accounts and roles the request is judged by."""
    method: str
    """``GET``, ``PUT`` or ``DELETE``."""
    path: str
    """The URL path, e.g. ``/v1/pds/subjects/mb1.../documents/<digest>`` (no query)."""
    digest: str
    """The document's SHA-256, lower-case hex; empty for a listing."""
    media_type: str
    """For ``PUT``, the document's media type; else empty."""
    purpose_digest: str
    """SHA-256 (hex) of the purpose an agency states for a read; empty when none is stated."""
    signer: str
    """The ``mb1`` address of the account whose current key signs."""
    time_ms: int
    """When the request was made (Unix ms); the store accepts it within a short window."""
    nonce: str
    """16 random bytes, base64url: the store refuses a (signer, nonce) pair it has seen."""

    def __post_init__(self) -> None:
        _check(self)

    def to_json(self) -> dict[str, Any]:
        return {
            "chain_id": self.chain_id,
            "method": self.method,
            "path": self.path,
            "digest": self.digest,
            "media_type": self.media_type,
            "purpose_digest": self.purpose_digest,
            "signer": self.signer,
            "time_ms": self.time_ms,
            "nonce": self.nonce,
        }

    @property
    def sign_bytes(self) -> bytes:
        """``"metrobloc/pds/v1\\0" || JCS(statement)``."""
        return tagged(PDS_TAG, canonical_json_checked(self.to_json()))

    @property
    def request_digest(self) -> str:
        """hex(SHA-256(JCS(statement))): what ``identity/log_access`` records as ``purpose_digest``."""
        return hashlib.sha256(canonical_json_checked(self.to_json())).hexdigest()

    def sign(self, key: PrivateKey) -> SignedPdsRequest:
        return SignedPdsRequest(self, key.public_key.raw, key.sign(self.sign_bytes))


def _check(r: PdsRequest) -> None:
    if r.method not in METHODS:
        raise InvalidInput(f"method must be one of {sorted(METHODS)}", "pds.bad_request")
    if not r.path.startswith("/") or not r.path.isascii() or len(r.path) > 512:
        raise InvalidInput("path must be an ASCII URL path of at most 512 characters", "pds.bad_request")
    for name, value in (("digest", r.digest), ("purpose_digest", r.purpose_digest)):
        if value and not DIGEST.fullmatch(value):
            raise InvalidInput(f"{name} must be 64 lower-case hex digits", "pds.bad_request")
    if r.media_type and not MEDIA_TYPE.fullmatch(r.media_type):
        raise InvalidInput("media_type must be a lower-case type/subtype without parameters", "pds.bad_media_type")
    if not is_address(r.signer):
        raise InvalidInput("signer must be an mb1 address", "pds.bad_request")
    if type(r.time_ms) is not int or not 0 <= r.time_ms <= 2**53 - 1:
        raise InvalidInput("time_ms must be an integer Unix time in ms", "pds.bad_request")
    b64url_decode(r.nonce, length=NONCE_BYTES, what="nonce")


@dataclass(frozen=True)
class SignedPdsRequest:
    """A request with the signer's public key and Ed25519 signature over its sign bytes."""

    request: PdsRequest
    """The statement."""
    public_key: bytes
    """The 32-byte key that signed (the signer account's current key)."""
    signature: bytes
    """The 64-byte signature."""

    def verify(self) -> bool:
        """Strict Ed25519 verification of the signature over the sign bytes."""
        return verify_signature(self.public_key, self.request.sign_bytes, self.signature)

    def headers(self) -> dict[str, str]:
        """The HTTP headers that carry the signature (``Metrobloc-Purpose`` only when a purpose is stated)."""
        r = self.request
        out = {
            SIGNER: r.signer,
            PUBLIC_KEY: b64url_encode(self.public_key),
            TIME: str(r.time_ms),
            NONCE: r.nonce,
            SIGNATURE: b64url_encode(self.signature),
        }
        if r.purpose_digest:
            out[PURPOSE] = r.purpose_digest
        return out


def sign_request(
    key: PrivateKey,
    chain_id: str,
    method: str,
    path: str,
    *,
    time_ms: int,
    nonce: bytes,
    digest: str = "",
    media_type: str = "",
    purpose_digest: str = "",
    signer: str | None = None,
) -> SignedPdsRequest:
    """Sign a request as ``signer`` (by default the address of ``key``); time and nonce come from the caller."""
    request = PdsRequest(
        chain_id,
        method,
        path,
        digest,
        media_type,
        purpose_digest,
        signer or key.address,
        time_ms,
        b64url_encode(nonce),
    )
    return request.sign(key)
