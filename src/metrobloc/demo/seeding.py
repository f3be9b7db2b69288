"""Seeding a fresh data dir with the Demo City's history, and recognising a seeded one later.

The history goes through a real node of the data dir (admission, the solo orderer, the chain
thread's execution and commit), never around it: every seeded fact is a signed tx executed by the
modules' handlers, so its proofs verify like any other. Two things make the blocks reproducible:
each seeded block is submitted as one batch and committed before the next is submitted (so the
orderer cuts exactly that batch), and the orderer reads a scripted clock that says the block's
planned time (``OrdererConfig.clock``), so the cut, hence the header, carries it. The node key is
derived from the seed, and Ed25519 signatures are deterministic, so the attestations are too.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from metrobloc.demo import identity
from metrobloc.demo.city import CHAIN_ID, DEFAULT_SEED, ORGANIZATION, DemoCity, SeededBlock
from metrobloc.demo.consortium import PlayedNodes, node_keys
from metrobloc.errors import InvalidInput, MetroblocError, Unavailable
from metrobloc.node import Node, NodeConfig, init_data_dir, load_genesis
from metrobloc.node.datadir import KEYS_DIR, key_file, write_private

DEMO_FILE = "demo.json"
"""``{"seed", "seeded_height", "seeded_txs", "finished"}``: what makes a data dir a Demo City."""
CHAIN_FILES = ("genesis.json", "state.db", "orderer.db")
COMMIT_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class Seeded:
    """What ``seed_city`` did."""

    height: int
    """Seeded blocks: heights 1 .. height."""
    txs: int
    """Seeded txs."""
    seconds: float
    """Time it took."""


class ScriptedClock:
    """The seeding node's clock: the planned time of the block being formed (Unix ms)."""

    def __init__(self, time_ms: int) -> None:
        self.time_ms = time_ms

    def __call__(self) -> int:
        return self.time_ms


def recognise(data_dir: Path, seed: int | None) -> DemoCity | None:
    """The Demo City ``data_dir`` holds, or None for a fresh data dir; refuses any other chain.

    ``seed`` None accepts the seed the city was made with.
    """
    data_dir = Path(data_dir)
    present = [name for name in CHAIN_FILES if (data_dir / name).exists()]
    if not present:
        return None
    record = _read_record(data_dir)
    if record is None:
        raise InvalidInput(
            f"{data_dir} already holds a chain that is not a Demo City; use a fresh --data-dir for --demo",
            "demo.not_a_demo_chain",
        )
    if seed is not None and record["seed"] != seed:
        raise InvalidInput(
            f"{data_dir} holds the Demo City of seed {record['seed']}, not seed {seed}; "
            "drop --seed, or use a fresh --data-dir",
            "demo.other_seed",
        )
    city = DemoCity(record["seed"])
    if not record.get("finished") or "genesis.json" not in present:
        raise InvalidInput(
            f"{data_dir} holds a Demo City whose seeding did not finish; remove the directory and start again",
            "demo.unfinished",
        )
    if load_genesis(data_dir).hash != city.genesis.hash:
        raise InvalidInput(
            f"{data_dir} holds a chain whose genesis is not that of the Demo City of seed {city.seed}",
            "demo.not_a_demo_chain",
        )
    return city


def seed_city(data_dir: Path, seed: int = DEFAULT_SEED) -> tuple[DemoCity, Seeded]:
    """Initialise a fresh ``data_dir`` as the Demo City of ``seed`` and commit its seeded history."""
    started = time.perf_counter()
    city = DemoCity(seed)
    people = city.people
    data_dir = Path(data_dir)
    init_data_dir(
        data_dir,
        CHAIN_ID,
        ORGANIZATION,
        genesis_time_ms=city.genesis_time_ms,
        node_key=people.node_key,
        admin=people.city_hall.key,
        genesis=city.genesis,
    )
    for agency in people.agencies[1:]:  # City Hall's key is the admin key, keys/admin.json
        write_private(data_dir / KEYS_DIR / f"{agency.key_name}.json", key_file(agency.key))
    # Every node key, City Hall's too: a genesis member votes in the consortium org with its node key's address.
    for name, key in (*identity.agency_keys(city).items(), *node_keys(seed).items()):
        write_private(data_dir / KEYS_DIR / f"{name}.json", key_file(key))
    record: dict[str, Any] = {"seed": seed, "seeded_height": city.seeded_height, "finished": False}
    record["seeded_txs"] = sum(len(b.txs) for b in city.blocks)
    _write_record(data_dir, record)
    asyncio.run(_commit_history(data_dir, city))
    identity.write_wallet(data_dir, city)
    _write_record(data_dir, {**record, "finished": True})
    return city, Seeded(city.seeded_height, record["seeded_txs"], time.perf_counter() - started)


async def _commit_history(data_dir: Path, city: DemoCity) -> None:
    clock = ScriptedClock(city.genesis_time_ms)
    # One thread checks txs (no worker processes to start); a batch is cut as soon as it is durable.
    node = Node(NodeConfig(data_dir, check_processes=0, max_block_ms=1, clock=clock))
    played = PlayedNodes.of_city(city, city.people.node_key)
    await node.start()
    try:
        for block in city.blocks:
            clock.time_ms = block.time_ms
            await _commit(node, block)
            played.sign(node, block.height)
    finally:
        await node.stop()


async def _commit(node: Node, block: SeededBlock) -> None:
    """Admit the block's txs as one batch, wait for their block, and check every outcome."""
    waiting = [node.hub.waiter(s.tx.hash) for s in block.txs]
    body = orjson.dumps([s.tx.to_json() for s in block.txs])
    admitted = await node.admission.admit_batch(body, len(block.txs))
    for seeded, result in zip(block.txs, admitted, strict=True):
        if isinstance(result, MetroblocError):
            raise _failed(block, f"{seeded.what}: refused at admission: {result.code}: {result.message}")
    receipts = await asyncio.wait_for(asyncio.gather(*waiting), COMMIT_TIMEOUT_S)
    for seeded, receipt in zip(block.txs, receipts, strict=True):
        outcome = receipt["error"]["code"] if receipt["error"] else receipt["status"]
        if receipt["height"] != block.height or outcome != seeded.expect:
            raise _failed(block, f"{seeded.what}: {outcome} at height {receipt['height']}, expected {seeded.expect}")


def _failed(block: SeededBlock, reason: str) -> Unavailable:
    return Unavailable(f"the Demo City could not be seeded, block {block.height}: {reason}", "demo.seeding_failed")


def _read_record(data_dir: Path) -> dict[str, Any] | None:
    path = data_dir / DEMO_FILE
    if not path.exists():
        return None
    record = json.loads(path.read_text())
    return record if isinstance(record, dict) and isinstance(record.get("seed"), int) else None


def _write_record(data_dir: Path, record: dict[str, Any]) -> None:
    path = data_dir / DEMO_FILE
    partial = path.with_suffix(".tmp")
    partial.write_text(json.dumps(record, indent=2) + "\n")
    partial.replace(path)
