"""The numbers behind the home page's charts, as the rows of the tables that carry them.

A chart is drawn from its table (``static/js/charts.js``), so that what is plotted and what a
screen reader or a browser without JavaScript reads are the same data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import orjson

from metrobloc.node import Node

RECENT_BLOCKS = 100
WINDOW_MS = 10_000
"""Throughput is counted per window of block time."""
MAX_WINDOWS = 60
"""At most this many windows, ending at the last block (ten minutes)."""


@dataclass(frozen=True)
class BlockPoint:
    """One block on the charts."""

    height: int
    time_ms: int
    tx_count: int
    interval_s: float | None
    """Seconds since the previous block (None for the first block of the chain)."""


def recent_blocks(node: Node, tip: int, count: int = RECENT_BLOCKS) -> list[BlockPoint]:
    """The last ``count`` blocks up to ``tip``, oldest first, with the time since each one's predecessor."""
    first = max(1, tip - count)  # one more than shown, for the first interval
    headers = []
    for height in range(first, tip + 1):
        found = node.store.block(height)
        if found is not None:
            headers.append(orjson.loads(found[1]))
    points = []
    previous: int | None = node.genesis.genesis_time_ms if first == 1 else None
    for i, header in enumerate(headers):
        interval = None if previous is None else (header["time_ms"] - previous) / 1000
        previous = header["time_ms"]
        if first > 1 and i == 0:
            continue
        points.append(BlockPoint(header["height"], header["time_ms"], header["tx_count"], interval))
    return points


@dataclass(frozen=True)
class Window:
    """Txs committed in one window of block time."""

    start_ms: int
    txs: int

    @property
    def per_second(self) -> float:
        return self.txs * 1000 / WINDOW_MS


def throughput(points: Sequence[BlockPoint]) -> list[Window]:
    """Txs per ``WINDOW_MS`` of block time over the blocks given, empty windows included."""
    if not points:
        return []
    last = points[-1].time_ms - points[-1].time_ms % WINDOW_MS
    start = max(points[0].time_ms - points[0].time_ms % WINDOW_MS, last - (MAX_WINDOWS - 1) * WINDOW_MS)
    points = [p for p in points if p.time_ms >= start]
    counts = [0] * ((points[-1].time_ms - start) // WINDOW_MS + 1)
    for p in points:
        counts[(p.time_ms - start) // WINDOW_MS] += p.tx_count
    return [Window(start + i * WINDOW_MS, n) for i, n in enumerate(counts)]
