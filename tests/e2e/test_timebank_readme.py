"""The time-bank module's README workflow runs as written, against a fresh real node
(tests/e2e/readme_workflow.py), and the state it leaves is read back over HTTP: minutes moved 1:1,
the one-signature service was refused, and the inter-bank service cleared between the banks."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from tests.conftest import NodeProcess
from tests.e2e.readme_workflow import run_workflow

pytestmark = pytest.mark.slow  # a whole README workflow against a node: ~30-50 s each (make test-slow)


def test_the_readme_workflow_runs_as_written(node: NodeProcess, tmp_path: Path) -> None:
    proc = run_workflow("timebank", node, tmp_path)
    errors = [line.split(":")[1].strip() for line in proc.stderr.splitlines() if line.startswith("error: ")]
    assert errors == ["timebank.needs_both_signatures"], proc.stderr
    assert proc.stdout.count("refused, as it must be") == 1
    assert "valid" in proc.stdout  # the proven balance verified offline

    ks = node.keystore()
    north, south, alice, bob, carol = (
        ks.load(n).address for n in ("north-bank", "south-bank", "tb-alice", "tb-bob", "tb-carol")
    )
    with httpx.Client(base_url=node.url, timeout=10) as http:
        assert http.get(f"/v1/timebank/members/{alice}").json()["total_minutes"] == 120 + 90 + 30
        assert http.get(f"/v1/timebank/members/{bob}").json()["banks"][0]["balance"] == 120 - 90
        assert http.get(f"/v1/timebank/members/{carol}").json()["banks"][0]["balance"] == 60 - 30
        assert http.get(f"/v1/timebank/banks/{north}/clearing").json()["positions"] == [{"bank": south, "minutes": 30}]
        book = http.get(f"/v1/timebank/banks/{south}").json()["book"]
        assert book == {"bank_balance": -60, "members_balance": 30, "clearing_net": -30}
        assert http.get("/v1/timebank/banks/mb1notanaddress").status_code == 400
