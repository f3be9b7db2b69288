"""The land module's README workflow runs as written, against a fresh real node.

Its ``sh`` blocks are concatenated in order into one bash script (``set -euo pipefail``) and run in
a scratch directory with ``METROBLOC_NODE`` and ``METROBLOC_DATA_DIR`` pointing at the node, as a
user would after ``make run``. The resulting state is then read back through the SDK.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from tests.conftest import NodeProcess
from tests.e2e.readme_workflow import run_workflow

pytestmark = pytest.mark.slow  # a whole README workflow against a node: ~30-50 s each (make test-slow)


def test_the_readme_workflow_runs_as_written(node: NodeProcess, tmp_path: Path) -> None:
    proc = run_workflow("land", node, tmp_path)
    # The one refusal the README shows, and the proof it verifies offline.
    assert (
        [line for line in proc.stderr.splitlines() if line.startswith("error: ")]
        == [line for line in proc.stderr.splitlines() if line.startswith("error: land.lien_active: ")]
        != []
    )
    assert "refused, as it must be" in proc.stdout
    assert re.search(r"^valid: tx [0-9a-f]{64} ok at height \d+", proc.stdout, flags=re.MULTILINE)

    keys = node.keystore()
    buyer, seller, owner = (keys.load(n).address for n in ("buyer", "seller", "owner"))
    with node.client() as c:
        sold = c.land_parcel("KUNGSHOLMEN-1:23")
        assert sold["owners"] == [{"address": buyer, "share_bp": 10_000}] and sold["liens"] == []
        assert sold["revenue_rights"] == "RENT23"
        types = [e["type"] for e in c.land_history("KUNGSHOLMEN-1:23")["events"]]
        assert types == [
            "land/register_parcel",
            "land/create_lien",
            "land/release_lien",
            "land/transfer",
            "land/issue_revenue_rights",
            "land/distribute",
        ]
        assert (c.balance("SEK", buyer), c.balance("SEK", seller)) == (1_125_001, 375_000)
        split = c.land_parcel("ESSINGEN-4:1")
        assert split["status"] == "retired" and split["children"] == ["ESSINGEN-4:2", "ESSINGEN-4:3"]
        assert [c_["claim"] for c_ in split["claims"]] == ["parcel_registration"]
        assert [p["parcel"] for p in c.land_parcels(owner=owner)["parcels"]] == ["ESSINGEN-4:2", "ESSINGEN-4:3"]
