"""A log orderer: group-committed appends of txs and cuts, and blocks read back from positions.

Storage is left to subclasses (SQLite for solo, a list in memory for tests).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Sequence

from metrobloc.errors import Unavailable
from metrobloc.ordering.cutter import Cutter
from metrobloc.ordering.orderer import OrderedBlock, OrdererConfig

TX, CUT = 0, 1
Record = tuple[int, bytes]
"""(kind, data): a tx's canonical bytes, or a cut's time as 8 big-endian bytes."""


class LogOrderer:
    """Appends through one writer task, so concurrent submissions share one durable write."""

    def __init__(self, config: OrdererConfig) -> None:
        self.config = config
        self._queue: list[tuple[list[Record], asyncio.Future[None]]] = []
        self._wake: asyncio.Event | None = None
        self._writer: asyncio.Task[None] | None = None
        self._cutter: Cutter | None = None
        self._last_cut = 0
        self._cond = threading.Condition()
        self._closed = False
        self.on_announcement: Callable[[bytes], None] | None = None

    # -- storage, by subclasses ---------------------------------------------------------
    def _open(self) -> tuple[int, int]:
        """Open storage; return the positions of the last cut and of the last record."""
        raise NotImplementedError

    def _append(self, records: list[Record]) -> int:
        """Durably append records; return the position of the last one."""
        raise NotImplementedError

    def _read(self, after: int, upto: int) -> Sequence[tuple[int, int, bytes]]:
        """(position, kind, data) of records in (after, upto]."""
        raise NotImplementedError

    def _close(self) -> None:
        pass

    # -- the orderer contract -------------------------------------------------------------
    async def start(self, after: int = 0) -> None:
        self._last_cut, end = await asyncio.to_thread(self._open)
        self._wake = asyncio.Event()
        self._writer = asyncio.get_running_loop().create_task(self._write_loop())
        self._cutter = Cutter(self.config, self._cut)
        self._cutter.start()
        if end > self._last_cut:  # txs acknowledged before a crash and never cut: cut them now
            self._cutter.added(end - self._last_cut)

    async def submit(self, txs: list[bytes], ids: list[str]) -> None:
        await self._enqueue([(TX, tx) for tx in txs])
        assert self._cutter is not None
        self._cutter.added(len(txs))

    async def announce(self, data: bytes) -> None:
        """One node: nobody else to tell."""

    def describe(self) -> dict[str, object]:
        return {"log_position": self._last_cut}

    async def stop(self) -> None:
        if self._cutter is not None:
            await self._cutter.stop()
        if self._writer is not None:
            self._writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._writer
        self._closed = True
        with self._cond:
            self._cond.notify_all()
        await asyncio.to_thread(self._close)

    def read_blocks(self, after: int, timeout: float) -> list[OrderedBlock]:
        with self._cond:
            if self._last_cut <= after and not self._closed:
                self._cond.wait(timeout)
            upto = self._last_cut
        if upto <= after:
            return []
        blocks: list[OrderedBlock] = []
        txs: list[bytes] = []
        for position, kind, data in self._read(after, upto):
            if kind == TX:
                txs.append(data)
            else:
                blocks.append(OrderedBlock(tuple(txs), int.from_bytes(data, "big"), position))
                txs = []
        return blocks

    def read_uncommitted(self, after: int) -> list[bytes]:
        end = self._end_position()
        return [data for _, kind, data in self._read(after, end) if kind == TX]

    def _end_position(self) -> int:
        raise NotImplementedError

    # -- internals ------------------------------------------------------------------------
    async def _enqueue(self, records: list[Record]) -> None:
        if self._wake is None or self._closed:
            raise Unavailable("the orderer is not running", "ordering.unavailable")
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.append((records, future))
        self._wake.set()
        await future

    async def _cut(self, time_ms: int) -> None:
        await self._enqueue([(CUT, time_ms.to_bytes(8, "big"))])

    async def _write_loop(self) -> None:
        assert self._wake is not None
        while True:
            await self._wake.wait()
            self._wake.clear()
            batch, self._queue = self._queue, []
            if not batch:
                continue
            records = [r for recs, _ in batch for r in recs]
            try:
                last_cut = await asyncio.to_thread(self._append_and_locate, records)
            except Exception as exc:  # noqa: BLE001 - every waiter must hear of the failure
                for _, future in batch:
                    if not future.done():
                        future.set_exception(Unavailable(f"ordering log write failed: {exc}", "ordering.unavailable"))
                continue
            for _, future in batch:
                if not future.done():
                    future.set_result(None)
            if last_cut:
                with self._cond:
                    self._last_cut = last_cut
                    self._cond.notify_all()

    def _append_and_locate(self, records: list[Record]) -> int:
        """Append; return the position of the last cut among them, or 0."""
        end = self._append(records)
        for offset in range(len(records) - 1, -1, -1):
            if records[offset][0] == CUT:
                return end - (len(records) - 1 - offset)
        return 0
