"""Salted subject hashes: how an agency names an off-chain identifier on a list without revealing it.

``subject_hash(salt, identifier)`` = ``"sha256:" + hex(SHA-256(salt ‖ UTF-8(NFC(identifier))))``.
The salt (at least 16 random bytes) is shared out of band by the agencies of a list and never goes
on the ledger; the identifier is normalised only to Unicode NFC, so agencies agree beforehand on its
form (e.g. a passport number as ``<ISO 3166 alpha-3>:<number>``, upper case, no spaces).
"""

from __future__ import annotations

import hashlib
import unicodedata

MIN_SALT_BYTES = 16


def subject_hash(salt: bytes, identifier: str | bytes) -> str:
    """The ``sha256:<hex>`` subject of ``identifier`` under ``salt`` (bytes are hashed as given)."""
    if not isinstance(salt, bytes) or len(salt) < MIN_SALT_BYTES:
        raise ValueError(f"the salt is at least {MIN_SALT_BYTES} bytes")
    data = identifier if isinstance(identifier, bytes) else unicodedata.normalize("NFC", identifier).encode()
    if not data:
        raise ValueError("the identifier is empty")
    return "sha256:" + hashlib.sha256(salt + data).hexdigest()
