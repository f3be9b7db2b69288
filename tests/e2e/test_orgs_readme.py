"""The orgs module's README workflow runs as written, against a fresh real node
(tests/e2e/readme_workflow.py); the resulting state is then read back over HTTP."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from tests.conftest import NodeProcess
from tests.e2e.readme_workflow import run_workflow

from metrobloc import sdk

pytestmark = pytest.mark.slow  # a whole README workflow against a node: ~30-50 s each (make test-slow)


def test_the_readme_workflow_runs_as_written(node: NodeProcess, tmp_path: Path) -> None:
    proc = run_workflow("orgs", node, tmp_path)
    out = proc.stdout
    errors = [line.split(":")[1].strip() for line in proc.stderr.splitlines() if line.startswith("error: ")]
    assert errors == [
        "orgs.not_member",
        "orgs.too_early",
        "orgs.over_budget",
        "orgs.not_treasurer",
        "orgs.not_authority",
    ], proc.stderr
    assert out.count("refused, as it must be") == 5
    assert re.search(r'"status": ?"executed"', out) and re.search(r'"phase": ?"executed"', out)
    assert re.search(r"^valid: ", out, re.MULTILINE)
    keys = node.keystore()
    fixer, carol = keys.load("fixer").address, keys.load("carol").address
    with httpx.Client(base_url=node.url, timeout=10) as http:
        assert http.get(f"/v1/assets/RIVR/balances/{fixer}").json()["balance"] == "1450"
        treasury = sdk.orgs.treasury("riverside")
        assert http.get(f"/v1/assets/RIVR/balances/{treasury}").json()["balance"] == "3550"
        org = http.get("/v1/orgs/riverside").json()
        assert org["roles"] == {"treasurer": [carol]}
        assert org["budgets"][0]["spent"] == "250"
