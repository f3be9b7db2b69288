"""What a handler sees: block height and time, the signers, and state reads and writes.

Writes go to a per-tx overlay over a per-block overlay over the committed store, so a failing tx
leaves nothing behind and a block's writes reach the store in one commit.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import orjson

from metrobloc.codec import canonical_json_checked, encode_address
from metrobloc.codec.canonical import JSON
from metrobloc.errors import InvalidInput
from metrobloc.ledger import Event, Genesis

_DELETED = None
MAX_DEPTH = 2
"""How deep messages may run other messages (an org's proposal paying, or another org's proposal)."""
MODULE_AUTHORITY_TAG = b"metrobloc/module/v1\x00"
"""Domain tag of a module's own authority address (``module_authority``)."""


def module_authority(module: str) -> str:
    """``bech32("mb", SHA-256("metrobloc/module/v1\\0" ‖ UTF-8(module))[:20])``: an address no key controls.

    A module sends messages of other modules as this address (``Context.run_as``), e.g. the consortium
    creating its org. It lives here, not in the module, so that another module can recognise it (orgs
    reserves the org id ``consortium`` for it) without importing that module.
    """
    return encode_address(hashlib.sha256(MODULE_AUTHORITY_TAG + module.encode()).digest()[:20])


class Handled(Protocol):
    """A parsed message with its handler (the app's ``MsgType``)."""

    type: str

    def handle(self, ctx: Context, msg: Any) -> None: ...


class Dispatcher(Protocol):
    """Parses messages and routes them to their handlers: the app."""

    def parse_msgs(self, msgs: Sequence[Mapping[str, Any]]) -> Sequence[tuple[Any, Any]]: ...


class StateGetter(Protocol):
    """Read access to committed state."""

    def get(self, key: bytes) -> bytes | None: ...


class BlockState:
    """The writes of the block being executed, over committed state."""

    def __init__(self, base: Callable[[bytes], bytes | None]) -> None:
        self._base = base
        self.writes: dict[bytes, bytes | None] = {}

    def get(self, key: bytes) -> bytes | None:
        if key in self.writes:
            return self.writes[key]
        return self._base(key)


@dataclass
class Context:
    """The handler's only window on the world; deterministic by construction."""

    chain_id: str
    """The chain being executed."""
    height: int
    """The block height."""
    block_time_ms: int
    """The block time: the only clock a handler may read."""
    tx_hash: str
    """The tx being executed."""
    signers: tuple[str, ...]
    """Addresses that signed the tx (sender first), already authenticated."""
    block: BlockState
    """The block overlay."""
    writes: dict[bytes, bytes | None] = field(default_factory=dict)
    """This tx's writes, folded into the block on success."""
    events: list[Event] = field(default_factory=list)
    """Events emitted so far."""
    dispatcher: Dispatcher | None = None
    """Runs messages on behalf of an authority (``run_as``); the executor hands in the app."""
    depth: int = 0
    """How many ``run_as`` this context is nested in."""
    genesis: Genesis | None = None
    """The chain's genesis, read-only and the same on every node (the consortium derives its initial
    members from it); None when the executor was built without one."""
    via: tuple[str, str] | None = None
    """What ``run_as`` said it runs these messages for, e.g. ``(org, proposal)`` for a proposal's actions;
    None in a tx's own messages. Lets a handler check which decision is acting, not only as whom."""

    @property
    def sender(self) -> str:
        return self.signers[0]

    def get(self, key: bytes) -> bytes | None:
        if key in self.writes:
            return self.writes[key]
        return self.block.get(key)

    def set(self, key: bytes, value: bytes) -> None:
        self.writes[key] = value

    def delete(self, key: bytes) -> None:
        self.writes[key] = _DELETED

    def get_json(self, key: bytes) -> JSON | None:
        raw = self.get(key)
        return None if raw is None else orjson.loads(raw)

    def set_json(self, key: bytes, value: JSON) -> None:
        self.set(key, canonical_json_checked(value))

    def emit(self, type_: str, **attributes: str) -> None:
        self.events.append(Event(type_, dict(attributes)))

    def check_msgs(self, msgs: Sequence[Mapping[str, Any]]) -> None:
        """The stateless checks of messages to run later (a proposal's actions); raises ``InvalidInput``."""
        if self.dispatcher is None:
            raise InvalidInput("messages cannot run other messages here", "tx.no_dispatch")
        self.dispatcher.parse_msgs(msgs)

    def run_as(self, authority: str, msgs: Sequence[Mapping[str, Any]], *, via: tuple[str, str] | None = None) -> None:
        """Execute ``msgs`` (of any module) with ``authority`` as their only signer, inside this tx.

        Their writes and events join this tx's; the first that fails raises its error, which fails the
        whole tx, so that they apply all together or not at all. Used by a module that holds an
        authority no key controls (an organization's treasury, acting on a passed proposal). ``via``
        is handed to the messages' handlers as ``ctx.via`` (orgs passes ``(org, proposal)``); it is
        not inherited further: messages those handlers run get only what they are given.
        """
        if self.dispatcher is None:
            raise InvalidInput("messages cannot run other messages here", "tx.no_dispatch")
        if self.depth >= MAX_DEPTH:
            raise InvalidInput(f"messages may run other messages at most {MAX_DEPTH} deep", "tx.nested_too_deep")
        child = Context(
            self.chain_id,
            self.height,
            self.block_time_ms,
            self.tx_hash,
            (authority,),
            self.block,
            self.writes,
            self.events,
            self.dispatcher,
            self.depth + 1,
            self.genesis,
            via,
        )
        for handled, msg in self.dispatcher.parse_msgs(msgs):
            handled.handle(child, msg)

    def commit(self) -> None:
        """Fold this tx's writes into the block (the tx succeeded)."""
        self.block.writes.update(self.writes)
