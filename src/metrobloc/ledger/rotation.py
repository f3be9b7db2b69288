"""The key-rotation statement: what a new key signs to accept an account (docs/spec/transactions.md)."""

from __future__ import annotations

from metrobloc.codec import b64url_encode, canonical_json_checked
from metrobloc.crypto import ROTATE_TAG


def rotation_statement(chain_id: str, address: str, public_key: bytes) -> bytes:
    """``"metrobloc/rotate_key/v1\\0" || JCS({chain_id, address, public_key})``."""
    body = {"chain_id": chain_id, "address": address, "public_key": b64url_encode(public_key)}
    return ROTATE_TAG + canonical_json_checked(body)
