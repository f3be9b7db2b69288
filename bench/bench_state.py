"""Authenticated state on a real node: proofs served and checked, restart at 1,000,000 keys, and the cost in transfers.

    python bench/bench_state.py [--keys 1000000] [--runs 5] [--data DIR]   # parts a, b, c
    python bench/bench_state.py --transfers-before SRC [--transfers-after SRC] [--runs 5] [--txs 20000]  # part d

a. proof generation: ``store.tree.prove`` (a ``StateProof``) on a ``Store`` opened on the data dir,
   the whole bundle a request gets (``StateProver.bundle``, in process), and ``GET /v1/state/proof``
   requests/s against a running node (aiohttp, ``--concurrency`` at once; ``GET /v1/status`` the
   same way, for the HTTP stack's own cost);
b. Python verification: ``verify_state_proof`` and ``verify_state_bundle`` (one node's attestation)
   of one proof, in µs;
c. restart at ``--keys`` keys: exec of ``metrobloc up`` to ``/v1/status`` answering and to a first
   state proof served (verified here), against the same chain without the keys; the node's RSS
   in both, and the store's tree ``memory()``.
d. (``--transfers-before SRC``) bench/bench_transfers.py in batch mode on the code at
   ``--transfers-after`` (default: this checkout) and at ``--transfers-before`` (src dirs of
   worktrees, each run with ``PYTHONPATH=SRC``), interleaved, ``--runs`` runs each: tx/s, commit
   latency and the CPU time of all the run's processes per tx.

The data dir of part c is built once: a one-organization chain (``metrobloc init``) with a block,
``--keys`` balance rows written straight into ``kv``, the tip's ``state_root`` set to their root,
then one more block from the node so that its header certifies that root. Each figure is a median
over ``--runs`` interleaved runs.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import random
import re
import resource
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp

from metrobloc.crypto import PrivateKey
from metrobloc.ledger import Genesis, verify_state_bundle
from metrobloc.merkle.smt import parse_state_proof, verify_state_proof
from metrobloc.node.certify import Certifier
from metrobloc.node.proofs import StateProver
from metrobloc.sdk import Client, assets
from metrobloc.state import Store
from metrobloc.state._smt import Tree

CLI = [sys.executable, "-m", "metrobloc.cli.main"]
ROWS_PER_INSERT = 50_000
PROOFS = 200_000
VERIFIES = 20_000


# -- the data dirs ------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def bench_key(i: int) -> bytes:
    """A balance key of the shape the assets module writes (``assets/bal/CITY/mb1...``)."""
    return b"assets/bal/CITY/mb1" + hashlib.sha256(b"%d" % i).hexdigest()[:38].encode()


class Node:
    """A ``metrobloc up`` process on a free port, stopped by PID."""

    def __init__(self, data: Path) -> None:
        self.data, self.port = data, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            [*CLI, "up", "--data-dir", str(data), "--port", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

    def wait(self, path: str, timeout: float = 120) -> tuple[float, bytes]:
        """Seconds from exec until ``path`` answers 200, and the answer."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"the node on {self.data} exited with {self.proc.returncode}")
            try:
                with urllib.request.urlopen(self.url + path, timeout=5) as answer:
                    return time.perf_counter() - self.started, answer.read()
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.005)
        raise SystemExit(f"{self.url}{path} did not answer in {timeout} s")

    def cpu(self) -> float:
        """CPU seconds (user + system) of the node's own process: steadier than wall time on a shared machine."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss(self) -> int:
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) * 1024  # type: ignore[union-attr]

    def one_block(self) -> None:
        """Commit one block: a new asset."""
        admin = json.loads((self.data / "keys" / "admin.json").read_text())
        key = PrivateKey.from_b64(admin["private_key"])
        with Client(self.url) as c:
            c.submit(c.build_tx([key], [assets.create(f"B{random.randrange(10**6)}", "Bench", 0)]), wait=True)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=120)


def write_keys(data: Path, keys: int) -> None:
    """``keys`` balance rows straight into kv, and the tip's state_root set to the root they give."""
    db = sqlite3.connect(data / "state.db")
    for start in range(0, keys, ROWS_PER_INSERT):
        rows = [(bench_key(i), b"%d" % (i % 100_000 + 1)) for i in range(start, min(keys, start + ROWS_PER_INSERT))]
        db.executemany("INSERT INTO kv VALUES (?, ?)", rows)
    root = Tree().update(db.execute("SELECT key, value FROM kv").fetchall())
    db.execute("UPDATE meta SET value = ? WHERE key = 'state_root'", (root,))
    db.commit()
    db.close()


def build_data_dirs(where: Path, keys: int) -> tuple[Path, Path]:
    """(the chain with ``keys`` more rows, the same chain without them); both end with a block from the node."""
    big, small = where / f"keys-{keys}", where / "keys-0"
    if big.exists() and small.exists():
        return big, small
    subprocess.run([*CLI, "init", "--data-dir", str(small), "--chain-id", "bench-state", "--org", "Bench"], check=True)
    node = Node(small)
    node.wait("/v1/status")
    node.one_block()
    node.stop()
    shutil.copytree(small, big)
    started = time.perf_counter()
    write_keys(big, keys)
    print(f"wrote {keys:,} kv rows and their state root in {time.perf_counter() - started:.1f} s", flush=True)
    for data in (big, small):
        node = Node(data)
        node.wait("/v1/status")
        node.one_block()  # its header certifies the root with (or without) the rows
        node.stop()
    return big, small


# -- a, b: proofs from the store's tree, verified in Python --------------------------------------
def per_second(call: Callable[[bytes], object], keys: list[bytes]) -> float:
    started = time.perf_counter()
    for key in keys:
        call(key)
    return len(keys) / (time.perf_counter() - started)


def store_proofs(data: Path, rng: random.Random) -> dict[str, float]:
    """Proofs/s from ``store.tree.prove``, with their JSON, as whole bundles; the tree's memory per key."""
    store = Store(data / "state.db")
    try:
        n = len(store.tree)
        sample = [bench_key(rng.randrange(n - 100)) for _ in range(PROOFS)]
        genesis = Genesis.load((data / "genesis.json").read_bytes())
        prover = StateProver(store, Certifier(genesis, store, lambda divergence: None))
        return {
            "prove_s": per_second(store.tree.prove, sample),
            "prove_json_s": per_second(lambda key: store.tree.prove(key).to_json(), sample),
            "bundle_s": per_second(prover.bundle, sample[: PROOFS // 10]),
            "tree_bytes_per_key": store.tree.memory() / n if hasattr(store.tree, "memory") else float("nan"),
            "keys": n,
        }
    finally:
        store.close()


def verify_costs(bundles: list[dict[str, Any]], genesis: Genesis) -> dict[str, float]:
    """µs per verify_state_proof (the proof parsed beforehand), per parse + verify, per verify_state_bundle."""
    checks = []
    for b in bundles:
        value = None if b["value"] is None else b["value"].encode()
        checks.append((bytes.fromhex(b["header"]["state_root"]), b["key"].encode(), value, b["proof"]))
    parsed = [(root, key, value, parse_state_proof(proof)) for root, key, value, proof in checks]
    times: dict[str, float] = {}
    rounds = max(1, VERIFIES // len(bundles))
    started = time.perf_counter()
    for _ in range(rounds):
        for root, key, value, proof in parsed:
            verify_state_proof(root, key, value, proof)
    times["verify_us"] = (time.perf_counter() - started) / (rounds * len(parsed)) * 1e6
    started = time.perf_counter()
    for _ in range(rounds):
        for root, key, value, wire in checks:
            verify_state_proof(root, key, value, parse_state_proof(wire))
    times["parse_verify_us"] = (time.perf_counter() - started) / (rounds * len(checks)) * 1e6
    few = bundles[: max(1, len(bundles) // 10)]
    started = time.perf_counter()
    for b in few:
        verify_state_bundle(b, genesis)
    times["bundle_us"] = (time.perf_counter() - started) / len(few) * 1e6
    times["siblings"] = statistics.median(len(b["proof"]["siblings"]) for b in bundles)
    return times


# -- d: batched transfers with and without the state tree --------------------------------------
MEDIAN = re.compile(r"^median of \d+ runs, batch: ([\d,]+) tx/s, p50 (\d+) ms, p99 (\d+) ms")


def transfers_once(src: Path | None, txs: int) -> tuple[float, float, float]:
    """One bench_transfers.py run in batch mode on a fresh node; ``src``: the package to run.

    (tx/s, p50 ms, CPU µs per tx): the CPU time of every process of the run (node, its check
    workers, the load client, with its pre-signing and start-up), steadier than tx/s on a shared machine.
    """
    env = dict(os.environ)
    script = Path(__file__).with_name("bench_transfers.py")
    if src is not None:
        env["PYTHONPATH"] = str(src)
        script = src.parent / "bench" / "bench_transfers.py"
    command = [sys.executable, str(script), "--runs", "1", "--txs", str(txs), "--modes", "batch"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(command, env=env, check=True, capture_output=True, text=True, timeout=900).stdout
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    [m] = [m for m in map(MEDIAN.match, out.splitlines()) if m]
    return float(m.group(1).replace(",", "")), float(m.group(2)), cpu / txs * 1e6


def package_of(src: Path | None) -> str:
    env = {**os.environ, **({"PYTHONPATH": str(src)} if src else {})}
    command = [sys.executable, "-c", "import metrobloc; print(metrobloc.__file__)"]
    return subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout.strip()


def transfers_cost(before: Path, after: Path | None, runs: int, txs: int) -> None:
    """Interleaved runs of the code at ``after`` (None: this checkout) and at ``before``; medians and differences."""
    print(f"after: {package_of(after)}\nbefore: {package_of(before)}", flush=True)
    figures: dict[str, list[tuple[float, float, float]]] = {"after": [], "before": []}
    for i in range(runs):
        for name, src in (
            (("after", after), ("before", before)) if i % 2 == 0 else (("before", before), ("after", after))
        ):
            tps, p50, cpu = transfers_once(src, txs)
            figures[name].append((tps, p50, cpu))
            print(f"run {i + 1} {name:6}: {tps:8,.0f} tx/s, p50 {p50:4.0f} ms, {cpu:5.0f} µs CPU per tx", flush=True)

    def median(name: str, figure: int) -> float:
        return statistics.median(r[figure] for r in figures[name])

    def paired(figure: int) -> float:
        pairs = zip(figures["after"], figures["before"], strict=True)
        return statistics.median(a[figure] / b[figure] - 1 for a, b in pairs)

    print(f"medians of {runs} runs each, batch mode, {txs:,} txs a run:")
    for figure, label, fmt in ((0, "tx/s", ",.0f"), (1, "p50 ms", ".0f"), (2, "CPU µs per tx", ".0f")):
        now, was = median("after", figure), median("before", figure)
        print(
            f"  {label:14} after {now:{fmt}}, before {was:{fmt}}: {now / was - 1:+.1%} "
            f"(median of the paired differences {paired(figure):+.1%})"
        )


# -- a, c: a restarted node, its first proof, its requests/s -------------------------------------
async def proof_requests(
    url: str, keys: list[str], concurrency: int, path: str = "/v1/state/proof"
) -> tuple[float, float, list[dict[str, Any]]]:
    """Requests/s and median latency (ms) of ``GET path?key=`` over ``keys``; some answers (bundles) to verify."""
    latencies: list[float] = []
    kept: list[dict[str, Any]] = []
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(url, connector=connector) as session:

        async def worker(part: list[str]) -> None:
            for key in part:
                started = time.perf_counter()
                async with session.get(path, params={"key": key}) as answer:
                    body = await answer.read()
                    assert answer.status == 200, body[:200]
                latencies.append(time.perf_counter() - started)
                if len(kept) < 200:
                    kept.append(json.loads(body))

        started = time.perf_counter()
        await asyncio.gather(*(worker(keys[i::concurrency]) for i in range(concurrency)))
        elapsed = time.perf_counter() - started
    return len(keys) / elapsed, statistics.median(latencies) * 1e3, kept


def restart(data: Path, key: str, genesis: Genesis) -> tuple[Node, dict[str, float]]:
    """Start a node on ``data``: seconds to /v1/status and to a first (verified) state proof; its RSS."""
    node = Node(data)
    try:
        status_s, _ = node.wait("/v1/status")
        proof_s, body = node.wait(f"/v1/state/proof?key={key}")
        verify_state_bundle(json.loads(body), genesis)
    except BaseException:
        node.stop()
        raise
    return node, {"status_s": status_s, "proof_s": proof_s, "cpu_s": node.cpu(), "rss": float(node.rss())}


def one_run(big: Path, small: Path, args: argparse.Namespace, rng: random.Random) -> dict[str, float]:
    genesis = Genesis.load((big / "genesis.json").read_bytes())
    key = bench_key(rng.randrange(args.keys)).decode()
    node, without = restart(small, key, genesis)  # the key is proven absent there
    node.stop()
    node, figures = restart(big, key, genesis)
    try:
        keys = [bench_key(rng.randrange(args.keys)).decode() for _ in range(args.requests)]
        rate, p50, bundles = asyncio.run(proof_requests(node.url, keys, args.concurrency))
        status_rate = asyncio.run(proof_requests(node.url, keys, args.concurrency, "/v1/status"))[0]
    finally:
        node.stop()
    figures |= {
        "http_s": rate,
        "status_http_s": status_rate,
        "http_p50_ms": p50,
        "rss_small": without["rss"],
        "status_small_s": without["status_s"],
        "cpu_small_s": without["cpu_s"],
    }
    figures |= verify_costs(bundles, genesis)
    figures |= store_proofs(big, rng)
    return figures


def report(runs: list[dict[str, float]], keys: int) -> None:
    def m(name: str) -> float:
        return statistics.median(r[name] for r in runs)

    print(f"medians of {len(runs)} runs, {keys:,} keys (+ the chain's own {m('keys') - keys:,.0f}):")
    print(f"a. store.tree.prove         {m('prove_s'):10,.0f} proofs/s   (+ to_json: {m('prove_json_s'):,.0f}/s)")
    print(f"   StateProver.bundle       {m('bundle_s'):10,.0f} bundles/s  (in process: the value, proof, header)")
    print(
        f"   GET /v1/state/proof      {m('http_s'):10,.0f} requests/s (p50 {m('http_p50_ms'):.1f} ms; "
        f"GET /v1/status alike: {m('status_http_s'):,.0f}/s)"
    )
    print(
        f"b. verify_state_proof       {m('verify_us'):10.1f} µs   ({m('siblings'):.0f} siblings; "
        f"with parse_state_proof: {m('parse_verify_us'):.1f} µs)"
    )
    print(f"   verify_state_bundle      {m('bundle_us'):10.1f} µs   (one attestation)")
    print(f"c. exec -> /v1/status       {m('status_s'):10.2f} s    (without the keys: {m('status_small_s'):.2f} s)")
    print(
        f"   exec -> first proof      {m('proof_s'):10.2f} s    (the node's CPU time by then: {m('cpu_s'):.2f} s, "
        f"without the keys: {m('cpu_small_s'):.2f} s)"
    )
    grown = (m("rss") - m("rss_small")) / keys
    rss, small = m("rss") / 2**20, m("rss_small") / 2**20
    print(
        f"   node RSS                 {rss:10.0f} MiB  (without the keys: {small:.0f} MiB, {grown:.0f} bytes per key)"
    )
    print(f"   tree memory()            {m('tree_bytes_per_key'):10.0f} bytes per key")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--requests", type=int, default=5_000, help="proof requests per run")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--data", type=Path, help="keep the data dirs here (built once, reused)")
    parser.add_argument("--transfers-before", type=Path, help="run part d against the package at this src dir")
    parser.add_argument("--transfers-after", type=Path, help="part d: the src dir to compare (default: this checkout)")
    parser.add_argument("--txs", type=int, default=20_000, help="part d: transfers per run")
    args = parser.parse_args()
    if args.transfers_before:
        transfers_cost(args.transfers_before, args.transfers_after, args.runs, args.txs)
        return
    rng = random.Random(1)
    with tempfile.TemporaryDirectory() as tmp:
        big, small = build_data_dirs(args.data or Path(tmp), args.keys)
        runs = []
        for i in range(args.runs):
            runs.append(one_run(big, small, args, rng))
            print(f"run {i + 1}: " + ", ".join(f"{k} {v:,.2f}" for k, v in runs[-1].items()), flush=True)
        report(runs, args.keys)


if __name__ == "__main__":
    main()
