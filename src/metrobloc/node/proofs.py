"""State proofs served by a node: current values with their proofs under the tip's header.

The tree and the tip change together under the store's ``tree_lock``; reading the values and
their proofs under that lock gives answers that always agree with the header they are served with
(docs/spec/state-proofs.md §4 and §6).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

import orjson

from metrobloc.errors import NotFound
from metrobloc.node.certify import Certifier
from metrobloc.state import Reads, Store

CERTIFY_WAIT_S = 3.0
"""Longest a proof waits for its header to reach the attestation quorum (a consortium's tip)."""


class StateProver:
    """Builds state bundles and the ``proofs`` member of proven query answers."""

    def __init__(self, store: Store, certifier: Certifier) -> None:
        self._store = store
        self._certifier = certifier

    def prove(self, keys: Iterable[bytes], expect: Reads | None = None) -> dict[str, Any] | None:
        """``{header, attestations, reads}`` for ``keys`` at the tip.

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
                row = store.conn().execute("SELECT value FROM kv WHERE key = ?", (key,)).fetchone()
                value = None if row is None else bytes(row[0])
                if expect is not None and expect.get(key) != value:
                    return None
                reads.append({"key": key.decode(), "value": _text(value), "proof": store.tree.prove(key).to_json()})
        header, attestations = self._attested(tip.height)
        return {"header": header, "attestations": attestations, "reads": reads}

    def bundle(self, key: bytes) -> dict[str, Any]:
        """A state bundle (``GET /v1/state/proof``)."""
        proofs = self.prove([key])
        assert proofs is not None
        read = proofs["reads"][0]
        return {**read, "header": proofs["header"], "attestations": proofs["attestations"]}

    def _attested(self, height: int) -> tuple[Any, list[dict[str, str]]]:
        """The header of block ``height`` and its attestations, once certified (or after a short wait)."""
        deadline = time.monotonic() + CERTIFY_WAIT_S
        while True:
            found = self._store.block(height)
            assert found is not None
            _, header, attestations_json, _ = found
            attestations: list[dict[str, str]] = orjson.loads(attestations_json)
            if self._certifier.certified(attestations) or time.monotonic() >= deadline:
                return orjson.loads(header), attestations
            time.sleep(0.02)

    def _not_yet(self, height: int) -> str:
        first = self._store.state_root_from
        if height == 0:
            return "no block has been committed yet: state proofs need a block header"
        return f"the chain is at block {height} and state roots start at block {first}: no header to prove against yet"


def _text(value: bytes | None) -> str | None:
    return None if value is None else value.decode()
