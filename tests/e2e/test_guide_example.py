"""The complete SDK example of docs/guide.md runs as written against a real node."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "guide.md"


def sdk_example() -> str:
    blocks = re.findall(r"```python\n(.*?)```", GUIDE.read_text(), flags=re.DOTALL)
    [example] = [b for b in blocks if "verify_proof(bundle" in b]
    return example


def test_the_guide_sdk_example_runs(node: Any, tmp_path: Path) -> None:
    script = tmp_path / "example.py"
    script.write_text(sdk_example())
    env = {**os.environ, "METROBLOC_NODE": node.url, "METROBLOC_DATA_DIR": str(node.data_dir)}
    for run in (1, 2):  # the second run finds the asset and the keys already there
        proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=120)
        assert proc.returncode == 0, f"run {run}:\n{proc.stdout}\n{proc.stderr}"
        lines = proc.stdout.splitlines()
        assert lines[0].startswith("ok at height"), lines
        assert "refused: 409 tx.duplicate" in lines
        assert lines[-1].startswith("valid: ") and "Dev Organization" in lines[-1]
