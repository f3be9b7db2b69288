"""Execution: the module contract, message schemas, the context handed to handlers, and the executor."""

from metrobloc.execution.context import BlockState, Context, StateGetter, module_authority
from metrobloc.execution.contract import App, ErrorCode, EventSpec, Module, MsgType, QuerySpec, error_codes
from metrobloc.execution.executor import BlockResult, Executor, PreparedTx

__all__ = [
    "App",
    "BlockResult",
    "BlockState",
    "Context",
    "ErrorCode",
    "EventSpec",
    "Executor",
    "Module",
    "MsgType",
    "PreparedTx",
    "QuerySpec",
    "StateGetter",
    "error_codes",
    "module_authority",
]
