"""Base64url without padding (RFC 4648 section 5), decoded strictly: one encoding per byte string."""

from __future__ import annotations

import base64
import binascii

from metrobloc.errors import InvalidInput

_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_INDEX = {c: i for i, c in enumerate(_ALPHABET)}
_TO_STANDARD = bytes.maketrans(b"-_", b"+/")
# Unused low bits of the last character, by length mod 4: they must be zero (canonical form).
_UNUSED_BITS = {0: 0, 2: 0x0F, 3: 0x03}


def b64url_encode(data: bytes) -> str:
    """Encode bytes as base64url with the ``=`` padding removed."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str, *, length: int | None = None, what: str = "value") -> bytes:
    """Decode unpadded base64url, refusing padding, other alphabets and non-canonical forms.

    ``length``, when given, is the exact number of bytes expected.
    """
    if not isinstance(text, str) or not text.isascii():
        raise InvalidInput(f"{what} is not unpadded base64url", "codec.bad_base64url")
    unused = _UNUSED_BITS.get(len(text) % 4)
    if unused is None or "=" in text or "+" in text or "/" in text:
        raise InvalidInput(f"{what} is not unpadded base64url", "codec.bad_base64url")
    if unused and _INDEX.get(text[-1], 0) & unused:
        raise InvalidInput(f"{what} is not canonical base64url", "codec.bad_base64url")
    raw = text.encode("ascii").translate(_TO_STANDARD) + b"=" * (-len(text) % 4)
    try:
        data = binascii.a2b_base64(raw, strict_mode=True)
    except binascii.Error as exc:
        raise InvalidInput(f"{what} is not unpadded base64url", "codec.bad_base64url") from exc
    if length is not None and len(data) != length:
        raise InvalidInput(f"{what} must be {length} bytes, got {len(data)}", "codec.bad_length")
    return data
