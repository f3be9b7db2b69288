"""The consortium module's README workflow runs as written against a fresh Demo City node
(tests/e2e/readme_workflow.py): a sixth organization is voted in by two thirds of the members, a tx
after the change verifies offline from the genesis alone, and the organization is voted out again."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.conftest import NodeProcess
from tests.e2e.readme_workflow import run_workflow

pytestmark = pytest.mark.slow  # a whole README workflow against a node: ~30-50 s (make test-slow)


@pytest.fixture
def demo_city(tmp_path: Path) -> Iterator[NodeProcess]:
    node = NodeProcess(tmp_path / "city", extra_args=("--demo",)).start()
    yield node
    node.stop()


def test_the_readme_workflow_runs_as_written(demo_city: NodeProcess, tmp_path: Path) -> None:
    proc = run_workflow("consortium", demo_city, tmp_path)
    out = proc.stdout
    errors = [line.split(":")[1].strip() for line in proc.stderr.splitlines() if line.startswith("error: ")]
    assert errors == ["consortium.not_authority", "orgs.not_member", "orgs.too_early"], proc.stderr
    assert out.count("refused, as it must be") == 3
    sets = [json.loads(line) for line in out.splitlines() if line.startswith('{"count"')]
    assert [[m["org"] for m in s["members"]] for s in sets] == [
        ["org1", "org2", "org3", "org4", "red-cross"],
        ["org1", "org2", "org3", "org4", "red-cross", "water-board"],
        ["org1", "org2", "org3", "org4", "red-cross"],
    ]
    assert [s["count"] for s in sets] == [1, 2, 3]
    assert re.search(r'"type": ?"consortium/add"', out)
    assert re.search(r"^valid: ", out, re.MULTILINE)
    action = json.loads(next(line for line in out.splitlines() if line.startswith('{"type":"consortium/add_member"')))
    assert (action["org"], action["name"]) == ("water-board", "Metro Water Board")
