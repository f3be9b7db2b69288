"""A secret-ballot election end to end through a real node: casts admitted, verified and committed per
second; close, decryption and result in seconds; the cost per ballot.

    python bench/bench_ballots_node.py [--voters 10000] [--runs 3] [--batch 250] [--concurrency 4]

Starts ``metrobloc up`` on a fresh data dir (127.0.0.1, a free port, the solo orderer, the default
check processes), stopped by its PID at the end. Once per invocation: the admin accredits a registry
for ``ResidencyCredential`` and the registry enrols ``--voters`` voters (``identity/enrol``, 256 per
message). Each run is a fresh election, one question of 5 options with up to 3 chosen (each voter picks
0-3 at random), 3 guardians with threshold 2:

1. not timed: the guardians' secrets are drawn here, so the joint key (the sum of their constant
   commitments) is known before the election exists; every voter's signed ``ballots/cast`` tx is built
   with ``ballots.client.vote`` in worker processes; then the election is created, key generation
   runs on chain (commit, deal, ack: 12 messages) and the chain's joint key is compared with ours;
2. **casting**, timed from the first request to the commit of the last cast (the block events of
   ``/v1/events``): the casts go in ``POST /v1/txs/batch`` requests (``--batch`` txs each,
   ``--concurrency`` in flight), the load of ``metrobloc bench transfers`` (``cli/transfer_load.py``);
   the election must then count every voter;
3. **result**, timed from sending ``ballots/close`` (once the window is over) to the commit of
   ``ballots/result``: close; guardians 1 and 3 (2 of 3) compute their decryption shares with proofs
   of the final total and send them; anyone reads the counts (``ballots.client.counts``, a bounded
   discrete-log search) and sends them, the chain checks them against the shares.

Cost per ballot: the signed tx's size; its stateless check (what the node's check workers run:
envelope, messages and so the ballot's proofs, signature) timed in this process on one core over a
sample (CPU time); over the casting phase, per cast, the CPU time (``/proc``) of the node's check workers and of
the node's own process (API, admission, execution of the cast, SQLite). The execution alone: once per
invocation, after the first run, the node's blocks are fetched (``GET /v1/blocks/{h}/txs``) and
re-executed in this process with the real executor over an in-memory state (no SQLite), from genesis
to the first ``--exec-sample`` casts; the CPU time of the cast blocks' ``execute_block`` per cast.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
from bench_transfers import cpu_seconds, free_port, wait_healthy

from metrobloc import sdk
from metrobloc.cli.transfer_load import _run as submit_and_time
from metrobloc.codec import canonical_json, parse_json
from metrobloc.crypto import PrivateKey
from metrobloc.crypto.elgamal import commit, joint_public_key
from metrobloc.execution import Executor
from metrobloc.ledger import build_body, parse_tx, sign_body
from metrobloc.modules import MODULES
from metrobloc.modules.ballots.client import GuardianSecret, counts, vote
from metrobloc.node.app import build_app
from metrobloc.node.chain import prepare
from metrobloc.node.checker import _check_tx
from metrobloc.sdk import Client, Keystore

RESIDENCY = "ResidencyCredential"
OPTIONS, MAX_CHOSEN = 5, 3
SHAPES: list[dict[str, Any]] = [
    {
        "options": OPTIONS,
        "min_selections": 0,
        "max_selections": MAX_CHOSEN,
        "weights": None,
        "weight_min": None,
        "weight_max": None,
    }
]
QUESTION = {
    "question": "Which projects should the city fund?",
    "options": [{"id": f"project-{i}"} for i in range(1, OPTIONS + 1)],
    "min_selections": 0,
    "max_selections": MAX_CHOSEN,
}
HOLDERS_PER_MSG = 256


def voter_key(i: int) -> PrivateKey:
    return PrivateKey(hashlib.sha256(b"metrobloc bench voter %d" % i).digest())


def selections(rng: random.Random) -> list[list[int]]:
    chosen = rng.sample(range(OPTIONS), rng.randint(0, MAX_CHOSEN))
    return [[1 if i in chosen else 0 for i in range(OPTIONS)]]


def _build_casts(job: tuple[str, str, str, int, int, int, int]) -> list[tuple[bytes, list[int]]]:
    """Signed ``ballots/cast`` tx bodies of voters start..start+count, with what each chose."""
    chain_id, election, joint_key, valid_until, seed, start, count = job
    rng = random.Random(seed * 1_000_003 + start)
    out = []
    for i in range(start, start + count):
        key, sel = voter_key(i), selections(rng)
        msg = vote(chain_id, election, key.address, joint_key, SHAPES, sel)
        body = build_body(chain_id, [key.address], [msg], valid_until, os.urandom(16))
        out.append((orjson.dumps(sign_body(body, [key]).to_json()), sel[0]))
    return out


def build_casts(
    chain_id: str, election: str, joint_key: str, valid_until: int, seed: int, voters: int, workers: int
) -> list[tuple[bytes, list[int]]]:
    step = max(1, voters // (workers * 8))
    jobs = [
        (chain_id, election, joint_key, valid_until, seed, s, min(step, voters - s)) for s in range(0, voters, step)
    ]
    with ProcessPoolExecutor(workers) as pool:
        return [c for part in pool.map(_build_casts, jobs) for c in part]


def ok(results: list[dict[str, Any]], what: str) -> None:
    bad = [r for r in results if r.get("receipt", {}).get("status") != "ok"]
    if bad:
        raise SystemExit(f"{what} failed: {bad[0]}")


def enrol(c: Client, admin: PrivateKey, voters: int) -> PrivateKey:
    """The admin accredits a registry for residency; the registry enrols the voters. Returns the registry."""
    registry = PrivateKey(os.urandom(32))
    now = int(time.time() * 1000)
    accredit = sdk.identity.accredit(registry.address, [RESIDENCY], now - 60_000, now + 365 * 86_400_000)
    ok(c.submit_batch([c.build_tx([admin], [accredit])], wait=True), "accrediting the registry")
    addresses = [voter_key(i).address for i in range(voters)]
    txs = [
        c.build_tx([registry], [sdk.identity.enrol(RESIDENCY, addresses[i : i + HOLDERS_PER_MSG])])
        for i in range(0, voters, HOLDERS_PER_MSG)
    ]
    for i in range(0, len(txs), 20):
        ok(c.submit_batch(txs[i : i + 20], wait=True), "enrolling the voters")
    return registry


def own_cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system) of one process, all its threads, without its children."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def check_ms(chain_id: str, bodies: list[bytes]) -> float:
    """Median CPU ms of the stateless check of one cast tx (what a check worker does), in this process."""
    app = build_app(MODULES)
    times = []
    for body in bodies:
        started = time.process_time()
        _check_tx(parse_json(body), chain_id, app)
        times.append((time.process_time() - started) * 1000)
    return statistics.median(times)


def execution_ms(c: Client, sample: int) -> float:
    """CPU ms per cast of ``execute_block`` over the first ``sample`` casts of the chain, replayed from
    genesis in this process (the node's blocks, the real executor, an in-memory state)."""
    genesis = c.genesis()
    app = build_app(MODULES)
    executor = Executor(app, genesis.chain_id, genesis)
    state: dict[bytes, bytes] = {}

    def apply(writes: Mapping[bytes, bytes | None]) -> None:
        for k, v in writes.items():
            if v is None:
                state.pop(k, None)
            else:
                state[k] = v

    apply(executor.init_genesis(state.get, genesis.app_state, genesis.genesis_time_ms))
    casts, seconds, height = 0, 0.0, 0
    while casts < sample:
        height += 1
        time_ms = int(c.get(f"/v1/blocks/{height}")["header"]["time_ms"])
        raws = [canonical_json(tx) for tx in c.get(f"/v1/blocks/{height}/txs")["txs"]]
        txs = [prepare(app, raw, verify=False) for raw in raws]
        only_casts = all(mt.type == "ballots/cast" for p in txs for mt, _ in p.msgs)
        started = time.process_time()
        result = executor.execute_block(state.get, txs, height, time_ms)
        if only_casts:
            seconds += time.process_time() - started
            casts += len(txs)
        apply(result.writes)
    return seconds / casts * 1000


def record(c: Client, election: str) -> dict[str, Any]:
    return dict(c.get(f"/v1/ballots/{election}"))


def wait_until_ms(t_ms: int) -> None:
    time.sleep(max(0.0, t_ms / 1000 - time.time()) + 0.3)


@dataclass(frozen=True)
class Figures:
    ballots_per_s: float
    cast_s: float
    committed: int
    failed: int
    result_s: float
    close_s: float
    shares_s: float
    counts_s: float
    tx_bytes: float
    check_ms: float
    node_ms: float
    """CPU of the node's own process (API, admission, execution, SQLite) per cast, over the casting phase."""
    workers_ms: float
    """CPU of its check workers (the stateless checks: envelope, proofs, signature) per cast."""


def keygen(c: Client, election: str, guardians: list[PrivateKey], secrets: list[GuardianSecret]) -> str:
    pairs = list(zip(guardians, secrets, strict=True))
    ok(c.submit_batch([c.build_tx([k], [s.commit_msg()]) for k, s in pairs], wait=True), "commit")
    r = record(c, election)
    ok(c.submit_batch([c.build_tx([k], [s.deal_msg(r)]) for k, s in pairs], wait=True), "deal")
    r = record(c, election)
    acks = []
    for k, s in pairs:
        good, bad = s.receive(r)
        assert not bad, bad
        acks.append(c.build_tx([k], [sdk.ballots.ack(election, d) for d in good]))
    ok(c.submit_batch(acks, wait=True), "ack")
    r = record(c, election)
    assert r["status"] == "ready", r["status"]
    return str(r["joint_key"])


def run_once(
    url: str, node_pid: int, admin: PrivateKey, registry: PrivateKey, args: argparse.Namespace, run: int
) -> Figures:
    voters = args.voters
    election = f"bench-{os.urandom(4).hex()}"
    with Client(url) as c:
        chain_id, height = c.chain_id, int(c.status()["height"])
        guardians = [PrivateKey(os.urandom(32)) for _ in range(3)]
        secrets = [GuardianSecret.new(chain_id, election, i, 2) for i in range(1, 4)]
        joint_key = joint_public_key([commit(s.polynomial, b"") for s in secrets]).to_b64()  # K = sum of C_i0
        started = time.perf_counter()
        casts = build_casts(chain_id, election, joint_key, height + 50_000, run, voters, args.workers)
        bodies = [b for b, _ in casts]
        expected = [sum(sel[o] for _, sel in casts) for o in range(OPTIONS)]
        print(
            f"run {run + 1}: built {voters} signed casts in {time.perf_counter() - started:.1f} s (not timed)",
            flush=True,
        )

        now = int(time.time() * 1000)
        keygen_end = now + args.keygen_s * 1000
        cast_end = keygen_end + args.window_s * 1000
        census = {"credential_type": RESIDENCY, "issuers": [registry.address]}
        create = sdk.ballots.create(
            election, census, [g.address for g in guardians], [QUESTION], keygen_end, keygen_end, cast_end
        )
        ok(c.submit_batch([c.build_tx([admin], [create])], wait=True), "create")
        assert keygen(c, election, guardians, secrets) == joint_key, "the chain's joint key is not ours"
        wait_until_ms(keygen_end)

        own_before, cpu_before = own_cpu_seconds(node_pid), cpu_seconds(node_pid)
        result = asyncio.run(submit_and_time([url], "batch", bodies, args.batch, args.concurrency, 600.0))
        own_s, cpu_s = own_cpu_seconds(node_pid) - own_before, cpu_seconds(node_pid) - cpu_before
        r = record(c, election)
        if r["voters"] != voters:
            print(f"run {run + 1}: WARNING the election counts {r['voters']} voters of {voters}", flush=True)
            for b in bodies[-20:]:  # why: the receipt of a committed one, or the refusal of a resubmitted one
                got = httpx.get(f"{url}/v1/txs/{parse_tx(orjson.loads(b)).hash}", timeout=30)
                if got.status_code != 200 or got.json().get("receipt", {}).get("status") != "ok":
                    again = httpx.post(f"{url}/v1/txs", content=b, timeout=30).text
                    print(f"run {run + 1}: e.g. {got.text[:500]} / resubmitted: {again[:500]}", flush=True)
                    break

        wait_until_ms(cast_end)
        t0 = time.perf_counter()
        ok(c.submit_batch([c.build_tx([admin], [sdk.ballots.close(election)])], wait=True), "close")
        t1 = time.perf_counter()
        r = record(c, election)
        shares = [c.build_tx([guardians[i]], [secrets[i].decryption_share_msg(r)]) for i in (0, 2)]
        ok(c.submit_batch(shares, wait=True), "decryption shares")
        t2 = time.perf_counter()
        tally = [n for q in counts(record(c, election)) for n in q]
        ok(c.submit_batch([c.build_tx([admin], [sdk.ballots.result(election, tally)])], wait=True), "result")
        t3 = time.perf_counter()
        final = record(c, election)
        assert final["status"] == "decided", final["status"]
        assert tally == expected or r["voters"] != voters, (tally, expected)  # every cast counted, as chosen

    counted = int(r["casts"])  # casts that executed ok (a cast after the window commits as failed)
    n = max(counted, 1)
    return Figures(
        ballots_per_s=counted / result.seconds if result.seconds else 0.0,
        cast_s=result.seconds,
        committed=counted,
        failed=voters - counted,
        result_s=t3 - t0,
        close_s=t1 - t0,
        shares_s=t2 - t1,
        counts_s=t3 - t2,
        tx_bytes=statistics.mean(len(b) for b in bodies),
        check_ms=check_ms(chain_id, bodies[: args.sample]),
        node_ms=own_s / n * 1000,
        workers_ms=(cpu_s - own_s) / n * 1000,
    )


def line(f: Figures) -> str:
    return (
        f"{f.committed:.0f} casts counted ({f.failed:.0f} refused or failed) in {f.cast_s:.2f} s = "
        f"{f.ballots_per_s:,.0f} ballots/s; "
        f"close+shares+result {f.result_s:.2f} s (close {f.close_s:.2f}, 2 shares {f.shares_s:.2f}, "
        f"counts+result {f.counts_s:.2f}); per ballot {f.tx_bytes:,.0f} B, check {f.check_ms:.2f} ms, "
        f"CPU: check workers {f.workers_ms:.2f} ms, node process {f.node_ms:.2f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voters", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--batch", type=int, default=250, help="casts per POST /v1/txs/batch")
    parser.add_argument("--concurrency", type=int, default=4, help="batches in flight")
    parser.add_argument("--workers", type=int, default=2, help="processes building the casts (not timed)")
    parser.add_argument("--keygen-s", type=int, default=6, help="key generation window, seconds")
    parser.add_argument(
        "--min-rate",
        type=int,
        default=30,
        help="the casting window is voters/min-rate + 10 s: casts later than that are refused (window_closed)",
    )
    parser.add_argument("--sample", type=int, default=200, help="casts whose check is timed in process")
    parser.add_argument("--exec-sample", type=int, default=2000, help="casts whose execution is replayed in process")
    args = parser.parse_args()
    args.window_s = args.voters // args.min_rate + 10
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
            admin = Keystore(data / "keys").load("admin")
            with Client(url) as c:
                started = time.perf_counter()
                registry = enrol(c, admin, args.voters)
            print(f"enrolled {args.voters} voters in {time.perf_counter() - started:.1f} s", flush=True)
            figures = []
            for run in range(args.runs):
                f = run_once(url, proc.pid, admin, registry, args, run)
                print(f"run {run + 1}: {line(f)}", flush=True)
                figures.append(f)
                if run == 0:
                    with Client(url) as c:
                        exec_ms = execution_ms(c, min(args.exec_sample, int(f.committed)))
                    print(
                        f"execution of a cast, replayed in process (in-memory state): {exec_ms:.2f} ms CPU", flush=True
                    )
            med = Figures(*(statistics.median(getattr(f, k) for f in figures) for k in Figures.__dataclass_fields__))
            print(f"median of {len(figures)} runs: {line(med)}; execution {exec_ms:.2f} ms CPU per cast (replayed)")
        finally:
            os.kill(proc.pid, signal.SIGTERM)
            proc.wait(timeout=60)


if __name__ == "__main__":
    main()
