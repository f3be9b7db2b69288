"""The module contract: how a civic application describes itself once, and the app assembled from them.

A module is a package under ``modules/`` exposing ``MODULE``, a ``Module`` descriptor: its messages
(typed schemas, ``execution/messages.py``), a handler factory whose methods are named after the
messages, the keepers it needs from other modules, its events, error codes, genesis section and CLI
queries. By convention its package may hold ``routes.py`` (``router(state) -> fastapi.APIRouter``), so
that this layer stays free of FastAPI and click. The composition root (``metrobloc.modules.MODULES``)
lists the modules in order; the API, CLI, SDK and spec are generated from that list.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType, ModuleType
from typing import Any

from metrobloc.errors import InvalidInput, MetroblocError
from metrobloc.execution.context import Context
from metrobloc.execution.messages import Message, decode, type_name
from metrobloc.ledger import Tx

Handler = Callable[[Context, Any], None]
MessageClass = type[Message]
GenesisInit = Callable[[Context, Mapping[str, Any]], None]
AnteCheck = Callable[[Context, Tx], None]


class ErrorCode(str):
    """A stable error code registered with the class it is raised as (and so its HTTP status)."""

    cls: type[MetroblocError]
    doc: str

    def __new__(cls, code: str, error_class: type[MetroblocError], doc: str) -> ErrorCode:
        self = super().__new__(cls, code)
        self.cls = error_class
        self.doc = doc
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (ErrorCode, (str(self), self.cls, self.doc))

    def error(self, message: str) -> MetroblocError:
        """The exception to raise: ``raise errors.INSUFFICIENT.error("balance of CITY is 0")``."""
        return self.cls(message, str(self))


def error_codes(namespace: Mapping[str, Any]) -> tuple[ErrorCode, ...]:
    """The codes a module's ``errors.py`` declares, in declaration order (``vars(errors)``)."""
    return tuple(v for v in namespace.values() if isinstance(v, ErrorCode))


@dataclass(frozen=True)
class EventSpec:
    """An event a module emits."""

    type: str
    """``module/name``."""
    attributes: tuple[str, ...]
    """Its attribute names (all values are strings)."""
    doc: str
    """When it is emitted."""


@dataclass(frozen=True)
class QuerySpec:
    """A read a module offers over HTTP, also a ``metrobloc query <module> <name>`` command."""

    name: str
    """The command name, e.g. ``parcel``."""
    path: str
    """The route, with ``{arg}`` placeholders for the arguments, e.g. ``/v1/land/parcels/{parcel}``."""
    doc: str
    """One line of help."""
    options: tuple[tuple[str, str], ...] = ()
    """Query-string parameters as (name, help); passed when given."""


@dataclass(frozen=True)
class Module:
    """A civic application on the chain, described once."""

    name: str
    """Its name: the key prefix, the msg type prefix, the CLI group and the SDK namespace."""
    doc: str
    """One line saying what it is for."""
    package: str
    """Its Python package (``routes.py`` is found there by convention)."""
    messages: tuple[type[Message], ...]
    """Its message schemas; each ``<name>/<msg>`` is handled by the handler method ``<msg>``."""
    handlers: Callable[..., object]
    """Factory called with the keepers named in ``needs``; returns an object with one method per message."""
    needs: Mapping[str, str] = field(default_factory=dict)
    """Handler factory parameter -> the module whose ``keeper`` it receives."""
    keeper: object | None = None
    """What this module offers the modules that need it."""
    events: tuple[EventSpec, ...] = ()
    """The events its handlers emit."""
    errors: tuple[ErrorCode, ...] = ()
    """Its error codes."""
    init_genesis: GenesisInit | None = None
    """Writes its genesis section (``app_state[name]``) into state."""
    ante: AnteCheck | None = None
    """A check run on every tx before its messages (accounts: the signers' keys)."""
    queries: tuple[QuerySpec, ...] = ()
    """Its CLI query commands over its HTTP routes."""
    sdk_helpers: Mapping[str, Callable[..., Any]] = field(default_factory=dict)
    """Extra SDK functions in its namespace; a helper named like a message replaces its builder."""

    def companion(self, name: str) -> ModuleType | None:
        """The module's optional file found by convention (``routes``, ``pages``), imported; or None."""
        qualified = f"{self.package}.{name}"
        return importlib.import_module(qualified) if importlib.util.find_spec(qualified) is not None else None


@dataclass(frozen=True)
class MsgType:
    """One message type the app accepts, with its parser and bound handler."""

    type: str
    """``module/name``."""
    schema: MessageClass
    """Its declaration."""
    handle: Handler
    """The stateful handler; raises a ``MetroblocError`` to fail the tx."""

    def parse(self, msg: Mapping[str, Any]) -> Any:
        """The stateless check (validate_basic): shape, sizes, formats; returns the typed message."""
        return decode(self.schema, msg)


class App:
    """The assembled modules: handlers wired to the keepers they need, messages routed by type."""

    def __init__(self, modules: Sequence[Module]) -> None:
        self.modules = tuple(modules)
        keepers = {m.name: m.keeper for m in self.modules}
        assert len(keepers) == len(self.modules), "two modules share a name"
        routes: dict[str, MsgType] = {}
        for module in self.modules:
            wired = {param: keepers[needed] for param, needed in module.needs.items()}
            handlers = module.handlers(**wired)
            for schema in module.messages:
                name = type_name(schema)
                prefix, _, short = name.partition("/")
                assert prefix == module.name and name not in routes, name
                routes[name] = MsgType(name, schema, getattr(handlers, short))
        self.routes: Mapping[str, MsgType] = MappingProxyType(routes)
        self._ante = tuple(m.ante for m in self.modules if m.ante is not None)

    def authenticate(self, ctx: Context, tx: Tx) -> None:
        """Every module's ante check, in module order."""
        for check in self._ante:
            check(ctx, tx)

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
