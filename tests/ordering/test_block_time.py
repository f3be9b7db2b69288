"""Where a block's time comes from: the stream's timestamp of its cut (jetstream), the node's clock (solo)."""

from __future__ import annotations

import asyncio
import time

import pytest

from metrobloc.ordering import MemoryOrderer, OrderedBlock, OrdererConfig
from metrobloc.ordering.jetstream import stream_time_ns

STAMP = 1_795_921_366_515_443_787
"""A stream timestamp (ns) as nats-server 2.15 writes it into a delivery subject."""


@pytest.mark.parametrize(
    "reply",
    [
        f"$JS.ACK.MB_chain.consumer.1.42.7.{STAMP}.0",  # v1: no domain, no account
        f"$JS.ACK._.ACCOUNTHASH.MB_chain.consumer.1.42.7.{STAMP}.0",  # v2 without the random token
        f"$JS.ACK.hub.ACCOUNTHASH.MB_chain.consumer.1.42.7.{STAMP}.0.token",  # v2
    ],
)
def test_the_stream_timestamp_is_read_from_either_delivery_subject_form(reply: str) -> None:
    assert stream_time_ns(reply) == STAMP
    assert stream_time_ns(reply) // 1_000_000 == 1_795_921_366_515  # block time: floor to ms


@pytest.mark.parametrize("reply", ["", "_INBOX.abc.def", "$JS.ACK.MB_chain.consumer.1.42", "$JS.API.x.y.z.1.2.3.4"])
def test_a_reply_that_is_not_a_jetstream_delivery_is_refused(reply: str) -> None:
    with pytest.raises(ValueError, match="not a JetStream delivery"):
        stream_time_ns(reply)


def test_a_one_machine_cut_carries_the_node_clock_shifted_by_the_test_offset() -> None:
    hour = 3_600_000

    async def run() -> tuple[int, list[OrderedBlock], int]:
        orderer = MemoryOrderer(config=OrdererConfig(max_block_ms=5, clock_offset_ms=hour))
        await orderer.start()
        try:
            before = time.time_ns() // 1_000_000
            await orderer.submit([b'{"tx":1}'], ["1"])
            blocks = await asyncio.to_thread(orderer.read_blocks, 0, 5)
            return before, blocks, time.time_ns() // 1_000_000
        finally:
            await orderer.stop()

    before, [block], after = asyncio.run(run())
    assert block.txs == (b'{"tx":1}',)
    assert before + hour <= block.time_ms <= after + hour


def test_a_cut_carries_the_time_of_an_explicit_clock() -> None:
    """The demo city's seeding gives each seeded block its planned time this way (``metrobloc.demo``)."""
    planned = [1_735_718_410_000, 1_735_718_420_000]

    async def run() -> list[OrderedBlock]:
        now = iter(planned)
        orderer = MemoryOrderer(config=OrdererConfig(max_block_ms=1, clock=lambda: next(now)))
        await orderer.start()
        try:
            blocks: list[OrderedBlock] = []
            for i in range(2):
                await orderer.submit([b'{"tx":%d}' % i], [str(i)])
                while len(blocks) <= i:
                    blocks += await asyncio.to_thread(orderer.read_blocks, blocks[-1].position if blocks else 0, 5)
            return blocks
        finally:
            await orderer.stop()

    assert [b.time_ms for b in asyncio.run(run())] == planned
