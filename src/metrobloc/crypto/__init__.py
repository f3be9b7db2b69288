"""Ed25519 keys and domain-separated SHA-256 hashing and signing."""

from metrobloc.crypto.hashing import (
    APP_TAG,
    CONSORTIUM_KEY_TAG,
    HEADER_TAG,
    HEADER_V2_TAG,
    ROTATE_TAG,
    TX_TAG,
    sha256,
    tagged,
)
from metrobloc.crypto.keys import (
    PrivateKey,
    PublicKey,
    address_of,
    verify_signature,
)

__all__ = [
    "APP_TAG",
    "CONSORTIUM_KEY_TAG",
    "HEADER_TAG",
    "HEADER_V2_TAG",
    "ROTATE_TAG",
    "TX_TAG",
    "PrivateKey",
    "PublicKey",
    "address_of",
    "sha256",
    "tagged",
    "verify_signature",
]
