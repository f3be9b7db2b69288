"""The treasury address of an organization: derived from its id, so that everyone can compute it and
no key controls it (only a passed proposal acts for it, through ``Context.run_as``)."""

from __future__ import annotations

import hashlib

from metrobloc.codec import encode_address

TREASURY_TAG = b"metrobloc/org/v1\x00"
"""Domain tag of the derivation (docs/spec/orgs.md §1)."""


def treasury_address(org: str) -> str:
    """``bech32("mb", SHA-256("metrobloc/org/v1\\0" ‖ UTF-8(org))[:20])``: an address no key hashes to."""
    return encode_address(hashlib.sha256(TREASURY_TAG + org.encode()).digest()[:20])
