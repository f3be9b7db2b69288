"""The solo orderer: what a node reads back is what was appended, from memory or, after a restart, from disk."""

from __future__ import annotations

import asyncio
from pathlib import Path

from metrobloc.ordering import OrderedBlock, OrdererConfig
from metrobloc.ordering.solo import SoloOrderer


def txs(start: int, count: int) -> list[bytes]:
    return [b'{"tx":%d}' % i for i in range(start, start + count)]


async def fill(path: Path, batches: list[list[bytes]], config: OrdererConfig) -> list[OrderedBlock]:
    """Submit each batch (each followed by a cut), read every block back, stop."""
    orderer = SoloOrderer(str(path), config)
    await orderer.start()
    try:
        for batch in batches:
            await orderer.submit(batch, [b.decode() for b in batch])
            await asyncio.sleep(0.02)  # the time limit cuts after each batch
        blocks: list[OrderedBlock] = []
        after = 0
        for _ in range(200):
            found = await asyncio.to_thread(orderer.read_blocks, after, 0.05)
            blocks += found
            if found:
                after = found[-1].position
            if sum(len(b.txs) for b in blocks) == sum(len(b) for b in batches):
                break
        return blocks
    finally:
        await orderer.stop()


def reread(path: Path, config: OrdererConfig, after: int = 0) -> list[OrderedBlock]:
    async def run() -> list[OrderedBlock]:
        orderer = SoloOrderer(str(path), config)
        await orderer.start(after)
        try:
            return await asyncio.to_thread(orderer.read_blocks, after, 0.05)
        finally:
            await orderer.stop()

    return asyncio.run(run())


def test_blocks_read_from_memory_equal_blocks_read_from_disk(tmp_path: Path) -> None:
    config = OrdererConfig(max_block_txs=10_000, max_block_ms=5)
    batches = [txs(0, 1), txs(1, 299), txs(300, 301), txs(601, 700)]  # around the 300-row statements
    blocks = asyncio.run(fill(tmp_path / "orderer.db", batches, config))
    assert [tx for b in blocks for tx in b.txs] == [tx for batch in batches for tx in batch]
    assert [b.position for b in blocks] == sorted(b.position for b in blocks)
    # A restarted node reads the same blocks from SQLite, at the same positions.
    assert reread(tmp_path / "orderer.db", config) == blocks
    # ... and from any block boundary.
    assert reread(tmp_path / "orderer.db", config, blocks[1].position) == blocks[2:]


def test_reading_from_before_what_memory_holds_goes_to_disk(tmp_path: Path) -> None:
    async def run() -> tuple[list[OrderedBlock], list[OrderedBlock]]:
        orderer = SoloOrderer(str(tmp_path / "orderer.db"), OrdererConfig(max_block_ms=5))
        await orderer.start()
        try:
            for batch in (txs(0, 5), txs(5, 5)):
                await orderer.submit(batch, [b.decode() for b in batch])
                await asyncio.sleep(0.02)
            first = await asyncio.to_thread(orderer.read_blocks, 0, 1)
            # The chain reads on from the first block (memory forgets what lies before it) ...
            rest = await asyncio.to_thread(orderer.read_blocks, first[0].position, 1)
            assert rest == first[1:]
            # ... and a reader from the start still sees everything, from disk.
            again = await asyncio.to_thread(orderer.read_blocks, 0, 1)
            return first, again
        finally:
            await orderer.stop()

    first, again = asyncio.run(run())
    assert [tx for b in first for tx in b.txs] == txs(0, 10) and len(first) == 2
    assert again == first
