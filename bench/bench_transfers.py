"""Start a fresh node (or network) on free ports, run `metrobloc bench transfers` against it, print figures.

    python bench/bench_transfers.py [--runs 3] [--txs 20000] [--modes single,batch] [--network]

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--txs", type=int, default=20_000)
    parser.add_argument("--modes", default="single,batch")
    parser.add_argument("--network", action="store_true", help="a 3-node consortium on NATS JetStream")
    args = parser.parse_args()
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
                start_new_session=True,
            )
            target = ["--node", urls[0], "--data-dir", str(data)]
            stop_signal = signal.SIGTERM
        try:
            for url in urls:
                wait_healthy(url)
            figures: dict[str, list[tuple[float, float, float]]] = {}
            for run in range(args.runs):
                modes = [f"--mode={m}" for m in args.modes.split(",")]
                out = subprocess.run(
                    [*cli, "bench", "transfers", *target, "--txs", str(args.txs), *modes],
                    check=True,
                    capture_output=True,
                    text=True,
                    timeout=600,
                ).stdout
                for line in out.splitlines():
                    print(f"run {run + 1}: {line}", flush=True)
                    m = LINE.match(line)
                    if m:
                        tps = float(m.group(3).replace(",", ""))
                        figures.setdefault(m.group(1), []).append((tps, float(m.group(4)), float(m.group(5))))
            for mode, runs in figures.items():
                print(
                    f"median of {len(runs)} runs, {mode}: "
                    f"{statistics.median(r[0] for r in runs):,.0f} tx/s, "
                    f"p50 {statistics.median(r[1] for r in runs):.0f} ms, "
                    f"p99 {statistics.median(r[2] for r in runs):.0f} ms"
                )
        finally:
            os.kill(proc.pid, stop_signal)
            proc.wait(timeout=60)


if __name__ == "__main__":
    main()
