"""The orderer contract and its registry by name.

An orderer keeps a log of records: txs (canonical bytes) and *cuts*. The txs between two cuts
form one block, and the cut gives the block its time: on one machine (solo) the cutting node's
clock; in a consortium (jetstream) the stream's own timestamp of the cut, which no node sets.
``submit`` returns only once the txs are durable in the log: that is what lets the API
acknowledge them. Consumers read blocks from a position and persist the position they applied
with their own state.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class OrderedBlock:
    """The txs between two cuts."""

    txs: tuple[bytes, ...]
    """Canonical tx bytes in order (may repeat a tx; execution drops repeats)."""
    time_ms: int
    """The cut's time, Unix ms (solo: the node's clock; jetstream: the stream's timestamp of the cut).

    The chain takes max(previous block time, this)."""
    position: int
    """The log position of the cut: resume after it."""


class HistoryMissing(Exception):
    """The stream no longer holds the messages this node still has to apply."""

    def __init__(self, after: int, first_seq: int) -> None:
        super().__init__(
            f"the stream starts at sequence {first_seq} but this node has applied only up to {after}: "
            "catch up from a peer node"
        )
        self.after = after
        self.first_seq = first_seq


@dataclass(frozen=True)
class OrdererConfig:
    """Settings every orderer takes."""

    max_block_txs: int = 2000
    """Cut as soon as this many txs wait."""
    max_block_ms: int = 50
    """Cut this long after the first uncut tx at the latest."""
    chain_id: str = ""
    """The chain whose txs are ordered (names the JetStream stream)."""
    replicas: int = 3
    """JetStream: replicas the stream must have (the node refuses a stream with fewer)."""
    monitor_urls: tuple[str, ...] = ()
    """JetStream: the servers' monitoring URLs, to check that they fsync every write."""
    publish_timeout_s: float = 5.0
    """JetStream: how long a submission waits for the stream's acknowledgement."""
    connect_timeout_s: float = 30.0
    """JetStream: how long start-up waits for the servers and the stream."""
    max_message_bytes: int = 512 * 1024
    """JetStream: largest tx message (txs of one batch are split across messages)."""
    clock_offset_ms: int = 0
    """Test only: added to this node's wall clock wherever the orderer reads it (0 in production)."""
    clock: Callable[[], int] | None = None
    """The clock the orderer reads (Unix ms) instead of the wall clock; None in production.

    The demo city's seeding gives each seeded block its planned time this way, so that the same seed
    gives the same block hashes (``metrobloc.demo``). A consortium's block time is the stream's, so
    for jetstream this only changes the cut payload, which is kept for diagnosis."""

    def now_ms(self) -> int:
        """This node's clock, Unix ms, as the orderer writes it into cuts."""
        now = self.clock() if self.clock is not None else time.time_ns() // 1_000_000
        return now + self.clock_offset_ms


class Orderer(Protocol):
    """What the node needs from an ordering backend."""

    on_announcement: Callable[[bytes], None] | None
    """Set by the node: called on the event loop with every announcement published by any node."""

    async def start(self, after: int = 0) -> None:
        """Open the log, to be read after position ``after`` (what the node has applied)."""

    async def submit(self, txs: list[bytes], ids: list[str]) -> None:
        """Append txs (``ids`` are their hashes); return once they are durable.

        Raises ``Unavailable`` if it cannot; then nothing may be acknowledged.
        """

    def read_blocks(self, after: int, timeout: float) -> list[OrderedBlock]:
        """Blocks whose cut lies after position ``after``; waits up to ``timeout`` s for one.

        Called from the executor thread.
        """

    def read_uncommitted(self, after: int) -> list[bytes]:
        """Every tx after position ``after``, cut or not (what a restarted node has yet to apply)."""

    async def announce(self, data: bytes) -> None:
        """Send ``data`` (a node's signed header) to every node of the chain; best effort."""

    def describe(self) -> dict[str, object]:
        """What /v1/status shows of the orderer."""

    async def stop(self) -> None:
        """Flush and close."""


Factory = Callable[[str, OrdererConfig], Orderer]
_REGISTRY: dict[str, Factory] = {}


def register(name: str, factory: Factory) -> None:
    """Make an orderer available under ``name`` (e.g. "solo", "memory", "jetstream")."""
    _REGISTRY[name] = factory


def make_orderer(name: str, location: str, config: OrdererConfig) -> Orderer:
    """Build the orderer registered as ``name``; ``location`` is a path or server list."""
    if name not in _REGISTRY:
        raise ValueError(f"unknown orderer {name!r}; known: {sorted(_REGISTRY)}")
    return _REGISTRY[name](location, config)
