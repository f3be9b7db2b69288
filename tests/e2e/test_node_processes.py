"""A node's worker processes live and die with it: nothing is left behind after SIGTERM or SIGKILL."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
from tests.conftest import NodeProcess

from metrobloc.sdk import assets


def children(pid: int) -> set[int]:
    """PIDs whose parent is ``pid``."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.add(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        stat = (Path("/proc") / str(pid) / "stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "sigkill"])
def test_workers_end_with_the_node(node: NodeProcess, sig: signal.Signals) -> None:
    admin = node.admin()
    with node.client() as c:  # a refused transfer still goes through the checker's workers
        c.submit_batch([c.build_tx([admin], [assets.transfer("CITY", admin.address, 1)]) for _ in range(2)])
    assert node.proc is not None
    workers = children(node.proc.pid)
    assert workers, "the node runs its tx checks in worker processes"
    os.kill(node.proc.pid, sig)
    node.proc.wait(timeout=20)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(alive(p) for p in workers):
        time.sleep(0.1)
    assert not any(alive(p) for p in workers), "worker processes outlived the node"
    if sig == signal.SIGTERM:
        log = node.log()
        assert "Traceback" not in log and "leaked" not in log, log
