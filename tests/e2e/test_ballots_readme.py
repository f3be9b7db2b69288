"""The ballots module's README workflow runs as written, against a fresh real node
(tests/e2e/readme_workflow.py): key generation by three guardians through the CLI, four residents
voting (one twice), close, two of three decryption shares, the result checked on chain, and
``metrobloc ballots verify``; the resulting state is then read back over HTTP."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from tests.conftest import NodeProcess
from tests.e2e.readme_workflow import run_workflow

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]  # a whole README workflow with its windows: ~150-190 s


def test_the_readme_workflow_runs_as_written(node: NodeProcess, tmp_path: Path) -> None:
    proc = run_workflow("ballots", node, tmp_path)
    out = proc.stdout
    errors = [line.split(":")[1].strip() for line in proc.stderr.splitlines() if line.startswith("error: ")]
    assert errors == ["ballots.not_in_census", "ballots.wrong_result"], proc.stderr
    assert out.count("refused, as it must be") == 2
    assert "decided [[['park', 3], ['library', 2], ['bikes', 1], ['lights', 1]]]" in out
    assert "4 voters" in out
    assert "valid: district-4 (decided, 4 voters)" in out
    with httpx.Client(base_url=node.url, timeout=10) as http:
        record = http.get("/v1/ballots/district-4").json()
    assert record["counts"] == [[3, 2, 1, 1]]
    assert record["casts"] == 5 and record["voters"] == 4
    assert [g["decryption_share"] is not None for g in record["guardian_records"]] == [True, False, True]
