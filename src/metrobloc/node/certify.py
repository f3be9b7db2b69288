"""Gathering the consortium's signed headers: certified blocks and divergence.

Every node announces its attestation of each block it commits (the header and its signature).
Each node collects the announcements: those for its own block hash are stored with the block,
so that proof bundles carry them; a header that a quorum of the node keys in force at its height
signed is *certified*; a certified header different from this node's own at the same height means
this node's state has forked, and it halts (ARCHITECTURE.md section 5).

Keys are not filtered on receipt: a key added in block h announces h + 1 before this node may
have committed h. They are filtered when a height settles, against the set in force there (which
only depends on blocks below it), so a removed key can neither add to a quorum nor halt a node.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import orjson

from metrobloc.codec import parse_json
from metrobloc.errors import MetroblocError
from metrobloc.ledger import Attestation, Genesis, Header
from metrobloc.node.consortium import ConsortiumView
from metrobloc.state import Store

log = logging.getLogger("metrobloc.certify")

KEEP_HEIGHTS = 10_000
"""Announcements for heights this far below the tip are forgotten (the stored blocks keep theirs)."""
KEEP_AHEAD = 10_000
"""Announcements for heights this far above the tip are dropped (they can be backfilled later)."""
MAX_UNKNOWN = 128
"""Announcements by keys not in force at the tip kept per (height, block hash): twice the member cap."""


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

    def __init__(
        self, genesis: Genesis, store: Store, consortium: ConsortiumView, on_divergence: Callable[[Divergence], None]
    ) -> None:
        self.genesis = genesis
        self.store = store
        self.consortium = consortium
        self.on_divergence = on_divergence
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
        tip = self.store.tip.height
        if not tip - KEEP_HEIGHTS < header.height <= tip + KEEP_AHEAD:
            return
        if not att.verifies(header):
            log.warning("ignoring an announcement whose signature does not verify (height %d)", header.height)
            return
        group = self._seen.setdefault(header.height, {}).setdefault(header.block_hash, {})
        if att.public_key not in group and att.public_key not in self.consortium.at(tip + 1):
            unknown = sum(1 for k in group if k not in self.consortium.at(tip + 1))
            if unknown >= MAX_UNKNOWN:
                return
        group[att.public_key] = att
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
        keys = self.consortium.at(height)
        for block_hash, all_atts in groups.items():
            atts = {k: a for k, a in all_atts.items() if k in keys}
            if block_hash == ours:
                batch = [a.to_json() for a in atts.values()]
                if batch:
                    self._writer.submit(self._store_attestations, height, ours, batch)
                continue
            if not atts:
                continue  # only keys not in force at this height: no conflict worth reporting
            if len(atts) >= keys.quorum and self.divergence is None:
                names = tuple(sorted(keys.name_of(k) or "?" for k in atts))
                self.divergence = Divergence(height, ours, block_hash, names)
                log.error("divergence at height %d: ours %s, certified %s; halting execution", height, ours, block_hash)
                self.on_divergence(self.divergence)
            elif block_hash not in self.conflicts.setdefault(height, []):
                self.conflicts[height].append(block_hash)
                log.warning("a node signed another header at height %d: %s (ours %s)", height, block_hash, ours)
        ours_count = sum(1 for k in groups.get(ours, {}) if k in keys)
        if ours_count >= len(keys.members):
            del self._seen[height]  # everyone agreed: nothing more can change here
        for old in [h for h in self._seen if h <= self.store.tip.height - KEEP_HEIGHTS]:
            del self._seen[old]

    def _store_attestations(self, height: int, block_hash: str, batch: list[dict[str, str]]) -> None:
        try:
            self.store.add_attestations(height, block_hash, batch)
        except Exception:  # noqa: BLE001 - attestations are re-sent; never crash the writer
            log.exception("storing attestations of block %d failed", height)

    def certified(self, height: int, attestations: list[dict[str, str]]) -> bool:
        """Whether stored attestations (already checked) of block ``height`` reach the quorum of the
        distinct node keys in force there."""
        return self.consortium.certified(height, attestations)
