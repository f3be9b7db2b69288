"""Admission: the checks a tx passes before it is ordered, and the durable hand-off to ordering.

Stateless checks (strict JSON, shape, limits, chain id, message schemas, signatures) run in the
checker's worker processes; the checks against the committed tip (expiry window, replay, the
signer keys of the accounts) run here. Nothing that fails reaches the ordering log. A tx is
acknowledged only once the orderer has it durably.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from metrobloc.errors import Conflict, InvalidTx, MetroblocError, Unavailable
from metrobloc.execution import PreparedTx
from metrobloc.ledger import Genesis, Tx
from metrobloc.ledger.limits import MAX_VALIDITY_BLOCKS
from metrobloc.modules.accounts import AccountsKeeper
from metrobloc.node.checker import Checked, Checker
from metrobloc.node.metrics import NodeMetrics
from metrobloc.ordering import Orderer
from metrobloc.state import Store


@dataclass(frozen=True)
class Admitted:
    """A tx accepted into the ordering log."""

    tx_hash: str


class Admission:
    """Checks and submits txs; shared by the single and batch endpoints."""

    def __init__(
        self,
        checker: Checker,
        genesis: Genesis,
        store: Store,
        orderer: Orderer,
        prepared: dict[bytes, PreparedTx],
        metrics: NodeMetrics,
    ) -> None:
        self.checker = checker
        self.chain_id = genesis.chain_id
        self.store = store
        self.orderer = orderer
        self.prepared = prepared
        self.metrics = metrics
        self.accounts = AccountsKeeper()
        self._committed_state = _Cached(store)
        self.pending: dict[str, float] = {}
        """Hashes admitted and not yet committed -> admission time (for commit latency)."""

    async def admit_one(self, body: bytes) -> Admitted:
        """Admit the tx of a request body; raises what refuses it."""
        [result] = await self._admit([await self.checker.check_one(body)])
        if isinstance(result, MetroblocError):
            raise result
        return result

    async def admit_batch(self, body: bytes, max_txs: int) -> list[Admitted | MetroblocError]:
        """Admit the txs of a batch body; one result per tx, in order. Raises for a body that is no batch."""
        return await self._admit(await self.checker.check_batch(body, max_txs))

    async def _admit(self, outcomes: list[Checked | MetroblocError]) -> list[Admitted | MetroblocError]:
        results: list[Admitted | MetroblocError | None] = [None] * len(outcomes)
        checked: list[tuple[int, PreparedTx]] = []
        bad_signatures: dict[int, MetroblocError] = {}
        seen: set[str] = set()
        for i, outcome in enumerate(outcomes):
            try:
                if isinstance(outcome, MetroblocError):
                    raise outcome
                tx = outcome.prepared.tx
                self._check_state(tx)
                if tx.hash in seen:
                    raise Conflict("the same tx appears twice in this request", "tx.duplicate")
                seen.add(tx.hash)
                checked.append((i, outcome.prepared))
                if outcome.bad_signature is not None:
                    bad_signatures[i] = outcome.bad_signature
            except MetroblocError as exc:
                results[i] = exc
        accepted: list[tuple[int, PreparedTx, bytes]] = []
        now = time.perf_counter()
        for i, prepared in self._not_committed(checked, results):
            if i in bad_signatures:
                results[i] = bad_signatures[i]
                continue
            self.pending[prepared.tx.hash] = now
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

    def _check_state(self, tx: Tx) -> None:
        """The checks against the committed tip: validity window, pending repeats, signer keys."""
        tip = self.store.tip.height
        if tx.valid_until <= tip:
            raise InvalidTx(f"tx expired: valid_until {tx.valid_until}, chain is at {tip}", "tx.expired")
        if tx.valid_until > tip + MAX_VALIDITY_BLOCKS:
            raise InvalidTx(f"valid_until may be at most {MAX_VALIDITY_BLOCKS} blocks ahead", "tx.validity_too_long")
        if tx.hash in self.pending:
            raise Conflict(f"tx {tx.hash} was already submitted", "tx.duplicate")
        self.accounts.check_signers(self._committed_state, tx)

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
