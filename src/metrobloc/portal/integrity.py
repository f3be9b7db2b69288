"""Subresource integrity of the portal's static files: the lock file's values for vendored files,
a SHA-384 of the file itself for the portal's own."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

STATIC = Path(__file__).parent / "static"
VENDOR_LOCK = STATIC / "vendor" / "vendor.lock.json"


def file_integrity(path: Path) -> str:
    """``sha384-<base64>`` of a file's bytes (the SRI form)."""
    return "sha384-" + base64.b64encode(hashlib.sha384(path.read_bytes()).digest()).decode()


def vendored(lock_path: Path = VENDOR_LOCK) -> dict[str, str]:
    """Static path (``vendor/<package>/<file>``) -> SRI value, as ``vendor.lock.json`` records it."""
    if not lock_path.exists():
        return {}
    lock: dict[str, Any] = json.loads(lock_path.read_text())
    return {f"vendor/{entry['path']}": str(entry["sri"]) for entry in lock["files"]}


class Integrity:
    """SRI values by static path (relative to ``static/``), computed once."""

    def __init__(self, root: Path = STATIC) -> None:
        self.root = root
        self.locked = vendored(root / "vendor" / "vendor.lock.json")
        self._own: dict[str, tuple[int, str]] = {}
        """path -> (modification time, SRI): recomputed when a file changes under a running node."""

    def of(self, path: str) -> str:
        """The SRI value of ``static/<path>``; a vendored file missing from the lock is a bug."""
        if path.startswith("vendor/"):
            if path not in self.locked:
                raise KeyError(f"{path} is not in vendor.lock.json")
            return self.locked[path]
        file = self.root / path
        mtime = file.stat().st_mtime_ns
        known = self._own.get(path)
        if known is None or known[0] != mtime:
            known = self._own[path] = (mtime, file_integrity(file))
        return known[1]
