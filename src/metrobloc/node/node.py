"""A node: the store, the orderer, the chain thread, admission and the event hub, started together."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import Any

import orjson

from metrobloc.codec import b64url_encode
from metrobloc.crypto import PrivateKey
from metrobloc.errors import InvalidInput, NotFound, Unavailable
from metrobloc.execution import Module
from metrobloc.ledger import Genesis, Header
from metrobloc.merkle import subtree_hash
from metrobloc.modules import MODULES
from metrobloc.node.admission import Admission
from metrobloc.node.app import build_app
from metrobloc.node.catchup import backfill_change_heights, catch_up
from metrobloc.node.certify import Certifier, Divergence
from metrobloc.node.chain import Chain
from metrobloc.node.checker import Checker
from metrobloc.node.config import NodeConfig
from metrobloc.node.consortium import ConsortiumView, SetProofs
from metrobloc.node.datadir import load_genesis, load_node_key, lock_data_dir
from metrobloc.node.events import CommittedBlock, EventHub
from metrobloc.node.metrics import NodeMetrics
from metrobloc.node.offers import OfferStore
from metrobloc.node.pds import LocalLedger, PersonalDataStore
from metrobloc.node.proofs import StateProver
from metrobloc.node.statuslists import StatusListStore
from metrobloc.ordering import HistoryMissing, Orderer, OrdererConfig, make_orderer
from metrobloc.state import BlockRecord, Store

log = logging.getLogger("metrobloc.node")
REANNOUNCE_BLOCKS = 256
"""At start, the node announces its own attestations of this many last blocks again."""


class Node:
    """One running node of a chain."""

    def __init__(self, config: NodeConfig, modules: Sequence[Module] = MODULES) -> None:
        self.config = config
        self.genesis: Genesis = load_genesis(config.data_dir)
        self._lock_fd = lock_data_dir(config.data_dir)
        self.node_key: PrivateKey = load_node_key(config.data_dir)
        self.app = build_app(modules)
        self.metrics = NodeMetrics()
        self.hub = EventHub()
        self.store = Store(Path(config.data_dir) / "state.db")
        location = config.orderer_location or str(Path(config.data_dir) / "orderer.db")
        self.orderer: Orderer = make_orderer(
            config.orderer,
            location,
            OrdererConfig(
                config.max_block_txs,
                config.max_block_ms,
                chain_id=self.genesis.chain_id,
                replicas=config.replicas,
                monitor_urls=config.nats_monitor,
                clock_offset_ms=config.test_clock_offset_ms,
                clock=config.clock,
            ),
        )
        self.checker = Checker(self.app, self.genesis.chain_id, config.check_processes)
        self.consortium = ConsortiumView(self.genesis, self.store)
        """The node keys in force at each height, folded from the committed set changes."""
        self.chain = Chain(
            self.app,
            self.genesis,
            self.store,
            self.orderer,
            self.node_key,
            self._committed,
            self.checker.check_raws,
            consortium=self.consortium,
        )
        self.certifier = Certifier(self.genesis, self.store, self.consortium, self._diverged)
        self.set_proofs = SetProofs(self.consortium, self._base_proof, self.consortium.certified)
        self.state_prover = StateProver(self.store, self.consortium, self.set_proofs)
        self.orderer.on_announcement = self.certifier.receive
        self.admission = Admission(
            self.checker, self.genesis, self.store, self.orderer, self.chain.prepared, self.metrics
        )
        ledger = LocalLedger(self.genesis.chain_id, self.store, self.admission, self.hub, config.wait_timeout_s)
        self.pds = PersonalDataStore(config.data_dir, self.genesis.chain_id, self.store.reader, ledger, config.pds_key)
        self.status_lists = StatusListStore(Path(config.data_dir) / "statuslists.db", self.store.reader)
        self.offers = OfferStore(Path(config.data_dir) / "offers.db")
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopped = False
        self._tasks: set[asyncio.Task[None]] = set()
        self.started_at = time.time()

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self.chain.init_genesis()
        self.chain.choose_state_root_from(self.config.state_root_from, alone=self.config.orderer != "jetstream")
        self.metrics.height.set(self.store.tip.height)
        if self.config.catch_up_from_peers and self.config.peers:
            await catch_up(self.chain, self.config.peers)  # a joining node: certified blocks first (design §4.3)
        try:
            await self.orderer.start(self.store.tip.orderer_position)
        except HistoryMissing as missing:
            await self._catch_up(missing)
        self.background(self._reannounce())
        if self.config.peers:
            self.background(backfill_change_heights(self))
        now = time.perf_counter()
        for tx_hash in self.chain.unapplied_hashes():  # acknowledged before a restart
            self.admission.pending[tx_hash] = now
        self.chain.start()
        log.info("node for chain %s at height %d", self.genesis.chain_id, self.store.tip.height)

    async def _catch_up(self, missing: HistoryMissing) -> None:
        """The stream lost what this node has yet to apply: fetch those blocks from peers, then resume."""
        if not self.config.peers:
            raise Unavailable(f"{missing}; no --peer is configured", "node.history_missing")
        log.warning("%s; catching up from %s", missing, ", ".join(self.config.peers))
        await catch_up(self.chain, self.config.peers, until_position=missing.first_seq - 1)
        if self.store.tip.orderer_position < missing.first_seq - 1:
            raise Unavailable(
                f"{missing}; the peers' certified blocks end at position {self.store.tip.orderer_position}",
                "node.history_missing",
            )
        await self.orderer.start(self.store.tip.orderer_position)

    def background(self, work: Coroutine[Any, Any, None]) -> None:
        """Run ``work`` on the node's event loop until it ends or the node stops (it is cancelled then)."""
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _reannounce(self) -> None:
        """Announce again this node's own attestations of its last blocks and of every set-change
        height short of a quorum: a change block that never gathers one would leave every later
        bundle unverifiable (design §5.1), and a restart may have lost the first announcement."""
        tip = self.store.tip.height
        own = self.node_key.public_key.to_b64()
        recent = set(range(max(1, tip - REANNOUNCE_BLOCKS + 1), tip + 1))
        for height in sorted(recent | {h for _, _, h in self.consortium.changes() if h <= tip}):
            found = self.store.block(height)
            if found is None:
                continue
            stored = orjson.loads(found[2])
            mine = [a for a in stored if a.get("public_key") == own]
            if mine and (height in recent or not self.consortium.certified(height, stored)):
                signed = orjson.dumps({"header": orjson.Fragment(found[1]), "attestation": mine[0]})
                try:
                    await self.orderer.announce(signed)
                except Exception:  # noqa: BLE001 - best effort: the stream may be down for a moment
                    log.warning("re-announcing block %d failed", height)
                    return

    async def stop(self) -> None:
        """Stop everything the node started (once; later calls do nothing)."""
        if self._stopped:
            return
        self._stopped = True
        for task in list(self._tasks):
            task.cancel()
        await self.orderer.stop()
        await asyncio.to_thread(self.chain.stop)
        await asyncio.to_thread(self.checker.close)
        self.certifier.close()
        self.pds.close()
        self.status_lists.close()
        self.offers.close()
        self.store.close()
        os.close(self._lock_fd)

    # -- called on the chain thread ----------------------------------------------------------
    def _committed(self, record: BlockRecord, receipts: list[dict[str, Any]], hashes: list[str]) -> None:
        block = CommittedBlock(record.height, record.block_hash, record.tip.time_ms, tuple(receipts))
        attestations = orjson.loads(record.attestations)
        signed = None
        if attestations and attestations[0]["public_key"] == self.node_key.public_key.to_b64():
            # Only a node whose key is in force at this height attested it: the others stay silent.
            signed = orjson.dumps({"header": orjson.Fragment(record.header), "attestation": attestations[0]})
        assert self._loop is not None
        self._loop.call_soon_threadsafe(self._announce, block, signed)

    def _diverged(self, divergence: Divergence) -> None:
        self.chain.halt(f"diverged from the certified chain at height {divergence.height}")

    def _announce(self, block: CommittedBlock, signed: bytes | None) -> None:
        assert self._loop is not None
        if signed is not None:
            self._loop.create_task(self.orderer.announce(signed))
        self.certifier.committed(block.height)
        now = time.perf_counter()
        ok = 0
        for receipt in block.receipts:
            started = self.admission.pending.pop(receipt["tx_hash"], None)
            if started is not None:
                self.metrics.commit_latency.observe(now - started)
            ok += receipt["status"] == "ok"
        self.metrics.committed.labels("ok").inc(ok)
        self.metrics.committed.labels("failed").inc(len(block.receipts) - ok)
        self.metrics.height.set(block.height)
        self.hub.publish(block)

    # -- reads -------------------------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        tip = self.store.tip
        return {
            "chain_id": self.genesis.chain_id,
            "height": tip.height,
            "block_hash": tip.block_hash,
            "app_hash": tip.app_hash.hex(),
            "last_block_time_ms": tip.time_ms,
            "log_size": tip.log_size,
            "log_root": tip.log_root.hex(),
            "node_key": self.node_key.public_key.to_b64(),
            "orderer": self.config.orderer,
            "ordering": self.orderer.describe(),
            "pending_txs": len(self.admission.pending),
            "healthy": self.halt_reason() is None,
            "diverged": None if self.certifier.divergence is None else self.certifier.divergence.to_json(),
            "conflicting_headers": {str(h): v for h, v in sorted(self.certifier.conflicts.items())[-10:]},
            "consortium": self.consortium_status(),
        }

    def consortium_status(self) -> dict[str, Any]:
        """The members in force for the next block, its quorum, the changes so far, and whether this
        node attests (an observer follows the chain without attesting until its key is voted in)."""
        history = self.consortium.history
        keys = history.at(self.store.tip.height + 1)
        return {
            "count": history.count,
            "members": [{"org": m.org, "name": m.name, "node_key": b64url_encode(m.node_key)} for m in keys.members],
            "quorum": keys.quorum,
            "attesting": self.node_key.public_key.raw in keys,
        }

    def halt_reason(self) -> tuple[str, str] | None:
        """(code, message) when the node no longer applies blocks, else None."""
        if self.certifier.divergence is not None:
            d = self.certifier.divergence
            return (
                "node.diverged",
                f"this node's block {d.height} ({d.ours}) differs from the certified {d.certified} "
                f"signed by {', '.join(d.attesters)}; execution halted, reads still served",
            )
        if self.chain.failure is not None:
            return "node.halted", f"chain stopped: {self.chain.failure}"
        if self.chain.halted is not None:
            return "node.halted", self.chain.halted
        return None

    def block(self, height: int) -> dict[str, Any]:
        if not 1 <= height <= self.store.tip.height:
            raise NotFound(f"no block at height {height}; the chain is at {self.store.tip.height}", "blocks.not_found")
        found = self.store.block(height)
        if found is None:
            raise NotFound(f"no block at height {height}", "blocks.not_found")
        block_hash, header, attestations, _ = found
        hashes = self.store.block_tx_hashes(height)
        keys = self.consortium.at(height)
        atts = self.consortium.in_force(height, orjson.loads(attestations))
        return {
            "header": orjson.loads(header),
            "block_hash": block_hash,
            "attestations": atts,
            "certified": self.consortium.certified(height, atts),
            "quorum": keys.quorum,
            "keys_in_force": len(keys.members),
            "tx_hashes": hashes,
        }

    def block_txs(self, height: int) -> bytes:
        """``{"height", "position", "txs"}`` as JSON: what a peer re-executes to catch up."""
        self.block(height)  # 404 if absent
        position = self.store.block_position(height)
        txs = b",".join(tx for tx, _ in self.store.block_entries(height))
        where = b"null" if position is None else b"%d" % position
        return b'{"height":%d,"position":%s,"txs":[%s]}' % (height, where, txs)

    def receipt(self, tx_hash: str) -> dict[str, Any] | None:
        seq = self.store.tx_seq(bytes.fromhex(tx_hash))
        if seq is None:
            return None
        entry = self.store.entry(seq)
        assert entry is not None
        result: dict[str, Any] = orjson.loads(entry[2])
        return result

    def proof(self, tx_hash: str, at: int | None = None) -> dict[str, Any]:
        """The proof bundle of a committed tx, against its own block's header or block ``at``, with the
        ``consortium`` member that lets a verifier follow the key set from genesis (design §3.1)."""
        bundle = self._base_proof(tx_hash, at)
        height = int(bundle["header"]["height"])
        bundle["consortium"] = self.set_proofs.section(self.state_prover.count_proof(height))
        return bundle

    def _base_proof(self, tx_hash: str, at: int | None = None) -> dict[str, Any]:
        """The proof bundle without the ``consortium`` member (also each set change's entry)."""
        seq = self.store.tx_seq(bytes.fromhex(tx_hash))
        if seq is None:
            raise NotFound(f"tx {tx_hash} is not committed", "txs.not_found")
        entry = self.store.entry(seq)
        assert entry is not None
        height = entry[0] if at is None else at
        if height < entry[0]:
            raise NotFound(f"tx {tx_hash} is in block {entry[0]}, after {height}", "txs.not_in_block")
        block = self.block(height)
        header = Header.from_json(block["header"])
        path = self.store.inclusion_path(seq, header.log_size)
        return {
            "receipt": orjson.loads(entry[2]),
            "leaf_index": seq,
            "inclusion_path": [p.hex() for p in path],
            "header": block["header"],
            "attestations": block["attestations"],
        }

    def consistency(self, first: int, second: int) -> dict[str, Any]:
        size = self.store.tip.log_size
        if not 0 <= first <= second <= size:
            raise InvalidInput(f"sizes must satisfy 0 <= first <= second <= {size}", "log.bad_range")
        return {
            "first": first,
            "second": second,
            "first_root": subtree_hash(self.store, 0, first).hex(),
            "second_root": subtree_hash(self.store, 0, second).hex(),
            "proof": [p.hex() for p in self.store.consistency(first, second)],
        }
