"""A chain with something in every part of a wallet, on a real node, for the wallet's API, CLI and page
tests: Alice holds a plain coin with decimals and a food voucher with two lots (one expired by the tip,
one expiring in about 30 days), belongs to a time bank where she gave a service, and is listed on two
watch-lists (one listing in force, one lapsed)."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from typing import Any

from tests.conftest import NodeProcess

from metrobloc import sdk
from metrobloc.crypto import PrivateKey

DAY_MS = 86_400_000
YEAR_MS = 365 * DAY_MS
SOON_MS = 6_000
"""How long after the setup starts the first voucher lot and the fraud listing lapse: long enough for the
first block to commit before it on a loaded 2-core machine (2.5 s once raced: ``assets.expiry_in_past``)."""
STARTER, FLOOR, SERVICE = 120, 60, 45
BANK_NAME = "Wallet Street Time Bank"


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class WalletChain:
    """What was put on the chain, for the tests to look for."""

    node: NodeProcess
    admin: PrivateKey
    alice: PrivateKey
    bob: PrivateKey
    bank: PrivateKey
    agency: PrivateKey
    soon_ms: int
    """When the first voucher lot expired and the fraud listing lapsed (before the tip's time)."""


def _run(node: NodeProcess, steps: list[tuple[list[PrivateKey], list[dict[str, Any]]]]) -> None:
    with node.client() as c:
        for keys, msgs in steps:
            receipt = c.submit(c.build_tx(keys, msgs), wait=True)["receipt"]
            assert receipt["status"] == "ok", receipt


def seed(node: NodeProcess) -> WalletChain:
    admin, alice, bob = node.admin(), PrivateKey(b"\xa1" * 32), PrivateKey(b"\xa2" * 32)
    registrar, bank, agency = PrivateKey(b"\xa3" * 32), PrivateKey(b"\xa4" * 32), PrivateKey(b"\xa5" * 32)
    now = int(time.time() * 1000)
    soon = now + SOON_MS
    a, tb, wl = sdk.assets, sdk.timebank, sdk.watchlist
    _run(
        node,
        [
            (
                [admin],
                [
                    sdk.accounts.grant_role(agency.address, "watchlist_authority"),
                    sdk.identity.accredit(registrar.address, ["TimeBankAccreditation"], now - 60_000, now + YEAR_MS),
                    a.create("CITY", "City Coin", 2),
                    a.mint("CITY", alice.address, 1_234_56),
                    a.create("FOOD", "Food voucher", 2, policy={"expires_at_ms": soon}),
                    a.mint("FOOD", alice.address, 5_00),
                    a.set_policy("FOOD", {"lot_lifetime_ms": 30 * DAY_MS}),
                    a.mint("FOOD", alice.address, 15_00),
                ],
            ),
            (
                [agency],
                [
                    wl.list("sanctions", alice.address, "sanctions", digest("order 7/2026"), now + YEAR_MS),
                    wl.list("fraud", alice.address, "fraud", digest("case 12"), soon),
                ],
            ),
            ([registrar, bank], [tb.register_bank(bank.address, BANK_NAME, STARTER, FLOOR)]),
            (
                [bank],
                [
                    tb.admit(bank.address, alice.address, digest("residency of alice")),
                    tb.admit(bank.address, bob.address, digest("residency of bob")),
                ],
            ),
            ([alice, bob], [tb.record_service(alice.address, bob.address, SERVICE, digest("tutoring"))]),
        ],
    )
    time.sleep(max(0.0, (soon - time.time() * 1000) / 1000) + 0.05)
    _run(node, [([admin], [a.mint("CITY", bob.address, 1)])])  # a block after `soon`: the tip's time passes it
    return WalletChain(node, admin, alice, bob, bank, agency, soon)
