"""The chain thread: ordered blocks in, executed, committed durably, attested, announced.

It runs on its own thread so that execution and the SQLite commit never stall the API's event
loop; its only outputs to the loop are ``call_soon_threadsafe`` calls.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

from metrobloc.codec import canonical_json_checked, parse_json
from metrobloc.crypto import PrivateKey
from metrobloc.errors import MetroblocError, Unavailable
from metrobloc.execution import App, Executor, PreparedTx
from metrobloc.ledger import Genesis, Header, attest, parse_tx, tx_root
from metrobloc.merkle import leaf_hash
from metrobloc.node.consortium import ConsortiumView
from metrobloc.ordering import OrderedBlock, Orderer
from metrobloc.state import BlockRecord, ChainTip, Store, app_hash_link, listing
from metrobloc.state.apphash import ZERO_HASH

log = logging.getLogger("metrobloc.chain")


def prepare(app: App, raw: bytes, *, verify: bool) -> PreparedTx:
    """Parse a tx from canonical bytes (from the ordering log); raises ``MetroblocError``."""
    tx = parse_tx(parse_json(raw), checked=True)
    msgs = tuple(app.parse_msgs(tx.msgs))
    if verify:
        tx.verify_signatures()
    return PreparedTx(tx, msgs)


def _prepare_or_error(app: App, raw: bytes) -> PreparedTx | MetroblocError:
    try:
        return prepare(app, raw, verify=True)
    except MetroblocError as exc:
        return exc


@dataclass(frozen=True)
class CertifiedHeader:
    """A header with enough attestations by the node keys in force at its height (checked by the caller)."""

    header: Header
    attestations: list[dict[str, str]]


class Diverged(Exception):
    """Re-executing a block did not reproduce the header the consortium certified."""

    def __init__(self, height: int, ours: str, certified: str) -> None:
        super().__init__(f"block {height}: executing it gives {ours}, the certified header is {certified}")
        self.height, self.ours, self.certified = height, ours, certified


class Chain:
    """Applies ordered blocks to the store."""

    def __init__(
        self,
        app: App,
        genesis: Genesis,
        store: Store,
        orderer: Orderer,
        node_key: PrivateKey,
        on_commit: Callable[[BlockRecord, list[dict[str, Any]], list[str]], None],
        check: Callable[[list[bytes]], list[PreparedTx | MetroblocError]] | None = None,
        *,
        consortium: ConsortiumView | None = None,
    ) -> None:
        self.app = app
        self.genesis = genesis
        self.store = store
        self.orderer = orderer
        self.node_key = node_key
        self.consortium = consortium or ConsortiumView(genesis, store)
        """The node keys in force at each height: this node attests a block only while its key is."""
        self.executor = Executor(app, genesis.chain_id, genesis)
        self.on_commit = on_commit
        self.check = check or (lambda raws: [_prepare_or_error(app, raw) for raw in raws])
        """Stateless checks and signatures of txs other nodes admitted (in the checker's workers)."""
        self.prepared: dict[bytes, PreparedTx] = {}
        """Txs this node admitted, already checked: the thread skips re-checking them."""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.failure: BaseException | None = None
        self.halted: str | None = None
        """Why execution was stopped on purpose (a divergence), or None."""
        self._position = store.tip.orderer_position
        """Log position consumed, including cuts that held nothing new (not persisted)."""

    def init_genesis(self) -> None:
        """Write the genesis state if the store is new."""
        if self.store.is_initialised():
            return
        writes = self.executor.init_genesis(self.store.reader.get, self.genesis.app_state, self.genesis.genesis_time_ms)
        with self.store.staged_state(writes) as state_root:
            tip = ChainTip(
                0,
                self.genesis.hash,
                app_hash_link(ZERO_HASH, writes),
                self.genesis.genesis_time_ms,
                0,
                self.store.tip.log_root,
                0,
                state_root,
            )
            self.store.commit_genesis(writes, tip)
        self.store.set_state_root_from(1)

    def choose_state_root_from(self, agreed: int | None, *, alone: bool) -> int:
        """The first height with v2 headers, recorded in the store once (docs/spec/state-proofs.md §5).

        A store written with v1 headers upgrades at ``agreed`` (what a consortium's members agreed),
        or, for a node that orders alone, at the block after its tip.
        """
        chosen = self.store.state_root_from
        if chosen:
            if agreed is not None and agreed != chosen:
                raise Unavailable(
                    f"this data dir takes state roots from height {chosen}, not --state-root-from {agreed}",
                    "node.state_root_from",
                )
            return chosen
        tip = self.store.tip.height
        if agreed is None and not alone:
            raise Unavailable(
                f"this data dir holds v1 headers up to block {tip}; start every node of the consortium "
                "with the same --state-root-from HEIGHT (a height none of them has reached)",
                "node.state_root_from",
            )
        height = tip + 1 if agreed is None else agreed
        if height <= tip:
            raise Unavailable(
                f"--state-root-from {height} is not after this data dir's tip {tip}", "node.state_root_from"
            )
        self.store.set_state_root_from(height)
        return height

    def start(self) -> None:
        self._position = max(self._position, self.store.tip.orderer_position)  # after a catch-up
        self._thread = threading.Thread(target=self._run, name="metrobloc-chain", daemon=True)
        self._thread.start()

    def halt(self, reason: str) -> None:
        """Stop applying blocks (the node keeps serving reads)."""
        self.halted = reason
        self._stop.set()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                for block in self.orderer.read_blocks(self._position, 0.2):
                    if self._stop.is_set():
                        return
                    self.apply(block)
                    self._position = block.position
        except BaseException as exc:  # a bug or a disk failure: stop applying, keep serving reads
            log.exception("chain thread stopped")
            self.failure = exc

    def apply(self, block: OrderedBlock, certified: CertifiedHeader | None = None) -> BlockRecord | None:
        """Execute and commit one ordered block; returns None when it holds no new tx.

        With ``certified`` (catching up from a peer), the block must reproduce that header
        exactly, else nothing is committed and ``Diverged`` is raised; its attestations in force
        are kept. This node attests the block only if its key is in force at that height (a node
        voted in attests from the block after its admission, a removed one stops there).
        """
        started = time.perf_counter()
        tip = self.store.tip
        txs = self._dedupe(block.txs)
        if not txs:
            # Nothing to execute; the position still advances with the next real block.
            return None
        height = tip.height + 1
        time_ms = max(tip.time_ms, block.time_ms)
        result = self.executor.execute_block(self.store.get_cached, [p for p, _ in txs], height, time_ms)
        receipts = [r.to_json() for r in result.receipts]
        # Modules name event attributes in ASCII, so the fast canonical form is exact here.
        leaves = [canonical_json_checked(r) for r in receipts]
        log_size, log_root, nodes = self.store.log_append([leaf_hash(leaf) for leaf in leaves])
        app_hash = app_hash_link(tip.app_hash, result.writes)
        hashes = [p.tx.hash for p, _ in txs]
        with self.store.staged_state(result.writes) as state_root:
            v2 = certified.header.version == 2 if certified is not None else height >= self.store.state_root_from
            header = Header(
                self.genesis.chain_id,
                height,
                time_ms,
                tip.block_hash,
                tx_root(hashes),
                len(txs),
                log_size,
                log_root.hex(),
                app_hash.hex(),
                state_root.hex() if v2 else None,
            )
            attestations = self._attestations(header, certified)
            chain_tip = ChainTip(
                height, header.block_hash, app_hash, time_ms, log_size, log_root, block.position,
                state_root if v2 else b"",
            )  # fmt: skip
            record = BlockRecord(
                height,
                header.block_hash,
                canonical_json_checked(header.to_json()),
                orjson.dumps(attestations),
                [(bytes.fromhex(p.tx.hash), raw, leaf) for (p, raw), leaf in zip(txs, leaves, strict=True)],
                result.writes,
                [listing(p.tx.signers, r) for (p, _), r in zip(txs, receipts, strict=True)],
                chain_tip,
            )
            self.store.commit_block(record, nodes)
        self.consortium.refresh(result.writes)
        self.on_commit(record, receipts, hashes)
        log.debug("block %d: %d txs in %.1f ms", height, len(txs), (time.perf_counter() - started) * 1e3)
        return record

    def _attestations(self, header: Header, certified: CertifiedHeader | None) -> list[dict[str, str]]:
        """This node's own attestation if its key is in force at the header's height, then (catching
        up) the peer's attestations by keys in force there; raises ``Diverged`` on another header."""
        height = header.height
        keys = self.consortium.at(height)
        attestations = [attest(header, self.node_key).to_json()] if self.node_key.public_key.raw in keys else []
        if certified is not None:
            if header.block_hash != certified.header.block_hash:
                raise Diverged(height, header.block_hash, certified.header.block_hash)
            own = {a["public_key"] for a in attestations}
            peers = self.consortium.in_force(height, certified.attestations)
            attestations += [a for a in peers if a["public_key"] not in own]
        return attestations

    def _dedupe(self, raws: tuple[bytes, ...]) -> list[tuple[PreparedTx, bytes]]:
        """Prepared txs of a block (with their canonical bytes), without repeats.

        A tx may reach the log twice (resubmitted after a restart, or by two nodes); it executes
        once: repeats within the block and txs already committed are dropped, the same way on
        every node.
        """
        local = [self.prepared.pop(raw, None) for raw in raws]
        foreign = iter(self.check([raw for raw, p in zip(raws, local, strict=True) if p is None]))
        seen: set[str] = set()
        out: list[tuple[PreparedTx, bytes]] = []
        for raw, found in zip(raws, local, strict=True):
            prepared = found or next(foreign)
            if isinstance(prepared, MetroblocError):
                log.warning("dropping an ordered tx that fails stateless checks: %s", prepared.code)
                continue
            if prepared.tx.hash in seen:
                continue
            seen.add(prepared.tx.hash)
            out.append((prepared, raw))
        done = self.store.committed_among([bytes.fromhex(p.tx.hash) for p, _ in out])
        if done:
            out = [(p, raw) for p, raw in out if bytes.fromhex(p.tx.hash) not in done]
        return out

    def unapplied_hashes(self) -> list[str]:
        """Hashes of txs in the ordering log that no committed block holds yet (after a restart)."""
        hashes = []
        for raw in self.orderer.read_uncommitted(self.store.tip.orderer_position):
            try:
                hashes.append(parse_tx(parse_json(raw), checked=True).hash)
            except MetroblocError:
                continue
        return hashes
