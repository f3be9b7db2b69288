"""Multikey public keys (W3C Controlled Identifiers §2.2.2): ``z`` + base58btc(multicodec || key).

Two kinds are accepted, each in exactly one text form: Ed25519 (multicodec 0xed, varint ``ed 01``,
32 bytes, the ``z6Mk...`` keys) and P-256 for ES256 wallet holders (multicodec 0x1200, varint
``80 24``, the 33-byte SEC1 compressed point, ``zDn...``). Anything else is ``identity.bad_multikey``.
"""

from __future__ import annotations

from typing import Literal

import base58
import nacl.bindings
from cryptography.hazmat.primitives.asymmetric import ec

from metrobloc.errors import InvalidInput

KeyKind = Literal["Ed25519", "P-256"]
"""The kinds of public key a Multikey may hold here."""

ED25519_PREFIX = b"\xed\x01"
"""Varint of the multicodec ``ed25519-pub`` (0xed)."""
P256_PREFIX = b"\x80\x24"
"""Varint of the multicodec ``p256-pub`` (0x1200)."""
ED25519_KEY_BYTES = 32
P256_KEY_BYTES = 33

_BASE58_ALPHABET = frozenset("123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz")
_MAX_TEXT = 64  # both kinds encode to under 50 characters; longer text is refused before decoding
_LAYOUT: dict[bytes, tuple[KeyKind, int]] = {
    ED25519_PREFIX: ("Ed25519", ED25519_KEY_BYTES),
    P256_PREFIX: ("P-256", P256_KEY_BYTES),
}


def encode_ed25519(raw: bytes) -> str:
    """The Multikey text of a raw 32-byte Ed25519 public key."""
    if len(raw) != ED25519_KEY_BYTES:
        raise InvalidInput("an Ed25519 public key is 32 bytes", "identity.bad_multikey")
    return "z" + base58.b58encode(ED25519_PREFIX + raw).decode("ascii")


def encode_p256(compressed: bytes) -> str:
    """The Multikey text of a P-256 public key given as its 33-byte SEC1 compressed point."""
    if len(compressed) != P256_KEY_BYTES or compressed[0] not in (2, 3):
        raise InvalidInput("a P-256 Multikey holds a 33-byte compressed point", "identity.bad_multikey")
    return "z" + base58.b58encode(P256_PREFIX + compressed).decode("ascii")


def decode_multikey(text: str) -> tuple[KeyKind, bytes]:
    """Decode a Multikey strictly into ``(kind, raw key bytes)``.

    Refused with ``identity.bad_multikey``: another multibase than ``z``, characters outside the
    base58btc alphabet, a non-canonical encoding, another multicodec, a wrong length, or bytes that
    are no usable key (an Ed25519 encoding outside the prime-order group, a point not on P-256).
    """
    data = decode_base58btc(text, what="Multikey", code="identity.bad_multikey")
    layout = _LAYOUT.get(data[:2])
    if layout is None:
        raise InvalidInput("Multikey is neither an Ed25519 nor a P-256 public key", "identity.bad_multikey")
    kind, length = layout
    raw = data[2:]
    if len(raw) != length:
        raise InvalidInput(f"{kind} Multikey must hold {length} key bytes, got {len(raw)}", "identity.bad_multikey")
    if not _usable(kind, raw):
        raise InvalidInput(f"Multikey does not hold a valid {kind} public key", "identity.bad_multikey")
    return kind, raw


def decode_ed25519(text: str) -> bytes:
    """The raw 32-byte key of an Ed25519 Multikey; any other kind is ``identity.bad_multikey``."""
    kind, raw = decode_multikey(text)
    if kind != "Ed25519":
        raise InvalidInput(f"expected an Ed25519 Multikey, got {kind}", "identity.bad_multikey")
    return raw


def decode_base58btc(text: str, *, what: str, code: str, max_chars: int = _MAX_TEXT) -> bytes:
    """Decode multibase base58btc (``z`` + base58, Bitcoin alphabet), one text per byte string.

    ``max_chars`` bounds the text before decoding (base58 decoding is quadratic in its length).
    """
    if not isinstance(text, str) or len(text) < 2 or len(text) > max_chars or text[0] != "z":
        raise InvalidInput(f"{what} is not multibase base58btc ('z...')", code)
    body = text[1:]
    if not set(body) <= _BASE58_ALPHABET:
        raise InvalidInput(f"{what} has characters outside the base58btc alphabet", code)
    data = bytes(base58.b58decode(body))
    if base58.b58encode(data).decode("ascii") != body:  # the package forgives, e.g. trailing space
        raise InvalidInput(f"{what} is not canonical base58btc", code)
    return data


def _usable(kind: KeyKind, raw: bytes) -> bool:
    if kind == "Ed25519":
        # libsodium: a canonical encoding of a point in the prime-order subgroup, not of small order
        return bool(nacl.bindings.crypto_core_ed25519_is_valid_point(raw))
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
    except ValueError:
        return False
    return raw[0] in (2, 3)  # compressed form only: one text per key


__all__ = [
    "ED25519_KEY_BYTES",
    "ED25519_PREFIX",
    "P256_KEY_BYTES",
    "P256_PREFIX",
    "KeyKind",
    "decode_base58btc",
    "decode_ed25519",
    "decode_multikey",
    "encode_ed25519",
    "encode_p256",
]
