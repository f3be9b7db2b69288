"""Base64url without padding (RFC 4648 section 5), decoded strictly: one encoding per byte string."""

from __future__ import annotations

import base64
import binascii
import re

from metrobloc.errors import InvalidInput

_ALPHABET = re.compile(r"^[A-Za-z0-9_-]*$")


def b64url_encode(data: bytes) -> str:
    """Encode bytes as base64url with the ``=`` padding removed."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str, *, length: int | None = None, what: str = "value") -> bytes:
    """Decode unpadded base64url, refusing padding, other alphabets and non-canonical forms.

    ``length``, when given, is the exact number of bytes expected.
    """
    if not isinstance(text, str) or not _ALPHABET.match(text) or len(text) % 4 == 1:
        raise InvalidInput(f"{what} is not unpadded base64url", "codec.bad_base64url")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise InvalidInput(f"{what} is not unpadded base64url", "codec.bad_base64url") from exc
    # Unused trailing bits must be zero, so that each byte string has exactly one text form.
    if b64url_encode(data) != text:
        raise InvalidInput(f"{what} is not canonical base64url", "codec.bad_base64url")
    if length is not None and len(data) != length:
        raise InvalidInput(f"{what} must be {length} bytes, got {len(data)}", "codec.bad_length")
    return data
