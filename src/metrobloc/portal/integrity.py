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


def _lock_entries(lock: Any) -> list[dict[str, Any]]:
    """Every ``{"path"|"file", "integrity"|"sri"}`` record of the lock, wherever it nests."""
    found: list[dict[str, Any]] = []
    if isinstance(lock, dict):
        if any(k in lock for k in ("sri", "integrity_sri", "file_sri")) and any(k in lock for k in ("path", "file")):
            found.append(lock)
        for value in lock.values():
            found += _lock_entries(value)
    elif isinstance(lock, list):
        for value in lock:
            found += _lock_entries(value)
    return found


def vendored(lock_path: Path = VENDOR_LOCK) -> dict[str, str]:
    """Static path (``vendor/...``) -> SRI value, as the lock file records it."""
    if not lock_path.exists():
        return {}
    out: dict[str, str] = {}
    for entry in _lock_entries(json.loads(lock_path.read_text())):
        rel = str(entry.get("path") or entry.get("file"))
        sri = str(entry.get("sri") or entry.get("integrity_sri") or entry.get("file_sri"))
        rel = rel.removeprefix("static/").removeprefix("/")
        out[rel if rel.startswith("vendor/") else f"vendor/{rel}"] = sri
    return out


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
