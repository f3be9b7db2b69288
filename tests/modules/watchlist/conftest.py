"""Watch-lists on the in-memory ledger (tests/modules/conftest.py): an authority (role
watchlist_authority), a second one, and the citizens; block h has time GENESIS_TIME_MS + h s."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from tests.modules.conftest import GENESIS_TIME_MS, Ledger
from tests.modules.land.conftest import DictReader

from metrobloc import sdk
from metrobloc.crypto import PrivateKey
from metrobloc.ledger import Receipt
from metrobloc.modules.watchlist import KEEPER, queries

DAY_MS = 86_400_000
BASIS = "ab" * 32
"""The digest of a legal basis kept off the ledger."""


def block_time(height: int) -> int:
    return GENESIS_TIME_MS + height * 1000


@dataclass
class Desk:
    """The ledger, two watch-list authorities (an FIU and a bank), and alice, bob, carol without the role."""

    ledger: Ledger
    fiu: PrivateKey
    bank: PrivateKey

    @property
    def reader(self) -> DictReader:
        return DictReader(self.ledger.state)

    def list(self, by: PrivateKey, subject: str, *, list_id: str = "sanctions", **kw: Any) -> Receipt:
        kw.setdefault("reason_code", "sanctions")
        kw.setdefault("legal_basis_digest", BASIS)
        kw.setdefault("expires_ms", GENESIS_TIME_MS + 365 * DAY_MS)
        msg = sdk.watchlist.list(list_id, subject, kw["reason_code"], kw["legal_basis_digest"], kw["expires_ms"])
        return self.ledger.run([by], [msg])

    def delist(self, by: PrivateKey, subject: str, reason: str = "basis_lifted", list_id: str = "sanctions") -> Receipt:
        return self.ledger.run([by], [sdk.watchlist.delist(list_id, subject, reason)])

    def listed(self, subject: str, at_ms: int, list_id: str = "sanctions") -> bool:
        return KEEPER.is_listed(self.ledger.state, list_id, subject, at_ms)

    def query(self, subject: str, list_id: str = "sanctions", **kw: Any) -> dict[str, Any]:
        return queries.subject(self.reader, list_id, subject, **kw)

    def history(self, subject: str, list_id: str = "sanctions", **kw: Any) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = queries.history(self.reader, list_id, subject, **kw)["events"]
        return events


@pytest.fixture
def desk(ledger: Ledger) -> Desk:
    d = Desk(ledger, fiu=PrivateKey(b"\x41" * 32), bank=PrivateKey(b"\x42" * 32))
    ledger.ok(
        [ledger.admin],
        [
            sdk.accounts.grant_role(d.fiu.address, "watchlist_authority"),
            sdk.accounts.grant_role(d.bank.address, "watchlist_authority"),
        ],
    )
    return d
