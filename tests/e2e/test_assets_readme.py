"""The assets module's README workflow (a relief voucher with a policy) runs as written against a fresh real node
(tests/e2e/readme_workflow.py); the resulting state is then read back over HTTP."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from tests.conftest import NodeProcess
from tests.e2e.readme_workflow import run_workflow

pytestmark = pytest.mark.slow  # a whole README workflow against a node: ~30-50 s each (make test-slow)


def test_the_readme_workflow_runs_as_written(node: NodeProcess, tmp_path: Path) -> None:
    proc = run_workflow("assets", node, tmp_path)
    errors = [line.split(":")[1].strip() for line in proc.stderr.splitlines() if line.startswith("error: ")]
    assert errors == ["assets.not_merchant", "assets.sanctioned", "assets.expiry_in_past"], proc.stderr
    assert proc.stdout.count("refused, as it must be") == 3
    answers = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith('{"asset":"FOODV","address"')]
    now, later = answers
    assert now["balance"] == "5000" and len(now["lots"]) == 1 and now["lots"][0]["expires_ms"] is not None
    assert later["balance"] == "3750" and later["spendable"] == "0" and later["lots_at"] == []
    keys = node.keystore()
    resident, grocer, fund = (keys.load(name).address for name in ("resident", "grocer", "fund"))
    with httpx.Client(base_url=node.url, timeout=10) as http:
        asset = http.get("/v1/assets/FOODV").json()
        balance = {
            a: int(http.get(f"/v1/assets/FOODV/balances/{a}").json()["balance"]) for a in (resident, grocer, fund)
        }
    assert balance == {resident: 3750, grocer: 0, fund: 25}
    assert asset["supply"] == "3775" and asset["sink"] == "0" and asset["policy"]["version"] == 1
