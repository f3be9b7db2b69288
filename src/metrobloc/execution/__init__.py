"""The deterministic state machine: module contract, handler context and block execution."""

from metrobloc.execution.context import BlockState, Context, StateGetter
from metrobloc.execution.executor import BlockResult, Executor, PreparedTx
from metrobloc.execution.modules import App, Module, MsgType

__all__ = ["App", "PreparedTx", "BlockResult", "BlockState", "Context", "Executor", "Module", "MsgType", "StateGetter"]
