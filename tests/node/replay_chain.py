"""Replay a stopped node's committed blocks into a fresh in-memory state and report every app hash.

    python tests/node/replay_chain.py DATA_DIR

Reads genesis.json and, from state.db, each block's header and its txs in order; re-executes them
through the executor from an empty state and prints one JSON object: the recomputed app hash per
height next to the header's, plus any receipt, tx root or hash-chain mismatch. Run by
test_determinism.py under different PYTHONHASHSEED values.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from metrobloc.codec import canonical_json, parse_json
from metrobloc.execution import Executor, PreparedTx
from metrobloc.ledger import Genesis, Header, parse_tx, tx_root
from metrobloc.node.app import build_app
from metrobloc.state import Store, app_hash_link
from metrobloc.state.apphash import ZERO_HASH


def replay(data_dir: Path) -> dict[str, Any]:
    genesis = Genesis.load((data_dir / "genesis.json").read_bytes())
    store = Store(data_dir / "state.db")
    app = build_app()
    executor = Executor(app, genesis.chain_id, genesis)  # as the node runs it; no module writes from it at genesis
    state: dict[bytes, bytes] = {}
    writes = executor.init_genesis(state.get, genesis.app_state, genesis.genesis_time_ms)
    apply(state, writes)
    app_hash = app_hash_link(ZERO_HASH, writes)
    prev_hash = genesis.hash
    report: dict[str, Any] = {
        "hash_seed": os.environ.get("PYTHONHASHSEED"),
        "str_hash": hash("metrobloc determinism"),
        "heights": [],
        "recomputed": [],
        "headers": [],
        "mismatches": [],
        "txs": 0,
        "failed_txs": 0,
    }
    for height in range(1, store.tip.height + 1):
        found = store.block(height)
        if found is None:
            report["mismatches"].append(f"block {height} is missing")
            break
        block_hash, header_bytes, _, _ = found
        header = Header.from_json(parse_json(header_bytes))
        entries = list(store.block_entries(height))
        prepared = []
        for raw_tx, _ in entries:
            tx = parse_tx(parse_json(raw_tx))
            tx.verify_signatures()
            prepared.append(PreparedTx(tx, tuple(app.parse_msgs(tx.msgs))))
        result = executor.execute_block(state.get, prepared, height, header.time_ms)
        apply(state, result.writes)
        app_hash = app_hash_link(app_hash, result.writes)

        for (_, stored), receipt in zip(entries, result.receipts, strict=True):
            if canonical_json(receipt.to_json()) != stored:
                report["mismatches"].append(f"height {height}: receipt of {receipt.tx_hash} differs")
            report["failed_txs"] += receipt.status == "failed"
        if header.tx_root != tx_root([p.tx.hash for p in prepared]) or header.tx_count != len(prepared):
            report["mismatches"].append(f"height {height}: tx root or count differs")
        if header.prev_hash != prev_hash or header.block_hash != block_hash:
            report["mismatches"].append(f"height {height}: hash chain broken")
        prev_hash = block_hash
        report["txs"] += len(prepared)
        report["heights"].append(height)
        report["recomputed"].append(app_hash.hex())
        report["headers"].append(header.app_hash)
    store.close()
    return report


def apply(state: dict[bytes, bytes], writes: Any) -> None:
    for key, value in writes.items():
        if value is None:
            state.pop(key, None)
        else:
            state[key] = value


if __name__ == "__main__":
    json.dump(replay(Path(sys.argv[1])), sys.stdout)
