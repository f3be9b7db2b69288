"""In-process publication of committed blocks: waiters on tx hashes and event-stream subscribers.

Everything here runs on the node's event loop; the chain thread hands blocks over with
``call_soon_threadsafe``.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

SUBSCRIBER_QUEUE = 10_000


@dataclass(frozen=True)
class CommittedBlock:
    """What subscribers learn of a committed block."""

    height: int
    block_hash: str
    time_ms: int
    receipts: tuple[dict[str, Any], ...]
    """Receipts in wire form."""


class Subscription:
    """One event-stream client: a bounded queue; a client that falls behind is dropped."""

    def __init__(self, types: frozenset[str] | None) -> None:
        self.types = types
        self.queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue(SUBSCRIBER_QUEUE)
        self.overflowed = False

    def wants(self, type_: str) -> bool:
        return self.types is None or type_ in self.types

    def offer(self, event: dict[str, Any]) -> None:
        if self.overflowed:
            return
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            self.overflowed = True
            self.queue.get_nowait()
            self.queue.put_nowait(None)  # tells the stream to close


class EventHub:
    """Resolves ``wait=true`` requests and feeds ``GET /v1/events``."""

    def __init__(self) -> None:
        self._waiters: dict[str, list[asyncio.Future[dict[str, Any]]]] = {}
        self._subs: set[Subscription] = set()

    def waiter(self, tx_hash: str) -> asyncio.Future[dict[str, Any]]:
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(tx_hash, []).append(future)
        return future

    def forget(self, tx_hash: str, future: asyncio.Future[dict[str, Any]]) -> None:
        futures = self._waiters.get(tx_hash)
        if futures and future in futures:
            futures.remove(future)
            if not futures:
                del self._waiters[tx_hash]

    def subscribe(self, types: frozenset[str] | None) -> Subscription:
        sub = Subscription(types)
        self._subs.add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        self._subs.discard(sub)

    def publish(self, block: CommittedBlock) -> None:
        if self._waiters:
            for receipt in block.receipts:
                for future in self._waiters.pop(receipt["tx_hash"], ()):
                    if not future.done():
                        future.set_result(receipt)
        if not self._subs:
            return
        summary = {
            "type": "block",
            "height": block.height,
            "block_hash": block.block_hash,
            "time_ms": block.time_ms,
            "tx_count": len(block.receipts),
        }
        for sub in list(self._subs):
            if sub.wants("block"):
                sub.offer(summary)
            for receipt in block.receipts:
                for event in receipt["events"]:
                    if sub.wants(event["type"]):
                        sub.offer({**event, "tx_hash": receipt["tx_hash"], "height": block.height})
