"""``metrobloc query state KEY`` and ``metrobloc query ... --prove`` write answers that ``metrobloc verify``
checks offline against the genesis; a tampered file is refused with one line naming the failed check."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import NodeProcess, metrobloc_cmd

from metrobloc.crypto import PrivateKey
from metrobloc.modules.assets.keys import balance_key
from metrobloc.sdk import assets

ALICE, CAROL = PrivateKey(b"\x71" * 32), PrivateKey(b"\x72" * 32)


def mb(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(metrobloc_cmd(*map(str, args)), capture_output=True, text=True, timeout=60)


@pytest.fixture(scope="module")
def node(shared_node: NodeProcess) -> NodeProcess:
    with shared_node.client() as c:
        msgs = [assets.create("CITY", "City Coin"), assets.mint("CITY", ALICE.address, 640)]
        assert c.submit(c.build_tx([shared_node.admin()], msgs), wait=True)["receipt"]["status"] == "ok"
    return shared_node


def saved(node: NodeProcess, path: Path, *query: str) -> dict[str, Any]:
    """Run ``metrobloc query ...`` and save its output as a user would (``> path``)."""
    proc = mb("query", *query, "--node", node.url)
    assert proc.returncode == 0, proc.stderr
    path.write_text(proc.stdout)
    return dict(json.loads(proc.stdout))


def verify(node: NodeProcess, path: Path) -> subprocess.CompletedProcess[str]:
    return mb("verify", path, "--genesis", node.genesis_path())


def test_query_state_output_verifies_with_its_value(node: NodeProcess, tmp_path: Path) -> None:
    key = balance_key("CITY", ALICE.address).decode()
    bundle = saved(node, tmp_path / "state.json", "state", key)
    assert (bundle["key"], bundle["value"]) == (key, "640")
    result = verify(node, tmp_path / "state.json")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"valid: 1 state read(s) at height {bundle['header']['height']}, attested by ")
    assert lines[1:] == [f"  {key} = 640"]


def test_an_absent_key_verifies_as_absent(node: NodeProcess, tmp_path: Path) -> None:
    key = balance_key("CITY", CAROL.address).decode()
    assert saved(node, tmp_path / "absent.json", "state", key)["value"] is None
    result = verify(node, tmp_path / "absent.json")
    assert result.returncode == 0 and result.stdout.splitlines()[1:] == [f"  {key} = (absent)"], result


def test_a_proven_query_answer_verifies_with_every_read(node: NodeProcess, tmp_path: Path) -> None:
    answer = saved(node, tmp_path / "balance.json", "assets", "balance", "CITY", ALICE.address, "--prove")
    assert answer["balance"] == "640" and "proofs" in answer
    result = verify(node, tmp_path / "balance.json")
    assert result.returncode == 0, result.stderr
    # The asset record, the balance, and the absence of a policy (without one the stored balance is all).
    assert result.stdout.startswith("valid: 3 state read(s)"), result.stdout
    assert f"  {balance_key('CITY', ALICE.address).decode()} = 640" in result.stdout.splitlines()
    assert "  assets/asset/CITY = {" in result.stdout
    plain = saved(node, tmp_path / "plain.json", "assets", "balance", "CITY", ALICE.address)
    assert "proofs" not in plain


@pytest.mark.parametrize("what", ["state", "answer"])
def test_a_tampered_file_exits_1_with_one_line(node: NodeProcess, tmp_path: Path, what: str) -> None:
    key = balance_key("CITY", ALICE.address).decode()
    if what == "state":
        doc = saved(node, tmp_path / "in.json", "state", key)
        doc["value"] = "641"
    else:
        doc = saved(node, tmp_path / "in.json", "assets", "balance", "CITY", ALICE.address, "--prove")
        next(r for r in doc["proofs"]["reads"] if r["key"] == key)["value"] = "641"
    (tmp_path / "tampered.json").write_text(json.dumps(doc))
    result = verify(node, tmp_path / "tampered.json")
    assert result.returncode == 1 and "valid" not in result.stdout, result
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: verify.state_value_mismatch: "), result.stderr
