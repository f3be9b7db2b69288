"""The budgeting module's README workflow runs as written, against a fresh real node
(tests/e2e/readme_workflow.py): a process opened by the council's proposal, submissions, reviews,
public votes, finalize, and a milestone paid on the second of three inspectors' attestations; the
resulting balances are then read back over HTTP."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import httpx
import pytest
from tests.conftest import NodeProcess
from tests.e2e.readme_workflow import run_workflow

from metrobloc import sdk

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]  # a whole README workflow with real phases: ~60-130 s


def test_the_readme_workflow_runs_as_written(node: NodeProcess, tmp_path: Path) -> None:
    proc = run_workflow("budgeting", node, tmp_path)
    errors = re.findall(r"^error: ([a-z_]+\.[a-z_]+)", proc.stderr, flags=re.MULTILINE)
    assert errors == ["budgeting.not_resident", "budgeting.not_reviewer", "budgeting.spend_too_low"], proc.stderr
    assert proc.stdout.count("refused, as it must be") == 3
    exports = proc.stdout.split("process,budget,project")[1:]
    before, after = (
        [r for r in csv.reader(io.StringIO("process,budget,project" + e)) if len(r) == 16] for e in exports
    )
    votes = before[0].index("votes")
    assert [row[votes] for row in before[1:]] == ["", ""]  # no count before results
    assert {row[2]: row[votes] for row in after[1:]} == {"library": "3", "park": "3"}
    keys = node.keystore()
    builder = keys.load("builder").address
    with httpx.Client(base_url=node.url, timeout=10) as http:
        assert http.get(f"/v1/assets/CITY/balances/{builder}").json()["balance"] == "300"
        escrow = sdk.budgeting.escrow("riverside-2027")
        assert http.get(f"/v1/assets/CITY/balances/{escrow}").json()["balance"] == "600"
        treasury = sdk.orgs.treasury("riverside-council")
        assert http.get(f"/v1/assets/CITY/balances/{treasury}").json()["balance"] == "4100"
        process = http.get("/v1/budgeting/processes/riverside-2027").json()
        assert process["budgets"][0]["winners"] == ["library", "park"]
        assert process["budgets"][0]["turnout"] == 3
