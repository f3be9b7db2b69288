"""The module contract: message types with a stateless parser and a stateful handler.

A module is a package under ``modules/``; the app (``node/app.py``) lists them in order.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from metrobloc.errors import InvalidInput
from metrobloc.execution.context import Context

Parser = Callable[[Mapping[str, Any]], Any]
Handler = Callable[[Context, Any], None]
GenesisInit = Callable[[Context, Mapping[str, Any]], None]
TxCheck = Callable[[Context, Any], None]


@dataclass(frozen=True)
class MsgType:
    """One message a module accepts."""

    type: str
    """``module/name``."""
    parse: Parser
    """Stateless check (validate_basic): shape, sizes, formats; returns a typed message."""
    handle: Handler
    """Stateful handler; raises a ``MetroblocError`` to fail the tx."""


@dataclass(frozen=True)
class Module:
    """A civic application on the chain."""

    name: str
    """The module's name, also its key prefix and msg type prefix."""
    msg_types: tuple[MsgType, ...]
    """Messages it handles."""
    init_genesis: GenesisInit | None = None
    """Writes its genesis section into state."""


@dataclass
class App:
    """The assembled modules: routes messages to handlers by type."""

    modules: tuple[Module, ...]
    """In execution order of genesis initialisation."""
    authenticate: Callable[[Context, Any], None]
    """The ante check run before a tx's messages: signer keys match their accounts."""
    routes: dict[str, MsgType] = field(init=False)

    def __post_init__(self) -> None:
        self.routes = {}
        for module in self.modules:
            for mt in module.msg_types:
                assert mt.type.startswith(module.name + "/"), mt.type
                assert mt.type not in self.routes, mt.type
                self.routes[mt.type] = mt

    def parse_msgs(self, msgs: Sequence[Mapping[str, Any]]) -> list[tuple[MsgType, Any]]:
        """Stateless checks of every message; raises ``InvalidInput`` naming the bad one."""
        parsed = []
        for i, msg in enumerate(msgs):
            mt = self.routes.get(str(msg.get("type")))
            if mt is None:
                raise InvalidInput(f"msgs[{i}]: unknown message type {str(msg.get('type'))[:80]!r}", "tx.unknown_msg")
            try:
                parsed.append((mt, mt.parse(msg)))
            except InvalidInput as exc:
                raise InvalidInput(f"msgs[{i}] ({mt.type}): {exc.message}", exc.code) from exc
        return parsed
