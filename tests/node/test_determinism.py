"""Must-hold 6: replaying the committed blocks into a fresh state gives the header's app hash at every
height, in interpreters with different hash seeds (so no result depends on set or dict hashing).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from metrobloc.crypto import PrivateKey
from metrobloc.sdk import accounts, assets

REPLAY = Path(__file__).with_name("replay_chain.py")
SEEDS = ("1", "12345")


def commit_mixed_blocks(node: Any) -> dict[str, Any]:
    """~15 blocks of every kind of tx, some failing; returns the node's final status."""
    admin = node.admin()
    alice, bob, carol, alice2 = (PrivateKey(bytes([0x60 + i]) * 32) for i in range(4))
    a, b, c = alice.address, bob.address, carol.address
    with node.client() as client:

        def block(*txs: Any) -> list[str]:
            results = client.submit_batch(list(txs), wait=True)
            return [r["receipt"]["status"] for r in results]

        def tx(keys: list[PrivateKey], msgs: list[dict[str, Any]], **kw: Any) -> Any:
            return client.build_tx(keys, msgs, **kw)

        chain_id = client.chain_id
        plan = [
            [tx([admin], [assets.create("CITY", "City Coin", 2)]), tx([alice], [assets.create("NOPE", "No role")])],
            [
                tx(
                    [admin],
                    [
                        accounts.grant_role(b, "asset_issuer"),
                        assets.mint("CITY", a, 10_000),
                        assets.mint("CITY", b, 500),
                    ],
                )
            ],
            [tx([bob], [assets.create("VOTE", "Ballot", 0, 100, False)]), tx([admin], [assets.mint("VOTE", a, 1)])],
            [
                tx([bob], [assets.mint("VOTE", a, 60), assets.mint("VOTE", c, 30)]),
                tx([bob], [assets.mint("VOTE", a, 11)]),
            ],
            [tx([alice], [assets.transfer("CITY", b, 100 + i)]) for i in range(5)]
            + [tx([carol], [assets.transfer("CITY", a, 1)])],
            [tx([alice], [assets.transfer("VOTE", c, 1)]), tx([alice], [assets.transfer("VOTE", b, 2)])],
            [
                tx([alice], [assets.transfer("CITY", c, 5), assets.burn("CITY", 10**9)]),
                tx([bob], [assets.burn("CITY", 50)]),
            ],
            # The rotation and a tx by the old key admitted with it: the old key fails at execution.
            [tx([alice], [accounts.rotate_key(chain_id, a, alice2)]), tx([alice], [assets.transfer("CITY", b, 1)])],
            [tx([alice2], [assets.transfer("CITY", c, 7)], signers=[a])],
            [
                tx([admin], [accounts.revoke_role(admin.address, "admin")]),
                tx([admin], [accounts.revoke_role(b, "asset_issuer")]),
            ],
            [tx([bob], [assets.create("LATE", "Too late")]), tx([carol], [assets.burn("VOTE", 30)])],
            [tx([carol], [assets.transfer("CITY", a, 3), assets.transfer("CITY", b, 2)])],
        ]
        statuses = [block(*txs) for txs in plan]
        # A two-signer tx: carol sends, bob co-signs.
        statuses.append(block(tx([carol, bob], [assets.transfer("CITY", b, 1)])))
        for i in range(3):
            statuses.append(
                block(tx([bob], [assets.transfer("CITY", c, 2 + i)]), tx([carol], [assets.burn("CITY", 10**6)]))
            )
        flat = [s for group in statuses for s in group]
        assert flat.count("failed") >= 8 and flat.count("ok") >= 15, statuses
        status = client.status()
    assert status["height"] >= 14
    return dict(status)


def test_replay_gives_the_header_app_hash_at_every_height_under_any_hash_seed(node: Any) -> None:
    final = commit_mixed_blocks(node)
    node.stop()
    procs = [
        subprocess.Popen(
            [sys.executable, str(REPLAY), str(node.data_dir)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, "PYTHONHASHSEED": seed},
        )
        for seed in SEEDS
    ]
    reports = []
    for proc in procs:
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err.decode()[-3000:]
        reports.append(json.loads(out))
    one, other = reports
    assert [r["hash_seed"] for r in reports] == list(SEEDS)
    assert one["str_hash"] != other["str_hash"], "the two interpreters did not use different hash seeds"
    for report in reports:
        assert report["mismatches"] == []
        assert report["heights"] == list(range(1, final["height"] + 1))
        assert report["recomputed"] == report["headers"]
        assert report["recomputed"][-1] == final["app_hash"]
        assert report["failed_txs"] >= 8
    assert one["recomputed"] == other["recomputed"]
