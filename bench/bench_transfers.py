"""Start a fresh node (or network) on free ports, run `metrobloc bench transfers` against it, print figures.

    python bench/bench_transfers.py [--runs 3] [--txs 20000] [--modes single,batch] [--network]
                                    [--assets plain,policy]

With ``--assets plain,policy`` each run measures a plain asset and a policy-carrying one (lot
expiry, a merchant role, an enforced watch-list: ``metrobloc bench transfers --asset policy``) one
after the other on the same node, alternating which goes first, and the medians end with the ratio
policy/plain per mode: of the medians, and the median of each run's own ratio.

With ``--network`` it starts a 3-organization consortium (3 NATS servers, R3 stream, fsync
always, 3 nodes) with `metrobloc network init/up` and submits round-robin to all three nodes.

This script only provides the fresh nodes and the medians: the command it runs is
``src/metrobloc/cli/bench.py`` and the load is ``src/metrobloc/cli/transfer_load.py``.

Each run uses a fresh asset and 1,000 fresh accounts on the same node; the script prints each
run's line and the median tx/s and latencies per mode. The node is durable (WAL,
synchronous=FULL) exactly as in production; the client runs on the same machine.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

LINE = re.compile(r"^\s*(\w+): (\d+) committed .* = ([\d,]+) tx/s; commit latency p50 (\d+) ms, p99 (\d+) ms")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_healthy(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"{url} did not become healthy")


@dataclass(frozen=True)
class Figure:
    """One run's figures for one asset kind and mode."""

    run: int
    tps: float
    p50_ms: float
    p99_ms: float
    cpu_us: float
    """The server's CPU time per committed tx over the whole invocation (all its modes)."""


def cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system) of a process and its live descendants (a node's check workers)."""
    total, todo = 0.0, [pid]
    while todo:
        proc = Path(f"/proc/{todo.pop()}")
        try:
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            for task in (proc / "task").iterdir():
                todo += [int(child) for child in (task / "children").read_text().split()]
        except FileNotFoundError:  # it ended meanwhile
            continue
    return total


def bench_once(command: list[str], modes: list[str], run: int, label: str, server: int) -> list[tuple[str, Figure]]:
    """Run `metrobloc bench transfers` once, print its lines; each mode's figures.

    Besides the command's own figures, the CPU time of the node (or network) per committed tx:
    steadier than tx/s on a shared machine. It counts the setup (asset, role grants, mints) too.
    """
    before = cpu_seconds(server)
    out = subprocess.run(
        [*command, *(f"--mode={m}" for m in modes)], check=True, capture_output=True, text=True, timeout=600
    ).stdout
    cpu = cpu_seconds(server) - before
    matches = []
    for line in out.splitlines():
        print(f"{label}: {line}", flush=True)
        m = LINE.match(line)
        if m:
            matches.append(m)
    committed = sum(int(m.group(2)) for m in matches)
    cpu_us = cpu / committed * 1e6 if committed else 0.0
    print(f"{label}: server CPU {cpu:.2f} s = {cpu_us:.0f} µs per committed tx", flush=True)
    return [
        (m.group(1), Figure(run, float(m.group(3).replace(",", "")), float(m.group(4)), float(m.group(5)), cpu_us))
        for m in matches
    ]


def report(figures: dict[tuple[str, str], list[Figure]], *, single_kind: bool) -> None:
    """The medians per asset kind and mode; with both kinds, the ratio policy/plain per mode."""
    for (kind, mode), runs in figures.items():
        name = mode if single_kind else f"{kind} {mode}"
        print(
            f"median of {len(runs)} runs, {name}: "
            f"{statistics.median(r.tps for r in runs):,.0f} tx/s, "
            f"p50 {statistics.median(r.p50_ms for r in runs):.0f} ms, "
            f"p99 {statistics.median(r.p99_ms for r in runs):.0f} ms, "
            f"server CPU {statistics.median(r.cpu_us for r in runs):.0f} µs per tx"
        )
    for (kind, mode), policy in figures.items():
        plain = figures.get(("plain", mode))
        if kind != "policy" or not plain:
            continue
        of_medians = statistics.median(r.tps for r in policy) / statistics.median(r.tps for r in plain)
        by_run = {r.run: r.tps for r in plain}
        paired = [r.tps / by_run[r.run] for r in policy if by_run.get(r.run)]
        cpu = statistics.median(r.cpu_us for r in policy) / statistics.median(r.cpu_us for r in plain)
        print(
            f"policy/plain, {mode}: {of_medians:.0%} of the medians' tx/s; "
            f"median of {len(paired)} runs' own ratios {statistics.median(paired):.0%} "
            f"(min {min(paired):.0%}, max {max(paired):.0%}); server CPU per tx {cpu:.2f}x"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--txs", type=int, default=20_000)
    parser.add_argument("--modes", default="single,batch")
    parser.add_argument("--network", action="store_true", help="a 3-node consortium on NATS JetStream")
    parser.add_argument("--assets", default="plain", help="plain, policy or both (plain,policy), interleaved")
    args = parser.parse_args()
    if not set(args.assets.split(",")) <= {"plain", "policy"}:
        parser.error("--assets takes plain, policy or plain,policy")
    cli = [sys.executable, "-m", "metrobloc.cli.main"]
    with tempfile.TemporaryDirectory() as tmp:
        if args.network:
            net = Path(tmp) / "NET"
            p = [free_port() for _ in range(4)]
            subprocess.run(
                [
                    *cli,
                    "network",
                    "init",
                    "--dir",
                    str(net),
                    "--nats-port",
                    str(p[0]),
                    "--cluster-port",
                    str(p[1]),
                    "--monitor-port",
                    str(p[2]),
                    "--api-port",
                    str(p[3]),
                ],
                check=True,
                capture_output=True,
            )
            proc = subprocess.Popen(
                [*cli, "network", "up", "--dir", str(net)],
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
                start_new_session=True,
            )
            assert proc.stdout is not None
            urls = [proc.stdout.readline().split(": ", 1)[1].strip() for _ in range(3)]
            target = ["--network", str(net)]
            stop_signal = signal.SIGINT
        else:
            data, port = Path(tmp) / "node", free_port()
            urls = [f"http://127.0.0.1:{port}"]
            proc = subprocess.Popen(
                [*cli, "up", "--data-dir", str(data), "--port", str(port)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.STDOUT,
                text=True,
                start_new_session=True,
            )
            target = ["--node", urls[0], "--data-dir", str(data)]
            stop_signal = signal.SIGTERM
        try:
            for url in urls:
                wait_healthy(url)
            kinds = args.assets.split(",")
            figures: dict[tuple[str, str], list[Figure]] = {}
            for run in range(args.runs):
                for kind in kinds if run % 2 == 0 else kinds[::-1]:
                    label = f"run {run + 1}" if kinds == ["plain"] else f"run {run + 1} {kind}"
                    command = [*cli, "bench", "transfers", *target, "--txs", str(args.txs), f"--asset={kind}"]
                    for mode, figure in bench_once(command, args.modes.split(","), run, label, proc.pid):
                        figures.setdefault((kind, mode), []).append(figure)
            report(figures, single_kind=kinds == ["plain"])
        finally:
            os.kill(proc.pid, stop_signal)
            proc.wait(timeout=60)


if __name__ == "__main__":
    main()
