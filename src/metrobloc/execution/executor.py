"""Block execution: the one state transition ``execute_block(state, txs, height, time) -> result``.

Every node runs exactly this on the same ordered txs and so reaches the same writes, receipts and
app hash. A tx that fails keeps its place in the block with status "failed" and no writes. A bug
in a handler (any exception outside the ``MetroblocError`` tree) fails only its tx, with the code
``tx.internal_error`` and a message naming the exception type alone, so that every node writes the
same receipt; the traceback goes to the node's log.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from metrobloc.errors import InvalidTx, MetroblocError
from metrobloc.execution.context import BlockState, Context
from metrobloc.execution.contract import App, MsgType
from metrobloc.ledger import Genesis, Receipt, Tx

log = logging.getLogger("metrobloc.execution")

INTERNAL_ERROR = "tx.internal_error"


@dataclass(frozen=True)
class PreparedTx:
    """A tx whose envelope and messages passed the stateless checks."""

    tx: Tx
    """The transaction."""
    msgs: tuple[tuple[MsgType, Any], ...]
    """Its messages, parsed, with their handlers."""


@dataclass(frozen=True)
class BlockResult:
    """What executing one block produced."""

    txs: tuple[PreparedTx, ...]
    """The txs executed, in order (duplicates of committed txs removed)."""
    receipts: tuple[Receipt, ...]
    """One receipt per tx."""
    writes: Mapping[bytes, bytes | None]
    """All state writes of the block."""


class Executor:
    """Applies blocks of prepared txs to state through the app's modules."""

    def __init__(self, app: App, chain_id: str, genesis: Genesis | None = None) -> None:
        assert genesis is None or genesis.chain_id == chain_id, "the genesis of another chain"
        self.app = app
        self.chain_id = chain_id
        self.genesis = genesis
        """Handed to every handler as ``ctx.genesis``; it enters no hash."""

    def init_genesis(
        self, base: Callable[[bytes], bytes | None], app_state: Mapping[str, Any], genesis_time_ms: int
    ) -> Mapping[bytes, bytes | None]:
        """The writes of every module's genesis section, in module order."""
        block = BlockState(base)
        for module in self.app.modules:
            if module.init_genesis is not None:
                ctx = Context(self.chain_id, 0, genesis_time_ms, "", (), block, genesis=self.genesis)
                module.init_genesis(ctx, app_state.get(module.name, {}))
                ctx.commit()
        return block.writes

    def execute_block(
        self,
        base: Callable[[bytes], bytes | None],
        txs: Sequence[PreparedTx],
        height: int,
        time_ms: int,
    ) -> BlockResult:
        """Execute ``txs`` (already deduplicated against history) as block ``height``."""
        block = BlockState(base)
        receipts = []
        for index, prepared in enumerate(txs):
            tx = prepared.tx
            ctx = Context(
                self.chain_id,
                height,
                time_ms,
                tx.hash,
                tuple(tx.signers),
                block,
                dispatcher=self.app,
                genesis=self.genesis,
            )
            try:
                self._check_tx(ctx, tx)
                for mt, msg in prepared.msgs:
                    mt.handle(ctx, msg)
            except MetroblocError as exc:
                receipts.append(Receipt(tx.hash, height, index, "failed", exc.to_dict(), ()))
                continue
            except Exception as exc:  # a handler bug: fail this tx on every node alike, keep the chain going
                log.exception("tx %s at height %d: handler raised %s", tx.hash, height, type(exc).__name__)
                receipts.append(Receipt(tx.hash, height, index, "failed", internal_error(exc), ()))
                continue
            ctx.commit()
            receipts.append(Receipt(tx.hash, height, index, "ok", None, tuple(ctx.events)))
        return BlockResult(tuple(txs), tuple(receipts), block.writes)

    def _check_tx(self, ctx: Context, tx: Tx) -> None:
        if tx.chain_id != self.chain_id:
            raise InvalidTx(f"tx is for chain {tx.chain_id!r}", "tx.wrong_chain")
        if tx.valid_until < ctx.height:
            raise InvalidTx(f"tx expired at height {tx.valid_until}", "tx.expired")
        self.app.authenticate(ctx, tx)


def internal_error(exc: Exception) -> dict[str, str]:
    """The receipt error of a handler bug: the exception's type only (its text may differ by node)."""
    return {"code": INTERNAL_ERROR, "message": f"the handler failed with {type(exc).__name__}"}
