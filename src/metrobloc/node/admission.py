"""Admission: the checks a tx passes before it is ordered, and the durable hand-off to ordering.

Stateless checks (shape, limits, chain id, message schemas), checks against the committed tip
(expiry window, replay, the signer keys of the accounts) and signature verification, spread over
threads. Nothing that fails reaches the ordering log. A tx is acknowledged only once the
orderer has it durably.
"""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from metrobloc.errors import Conflict, InvalidTx, MetroblocError, Unauthorized, Unavailable
from metrobloc.execution import App, PreparedTx
from metrobloc.ledger import Genesis, parse_tx
from metrobloc.ledger.limits import MAX_VALIDITY_BLOCKS
from metrobloc.modules.accounts import AccountsKeeper
from metrobloc.node.metrics import NodeMetrics
from metrobloc.ordering import Orderer
from metrobloc.state import Store

VERIFY_CHUNK = 64


@dataclass(frozen=True)
class Admitted:
    """A tx accepted into the ordering log."""

    tx_hash: str


class Admission:
    """Checks and submits txs; shared by the single and batch endpoints."""

    def __init__(
        self,
        app: App,
        genesis: Genesis,
        store: Store,
        orderer: Orderer,
        prepared: dict[bytes, PreparedTx],
        metrics: NodeMetrics,
        threads: int,
    ) -> None:
        self.app = app
        self.chain_id = genesis.chain_id
        self.store = store
        self.orderer = orderer
        self.prepared = prepared
        self.metrics = metrics
        self.accounts = AccountsKeeper()
        self._committed_state = _Cached(store)
        self.pending: dict[str, float] = {}
        """Hashes admitted and not yet committed -> admission time (for commit latency)."""
        self._pool = ThreadPoolExecutor(max(1, threads), thread_name_prefix="verify")

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    async def admit(self, objs: list[Any]) -> list[Admitted | MetroblocError]:
        """Admit a list of parsed JSON txs; one result per tx, in order."""
        results: list[Admitted | MetroblocError | None] = [None] * len(objs)
        checked: list[tuple[int, PreparedTx]] = []
        seen: set[str] = set()
        for i, obj in enumerate(objs):
            try:
                prepared = self._check(obj)
                if prepared.tx.hash in seen:
                    raise Conflict("the same tx appears twice in this request", "tx.duplicate")
                seen.add(prepared.tx.hash)
                checked.append((i, prepared))
            except MetroblocError as exc:
                results[i] = exc
        checked = self._not_committed(checked, results)
        verified = await self._verify([p for _, p in checked])
        accepted: list[tuple[int, PreparedTx, bytes]] = []
        for (i, prepared), error in zip(checked, verified, strict=True):
            h = prepared.tx.hash
            if error is None and h in self.pending:  # a concurrent request got there first
                error = Conflict(f"tx {h} is already pending", "tx.duplicate")
            if error is not None:
                results[i] = error
                continue
            self.pending[h] = time.perf_counter()
            accepted.append((i, prepared, prepared.tx.canonical()))
        if accepted:
            await self._submit(accepted, results)
        out: list[Admitted | MetroblocError] = []
        for r in results:
            assert r is not None
            if isinstance(r, MetroblocError):
                self.metrics.rejected.labels(r.code).inc()
            out.append(r)
        return out

    def _check(self, obj: Any) -> PreparedTx:
        tx = parse_tx(obj, checked=True)  # the API parsed it with parse_json
        if tx.chain_id != self.chain_id:
            raise InvalidTx(f"tx is for chain {tx.chain_id!r}, this is {self.chain_id!r}", "tx.wrong_chain")
        msgs = tuple(self.app.parse_msgs(tx.msgs))
        tip = self.store.tip.height
        if tx.valid_until <= tip:
            raise InvalidTx(f"tx expired: valid_until {tx.valid_until}, chain is at {tip}", "tx.expired")
        if tx.valid_until > tip + MAX_VALIDITY_BLOCKS:
            raise InvalidTx(f"valid_until may be at most {MAX_VALIDITY_BLOCKS} blocks ahead", "tx.validity_too_long")
        if tx.hash in self.pending:
            raise Conflict(f"tx {tx.hash} was already submitted", "tx.duplicate")
        self.accounts.check_signers(self._committed_state, tx)
        return PreparedTx(tx, msgs)

    def _not_committed(
        self, checked: list[tuple[int, PreparedTx]], results: list[Admitted | MetroblocError | None]
    ) -> list[tuple[int, PreparedTx]]:
        """Refuse replays of committed txs, with one lookup for the whole request."""
        done = self.store.committed_among([bytes.fromhex(p.tx.hash) for _, p in checked])
        if not done:
            return checked
        keep = []
        for i, prepared in checked:
            if bytes.fromhex(prepared.tx.hash) in done:
                results[i] = Conflict(f"tx {prepared.tx.hash} is already committed", "tx.duplicate")
            else:
                keep.append((i, prepared))
        return keep

    async def _verify(self, txs: list[PreparedTx]) -> list[MetroblocError | None]:
        if not txs:
            return []
        if len(txs) == 1:
            return _verify_chunk(txs)
        loop = asyncio.get_running_loop()
        chunks = [txs[i : i + VERIFY_CHUNK] for i in range(0, len(txs), VERIFY_CHUNK)]
        parts = await asyncio.gather(*(loop.run_in_executor(self._pool, _verify_chunk, c) for c in chunks))
        return [e for part in parts for e in part]

    async def _submit(
        self, accepted: list[tuple[int, PreparedTx, bytes]], results: list[Admitted | MetroblocError | None]
    ) -> None:
        for _, prepared, raw in accepted:
            self.prepared[raw] = prepared
        try:
            await self.orderer.submit([raw for _, _, raw in accepted], [p.tx.hash for _, p, _ in accepted])
        except Exception as exc:  # noqa: BLE001 - never acknowledge what the log did not take
            error = exc if isinstance(exc, Unavailable) else Unavailable(str(exc), "ordering.unavailable")
            for i, prepared, raw in accepted:
                self.pending.pop(prepared.tx.hash, None)
                self.prepared.pop(raw, None)
                results[i] = error
            return
        self.metrics.admitted.inc(len(accepted))
        for i, prepared, _ in accepted:
            results[i] = Admitted(prepared.tx.hash)


class _Cached:
    """Committed state through the store's memory cache."""

    def __init__(self, store: Store) -> None:
        self.get = store.peek_cached


def _verify_chunk(txs: list[PreparedTx]) -> list[MetroblocError | None]:
    out: list[MetroblocError | None] = []
    for prepared in txs:
        try:
            prepared.tx.verify_signatures()
            out.append(None)
        except Unauthorized as exc:
            out.append(exc)
    return out
