"""Canonical JSON (RFC 8785), base64url and bech32: the byte-level encodings of the wire format."""

from metrobloc.codec.addresses import decode_address, encode_address, is_address
from metrobloc.codec.b64 import b64url_decode, b64url_encode
from metrobloc.codec.canonical import (
    MAX_SAFE_INTEGER,
    canonical_json,
    canonical_json_checked,
    check_value,
    parse_json,
)

__all__ = [
    "MAX_SAFE_INTEGER",
    "b64url_decode",
    "b64url_encode",
    "canonical_json",
    "canonical_json_checked",
    "check_value",
    "decode_address",
    "encode_address",
    "is_address",
    "parse_json",
]
