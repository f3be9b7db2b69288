"""A data dir written with v1 headers (the c883ced fixture), opened by the current node.

Its 32 old blocks keep their v1 headers and their tx proofs keep verifying; the first new block is
a v2 header with ``state_root``; the data dir records ``state_root_from`` = old tip + 1; state
proofs verify from then on. A consortium node (jetstream) does not pick the height by itself
(docs/spec/state-proofs.md §5).
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import tarfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from tests.conftest import NodeProcess, free_port, metrobloc_cmd
from tests.http_errors import check_error

from metrobloc.crypto import PrivateKey
from metrobloc.errors import Unavailable
from metrobloc.ledger import Genesis, verify_state_bundle
from metrobloc.ledger.blocks import HEADER_FIELDS, HEADER_V2_FIELDS
from metrobloc.modules.assets.keys import balance_key
from metrobloc.node.app import build_app
from metrobloc.node.chain import Chain
from metrobloc.node.datadir import NODE_KEY_FILE, key_file, write_private
from metrobloc.ordering.log import CUT
from metrobloc.sdk import assets
from metrobloc.state import Store

FIXTURE = Path(__file__).parents[1] / "fixtures" / "old_chain_c883ced.tar.gz"
OLD_TIP = 32
NODE_KEY = PrivateKey(bytes([0x70]) * 32)
"""make_old_chain.py's node key (the tarball carries no keys)."""
CAROL, BOB = PrivateKey(bytes([0x63]) * 32), PrivateKey(bytes([0x62]) * 32)
"""Two of its accounts; carol holds CITY."""
OLD_TX = ("ddad54cb9ca826f00ed8ca373ea0f686ca3d121b4f9699fe74b729e399fec402", 10)
"""The land sale at closing (test_old_chain_replay.py), in v1 block 10."""


def extract(dest: Path) -> Path:
    """The fixture as a data dir: with its node key, and the solo ordering log the old node had."""
    dest.mkdir(parents=True)
    with tarfile.open(FIXTURE) as tar:
        tar.extractall(dest, filter="data")
    write_private(dest / NODE_KEY_FILE, key_file(NODE_KEY))
    with sqlite3.connect(dest / "state.db") as db:
        position, time_ms = (
            int(db.execute("SELECT value FROM meta WHERE key = ?", (k,)).fetchone()[0])
            for k in ("orderer_position", "time_ms")
        )
    # The tarball has no orderer.db: end the log at the last cut the old blocks consumed, so that
    # new txs are cut after it (position and time from the store's tip).
    with sqlite3.connect(dest / "orderer.db") as log:
        log.execute("CREATE TABLE log (seq INTEGER PRIMARY KEY, kind INTEGER NOT NULL, data BLOB NOT NULL)")
        log.execute("INSERT INTO log VALUES (?, ?, ?)", (position, CUT, time_ms.to_bytes(8, "big")))
    return dest


def state_root_from(data_dir: Path) -> int | None:
    with sqlite3.connect(f"file:{data_dir / 'state.db'}?mode=ro", uri=True) as db:
        row = db.execute("SELECT value FROM meta WHERE key = 'state_root_from'").fetchone()
    return None if row is None else int(row[0])


class Upgraded:
    """The old data dir served by the current node, before and after its first new block."""

    def __init__(self, node: NodeProcess) -> None:
        self.node = node
        self.http = httpx.Client(base_url=node.url, timeout=30)
        self.genesis = Genesis.load(node.genesis_path().read_bytes())
        self.before = self.http.get("/v1/state/proof", params={"key": "assets/asset/CITY"})
        with node.client() as c:
            transfer = c.build_tx([CAROL], [assets.transfer("CITY", BOB.address, 1)])
            self.receipt = c.submit(transfer, wait=True)["receipt"]

    def verify_cli(self, bundle: dict[str, object], path: Path) -> subprocess.CompletedProcess[str]:
        path.write_text(json.dumps(bundle))
        cmd = metrobloc_cmd("verify", str(path), "--genesis", str(self.node.genesis_path()))
        return subprocess.run(cmd, capture_output=True, text=True, timeout=30)


@pytest.fixture(scope="module")
def upgraded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Upgraded]:
    data_dir = extract(tmp_path_factory.mktemp("upgrade") / "node")
    node = NodeProcess(data_dir, extra_args=("--check-processes", "0")).start()
    try:
        u = Upgraded(node)
        yield u
        u.http.close()
    finally:
        node.stop()


def test_no_state_proof_before_the_first_v2_block(upgraded: Upgraded) -> None:
    error = check_error(upgraded.before, 404, "state.no_state_root")
    assert f"block {OLD_TIP}" in error["message"] and f"block {OLD_TIP + 1}" in error["message"], error


def test_old_blocks_keep_v1_headers_and_their_proofs_verify(upgraded: Upgraded, tmp_path: Path) -> None:
    for height in range(1, OLD_TIP + 1):
        header = upgraded.http.get(f"/v1/blocks/{height}").json()["header"]
        assert set(header) == set(HEADER_FIELDS), height
    tx_hash, height = OLD_TX
    for at in (None, OLD_TIP + 1):  # under its own v1 header, and under the first v2 header
        bundle = upgraded.http.get(f"/v1/txs/{tx_hash}/proof", params={"at": at} if at else {}).json()
        assert bundle["header"]["height"] == (at or height)
        assert ("state_root" in bundle["header"]) == (at is not None)
        result = upgraded.verify_cli(bundle, tmp_path / "proof.json")
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith(f"valid: tx {tx_hash} ok at height {height}")


def test_the_first_new_block_is_v2_and_the_height_is_recorded(upgraded: Upgraded) -> None:
    assert upgraded.receipt["status"] == "ok" and upgraded.receipt["height"] == OLD_TIP + 1
    block = upgraded.http.get(f"/v1/blocks/{OLD_TIP + 1}").json()
    assert set(block["header"]) == set(HEADER_V2_FIELDS)
    assert block["header"]["prev_hash"] == upgraded.http.get(f"/v1/blocks/{OLD_TIP}").json()["block_hash"]
    assert state_root_from(upgraded.node.data_dir) == OLD_TIP + 1


def test_a_state_proof_verifies_after_the_upgrade(upgraded: Upgraded, tmp_path: Path) -> None:
    key = balance_key("CITY", BOB.address).decode()
    r = upgraded.http.get("/v1/state/proof", params={"key": key})
    assert r.status_code == 200, r.text
    bundle = r.json()
    verified = verify_state_bundle(bundle, upgraded.genesis)
    assert verified.header.height >= OLD_TIP + 1 and verified.values[key] == bundle["value"] is not None
    result = upgraded.verify_cli(bundle, tmp_path / "state.json")
    assert result.returncode == 0 and f"  {key} = {bundle['value']}" in result.stdout, result


def test_a_consortium_node_needs_the_agreed_height(tmp_path: Path) -> None:
    data_dir = extract(tmp_path / "member")
    store = Store(data_dir / "state.db")
    chain = Chain(build_app(), Genesis.load((data_dir / "genesis.json").read_bytes()), store, None, NODE_KEY,  # type: ignore[arg-type]
                  lambda *_: None)  # fmt: skip
    with pytest.raises(Unavailable) as refused:
        chain.choose_state_root_from(None, alone=False)
    assert refused.value.code == "node.state_root_from" and "--state-root-from" in refused.value.message
    with pytest.raises(Unavailable) as reached:
        chain.choose_state_root_from(OLD_TIP, alone=False)  # a height the data dir already has
    assert reached.value.code == "node.state_root_from"
    assert store.state_root_from == 0
    assert chain.choose_state_root_from(OLD_TIP + 5, alone=False) == OLD_TIP + 5
    assert chain.choose_state_root_from(None, alone=False) == OLD_TIP + 5  # recorded: no flag needed again
    with pytest.raises(Unavailable) as other:
        chain.choose_state_root_from(OLD_TIP + 6, alone=False)
    assert other.value.code == "node.state_root_from"
    assert state_root_from(data_dir) == OLD_TIP + 5


def test_metrobloc_up_on_nats_without_the_height_refuses_in_one_line(tmp_path: Path) -> None:
    data_dir = extract(tmp_path / "member")
    Store(data_dir / "state.db").close()  # builds the old data dir's indexes now: start-up logs nothing
    up = metrobloc_cmd("up", "--data-dir", str(data_dir), "--port", str(free_port()),
                       "--orderer", f"nats://127.0.0.1:{free_port()}", "--check-processes", "0")  # fmt: skip
    proc = subprocess.run(up, capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "--state-root-from" in lines[0], proc.stderr
    assert state_root_from(data_dir) is None
