"""Start a fresh node on a free port, load it with transfers, then time the portal's pages.

    python bench/bench_portal.py [--txs 1000000] [--accounts 100000] [--requests 200]

The load is `metrobloc bench transfers --mode batch` (one asset, ``--accounts`` accounts). Then each
page type (home, block, tx, account, asset, blocks list) is fetched ``--requests`` times, one
request at a time, with a different tx, account or block each time where it has one; the script
prints the server-side time the client sees (p50, p99) per page type. The issue's target on a chain
of 1,000,000 txs among 100,000 accounts: p50 < 50 ms and p99 < 200 ms for the home, account, asset
and tx pages. Loading a million txs takes a while (see `bench/README.md` for the node's tx/s).
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from bench_transfers import free_port, wait_healthy


def timed(client: httpx.Client, paths: list[str]) -> tuple[float, float]:
    """p50 and p99 in ms of GETting each path once (each must answer 200)."""
    spent = []
    for path in paths:
        started = time.perf_counter()
        answer = client.get(path)
        spent.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 200, (path, answer.status_code)
    spent.sort()
    return statistics.median(spent), spent[min(len(spent) - 1, int(len(spent) * 0.99))]


def page_paths(client: httpx.Client, count: int) -> dict[str, Callable[[], list[str]]]:
    """Page type -> the paths to fetch (sampled from the chain)."""
    tip = client.get("/v1/status").json()["height"]
    heights = [random.randint(1, tip) for _ in range(count)]
    sampled = heights[: max(1, count // 10)]
    tx_hashes = [h for height in sampled for h in client.get(f"/v1/blocks/{height}").json()["tx_hashes"][:10]]
    asset = client.get(f"/v1/txs/{tx_hashes[0]}").json()["receipt"]["events"][0]["attributes"]["asset"]
    holders = client.get(f"/v1/assets/{asset}/holders", params={"limit": 100}).json()["holders"]
    return {
        "home": lambda: ["/"] * count,
        "blocks": lambda: ["/blocks"] * count,
        "block": lambda: [f"/blocks/{h}" for h in heights],
        "tx": lambda: [f"/txs/{random.choice(tx_hashes)}" for _ in range(count)],
        "account": lambda: [f"/accounts/{random.choice(holders)['address']}" for _ in range(count)],
        "asset": lambda: [f"/assets/{asset}"] * count,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--txs", type=int, default=1_000_000)
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    cli = [sys.executable, "-m", "metrobloc.cli.main"]
    with tempfile.TemporaryDirectory() as tmp:
        data, port = Path(tmp) / "node", free_port()
        url = f"http://127.0.0.1:{port}"
        proc = subprocess.Popen(
            [*cli, "up", "--data-dir", str(data), "--port", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            wait_healthy(url)
            load = [*cli, "bench", "transfers", "--node", url, "--data-dir", str(data), "--mode", "batch"]
            load += ["--txs", str(args.txs), "--accounts", str(args.accounts)]
            print(subprocess.run(load, check=True, capture_output=True, text=True).stdout.strip(), flush=True)
            with httpx.Client(base_url=url, timeout=30) as client:
                for kind, paths in page_paths(client, args.requests).items():
                    p50, p99 = timed(client, paths())
                    print(f"{kind:8} p50 {p50:6.1f} ms  p99 {p99:6.1f} ms  ({args.requests} requests)", flush=True)
        finally:
            os.kill(proc.pid, signal.SIGTERM)
            proc.wait(timeout=60)


if __name__ == "__main__":
    main()
