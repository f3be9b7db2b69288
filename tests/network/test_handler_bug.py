"""A handler bug on a 3-node consortium: the tx fails with tx.internal_error on every node alike,
its writes are rolled back, and the chain goes on with identical headers everywhere.

Every node runs the toy module of ``tests/toy_modules`` (``metrobloc up --module toy``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import httpx
import pytest
from tests.network.cluster import make_network, running

TOY_PATH = Path(__file__).parents[1] / "toy_modules"
sys.path.insert(0, str(TOY_PATH))
import toy  # noqa: E402

from metrobloc.modules import MODULES  # noqa: E402
from metrobloc.sdk import namespaces  # noqa: E402

TOY = namespaces((*MODULES, toy.MODULE))["toy"]


def test_a_raising_handler_fails_its_tx_on_every_node_and_the_chain_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(TOY_PATH), os.environ.get("PYTHONPATH", "")]))
    net = make_network(tmp_path / "NET", {i: ("--module", "toy") for i in range(3)})
    with running(net) as c:
        for i, kind in enumerate(("key_error", "zero_division", "recursion")):
            with c.client(i) as client:  # each node admits one of the buggy txs
                txs = [client.build_tx([c.admin], [TOY.add("trees")]), client.build_tx([c.admin], [TOY.fail(kind)])]
                results = client.submit_batch(txs, wait=True)
                assert [r["receipt"]["status"] for r in results] == ["ok", "failed"], results
                assert results[1]["receipt"]["error"]["code"] == "tx.internal_error"
        height = c.converge()
        headers = [[httpx.get(f"{url}/v1/blocks/{h}").json()["header"] for h in range(1, height + 1)] for url in c.urls]
        assert headers[0] == headers[1] == headers[2]
        for url in c.urls:
            assert httpx.get(f"{url}/v1/toy/counters/trees").json()["value"] == 3
            assert httpx.get(f"{url}/v1/toy/counters/broken").json()["value"] == 0
            assert httpx.get(f"{url}/health").status_code == 200
