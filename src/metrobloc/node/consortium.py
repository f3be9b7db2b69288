"""The node's view of the consortium's node-key set over time, and the ``consortium`` member of its bundles.

The set in force at each height is folded from the ``consortium/change/{seq}`` records the module
commits with their block (design §2.3): those commit in the same SQLite transaction as the block,
so the view is rebuilt exactly from state at start (after a ``kill -9`` too) and refreshed on the
chain thread after each commit. Readers on other threads see an immutable ``KeyHistory`` whose
reference the chain thread swaps; settling height h needs only changes of blocks below h, which
were folded before block h was applied.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

import orjson

from metrobloc.codec import b64url_decode
from metrobloc.errors import InvalidInput
from metrobloc.ledger import Genesis
from metrobloc.ledger.consortium import CONSORTIUM_COUNT_KEY, KeyHistory, KeySet, SetChange
from metrobloc.modules.consortium.keys import change_key
from metrobloc.state import Store

COUNT_KEY = CONSORTIUM_COUNT_KEY.encode()


class ConsortiumView:
    """S(h) for every h, folded from the committed change records; rebuilt from state at start."""

    def __init__(self, genesis: Genesis, store: Store) -> None:
        self.genesis = genesis
        self._store = store
        self._history = KeyHistory.from_genesis(genesis)
        self._changes: list[tuple[SetChange, str]] = []
        self._fold(store.reader.get)

    @property
    def history(self) -> KeyHistory:
        """Every set from genesis to the last committed change (immutable; swapped on refresh)."""
        return self._history

    def at(self, height: int) -> KeySet:
        return self._history.at(height)

    def refresh(self, writes: Mapping[bytes, bytes | None]) -> None:
        """Fold the changes a just-committed block wrote (chain thread, after ``commit_block``)."""
        if COUNT_KEY not in writes:
            return

        def get(key: bytes) -> bytes | None:
            return writes[key] if key in writes else self._store.reader.get(key)

        self._fold(get)

    def _fold(self, get: Callable[[bytes], bytes | None]) -> None:
        raw = get(COUNT_KEY)
        count = 0 if raw is None else int(raw)
        history, changes = self._history, list(self._changes)
        for seq in range(history.count + 1, count + 1):
            value = get(change_key(seq))
            if value is None:
                raise InvalidInput(f"consortium change record {seq} is missing from state", "node.bad_set_change")
            record = orjson.loads(value)
            change = SetChange.from_record(record)
            history = history.apply(change)
            changes.append((change, str(record["tx_hash"])))
        self._changes = changes
        self._history = history  # one reference swap: readers see the old or the new history

    def in_force(self, height: int, attestations: list[dict[str, str]]) -> list[dict[str, str]]:
        """The attestations by keys in force at ``height`` (the others never count there)."""
        keys = self.at(height)
        return [a for a in attestations if _key(a) in keys]

    def certified(self, height: int, attestations: list[dict[str, str]]) -> bool:
        """Whether stored (already checked) attestations reach the quorum of distinct keys in force at ``height``."""
        keys = self.at(height)
        distinct = {k for k in (_key(a) for a in attestations) if k is not None and k in keys}
        return len(distinct) >= keys.quorum

    def changes(self) -> list[tuple[int, str, int]]:
        """``(seq, tx_hash, height)`` of every change committed so far, in ``seq`` order."""
        return [(c.seq, tx_hash, c.height) for c, tx_hash in self._changes]

    def records(self) -> list[tuple[SetChange, str]]:
        """Every change committed so far with its tx hash, in ``seq`` order (API, portal)."""
        return list(self._changes)


def _key(attestation: Mapping[str, Any]) -> bytes | None:
    try:
        return b64url_decode(str(attestation.get("public_key")), length=32, what="public_key")
    except InvalidInput:
        return None


class SetProofs:
    """Builds the ``consortium`` member of every bundle (design §3.1).

    ``changes``: one proof bundle per tx holding changes, under the header of its own block and with
    the attestations in force there; cached once certified (they never change). ``count``: a state
    proof of ``consortium/count`` under a certified v2 header at or after the bundle's, given by the
    caller (``StateProver`` proves it together with the other reads, or at the tip).
    """

    def __init__(
        self,
        view: ConsortiumView,
        proof: Callable[[str, int], dict[str, Any]],
        certified: Callable[[int, list[dict[str, str]]], bool],
    ) -> None:
        self._view = view
        self._proof = proof
        self._certified = certified
        self._cache: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def changes(self) -> list[dict[str, Any]]:
        """The change entries, in log order (one per tx)."""
        entries: list[dict[str, Any]] = []
        seen: set[str] = set()
        for _, tx_hash, height in self._view.changes():
            if tx_hash in seen:
                continue
            seen.add(tx_hash)
            with self._lock:
                entry = self._cache.get(tx_hash)
            if entry is None:
                entry = self._proof(tx_hash, height)
                if self._certified(height, entry["attestations"]):
                    with self._lock:
                        self._cache[tx_hash] = entry
            entries.append(entry)
        return entries

    def section(self, count: dict[str, Any] | None) -> dict[str, Any]:
        """``{"changes", "count"}`` with the given count proof (None only for a v1 chain with no change)."""
        return {"changes": self.changes(), "count": count}
