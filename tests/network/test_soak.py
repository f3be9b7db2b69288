"""Soak: repeated crashes of nodes and NATS servers under load (``make test-slow``)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.network.cluster import Consortium, Load, make_network, running

from metrobloc.sdk import Client

CHAIN = "metrobloc-test-net"


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[Consortium]:
    with running(make_network(tmp_path / "NET")) as c:
        yield c


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_crashes_of_nodes_and_servers_under_load_lose_and_double_nothing(fresh: Consortium) -> None:
    c = fresh
    load = Load(c.urls, c.admin, CHAIN, batch=10)
    load.start()
    try:
        for cycle in range(6):
            time.sleep(2.0)
            if cycle % 2 == 0:
                i = cycle // 2 % 3
                c.net.kill(c.net.nodes[i])
                time.sleep(1.0)
                c.net.start_node(i)
                c.net.wait_nodes([i], 60)
            else:
                leader = c.stream_leader()
                c.net.kill(c.net.nats[leader])
                time.sleep(3.0)
                c.net.start_nats(leader)
                c.net.wait_nats([leader], 30)
    finally:
        load.finish()
    assert len(load.acked) > 500, load.refusals
    height = c.converge(timeout=120)
    load.check_exactly_once(c, [0, 1, 2])
    with Client(c.urls[0]) as a, Client(c.urls[1]) as b, Client(c.urls[2]) as d:
        for h in range(1, height + 1, 7):
            assert a.block(h)["block_hash"] == b.block(h)["block_hash"] == d.block(h)["block_hash"]
