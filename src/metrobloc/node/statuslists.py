"""Published status lists kept by the issuing agency's node: the exact bytes of each version an issuer
anchored on chain (``identity/anchor_status``), stored node-locally in ``statuslists.db`` and served to
verifiers (docs/spec/credentials.md §5).

The anchor is the authority: bytes are accepted only when an anchor for that issuer, list and version
exists and its digest is SHA-256 of exactly these bytes, so whoever uploads them cannot change them.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import orjson

from metrobloc.codec import is_address
from metrobloc.credentials.published import BITSTRING_MEDIA_TYPE, MAX_PUBLISHED_BYTES, TOKEN_MEDIA_TYPE, digest
from metrobloc.errors import Conflict, InvalidInput, NotFound, TooLarge
from metrobloc.modules.identity.keys import status_version_key
from metrobloc.modules.identity.msgs import ListId

MEDIA_TYPES = {"bitstring": BITSTRING_MEDIA_TYPE, "token": TOKEN_MEDIA_TYPE}
"""The media type each list kind is served with."""
_SCHEMA = """
CREATE TABLE IF NOT EXISTS lists (
    issuer TEXT NOT NULL, list_id TEXT NOT NULL, version INTEGER NOT NULL,
    kind TEXT NOT NULL, digest TEXT NOT NULL, body BLOB NOT NULL,
    PRIMARY KEY (issuer, list_id, version)
)
"""


class StateGet(Protocol):
    """The committed state (the node's ``StateReader``)."""

    def get(self, key: bytes) -> bytes | None: ...


@dataclass(frozen=True)
class Published:
    """One stored publication of a status list."""

    issuer: str
    """The issuer's address."""
    list_id: str
    """The list's id."""
    version: int
    """The anchored version."""
    kind: str
    """``bitstring`` or ``token``."""
    digest: str
    """SHA-256 of ``body``, as anchored."""
    body: bytes
    """The published bytes."""

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self.kind]

    def summary(self) -> dict[str, Any]:
        return {"issuer": self.issuer, "list_id": self.list_id, "version": self.version, "kind": self.kind,
                "digest": self.digest}  # fmt: skip


def check_names(issuer: str, list_id: str) -> None:
    """``statuslist.bad_name`` unless an mb1 address and a list id."""
    if not is_address(issuer) or not ListId.pattern.fullmatch(list_id):
        raise InvalidInput(f"issuer is an mb1 address, list_id matches {ListId.pattern.pattern}", "statuslist.bad_name")


class StatusListStore:
    """The node-local store of published status lists (SQLite, one row per version)."""

    def __init__(self, path: Path | str, state: StateGet) -> None:
        self._conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute(_SCHEMA)
        self._lock = threading.Lock()
        self._state = state

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def put(self, issuer: str, list_id: str, version: int, body: bytes) -> Published:
        """Store ``body`` as ``version`` if the chain anchored exactly these bytes (idempotent)."""
        check_names(issuer, list_id)
        if len(body) > MAX_PUBLISHED_BYTES:
            raise TooLarge(f"a published list is at most {MAX_PUBLISHED_BYTES} bytes", "statuslist.too_large")
        raw = self._state.get(status_version_key(issuer, list_id, version))
        if raw is None:
            raise NotFound(
                f"{issuer} anchored no version {version} of {list_id}: anchor it first (identity/anchor_status)",
                "statuslist.not_anchored",
            )
        anchor = orjson.loads(raw)
        found = digest(body)
        if found != anchor["digest"]:
            raise Conflict(
                f"these bytes have digest {found}; version {version} anchors {anchor['digest']}",
                "statuslist.digest_mismatch",
            )
        with self._lock:
            self._conn.execute(
                "INSERT OR IGNORE INTO lists VALUES (?, ?, ?, ?, ?, ?)",
                (issuer, list_id, version, anchor["kind"], found, body),
            )
        return Published(issuer, list_id, version, anchor["kind"], found, body)

    def get(self, issuer: str, list_id: str, version: int | None = None) -> Published:
        """A stored version, or the highest stored one; ``statuslist.not_found``."""
        check_names(issuer, list_id)
        sql = "SELECT version, kind, digest, body FROM lists WHERE issuer = ? AND list_id = ?"
        args: tuple[Any, ...] = (issuer, list_id)
        if version is not None:
            sql, args = sql + " AND version = ?", (*args, version)
        with self._lock:
            row = self._conn.execute(sql + " ORDER BY version DESC LIMIT 1", args).fetchone()
        if row is None:
            which = "any version" if version is None else f"version {version}"
            raise NotFound(f"this node holds no {which} of {issuer}'s list {list_id}", "statuslist.not_found")
        return Published(issuer, list_id, int(row[0]), str(row[1]), str(row[2]), bytes(row[3]))
