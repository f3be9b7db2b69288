"""Time the cryptography of a secret ballot: encrypt and prove, verify, tally, decrypt, check the result.

    python bench/bench_ballots.py [--ballots 10000] [--sample 1000] [--runs 3]

One question of 5 options with up to 3 chosen (each voter picks 0-3 at random), 3 guardians with
threshold 2, all in this process (no node, no HTTP). Figures:

- encrypt+prove: ``encrypt_ballot`` per ballot, one core, over ``--sample`` ballots;
- JSON size: ``to_json`` in compact JSON (what a ``ballots/cast`` message carries);
- verify: ``EncryptedBallot.from_json`` + ``verify_ballot`` from the JSON text, per ballot on one
  core, then ballots/s on one core and with 2 worker processes (``multiprocessing`` pool, the
  ballots handed over as JSON text, as admission workers would get them);
- tally+decrypt+result for ``--ballots`` ballots: ``add_ballot`` for each, 2 guardians' decryption
  shares with proofs, each share's proofs verified against the public share computed from the
  commitments, ``combine``, the bounded discrete-log search, and ``verify_result`` (the on-chain check).

The ``--ballots`` ballots are encrypted beforehand in 2 processes (not timed). Medians over ``--runs``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import time
from multiprocessing import Pool

import nacl.public

from metrobloc.crypto.elgamal import (
    EncryptedBallot,
    KeyCommitment,
    Point,
    Polynomial,
    Question,
    Scalar,
    add_ballot,
    ballot_context,
    combine,
    commit,
    decryption_share,
    discrete_log,
    empty_tally,
    encrypt_ballot,
    flatten,
    guardian_context,
    joint_public_key,
    open_share,
    public_share,
    seal_share,
    secret_share,
    verify_ballot,
    verify_decryption_share,
    verify_result,
)

CHAIN, ELECTION = "metrobloc-bench", "bench-1"
QUESTIONS = [Question(5, 0, 3)]


def selections(rng: random.Random) -> list[list[int]]:
    chosen = rng.sample(range(5), rng.randint(0, 3))
    return [[1 if i in chosen else 0 for i in range(5)]]


def _encrypt_range(args: tuple[str, int, int]) -> list[tuple[str, str, list[int]]]:
    key_b64, start, count = args
    key, rng = Point.from_b64(key_b64), random.Random(start)
    out = []
    for v in range(start, start + count):
        sel = selections(rng)
        ballot = encrypt_ballot(key, QUESTIONS, sel, ballot_context(CHAIN, ELECTION, f"voter{v}"))
        out.append((f"voter{v}", json.dumps(ballot.to_json(), separators=(",", ":")), sel[0]))
    return out


def _verify_many(args: tuple[str, list[tuple[str, str]]]) -> tuple[int, float]:
    """Verify ballots from their JSON text; the count and the CPU seconds this process spent."""
    key_b64, items = args
    key = Point.from_b64(key_b64)
    cpu = time.process_time()
    for voter, text in items:
        ballot = EncryptedBallot.from_json(json.loads(text), QUESTIONS)
        verify_ballot(key, QUESTIONS, ballot, ballot_context(CHAIN, ELECTION, voter))
    return len(items), time.process_time() - cpu


def ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1e3:.2f}"


def ceremony() -> tuple[Point, dict[int, Scalar], list[KeyCommitment]]:
    boxes = {i: nacl.public.PrivateKey.generate() for i in (1, 2, 3)}
    polys = {i: Polynomial.random(2) for i in boxes}
    commitments = [commit(polys[i], guardian_context(CHAIN, ELECTION, i)) for i in boxes]
    shares = {
        j: secret_share([open_share(seal_share(polys[i], j, bytes(box.public_key)), box) for i in boxes])
        for j, box in boxes.items()
    }
    return joint_public_key(commitments), shares, commitments


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ballots", type=int, default=10_000)
    parser.add_argument("--sample", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=3)
    opts = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f}, {os.cpu_count()} CPUs")
    key, shares, commitments = ceremony()
    kb = key.to_b64()

    enc, enc_cpu = [], []
    for _ in range(opts.runs):
        t0, c0 = time.perf_counter(), time.process_time()
        sample = _encrypt_range((kb, 10**9, opts.sample))
        enc.append((time.perf_counter() - t0) / opts.sample)
        enc_cpu.append((time.process_time() - c0) / opts.sample)
    sizes = [len(text) for _, text, _ in sample]
    print(f"encrypt+prove: {ms(enc)} ms/ballot wall, {ms(enc_cpu)} ms CPU (one core)")
    print(f"ballot JSON: {statistics.median(sizes)} bytes median, {max(sizes)} max")

    items = [(voter, text) for voter, text, _ in sample]
    one, one_cpu = [], []
    for _ in range(opts.runs):
        t0 = time.perf_counter()
        _, cpu = _verify_many((kb, items))
        one.append((time.perf_counter() - t0) / len(items))
        one_cpu.append(cpu / len(items))
    print(
        f"verify: {ms(one)} ms/ballot wall, {ms(one_cpu)} ms CPU; "
        f"{1 / statistics.median(one):.0f} ballots/s on one core ({1 / statistics.median(one_cpu):.0f} per CPU-second)"
    )
    two, two_cpu = [], []
    with Pool(2) as pool:
        pool.map(_verify_many, [(kb, items[:10]), (kb, items[10:20])])  # warm the workers
        for _ in range(opts.runs):
            t0 = time.perf_counter()
            parts = pool.map(_verify_many, [(kb, items[i::2]) for i in range(2)])
            two.append(sum(n for n, _ in parts) / (time.perf_counter() - t0))
            two_cpu.append(sum(c for _, c in parts) / sum(n for n, _ in parts))
        print(f"verify: {statistics.median(two):.0f} ballots/s with 2 processes ({ms(two_cpu)} ms CPU per ballot)")

        chunk = 250
        jobs = [(kb, s, min(chunk, opts.ballots - s)) for s in range(0, opts.ballots, chunk)]
        t0 = time.perf_counter()
        cast = [b for part in pool.map(_encrypt_range, jobs) for b in part]
        print(f"(encrypted {len(cast)} ballots in 2 processes in {time.perf_counter() - t0:.1f} s, not counted)")
    ballots = [EncryptedBallot.from_json(json.loads(text), QUESTIONS) for _, text, _ in cast]
    expected = [sum(col) for col in zip(*(sel for _, _, sel in cast), strict=True)]

    phases: dict[str, list[float]] = {"tally": [], "shares": [], "verify shares": [], "result": [], "total": []}
    for _ in range(opts.runs):
        t0 = time.perf_counter()
        tally = empty_tally(QUESTIONS)
        for b in ballots:
            tally = add_ballot(tally, b)
        cts = flatten(tally)
        t1 = time.perf_counter()
        dshares = [decryption_share(j, shares[j], cts, guardian_context(CHAIN, ELECTION, j)) for j in (1, 3)]
        t2 = time.perf_counter()
        for s in dshares:
            public = public_share(s.guardian, commitments)
            verify_decryption_share(s, public, cts, guardian_context(CHAIN, ELECTION, s.guardian))
        t3 = time.perf_counter()
        counts = [discrete_log(p, len(ballots)) for p in combine(cts, dshares)]
        assert verify_result(cts, dshares, counts) and counts == expected
        t4 = time.perf_counter()
        for name, value in zip(phases, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t4 - t0), strict=True):
            phases[name].append(value)
    print(f"tally+decrypt+result for {len(ballots)} ballots: {statistics.median(phases['total']):.2f} s")
    for name in ("tally", "shares", "verify shares", "result"):
        print(f"  {name}: {statistics.median(phases[name]) * 1e3:.1f} ms")
    print(f"counts {counts}")


if __name__ == "__main__":
    main()
