"""How modules see state, written once for all of them: the protocols a keeper takes (a handler's
``Context``, a query's ``StateReader``) and JSON records stored in canonical form."""

from __future__ import annotations

from typing import Any, Protocol

import orjson

from metrobloc.codec import canonical_json_checked


class Reader(Protocol):
    def get(self, key: bytes) -> bytes | None: ...


class Writer(Reader, Protocol):
    def set(self, key: bytes, value: bytes) -> None: ...

    def delete(self, key: bytes) -> None: ...


class Scanner(Reader, Protocol):
    """Committed state with range scans (the node's ``StateReader``), for queries."""

    def scan(self, prefix: bytes, limit: int = 1000, after: bytes | None = None) -> list[tuple[bytes, bytes]]: ...


def load_json(state: Reader, key: bytes) -> Any:
    """The JSON record at ``key``, or None."""
    raw = state.get(key)
    return None if raw is None else orjson.loads(raw)


def store_json(state: Writer, key: bytes, value: Any) -> None:
    """Store ``value`` at ``key`` as canonical JSON (RFC 8785)."""
    state.set(key, canonical_json_checked(value))
