"""The escrow address of a budgeting process: derived from its id, so that everyone can compute it and
no key controls it (only this module's handlers move its funds, through the assets keeper)."""

from __future__ import annotations

import hashlib

from metrobloc.codec import encode_address

ESCROW_TAG = b"metrobloc/budgeting/v1\x00"
"""Domain tag of the derivation (docs/spec/budgeting.md §1)."""


def escrow_address(process: str) -> str:
    """``bech32("mb", SHA-256("metrobloc/budgeting/v1\\0" ‖ UTF-8(process))[:20])``: an address no key hashes to."""
    return encode_address(hashlib.sha256(ESCROW_TAG + process.encode()).digest()[:20])
