"""Chain time in a consortium is the stream's timestamp of each cut, not the clock of the node that cut.

One network: node 0's clock runs an hour fast (``--test-clock-offset-ms``) and it is the only node
that cuts (every tx goes to it, and the others wait a minute before cutting). The tests read the
cut messages back from the stream itself, through consumers hosted on each of the three servers.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import nats
import pytest
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from tests.network.cluster import Consortium, make_network, running, transfer

from metrobloc.ordering.jetstream import names_for, stream_time_ns

HOUR_MS = 3_600_000
FAST = 0
"""The node whose clock is an hour fast."""
SLACK_MS = 3_000
"""How far chain time may stray from the real clock: "a few seconds"."""
NAMES = names_for("metrobloc-test-net")


@pytest.fixture(scope="module")
def fast_clock(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Consortium]:
    slow_to_cut = ("--max-block-ms", "60000")
    options = {FAST: ("--test-clock-offset-ms", str(HOUR_MS)), 1: slow_to_cut, 2: slow_to_cut}
    with running(make_network(tmp_path_factory.mktemp("net") / "NET", options)) as c:
        yield c


@dataclass(frozen=True)
class Cut:
    """A cut message as one server's copy of the stream holds it."""

    seq: int
    stamp_ns: int
    """The stream's timestamp of the message."""
    claimed_ms: int
    """The payload: the publishing node's clock."""


def now_ms() -> int:
    return time.time_ns() // 1_000_000


async def read_cuts(js: JetStreamContext, start_seq: int) -> tuple[str, list[Cut]]:
    """Every cut from ``start_seq`` on, through a new one-replica consumer; returns its host server too."""
    config = ConsumerConfig(
        ack_policy=AckPolicy.NONE,
        num_replicas=1,
        mem_storage=True,
        deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
        opt_start_seq=start_seq,
    )
    sub = await js.pull_subscribe(NAMES.cut_subject, stream=NAMES.log_stream, config=config)
    info = await sub.consumer_info()
    try:
        assert info.cluster is not None and info.cluster.leader
        cuts: list[Cut] = []
        for _ in range(50):
            if len(cuts) >= (info.num_pending or 0):
                break
            for m in await sub.fetch(500, timeout=5):
                cuts.append(Cut(m.metadata.sequence.stream, stream_time_ns(m.reply), int.from_bytes(m.data, "big")))
        assert len(cuts) == info.num_pending, "the consumer did not deliver every cut"
        return str(info.cluster.leader), cuts
    finally:
        await sub.unsubscribe()
        await js.delete_consumer(NAMES.log_stream, info.name)


async def read_cuts_once(c: Consortium, start_seq: int) -> tuple[str, list[Cut]]:
    """``read_cuts`` on a connection of its own."""
    nc = await nats.connect(servers=c.net.layout.nats_urls.split(","), connect_timeout=2)
    try:
        return await read_cuts(nc.jetstream(timeout=5), start_seq)
    finally:
        await nc.close()


def cuts_by_server(c: Consortium, start_seq: int) -> dict[str, list[Cut]]:
    """The cuts from ``start_seq`` on, as each server's replica holds them.

    JetStream picks the server that hosts a one-replica consumer (at random among the stream's
    replicas); new consumers are made until each server has hosted one.
    """

    async def run() -> dict[str, list[Cut]]:
        nc = await nats.connect(servers=c.net.layout.nats_urls.split(","), connect_timeout=2)
        try:
            js = nc.jetstream(timeout=5)
            seen: dict[str, list[Cut]] = {}
            for _ in range(60):
                host, cuts = await read_cuts(js, start_seq)
                seen.setdefault(host, cuts)
                if len(seen) == len(c.net.layout.nats):
                    break
            return seen
        finally:
            await nc.close()

    return asyncio.run(run())


def headers_agree(c: Consortium, heights: range) -> dict[int, dict[str, Any]]:
    """Each height's header, after checking that every node holds the same header and block hash."""
    headers: dict[int, dict[str, Any]] = {}
    with httpx.Client(timeout=10) as http:
        for h in heights:
            blocks = [http.get(f"{url}/v1/blocks/{h}").json() for url in c.urls]
            assert all(b["header"] == blocks[0]["header"] for b in blocks), f"headers differ at height {h}"
            assert len({b["block_hash"] for b in blocks}) == 1, f"block hashes differ at height {h}"
            headers[h] = blocks[0]["header"]
    return headers


def cut_positions(c: Consortium, heights: range) -> dict[int, int]:
    """Height -> the stream sequence of the block's cut."""
    with httpx.Client(base_url=c.urls[FAST], timeout=10) as http:
        return {h: int(http.get(f"/v1/blocks/{h}/txs").json()["position"]) for h in heights}


def submit_to_the_fast_node(c: Consortium, count: int) -> list[tuple[int, int, int]]:
    """``count`` transfers, one at a time; for each (height, real time before, real time after) in ms."""
    samples = []
    with c.client(FAST) as client:
        for _ in range(count):
            tx = client.build_tx([c.admin], [transfer(c.admin.address)])
            before = now_ms()
            receipt = client.submit(tx, wait=True)["receipt"]
            samples.append((int(receipt["height"]), before, now_ms()))
            assert receipt["status"] == "ok"
    return samples


def test_a_node_with_a_clock_an_hour_fast_cuts_blocks_and_chain_time_stays_real(fast_clock: Consortium) -> None:
    c = fast_clock
    first, started = c.converge() + 1, now_ms()
    samples = submit_to_the_fast_node(c, 20)
    last, ended = c.converge(), now_ms()
    heights = range(first, last + 1)
    headers = headers_agree(c, heights)  # on every node
    positions = cut_positions(c, heights)
    _, cuts = asyncio.run(read_cuts_once(c, positions[first]))
    by_seq = {cut.seq: cut for cut in cuts}
    for h in heights:
        cut = by_seq[positions[h]]
        # The fast node cut this block: its payload is an hour ahead of the stream's timestamp ...
        assert cut.claimed_ms - cut.stamp_ns // 1_000_000 > HOUR_MS - SLACK_MS, f"height {h} was cut by another node"
        # ... and the block took the stream's time, not the cutter's.
        assert headers[h]["time_ms"] == cut.stamp_ns // 1_000_000
        assert started - SLACK_MS <= headers[h]["time_ms"] <= ended + SLACK_MS
    skews = [headers[h]["time_ms"] - before for h, before, _ in samples]
    lags = [after - headers[h]["time_ms"] for h, _, after in samples]
    for h, before, after in samples:
        assert before - SLACK_MS <= headers[h]["time_ms"] <= after + SLACK_MS, f"height {h}"
    print(
        f"{len(heights)} blocks cut by a node an hour fast; header time minus real time at submission: "
        f"{min(skews)}..{max(skews)} ms; real time at commit minus header time: {min(lags)}..{max(lags)} ms"
    )
    # Every node noticed the cutter's clock and said so in its log.
    for i in range(3):
        assert "clock is off" in (c.net.dir / "logs" / f"org{i + 1}.log").read_text(), f"node {i}"


def test_every_replica_holds_the_same_timestamp_for_each_cut(fast_clock: Consortium) -> None:
    c = fast_clock
    last = c.converge()
    by_server = cuts_by_server(c, 1)
    assert sorted(by_server) == sorted(s.name for s in c.net.layout.nats), "a server never hosted a consumer"
    reference = next(iter(by_server.values()))
    assert len(reference) >= last
    # Stamps are nanoseconds: servers that each took their own would never agree to the nanosecond.
    for server, cuts in by_server.items():
        assert cuts == reference, f"server {server} holds other timestamps"
    # The stamp (floored to ms) is what every block's header carries.
    stamps = {cut.seq: cut.stamp_ns // 1_000_000 for cut in reference}
    headers = headers_agree(c, range(1, last + 1))
    for h, position in cut_positions(c, range(1, last + 1)).items():
        assert headers[h]["time_ms"] == max(stamps[position], headers[h - 1]["time_ms"] if h > 1 else 0)


def test_headers_are_identical_on_every_node(fast_clock: Consortium) -> None:
    c = fast_clock
    last = c.converge()
    headers = headers_agree(c, range(1, last + 1))
    times = [headers[h]["time_ms"] for h in range(1, last + 1)]
    assert times == sorted(times), "chain time went backwards"
    assert abs(times[-1] - now_ms()) < 60_000
