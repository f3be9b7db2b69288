"""State proofs served by a node: current values with their proofs under the tip's header.

The tree and the tip change together under the store's ``tree_lock``; reading the values and
their proofs under that lock gives answers that always agree with the header they are served with
(docs/spec/state-proofs.md §4 and §6). Every answer carries the ``consortium`` member (design
§3.1): the set changes, and ``consortium/count`` proven under the answer's own header.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

import orjson

from metrobloc.errors import NotFound
from metrobloc.node.consortium import COUNT_KEY, ConsortiumView, SetProofs
from metrobloc.state import Reads, Store

CERTIFY_WAIT_S = 3.0
"""Longest a proof waits for its header to reach the attestation quorum (a consortium's tip)."""


class StateProver:
    """Builds state bundles, the ``proofs`` member of proven query answers and the set's count proof."""

    def __init__(self, store: Store, consortium: ConsortiumView, set_proofs: SetProofs) -> None:
        self._store = store
        self._consortium = consortium
        self._set_proofs = set_proofs
        self._count_cache: tuple[int, int, dict[str, Any]] | None = None
        """(header height, count, count proof) of the last count proven at the tip."""

    def prove(self, keys: Iterable[bytes], expect: Reads | None = None) -> dict[str, Any] | None:
        """``{header, attestations, reads, consortium}`` for ``keys`` at the tip.

        With ``expect`` (what a query read), None when a block changed any of those values since:
        the caller runs the query again.
        """
        store = self._store
        with store.tree_lock:
            tip = store.tip
            if tip.height == 0 or not tip.state_root:
                raise NotFound(self._not_yet(tip.height), "state.no_state_root")
            reads = []
            for key in keys:
                value = self._value(key)
                if expect is not None and expect.get(key) != value:
                    return None
                reads.append({"key": key.decode(), "value": _text(value), "proof": store.tree.prove(key).to_json()})
            count = self._value(COUNT_KEY)
            count_read = {
                "key": COUNT_KEY.decode(),
                "value": _text(count),
                "proof": store.tree.prove(COUNT_KEY).to_json(),
            }
        header, attestations = self._attested(tip.height)
        section = self._set_proofs.section({"header": header, "attestations": attestations, **count_read})
        return {"header": header, "attestations": attestations, "reads": reads, "consortium": section}

    def bundle(self, key: bytes) -> dict[str, Any]:
        """A state bundle (``GET /v1/state/proof``)."""
        proofs = self.prove([key])
        assert proofs is not None
        read = proofs["reads"][0]
        return {
            **read,
            "header": proofs["header"],
            "attestations": proofs["attestations"],
            "consortium": proofs["consortium"],
        }

    def count_proof(self, at_height: int) -> dict[str, Any] | None:
        """``consortium/count`` proven under a certified v2 header at or after ``at_height`` (the tip's).

        None when the tip has no state root (a v1 chain): the light client then accepts the
        genesis set for a v1 header only if no change is listed. Cached while still good.
        """
        cached = self._count_cache
        if cached is not None and cached[0] >= at_height and cached[1] == self._consortium.history.count:
            return cached[2]
        store = self._store
        with store.tree_lock:
            tip = store.tip
            if tip.height == 0 or not tip.state_root:
                return None
            count = self._value(COUNT_KEY)
            read = {"key": COUNT_KEY.decode(), "value": _text(count), "proof": store.tree.prove(COUNT_KEY).to_json()}
        header, attestations = self._attested(tip.height)
        proof = {"header": header, "attestations": attestations, **read}
        if self._consortium.certified(tip.height, attestations):
            self._count_cache = (tip.height, 0 if count is None else int(count), proof)
        return proof

    def _value(self, key: bytes) -> bytes | None:
        row = self._store.conn().execute("SELECT value FROM kv WHERE key = ?", (key,)).fetchone()
        return None if row is None else bytes(row[0])

    def attested(self, height: int) -> tuple[Any, list[dict[str, str]]]:
        """The header of block ``height`` and its attestations in force, once certified (or after a short wait)."""
        return self._attested(height)

    def _attested(self, height: int) -> tuple[Any, list[dict[str, str]]]:
        deadline = time.monotonic() + CERTIFY_WAIT_S
        while True:
            found = self._store.block(height)
            assert found is not None
            _, header, attestations_json, _ = found
            attestations = self._consortium.in_force(height, orjson.loads(attestations_json))
            if self._consortium.certified(height, attestations) or time.monotonic() >= deadline:
                return orjson.loads(header), attestations
            time.sleep(0.02)

    def _not_yet(self, height: int) -> str:
        first = self._store.state_root_from
        if height == 0:
            return "no block has been committed yet: state proofs need a block header"
        return f"the chain is at block {height} and state roots start at block {first}: no header to prove against yet"


def _text(value: bytes | None) -> str | None:
    return None if value is None else value.decode()
