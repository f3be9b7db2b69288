"""Gathering the consortium's signed headers: certified blocks and divergence.

Every node announces its attestation of each block it commits (the header and its signature).
Each node collects the announcements: those for its own block hash are stored with the block,
so that proof bundles carry them; a header that a quorum of genesis node keys signed is
*certified*; a certified header different from this node's own at the same height means this
node's state has forked, and it halts (ARCHITECTURE.md section 5).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import orjson

from metrobloc.codec import b64url_encode, parse_json
from metrobloc.errors import MetroblocError
from metrobloc.ledger import Attestation, Genesis, Header
from metrobloc.ledger.genesis import quorum
from metrobloc.state import Store

log = logging.getLogger("metrobloc.certify")

KEEP_HEIGHTS = 10_000
"""Announcements for heights this far below the tip are forgotten (the stored blocks keep theirs)."""


@dataclass(frozen=True)
class Divergence:
    """This node's block differs from one the consortium certified."""

    height: int
    ours: str
    """This node's block hash at that height."""
    certified: str
    """The certified block hash."""
    attesters: tuple[str, ...]
    """Organizations that signed the certified header."""

    def to_json(self) -> dict[str, Any]:
        return {
            "height": self.height,
            "our_block_hash": self.ours,
            "certified_block_hash": self.certified,
            "certified_by": list(self.attesters),
        }


def announcement(header: Header, attestation: Attestation) -> bytes:
    """What a node publishes after a commit: ``{"header", "attestation"}`` as JSON."""
    return orjson.dumps({"header": header.to_json(), "attestation": attestation.to_json()})


class Certifier:
    """Collects announcements (on the event loop); writes attestations on its own thread."""

    def __init__(self, genesis: Genesis, store: Store, on_divergence: Callable[[Divergence], None]) -> None:
        self.genesis = genesis
        self.store = store
        self.on_divergence = on_divergence
        self.names = {o.node_key: o.name for o in genesis.organizations}
        self.quorum = quorum(len(self.names))
        self._keys_b64 = {b64url_encode(k) for k in self.names}
        self._seen: dict[int, dict[str, dict[bytes, Attestation]]] = {}
        """height -> block hash -> node key -> attestation, for heights not yet settled."""
        self.divergence: Divergence | None = None
        self.conflicts: dict[int, list[str]] = {}
        """Heights where some node signed a header other than ours (short of a quorum): its hashes."""
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="attest")

    def close(self) -> None:
        self._writer.shutdown(wait=True)

    def receive(self, data: bytes) -> None:
        """One announcement from the stream (any node's, ours too)."""
        try:
            obj = parse_json(data)
            if not isinstance(obj, dict) or set(obj) != {"header", "attestation"}:
                raise ValueError("an announcement is {header, attestation}")
            header = Header.from_json(obj["header"])
            att = Attestation.from_json(obj["attestation"])
        except (MetroblocError, ValueError) as exc:
            log.warning("ignoring a malformed announcement: %s", exc)
            return
        if header.chain_id != self.genesis.chain_id:
            return
        if att.public_key not in self.names or not att.verifies(header):
            log.warning("ignoring an announcement not signed by a genesis node key (height %d)", header.height)
            return
        if header.height <= self.store.tip.height - KEEP_HEIGHTS:
            return
        self._seen.setdefault(header.height, {}).setdefault(header.block_hash, {})[att.public_key] = att
        self.settle(header.height)

    def committed(self, height: int) -> None:
        """This node committed ``height``: compare with what the others announced for it."""
        self.settle(height)

    def settle(self, height: int) -> None:
        groups = self._seen.get(height)
        if not groups or height > self.store.tip.height:
            return  # not ours yet: wait for our own commit
        found = self.store.block(height)
        if found is None:
            return
        ours = found[0]
        for block_hash, atts in groups.items():
            if block_hash == ours:
                batch = [a.to_json() for a in atts.values()]
                self._writer.submit(self._store_attestations, height, ours, batch)
                continue
            if len(atts) >= self.quorum and self.divergence is None:
                self.divergence = Divergence(height, ours, block_hash, tuple(sorted(self.names[k] for k in atts)))
                log.error("divergence at height %d: ours %s, certified %s; halting execution", height, ours, block_hash)
                self.on_divergence(self.divergence)
            elif block_hash not in self.conflicts.setdefault(height, []):
                self.conflicts[height].append(block_hash)
                log.warning("a node signed another header at height %d: %s (ours %s)", height, block_hash, ours)
        ours_count = len(groups.get(ours, {}))
        if ours_count >= len(self.names):
            del self._seen[height]  # everyone agreed: nothing more can change here
        for old in [h for h in self._seen if h <= self.store.tip.height - KEEP_HEIGHTS]:
            del self._seen[old]

    def _store_attestations(self, height: int, block_hash: str, batch: list[dict[str, str]]) -> None:
        try:
            self.store.add_attestations(height, block_hash, batch)
        except Exception:  # noqa: BLE001 - attestations are re-sent; never crash the writer
            log.exception("storing attestations of block %d failed", height)

    def certified(self, attestations: list[dict[str, str]]) -> bool:
        """Whether stored attestations (already checked) reach the quorum of distinct genesis keys."""
        keys = {a.get("public_key") for a in attestations}
        return len(keys & self._keys_b64) >= self.quorum
