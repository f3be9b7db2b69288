"""A data dir written by the code at commit c883ced: the current code must reproduce it and serve it.

``tests/fixtures/old_chain_c883ced.tar.gz`` holds the genesis.json and state.db of a real node that
ran the code at c883ced (``tests/fixtures/make_old_chain.py``, kept for reference, not run here):
32 blocks that use every message of every module, 56 of the 110 txs failing at execution, 29 of
them with several signers. Re-executing every block with the current code must give the header's
app hash at every height and the stored receipts byte for byte (``replay_chain.py``), so a change
to the module contract, the executor or a handler that alters the wire format or the state
transition fails here. The current node must also open the data dir and serve proofs from it that
``metrobloc verify`` accepts against the chain's genesis.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

import httpx
from tests.conftest import NodeProcess, metrobloc_cmd

from metrobloc.crypto import PrivateKey
from metrobloc.node.datadir import NODE_KEY_FILE, key_file, write_private

FIXTURE = Path(__file__).parents[1] / "fixtures" / "old_chain_c883ced.tar.gz"
REPLAY = Path(__file__).with_name("replay_chain.py")
MEMBERS = {"genesis.json", "state.db"}

# Figures recorded when make_old_chain.py wrote the fixture with the code at c883ced.
CHAIN_ID = "metrobloc-old-c883ced"
HEIGHTS = 32
TXS = 110
FAILED_TXS = 56
FINAL_APP_HASH = "3618436c87329959d26c4a9c4f80d94e01de8d6bf8b495b97b9c1bab3ee72558"
FINAL_BLOCK_HASH = "48f14a0bd01f0b3dd67e2558b93a03f8a872006b537cc487245fc7f6f90f1f30"
PROVEN_TXS = {
    # The sale at closing: a lien released and the title moved, signed by seller, buyer, registrar, bank.
    "ddad54cb9ca826f00ed8ca373ea0f686ca3d121b4f9699fe74b729e399fec402": ("ok", 10),
    # The same sale refused earlier because of the active liens (land.lien_active).
    "4d40bf4ff1b0a7f77c5c665d004e22f911e0efb1448ac6654e702af548671ce7": ("failed", 8),
}
NODE_KEY = PrivateKey(bytes([0x70]) * 32)
"""The node key genesis lists (make_old_chain.py's ``key(0x70)``); the tarball carries no keys."""


def extract(dest: Path) -> Path:
    dest.mkdir(parents=True)
    with tarfile.open(FIXTURE) as tar:
        assert set(tar.getnames()) == MEMBERS
        tar.extractall(dest, filter="data")
    assert not (dest / "state.db-wal").exists()
    return dest


def test_fixture_is_small_and_holds_only_genesis_and_state() -> None:
    assert FIXTURE.stat().st_size < 1_000_000
    with tarfile.open(FIXTURE) as tar:
        assert sorted(tar.getnames()) == sorted(MEMBERS)


def test_current_code_replays_the_old_chain_to_the_same_app_hash_and_receipts(tmp_path: Path) -> None:
    data_dir = extract(tmp_path / "replay")
    proc = subprocess.run(
        [sys.executable, str(REPLAY), str(data_dir)],
        capture_output=True,
        timeout=120,
        env={**os.environ, "PYTHONHASHSEED": "0"},
    )
    assert proc.returncode == 0, proc.stderr.decode()[-3000:]
    report: dict[str, Any] = json.loads(proc.stdout)
    # Receipts byte for byte, tx roots and counts, the hash chain from genesis.
    assert report["mismatches"] == []
    assert report["heights"] == list(range(1, HEIGHTS + 1))
    assert len(report["recomputed"]) == len(report["headers"]) == HEIGHTS
    for height, (recomputed, header) in enumerate(zip(report["recomputed"], report["headers"], strict=True), 1):
        assert recomputed == header, f"app hash differs at height {height}"
    assert report["recomputed"][-1] == FINAL_APP_HASH
    assert (report["txs"], report["failed_txs"]) == (TXS, FAILED_TXS)


def test_current_node_serves_the_old_data_dir_and_its_proofs_verify(
    tmp_path: Path, node_factory: type[NodeProcess]
) -> None:
    data_dir = extract(tmp_path / "node")
    write_private(data_dir / NODE_KEY_FILE, key_file(NODE_KEY))
    node = node_factory(data_dir, extra_args=("--check-processes", "0")).start()

    status = httpx.get(f"{node.url}/v1/status", timeout=10).json()
    assert status["chain_id"] == CHAIN_ID
    assert status["height"] == HEIGHTS
    assert (status["app_hash"], status["block_hash"]) == (FINAL_APP_HASH, FINAL_BLOCK_HASH)
    assert status["log_size"] == TXS
    assert status["healthy"] is True

    for tx_hash, (outcome, height) in PROVEN_TXS.items():
        r = httpx.get(f"{node.url}/v1/txs/{tx_hash}/proof", timeout=10)
        assert r.status_code == 200, r.text
        bundle = r.json()
        assert (bundle["receipt"]["status"], bundle["receipt"]["height"]) == (outcome, height)
        path = tmp_path / f"proof-{tx_hash[:8]}.json"
        path.write_text(json.dumps(bundle))
        verified = subprocess.run(
            metrobloc_cmd("verify", str(path), "--genesis", str(data_dir / "genesis.json")),
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert verified.returncode == 0, verified.stderr
        assert verified.stdout.startswith(f"valid: tx {tx_hash} {outcome} at height {height}"), verified.stdout
