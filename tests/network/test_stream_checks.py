"""A consortium node refuses, with one readable line, a log that could lose acknowledged txs."""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import Iterator
from pathlib import Path

import nats
import pytest
from nats.js.api import StorageType, StreamConfig
from tests.conftest import metrobloc_cmd
from tests.network.cluster import free_ports

from metrobloc.node.local_network import Network, init_network


@pytest.fixture
def single(tmp_path: Path) -> Iterator[Network]:
    """One NATS server and one node dir (the node is started by each test)."""
    p = free_ports(4)
    init_network(tmp_path / "NET", orgs=1, nats=1, nats_ports=[(p[0], p[1], p[2])], api_ports=[p[3]])
    net = Network(tmp_path / "NET")
    yield net
    net.stop_all()
    assert net.alive() == []


def node_up(net: Network, *extra: str) -> subprocess.CompletedProcess[str]:
    spec, server = net.layout.nodes[0], net.layout.nats[0]
    args = ["up", "--data-dir", str(net.dir / spec.data_dir), "--port", str(spec.port), "--orderer", server.url]
    return subprocess.run(metrobloc_cmd(*args, *extra), capture_output=True, text=True, timeout=90)


def test_a_server_that_does_not_fsync_every_write_is_refused(single: Network) -> None:
    conf = single.dir / "nats" / "n1.conf"
    conf.write_text("".join(line + "\n" for line in conf.read_text().splitlines() if "sync_interval" not in line))
    single.start_nats(0)
    single.wait_nats([0], 30)
    done = node_up(single, "--replicas", "1", "--nats-monitor", single.layout.nats[0].monitor_url)
    assert done.returncode == 1
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("error: node.cannot_start:") and "sync_interval: always" in line


@pytest.mark.parametrize(
    "storage, replicas, expected",
    [(StorageType.MEMORY, 1, "storage is"), (StorageType.FILE, 3, "it has 1 replicas, the node requires 3")],
)
def test_a_stream_without_durable_settings_is_refused(
    single: Network, storage: StorageType, replicas: int, expected: str
) -> None:
    single.start_nats(0)
    single.wait_nats([0], 30)

    async def create() -> None:
        nc = await nats.connect(single.layout.nats[0].url)
        try:
            js = nc.jetstream(timeout=10)
            for _ in range(50):  # JetStream can lag the health check on a fresh server
                try:
                    await js.add_stream(
                        StreamConfig(
                            name="MB_metrobloc-net",
                            subjects=["mb.metrobloc-net.log.tx", "mb.metrobloc-net.log.cut"],
                            storage=storage,
                        )
                    )
                    return
                except Exception:  # noqa: BLE001 - retried, bounded
                    await asyncio.sleep(0.1)
            raise AssertionError("could not create the stream")
        finally:
            await nc.close()

    asyncio.run(create())
    done = node_up(single, "--replicas", str(replicas))
    assert done.returncode == 1, done.stdout
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    line = lines[0]
    assert "MB_metrobloc-net" in line and expected in line
