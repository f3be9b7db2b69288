"""The identity module's README workflow runs as written, against a fresh real node.

Run as every module README is (tests/e2e/readme_workflow.py): its ``sh`` blocks concatenated in order into one
bash script (``set -euo pipefail``) and run in a scratch directory with ``METROBLOC_NODE`` and
``METROBLOC_DATA_DIR`` pointing at the node. The resulting state is then read back over HTTP.
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from tests.conftest import NodeProcess
from tests.e2e.readme_workflow import run_workflow

pytestmark = pytest.mark.slow  # a whole README workflow against a node: ~30-50 s each (make test-slow)


def test_the_readme_workflow_runs_as_written(node: NodeProcess, tmp_path: Path) -> None:
    proc = run_workflow("identity", node, tmp_path)
    out = proc.stdout
    # The two refusals the README shows.
    errors = [line.split(":")[1].strip() for line in proc.stderr.splitlines() if line.startswith("error: ")]
    assert errors == ["identity.not_current_key", "identity.did_exists"], proc.stderr
    assert out.count("refused, as it must be") == 2
    assert re.search(r'"accredited": ?true', out) and re.search(r'"accredited": ?false', out)
    now, before = (re.search(rf"^{name}:\s+\['did:mb:\S+#key-(\d)'\]", out, re.MULTILINE) for name in ("now", "before"))
    assert now is not None and before is not None, out[-2500:]
    assert (now[1], before[1]) == ("2", "1")
    assert "marked: ok" in out
    assert re.search(r"^\['\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ', None\]$", out, re.MULTILINE)  # key-1 revoked
    assert re.search(r"^410$", out, re.MULTILINE)
    assert re.search(r"^valid: ", out, re.MULTILINE)  # the proven resolution

    university = node.keystore().load("university").address
    with httpx.Client(base_url=node.url, timeout=10) as http:
        result = http.get(f"/1.0/identifiers/did:mb:{university}").json()
        assert [s["id"] for s in result["didDocument"]["service"]] == [f"did:mb:{university}#website"]
        assert len(result["didDocument"]["verificationMethod"]) == 2
        assert http.get("/v1/identity/schemas/diploma-v1").json()["registered_by"] == university
