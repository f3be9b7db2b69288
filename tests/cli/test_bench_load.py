"""The load of `metrobloc bench transfers --asset policy` exercises the policy it claims to measure.

Runs the setup stages and the pre-signed transfers of ``cli/transfer_load.py`` on the in-memory
ledger (tests/modules/conftest.py): every transfer commits, the asset carries expiry, a merchant role
and a watch-list with an entry, and those rules are in force (so the benchmark pays for them).
"""

from __future__ import annotations

import orjson
import pytest
from tests.modules.conftest import CHAIN_ID, Ledger

from metrobloc.cli.transfer_load import (
    EXPIRY_GRANULE_MS,
    LOT_LIFETIME_MS,
    MERCHANT_ROLE,
    WATCHLIST,
    presign,
    setup_stages,
)
from metrobloc.crypto import PrivateKey
from metrobloc.execution import PreparedTx
from metrobloc.ledger import parse_tx
from metrobloc.modules.assets.keeper import AssetsKeeper
from metrobloc.sdk import assets

ACCOUNTS = 70
"""More than one setup tx of 64 messages."""
YEAR_MS = 365 * 86_400_000


def set_up(ledger: Ledger, kind: str) -> tuple[str, list[PrivateKey], list[list[list[dict[str, object]]]]]:
    keys = [PrivateKey(bytes([i + 10]) * 32) for i in range(ACCOUNTS)]
    stages = setup_stages(kind, "BENCH", keys, 5, listed_until_ms=ledger.next_time_ms + YEAR_MS)
    for stage in stages:
        result = ledger.block(*(ledger.tx([ledger.admin], msgs) for msgs in stage))
        assert [r.status for r in result.receipts] == ["ok"] * len(stage), result.receipts
    return "BENCH", keys, stages


def run_presigned(ledger: Ledger, asset: str, keys: list[PrivateKey], count: int) -> list[str]:
    bodies = presign(CHAIN_ID, asset, keys, count, ledger.height + 100)
    txs = []
    for body in bodies:
        tx = parse_tx(orjson.loads(body))
        tx.verify_signatures()
        txs.append(PreparedTx(tx, tuple(ledger.app.parse_msgs(tx.msgs))))
    return [r.status for r in ledger.block(*txs).receipts]


@pytest.mark.parametrize("kind", ["plain", "policy"])
def test_every_presigned_transfer_commits(kind: str) -> None:
    ledger = Ledger()
    asset, keys, _ = set_up(ledger, kind)
    assert all(ledger.balance(asset, k) == 5 for k in keys)
    assert run_presigned(ledger, asset, keys, 2 * ACCOUNTS) == ["ok"] * (2 * ACCOUNTS)
    assert sum(ledger.balance(asset, k) for k in keys) == 5 * ACCOUNTS
    stored = AssetsKeeper().policy(ledger.state, asset)
    assert (stored is None) == (kind == "plain")


def test_the_policy_asset_enforces_expiry_merchants_and_its_watch_list() -> None:
    ledger = Ledger()
    asset, keys, stages = set_up(ledger, "policy")
    stored = AssetsKeeper().policy(ledger.state, asset)
    assert stored is not None
    assert stored.policy.lot_lifetime_ms == LOT_LIFETIME_MS
    assert stored.policy.merchant_role == MERCHANT_ROLE and stored.policy.watchlists == (WATCHLIST,)
    assert all(MERCHANT_ROLE in ledger.roles(k) for k in keys)
    holding = AssetsKeeper().holding(ledger.state, asset, keys[0].address)
    assert holding is not None and all(expiry is not None for expiry, _ in holding.lots)
    [listing] = [m for tx in stages[0] for m in tx if m["type"] == "watchlist/list"]
    listed = str(listing["subject"])
    outsider = PrivateKey(b"\x09" * 32).address
    ledger.fails("assets.not_merchant", [keys[0]], [assets.transfer(asset, outsider, 1)])
    ledger.fails("assets.sanctioned", [keys[0]], [assets.transfer(asset, listed, 1)])
    ledger.ok([keys[0]], [assets.transfer(asset, keys[1].address, 1)])
    ledger.advance(LOT_LIFETIME_MS + EXPIRY_GRANULE_MS)  # expiries round up to a granule
    ledger.fails("assets.lot_expired", [keys[0]], [assets.transfer(asset, keys[1].address, 1)])
