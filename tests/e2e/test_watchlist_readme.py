"""The watch-list module's README workflow runs as written, against a fresh real node
(tests/e2e/readme_workflow.py); the resulting state is then read back over HTTP."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from tests.conftest import NodeProcess
from tests.e2e.readme_workflow import run_workflow

pytestmark = pytest.mark.slow  # a whole README workflow against a node: ~30-50 s each (make test-slow)


def test_the_readme_workflow_runs_as_written(node: NodeProcess, tmp_path: Path) -> None:
    proc = run_workflow("watchlist", node, tmp_path)
    out = proc.stdout
    errors = [line.split(":")[1].strip() for line in proc.stderr.splitlines() if line.startswith("error: ")]
    assert errors == ["watchlist.missing_role", "watchlist.expiry_in_past", "watchlist.not_listed"], proc.stderr
    assert out.count("refused, as it must be") == 3
    assert re.search(r'"in_force": ?true', out)
    assert re.search(r'"action": ?"delist"', out) and re.search(r'"reason_code": ?"appeal_granted"', out)
    assert re.search(r"^valid: ", out, re.MULTILINE)
    customer = (tmp_path / "work" / "customer.txt").read_text().strip()
    shop = node.keystore().load("shop").address
    with httpx.Client(base_url=node.url, timeout=10) as http:
        assert http.get(f"/v1/watchlist/fraud/subjects/{customer}").json()["listed"] is True
        assert http.get(f"/v1/watchlist/sanctions/subjects/{shop}").json()["listed"] is False
