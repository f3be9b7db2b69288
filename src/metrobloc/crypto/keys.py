"""Ed25519 (RFC 8032) keys, strict signature verification and account addresses.

Verification is libsodium's ``crypto_sign_verify_detached``: it refuses non-canonical S, non-canonical
and small-order public keys and R points, so one message and key have one valid signature form.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache

import nacl.bindings
import nacl.exceptions

from metrobloc.codec import b64url_decode, b64url_encode, encode_address

KEY_BYTES = 32
SIGNATURE_BYTES = 64


@lru_cache(maxsize=1 << 16)  # the same keys sign block after block
def address_of(public_key: bytes) -> str:
    """The ``mb1...`` address of a raw 32-byte public key: bech32 of SHA-256(key)[:20]."""
    return encode_address(hashlib.sha256(public_key).digest()[:20])


def verify_signature(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """True when ``signature`` is a valid strict Ed25519 signature of ``message`` by the key."""
    if len(public_key) != KEY_BYTES or len(signature) != SIGNATURE_BYTES:
        return False
    try:
        nacl.bindings.crypto_sign_open(signature + message, public_key)
    except (nacl.exceptions.BadSignatureError, nacl.exceptions.ValueError, ValueError):
        return False
    return True


@dataclass(frozen=True)
class PublicKey:
    """An Ed25519 public key."""

    raw: bytes
    """The 32-byte encoded point."""

    @classmethod
    def from_b64(cls, text: str) -> PublicKey:
        """Decode a base64url public key."""
        return cls(b64url_decode(text, length=KEY_BYTES, what="public key"))

    def to_b64(self) -> str:
        """The base64url text form."""
        return b64url_encode(self.raw)

    @property
    def address(self) -> str:
        """The account address this key creates."""
        return address_of(self.raw)

    def verify(self, message: bytes, signature: bytes) -> bool:
        """Strict verification of ``signature`` over ``message``."""
        return verify_signature(self.raw, message, signature)


@dataclass(frozen=True, repr=False)
class PrivateKey:
    """An Ed25519 private key, kept as its 32-byte seed."""

    seed: bytes
    """The 32-byte RFC 8032 private key (seed)."""

    def __post_init__(self) -> None:
        if len(self.seed) != KEY_BYTES:
            raise ValueError("an Ed25519 seed is 32 bytes")
        pk, sk = nacl.bindings.crypto_sign_seed_keypair(self.seed)
        object.__setattr__(self, "_sk", sk)
        object.__setattr__(self, "_pk", pk)

    def __repr__(self) -> str:
        return f"PrivateKey(public={self.public_key.to_b64()})"

    @classmethod
    def generate(cls) -> PrivateKey:
        """A new key from the operating system's randomness."""
        import os

        return cls(os.urandom(KEY_BYTES))

    @classmethod
    def from_b64(cls, text: str) -> PrivateKey:
        """Decode a base64url seed."""
        return cls(b64url_decode(text, length=KEY_BYTES, what="private key"))

    def to_b64(self) -> str:
        """The base64url text of the seed."""
        return b64url_encode(self.seed)

    @property
    def public_key(self) -> PublicKey:
        """The matching public key."""
        return PublicKey(self._pk)  # type: ignore[attr-defined]

    @property
    def address(self) -> str:
        """The address a new account with this key gets."""
        return self.public_key.address

    def sign(self, message: bytes) -> bytes:
        """The 64-byte Ed25519 signature of ``message``."""
        signed = nacl.bindings.crypto_sign(message, self._sk)  # type: ignore[attr-defined]
        return bytes(signed[:SIGNATURE_BYTES])
