"""Bech32 (BIP-173) account addresses with the human-readable part ``mb`` over 20 bytes."""

from __future__ import annotations

from functools import lru_cache

import bech32

from metrobloc.errors import InvalidInput

HRP = "mb"
ADDRESS_BYTES = 20


def encode_address(raw: bytes) -> str:
    """The bech32 text of a 20-byte account identifier."""
    if len(raw) != ADDRESS_BYTES:
        raise ValueError(f"an address is {ADDRESS_BYTES} bytes, got {len(raw)}")
    data = bech32.convertbits(raw, 8, 5, True)
    assert data is not None
    text = bech32.bech32_encode(HRP, data)
    assert isinstance(text, str)
    return text


def decode_address(text: str) -> bytes:
    """The 20 bytes behind a lower-case ``mb1...`` address; raises ``InvalidInput`` otherwise."""
    if not isinstance(text, str) or len(text) > 90:
        raise InvalidInput("address must be a bech32 string of at most 90 characters", "codec.bad_address")
    return _decode(text)


@lru_cache(maxsize=1 << 16)  # the same accounts recur in every block
def _decode(text: str) -> bytes:
    if text != text.lower():
        raise InvalidInput("address must be lower-case bech32", "codec.bad_address")
    hrp, data = bech32.bech32_decode(text)
    if hrp != HRP or data is None:
        raise InvalidInput(f"not a valid mb1 address: {text[:100]!r}", "codec.bad_address")
    raw = bech32.convertbits(data, 5, 8, False)
    if raw is None or len(raw) != ADDRESS_BYTES:
        raise InvalidInput(f"address does not hold {ADDRESS_BYTES} bytes", "codec.bad_address")
    return bytes(raw)


def is_address(text: object) -> bool:
    """True when ``text`` is a well-formed ``mb1...`` address."""
    if not isinstance(text, str) or len(text) > 90:
        return False
    try:
        decode_address(text)
    except InvalidInput:
        return False
    return True
