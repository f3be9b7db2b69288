"""Asset policies on the in-memory ledger (tests/modules/conftest.py): the admin issues vouchers, alice,
bob and carol hold them, ``programme`` receives redemption fees, ``fiu`` keeps watch-lists.

``City`` reads what a user relies on straight from the state (balances, stored lots, sink, supply)
and wraps the dict state in the node-like reader the module's queries expect.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
import pytest
from tests.modules.conftest import GENESIS_TIME_MS, Ledger, OnLedger

# The time-bank fixture (a registrar, two banks, five residents) for the reward tests.
from tests.modules.timebank.conftest import town  # noqa: F401

from metrobloc import sdk
from metrobloc.crypto import PrivateKey
from metrobloc.ledger import Receipt
from metrobloc.modules.assets.keeper import AssetsKeeper
from metrobloc.modules.assets.keys import balance_prefix, lots_key
from metrobloc.modules.assets.lots import Lot

HOUR_MS = 3_600_000
DAY_MS = 86_400_000
VOU = "VOU"
"""The policy asset most tests issue."""
CITY = "CITY"
"""A plain asset (no policy) beside it."""
BASIS = "ab" * 32
"""The digest of a watch-listing's legal basis, kept off the ledger."""

PROGRAMME = PrivateKey(b"\x05" * 32)
FIU = PrivateKey(b"\x06" * 32)
READ = AssetsKeeper()
"""An unbound keeper: reads need no role or watch-list checks."""


@dataclass
class City(OnLedger):
    """The ledger and the accounts around a voucher programme."""

    def create(self, policy: dict[str, Any] | None, asset: str = VOU, **kw: Any) -> Receipt:
        return self.ok([self.admin], [sdk.assets.create(asset, f"{asset} voucher", policy=policy, **kw)])

    def mint(self, to: PrivateKey | str, amount: int, asset: str = VOU) -> Receipt:
        return self.ok([self.admin], [sdk.assets.mint(asset, address(to), amount)])

    def balance(self, who: PrivateKey | str, asset: str = VOU) -> int:
        return self.ledger.balance(asset, who)

    def supply(self, asset: str = VOU) -> int:
        record = self.ledger.asset(asset)
        assert record is not None
        return record.supply

    def sink(self, asset: str = VOU) -> int:
        return READ.sink(self.ledger.state, asset)

    def lots(self, who: PrivateKey | str, asset: str = VOU) -> tuple[Lot, ...]:
        """The account's lots as stored (what it held when last settled)."""
        holding = READ.holding(self.ledger.state, asset, address(who))
        assert holding is not None, f"{asset} has no lots"
        return holding.lots

    def balances_total(self, asset: str = VOU) -> int:
        """Every stored balance of the asset, whoever holds it."""
        prefix = balance_prefix(asset)
        return sum(int(v) for k, v in self.ledger.state.items() if k.startswith(prefix))

    def conserved(self, asset: str = VOU) -> bool:
        return self.supply(asset) == self.balances_total(asset) + self.sink(asset)

    def align(self, period_ms: int) -> None:
        """Make the next block the first of a period of ``period_ms`` (periods start at its multiples)."""
        self.ledger.advance(-self.ledger.next_time_ms % period_ms)

    def watchlist(self, subject: PrivateKey, *, listed: bool) -> Receipt:
        if listed:
            expires = GENESIS_TIME_MS + 365 * DAY_MS
            return self.ok([FIU], [sdk.watchlist.list("sanctions", subject.address, "sanctions", BASIS, expires)])
        return self.ok([FIU], [sdk.watchlist.delist("sanctions", subject.address, "basis_lifted")])


def address(who: PrivateKey | str) -> str:
    return who if isinstance(who, str) else who.address


def stored_lots(state: dict[bytes, bytes], asset: str, who: str) -> dict[str, Any] | None:
    """The raw lots record ``{epoch, at_ms, lots}`` of an account, or None."""
    raw = state.get(lots_key(asset, who))
    return None if raw is None else dict(orjson.loads(raw))


def events(receipt: Receipt, kind: str) -> list[dict[str, str]]:
    return [dict(e.attributes) for e in receipt.events if e.type == kind]


@pytest.fixture
def city(ledger: Ledger) -> City:
    """The admin issues CITY (no policy); fiu holds the role watchlist_authority."""
    c = City(ledger)
    ledger.ok([ledger.admin], [sdk.accounts.grant_role(FIU.address, "watchlist_authority")])
    c.create(None, CITY)
    return c
