"""Helpers for a real consortium in tests: three nats-server processes (JetStream, R3) and three nodes.

Everything binds 127.0.0.1 on free ports and is stopped by PID at the end of the module.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import nats
import pytest
from tests.conftest import free_port

from metrobloc.crypto import PrivateKey
from metrobloc.ledger import build_body, sign_body
from metrobloc.node.local_network import Network, init_network
from metrobloc.sdk import Client, Keystore

ASSET = "CITY"


def transfer(to: str) -> dict[str, Any]:
    """One unit of ASSET to ``to``, in the wire form (these tests do not depend on the SDK's builders)."""
    return {"type": "assets/transfer", "asset": ASSET, "to": to, "amount": "1"}


def setup_txs(admin: str) -> list[list[dict[str, Any]]]:
    """The messages of the txs that give ``admin`` ASSET to move: the issuer role, then the asset and its supply."""
    grant = {"type": "accounts/grant_role", "address": admin, "role": "asset_issuer"}
    create = {
        "type": "assets/create",
        "asset": ASSET,
        "name": "City Coin",
        "decimals": 2,
        "max_supply": None,
        "transferable": True,
    }
    mint = {"type": "assets/mint", "asset": ASSET, "to": admin, "amount": str(10**15)}
    return [[grant], [create, mint]]


def free_ports(n: int) -> list[int]:
    ports: set[int] = set()
    while len(ports) < n:
        ports.add(free_port())
    return sorted(ports)


class TunedNetwork(Network):
    """A network whose nodes each take their own extra ``metrobloc up`` options."""

    def __init__(self, net_dir: Path, node_options: dict[int, tuple[str, ...]], **kwargs: Any) -> None:
        super().__init__(net_dir, **kwargs)
        self.node_options = node_options
        """Node index -> options added to its command line."""

    def node_command(self, i: int) -> list[str]:
        return super().node_command(i) + list(self.node_options.get(i, ()))


def make_network(path: Path, node_options: dict[int, tuple[str, ...]] | None = None) -> Network:
    ports = free_ports(12)
    init_network(
        path,
        orgs=3,
        nats=3,
        chain_id="metrobloc-test-net",
        nats_ports=[(ports[i], ports[3 + i], ports[6 + i]) for i in range(3)],
        api_ports=ports[9:12],
    )
    return TunedNetwork(path, node_options or {}, log_level="info")


@dataclass
class Consortium:
    net: Network
    admin: PrivateKey

    @property
    def urls(self) -> list[str]:
        return [n.url for n in self.net.layout.nodes]

    def client(self, i: int) -> Client:
        return Client(self.urls[i], timeout=30)

    def stream_leader(self) -> int:
        """Index of the NATS server leading the chain's stream."""

        async def ask() -> str:
            nc = await nats.connect(servers=self.net.layout.nats_urls.split(","), connect_timeout=2)
            try:
                info = await nc.jetstream(timeout=5).stream_info("MB_metrobloc-test-net")
                assert info.cluster is not None and info.cluster.leader
                return str(info.cluster.leader)
            finally:
                await nc.close()

        leader = asyncio.run(ask())
        return [s.name for s in self.net.layout.nats].index(leader)

    def converge(self, nodes: list[int] | None = None, timeout: float = 60.0) -> int:
        """Wait until the given nodes stand at the same height with nothing pending; returns it."""
        nodes = list(range(3)) if nodes is None else nodes
        deadline = time.monotonic() + timeout
        last: list[Any] = []
        while time.monotonic() < deadline:
            last = [httpx.get(self.urls[i] + "/v1/status", timeout=5).json() for i in nodes]
            heights = {s["height"] for s in last}
            if len(heights) == 1 and all(s["pending_txs"] == 0 for s in last):
                time.sleep(0.5)  # a cut may still be on its way: the height must hold
                again = [httpx.get(self.urls[i] + "/v1/status", timeout=5).json()["height"] for i in nodes]
                if set(again) == heights:
                    return heights.pop()
            time.sleep(0.2)
        raise AssertionError(f"nodes did not converge: {[(s['height'], s['pending_txs']) for s in last]}")

    def log(self, name: str) -> str:
        path = self.net.dir / "logs" / f"{name}.log"
        return path.read_text()[-4000:] if path.exists() else ""


@contextlib.contextmanager
def running(net: Network) -> Iterator[Consortium]:
    """Start ``net``, give the admin an asset to move (through node 0), stop everything at the end."""
    try:
        net.start(timeout=60)
        admin = Keystore(net.dir / net.layout.nodes[0].data_dir / "keys").load("admin")
        c = Consortium(net, admin)
        with c.client(0) as client:
            for messages in setup_txs(admin.address):
                assert client.submit(client.build_tx([admin], messages), wait=True)["receipt"]["status"] == "ok"
        yield c
    finally:
        net.stop_all()
        assert net.alive() == [], "a network process outlived the test"


@pytest.fixture(scope="module")
def consortium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Consortium]:
    with running(make_network(tmp_path_factory.mktemp("net") / "NET")) as c:
        yield c


@dataclass
class Load:
    """Transfers of 1 CITY from the admin to a sink, submitted round-robin to the nodes."""

    urls: list[str]
    admin: PrivateKey
    chain_id: str
    sink: str = field(default_factory=lambda: PrivateKey.generate().address)
    batch: int = 10
    tried: list[str] = field(default_factory=list)
    acked: set[str] = field(default_factory=set)
    refusals: dict[str, int] = field(default_factory=dict)
    stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def make(self, n: int) -> list[dict[str, Any]]:
        txs = []
        for _ in range(n):
            body = build_body(self.chain_id, [self.admin.address], [transfer(self.sink)], 90_000, os.urandom(16))
            tx = sign_body(body, [self.admin])
            self.tried.append(tx.hash)
            txs.append(tx.to_json())
        return txs

    def run(self, rounds: int | None = None, pause: float = 0.0) -> None:
        with httpx.Client(timeout=15) as http:
            i = 0
            while not self.stop.is_set() and (rounds is None or i < rounds):
                url = self.urls[i % len(self.urls)]
                i += 1
                txs = self.make(self.batch)
                try:
                    if i % 2:
                        r = http.post(url + "/v1/txs/batch", json=txs)
                        results = r.json()["results"] if r.status_code == 200 else []
                        if r.status_code != 200:
                            self._refused(str(r.status_code))
                        for res in results:
                            if "tx_hash" in res and "error" not in res:
                                self.acked.add(res["tx_hash"])
                            else:
                                self._refused(res["error"]["code"])
                    else:
                        for tx in txs[:3]:
                            r = http.post(url + "/v1/txs", json=tx)
                            if r.status_code == 202:
                                self.acked.add(r.json()["tx_hash"])
                            else:
                                self._refused(r.json()["error"]["code"])
                except httpx.HTTPError as exc:
                    self._refused(type(exc).__name__)
                if pause:
                    time.sleep(pause)

    def _refused(self, code: str) -> None:
        self.refusals[code] = self.refusals.get(code, 0) + 1

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, daemon=True)
        self._thread.start()

    def finish(self) -> None:
        self.stop.set()
        assert self._thread is not None
        self._thread.join(60)

    def check_exactly_once(self, consortium: Consortium, nodes: list[int]) -> int:
        """Every acked tx committed; the sink got exactly one unit per committed tx, on every node."""
        with httpx.Client(base_url=consortium.urls[nodes[0]], timeout=10) as http:
            committed = {h for h in self.tried if "receipt" in http.get(f"/v1/txs/{h}").json()}
        missing = self.acked - committed
        assert not missing, f"{len(missing)} acknowledged txs were never committed"
        print(f"tried {len(self.tried)}, acked {len(self.acked)}, committed {len(committed)}, refused {self.refusals}")
        for i in nodes:
            with consortium.client(i) as client:
                assert client.balance(ASSET, self.sink) == len(committed), f"node {i}"
        return len(committed)


def wait_until(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")
