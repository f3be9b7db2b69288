"""SHA-256 and the domain tags that keep one kind of signed bytes from passing for another."""

from __future__ import annotations

import hashlib

TX_TAG = b"metrobloc/tx/v1\x00"
"""Prefix of a transaction's sign bytes."""
HEADER_TAG = b"metrobloc/header/v1\x00"
"""Prefix of a v1 block header's hashed and attested bytes (headers without ``state_root``)."""
HEADER_V2_TAG = b"metrobloc/header/v2\x00"
"""Prefix of a v2 block header's hashed and attested bytes (headers with ``state_root``)."""
APP_TAG = b"metrobloc/app/v1\x00"
"""Prefix of the app-hash chain link."""
ROTATE_TAG = b"metrobloc/rotate_key/v1\x00"
"""Prefix of the statement a new key signs to accept an account (key rotation)."""
CONSORTIUM_KEY_TAG = b"metrobloc/consortium_key/v1\x00"
"""Prefix of the statement a node key signs before the consortium puts it in force (proof of possession)."""


def sha256(data: bytes) -> bytes:
    """The 32-byte SHA-256 digest of ``data``."""
    return hashlib.sha256(data).digest()


def tagged(tag: bytes, data: bytes) -> bytes:
    """The bytes ``tag || data`` that are signed or hashed under a domain tag."""
    assert tag.endswith(b"\x00"), "domain tags end with a NUL byte"
    return tag + data
