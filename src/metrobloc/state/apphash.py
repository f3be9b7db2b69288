"""The app hash: a hash chain over each block's state writes (docs/spec/state.md).

app_hash(h) = SHA-256("metrobloc/app/v1\\0" || app_hash(h-1) || writes_digest(h)), with
app_hash(0) the link over the genesis writes from 32 zero bytes. Two nodes that applied the same
writes in the same blocks have the same app hash; any difference in any block shows at once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from metrobloc.crypto import APP_TAG

ZERO_HASH = bytes(32)


def writes_digest(writes: Mapping[bytes, bytes | None]) -> bytes:
    """SHA-256 over the block's writes sorted by key: len(k)||k||flag||len(v)||v (u32 big-endian)."""
    h = hashlib.sha256()
    for key in sorted(writes):
        value = writes[key]
        h.update(len(key).to_bytes(4, "big") + key)
        if value is None:
            h.update(b"\x00")
        else:
            h.update(b"\x01" + len(value).to_bytes(4, "big") + value)
    return h.digest()


def app_hash_link(prev: bytes, writes: Mapping[bytes, bytes | None]) -> bytes:
    """The next app hash after applying ``writes`` on top of ``prev``."""
    return hashlib.sha256(APP_TAG + prev + writes_digest(writes)).digest()
