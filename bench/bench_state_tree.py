"""Time the node's state tree, the C one (metrobloc.state._smt) against the pure-Python reference.

    python bench/bench_state_tree.py [--keys 1000000] [--runs 3] [--batches 20] [--python-keys 1000000]

Prints medians over ``--runs`` runs of: the bulk build of ``--keys`` keys (one ``update`` of every
key-value, keys and values hashed inside the tree); the update cost per written key for batches of
1,000 random writes (900 updates of existing keys, 50 new keys, 50 deletes) over that tree; memory
per key (the C tree's own ``memory()``, the process's RSS growth, and tracemalloc for the Python
tree, whose nodes are Python objects); and proofs per second through ``CStateTree.prove`` (a
``StateProof`` each, as the node serves them). ``--python-keys 0`` skips the slow Python tree.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import time
import tracemalloc
from collections.abc import Callable

from metrobloc.merkle.smt import SparseMerkleTree
from metrobloc.state._smt import Tree
from metrobloc.state.tree import CStateTree, StateTree

BATCH = 1_000
PROOFS = 100_000


def resident_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def state_keys(count: int) -> list[bytes]:
    return [b"assets/bal/CITY/mb1%020d" % i for i in range(count)]


class Clocks:
    """Wall time and this process's CPU time: the machine is shared, so CPU time is the steadier figure."""

    def __init__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def elapsed(self) -> tuple[float, float]:
        return time.perf_counter() - self.wall, time.process_time() - self.cpu


def bulk_build(tree: StateTree | Tree, keys: list[bytes]) -> tuple[float, float]:
    """Seconds (wall, CPU) to build the tree of every key at once (values of 1 to 11 bytes)."""
    writes = {k: b"%d" % (i * 7919) for i, k in enumerate(keys)}
    clocks = Clocks()
    tree.update(writes)
    return clocks.elapsed()


def update_costs(tree: StateTree | Tree, keys: list[bytes], batches: int, rng: random.Random) -> tuple[float, float]:
    """Median microseconds (wall, CPU) per written key of a batch: 900 updates, 50 inserts, 50 deletes."""
    walls, cpus = [], []
    for _ in range(batches):
        writes: dict[bytes, bytes | None] = {k: rng.randbytes(8) for k in rng.sample(keys, BATCH - 100)}
        writes |= {rng.randbytes(16): b"new" for _ in range(50)}
        writes |= {k: None for k in rng.sample(keys, 50) if k not in writes}
        clocks = Clocks()
        tree.update(writes)
        wall, cpu = clocks.elapsed()
        walls.append(wall / len(writes) * 1e6)
        cpus.append(cpu / len(writes) * 1e6)
        tree.update({k: b"back" for k, v in writes.items() if v is None})  # keep the key set, untimed
    return statistics.median(walls), statistics.median(cpus)


def proofs_per_second(prove: Callable[[bytes], object], keys: list[bytes], rng: random.Random) -> float:
    sample = [rng.choice(keys) for _ in range(PROOFS)]
    clocks = Clocks()
    for key in sample:
        prove(key)
    return PROOFS / clocks.elapsed()[0]


def c_run(keys: list[bytes], batches: int, rng: random.Random) -> dict[str, float]:
    gc.collect()
    rss_before = resident_bytes()
    tree = CStateTree(Tree())
    build_s, build_cpu_s = bulk_build(tree, keys)
    gc.collect()
    figures = {
        "build_s": build_s,
        "build_cpu_s": build_cpu_s,
        "memory_per_key": tree.memory() / len(tree),
        "rss_per_key": (resident_bytes() - rss_before) / len(tree),
    }
    figures["update_us"], figures["update_cpu_us"] = update_costs(tree, keys, batches, rng)
    figures["proofs_s"] = proofs_per_second(tree.prove, keys, rng)
    figures["raw_proofs_s"] = proofs_per_second(tree.tree.prove, keys, rng)
    return figures


def python_run(keys: list[bytes], batches: int, rng: random.Random) -> dict[str, float]:
    tracemalloc.start()
    tree = SparseMerkleTree()
    build_s, build_cpu_s = bulk_build(tree, keys)
    gc.collect()
    traced = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    update_us, update_cpu_us = update_costs(tree, keys, batches, rng)
    return {
        "build_s": build_s,
        "build_cpu_s": build_cpu_s,
        "memory_per_key": traced / len(tree),
        "update_us": update_us,
        "update_cpu_us": update_cpu_us,
        "proofs_s": proofs_per_second(tree.prove, keys, rng),
    }


def report(name: str, runs: list[dict[str, float]]) -> None:
    def median(figure: str) -> float:
        return statistics.median(run[figure] for run in runs)

    print(f"{name} ({len(runs)} runs, medians):")
    c_tree = "rss_per_key" in runs[0]
    print(f"  bulk build     {median('build_cpu_s'):8.2f} s CPU   {median('build_s'):8.2f} s wall")
    print(f"  update         {median('update_cpu_us'):8.2f} µs CPU  {median('update_us'):8.2f} µs wall per key")
    source = "memory()" if c_tree else "tracemalloc, the build's allocations"
    print(f"  memory         {median('memory_per_key'):8.0f} bytes per key ({source})")
    if c_tree:
        print(f"  RSS growth     {median('rss_per_key'):8.0f} bytes per key")
    proofs = f"  proofs         {median('proofs_s'):8,.0f} /s (wall)"
    print(proofs + (f" as StateProof, {median('raw_proofs_s'):,.0f} /s as C tuples" if c_tree else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=1_000_000)
    parser.add_argument("--python-keys", type=int, default=1_000_000, help="keys of the Python tree (0: skip it)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--batches", type=int, default=20, help="timed update batches per run")
    args = parser.parse_args()
    rng = random.Random(1)
    keys = state_keys(args.keys)
    print(f"{args.keys:,} keys, update batches of {BATCH:,} random writes")
    report("C tree", [c_run(keys, args.batches, rng) for _ in range(args.runs)])
    if args.python_keys:
        python_keys = state_keys(args.python_keys)
        runs = [python_run(python_keys, args.batches, rng) for _ in range(args.runs)]
        report(f"Python tree, {args.python_keys:,} keys", runs)


if __name__ == "__main__":
    main()
