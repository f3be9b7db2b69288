"""The shape the style guide asks of the code: no function in src/ over 60 lines; modules see state
through the protocols of ``execution/state_access.py``, written once, not each through its own."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).parents[1] / "src" / "metrobloc"
MAX_FUNCTION_LINES = 60
STATE_PROTOCOLS = {"Reader", "Writer", "Scanner"}
"""``execution/state_access.py``'s protocols, the only names a keeper, query or page gives state."""
OWN_PROTOCOLS_LEFT = {"modules/accounts/keeper.py"}
"""Keepers still declaring their own (outside the review finding on issue 13 that moved assets and land)."""


def test_no_function_is_longer_than_60_lines() -> None:
    long = []
    for path in sorted(SRC.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                assert node.end_lineno is not None
                lines = node.end_lineno - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    long.append(f"{path.relative_to(SRC)}:{node.lineno} {node.name} ({lines} lines)")
    assert not long, "functions over 60 lines: " + ", ".join(long)


def test_modules_use_the_shared_state_protocols() -> None:
    own = []
    for path in sorted((SRC / "modules").rglob("*.py")):
        if path.relative_to(SRC).as_posix() in OWN_PROTOCOLS_LEFT:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef) and node.name in STATE_PROTOCOLS:
                own.append(f"{path.relative_to(SRC)}:{node.lineno} {node.name}")
    assert not own, "state protocols declared again (import them from execution.state_access): " + ", ".join(own)
