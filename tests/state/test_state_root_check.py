"""A store whose key-values no longer give its tip's ``state_root`` refuses to open, and the node
refuses to start on it with one readable line (docs/spec/state-proofs.md §6)."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from tests import smt_reference
from tests.conftest import NodeProcess, free_port, metrobloc_cmd

from metrobloc.crypto import PrivateKey
from metrobloc.errors import Unavailable
from metrobloc.modules.assets.keys import balance_key
from metrobloc.sdk import assets
from metrobloc.state import Store

ALICE = PrivateKey(b"\x81" * 32)


@dataclass(frozen=True)
class Stopped:
    """A stopped node's data dir after one block, and its tip's ``state_root``."""

    data_dir: Path
    state_root: str


@pytest.fixture(scope="module")
def stopped(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stopped]:
    node = NodeProcess(tmp_path_factory.mktemp("tampered") / "node").start()
    try:
        with node.client() as c:
            msgs = [assets.create("CITY", "City Coin"), assets.mint("CITY", ALICE.address, 500)]
            assert c.submit(c.build_tx([node.admin()], msgs), wait=True)["receipt"]["status"] == "ok"
            state_root = c.block("latest")["header"]["state_root"]
    finally:
        node.stop()
    yield Stopped(node.data_dir, state_root)


def kv(data_dir: Path) -> dict[bytes, bytes]:
    with sqlite3.connect(data_dir / "state.db") as db:
        return {bytes(k): bytes(v) for k, v in db.execute("SELECT key, value FROM kv")}


def test_an_untouched_store_opens(stopped: Stopped) -> None:
    assert smt_reference.root(kv(stopped.data_dir)).hex() == stopped.state_root
    store = Store(stopped.data_dir / "state.db")
    assert store.tip.state_root.hex() == stopped.state_root
    store.close()


def test_a_changed_kv_row_is_refused_naming_both_roots(stopped: Stopped, tmp_path: Path) -> None:
    data_dir = tampered_copy(stopped, tmp_path)
    changed_root = smt_reference.root(kv(data_dir)).hex()
    with pytest.raises(Unavailable) as refused:
        Store(data_dir / "state.db")
    error = refused.value
    assert error.code == "node.state_root_mismatch"
    assert "\n" not in error.message
    assert changed_root in error.message and stopped.state_root in error.message, error.message


def test_metrobloc_up_on_it_exits_with_one_line(stopped: Stopped, tmp_path: Path) -> None:
    data_dir = tampered_copy(stopped, tmp_path)
    up = metrobloc_cmd("up", "--data-dir", str(data_dir), "--port", str(free_port()), "--check-processes", "0")
    proc = subprocess.run(up, capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr and "metrobloc node" not in proc.stdout
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: ") and stopped.state_root in lines[0] and "state root" in lines[0], lines[0]


def tampered_copy(stopped: Stopped, tmp_path: Path) -> Path:
    """A copy of the data dir with alice's balance raised from 500 to 5000 in ``kv``."""
    data_dir = tmp_path / "copy"
    shutil.copytree(stopped.data_dir, data_dir)
    with sqlite3.connect(data_dir / "state.db") as db:
        changed = db.execute(
            "UPDATE kv SET value = ? WHERE key = ?", (b"5000", balance_key("CITY", ALICE.address))
        ).rowcount
    assert changed == 1
    return data_dir
