"""Deciding when to cut: by size or by a short time limit after the first uncut tx."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable

from metrobloc.ordering.orderer import OrdererConfig


class Cutter:
    """Calls ``cut(time_ms)`` when enough txs wait or the oldest has waited long enough."""

    def __init__(self, config: OrdererConfig, cut: Callable[[int], Awaitable[None]]) -> None:
        self._config = config
        self._cut = cut
        self._uncut = 0
        self._first_at: float | None = None
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def added(self, count: int) -> None:
        """``count`` more txs are durable in the log and not yet cut."""
        if self._uncut == 0:
            self._first_at = time.monotonic()
        self._uncut += count
        self._wake.set()

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            if self._uncut == 0 or self._first_at is None:
                continue
            if self._uncut < self._config.max_block_txs:
                remaining = self._first_at + self._config.max_block_ms / 1000 - time.monotonic()
                if remaining > 0:
                    try:
                        await asyncio.wait_for(self._wake.wait(), remaining)
                        self._wake.set()  # re-check with the new count
                        continue
                    except TimeoutError:
                        pass
            self._uncut, self._first_at = 0, None
            await self._cut(self._config.now_ms())
            if self._uncut:
                self._wake.set()
