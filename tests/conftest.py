"""Shared fixtures: real node processes on 127.0.0.1, free ports, stopped by PID."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from metrobloc.crypto import PrivateKey
from metrobloc.sdk import Client, Keystore

STARTUP_TIMEOUT_S = 30.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def metrobloc_cmd(*args: str) -> list[str]:
    """The CLI, run with this interpreter (no reliance on PATH)."""
    return [sys.executable, "-m", "metrobloc.cli.main", *args]


@dataclass
class NodeProcess:
    """A `metrobloc up` process on a free port; ``start``/``kill``/``stop`` by PID."""

    data_dir: Path
    port: int = field(default_factory=free_port)
    extra_args: tuple[str, ...] = ()
    proc: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None
    startup_timeout_s: float = STARTUP_TIMEOUT_S
    """How long ``start`` waits for the node to be healthy (a demo node seeds its city first)."""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> NodeProcess:
        self.log_path = self.data_dir.parent / f"node-{self.port}.log"
        log = open(self.log_path, "ab")  # noqa: SIM115 - handed to the child process
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            metrobloc_cmd("up", "--data-dir", str(self.data_dir), "--port", str(self.port), *self.extra_args),
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
        deadline = time.monotonic() + self.startup_timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"node exited with {self.proc.returncode}: {self.log()}")
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"node did not become healthy in {self.startup_timeout_s}s: {self.log()}")

    def log(self) -> str:
        return self.log_path.read_text()[-3000:] if self.log_path and self.log_path.exists() else ""

    def kill(self) -> None:
        """SIGKILL: no chance to flush or clean up."""
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)

    def client(self) -> Client:
        return Client(self.url)

    def keystore(self) -> Keystore:
        return Keystore(self.data_dir / "keys")

    def admin(self) -> PrivateKey:
        doc = json.loads((self.data_dir / "keys" / "admin.json").read_text())
        return PrivateKey.from_b64(doc["private_key"])

    def genesis_path(self) -> Path:
        return self.data_dir / "genesis.json"


@pytest.fixture
def node_factory(tmp_path: Path) -> Iterator[type[NodeProcess]]:
    """Start any number of nodes; all are stopped at the end of the test."""
    started: list[NodeProcess] = []

    class Factory(NodeProcess):
        def start(self) -> NodeProcess:
            started.append(self)
            return super().start()

    yield Factory
    for n in started:
        n.stop()


@pytest.fixture
def node(tmp_path: Path, node_factory: type[NodeProcess]) -> NodeProcess:
    """A fresh dev-chain node (data dir initialised by `metrobloc up`)."""
    return node_factory(tmp_path / "node").start()


@pytest.fixture(scope="module")
def shared_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NodeProcess]:
    """One node for a whole test module, for read-mostly tests."""
    n = NodeProcess(tmp_path_factory.mktemp("shared") / "node").start()
    yield n
    n.stop()
