"""Running a module README's workflow as written: its ``sh`` blocks concatenated in order into one
bash script (``set -euo pipefail``), run in a scratch directory with ``METROBLOC_NODE`` and
``METROBLOC_DATA_DIR`` pointing at a node, as a user would after ``make run``."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import NodeProcess

MODULES = Path(__file__).resolve().parents[2] / "src" / "metrobloc" / "modules"


def workflow(module: str) -> str:
    """The module README's ``sh`` blocks as one script."""
    blocks = re.findall(r"```sh\n(.*?)```", (MODULES / module / "README.md").read_text(), flags=re.DOTALL)
    assert len(blocks) >= 8, "the README's workflow is missing"
    return "set -euo pipefail\n" + "\n".join(blocks)


def run_workflow(module: str, node: NodeProcess, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """Run the workflow against ``node``; it must exit 0 (its output is in the answer)."""
    script = tmp_path / "workflow.sh"
    script.write_text(workflow(module))
    work = tmp_path / "work"
    work.mkdir()
    env = {
        **os.environ,
        "METROBLOC_NODE": node.url,
        "METROBLOC_DATA_DIR": str(node.data_dir),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    proc = subprocess.run(["bash", str(script)], cwd=work, env=env, capture_output=True, text=True, timeout=400)
    assert proc.returncode == 0, f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc
