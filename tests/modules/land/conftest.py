"""A land registry on the in-memory ledger (tests/modules/conftest.py): parties with their roles.

``registry.ok`` / ``registry.fails`` run one tx as its own block; ``registry.state`` is the whole
state as a dict, and ``registry.reader`` scans it the way the node's ``StateReader`` does, so the
module's queries run here unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from tests.modules.conftest import DictReader

from metrobloc import sdk
from metrobloc.crypto import PrivateKey
from metrobloc.ledger import Receipt
from metrobloc.modules.assets.keys import PREFIX as ASSETS_PREFIX

DEED = sdk.land.document_digest(b"deed: title of P-1, 1998")
SURVEY = sdk.land.document_digest(b"survey of P-1, 2024")
SALE = sdk.land.document_digest(b"deed of sale of P-1")
LOAN = sdk.land.document_digest(b"mortgage agreement 7731")
LOAN2 = sdk.land.document_digest(b"second mortgage agreement 9120")


@dataclass
class Registry:
    """The ledger plus a registrar, two banks, three oracles and three citizens (alice, bob, carol)."""

    ledger: Any
    registrar: PrivateKey
    bank: PrivateKey
    bank2: PrivateKey
    oracles: tuple[PrivateKey, PrivateKey, PrivateKey]
    dave: PrivateKey

    @property
    def alice(self) -> PrivateKey:
        return self.ledger.alice  # type: ignore[no-any-return]

    @property
    def bob(self) -> PrivateKey:
        return self.ledger.bob  # type: ignore[no-any-return]

    @property
    def carol(self) -> PrivateKey:
        return self.ledger.carol  # type: ignore[no-any-return]

    @property
    def admin(self) -> PrivateKey:
        return self.ledger.admin  # type: ignore[no-any-return]

    @property
    def state(self) -> dict[bytes, bytes]:
        return self.ledger.state  # type: ignore[no-any-return]

    @property
    def reader(self) -> DictReader:
        return DictReader(self.ledger.state)

    def ok(self, keys: Sequence[PrivateKey], msgs: list[dict[str, Any]], **kw: Any) -> Receipt:
        return self.ledger.ok(keys, msgs, **kw)  # type: ignore[no-any-return]

    def fails(self, code: str, keys: Sequence[PrivateKey], msgs: list[dict[str, Any]], **kw: Any) -> Receipt:
        return self.ledger.fails(code, keys, msgs, **kw)  # type: ignore[no-any-return]

    def balance(self, asset: str, who: PrivateKey | str) -> int:
        return self.ledger.balance(asset, who)  # type: ignore[no-any-return]

    def register(
        self,
        parcel: str = "P-1",
        owners: Sequence[tuple[PrivateKey, int]] | None = None,
        *,
        district: str = "north",
        area_m2: int = 1000,
    ) -> Receipt:
        shares = [(k.address, bp) for k, bp in (owners or [(self.alice, 10_000)])]
        return self.ok([self.registrar], [sdk.land.register_parcel(parcel, district, area_m2, shares, [DEED, SURVEY])])

    def check_supply_invariant(self) -> None:
        """supply = sum of balances for every asset, no zero or negative balance stored."""
        import orjson

        sums: dict[str, int] = {}
        for key, value in self.state.items():
            if key.startswith(ASSETS_PREFIX + b"bal/"):
                symbol = key[len(ASSETS_PREFIX + b"bal/") :].split(b"/")[0].decode()
                assert int(value) > 0
                sums[symbol] = sums.get(symbol, 0) + int(value)
        for key, value in self.state.items():
            if key.startswith(ASSETS_PREFIX + b"asset/"):
                record = orjson.loads(value)
                assert int(record["supply"]) == sums.get(record["asset"], 0), record


@pytest.fixture
def registry(ledger: Any) -> Registry:
    """Roles granted, and CITY (admin-issued) with 1,000,000 for each bank and 10,000 for carol."""
    return make_registry(ledger)


def make_registry(ledger: Any | None = None) -> Registry:
    """A registry on ``ledger`` (a fresh one if None: for property tests, one per example)."""
    if ledger is None:
        from tests.modules.conftest import Ledger

        ledger = Ledger()
    r = Registry(
        ledger,
        registrar=PrivateKey(b"\x11" * 32),
        bank=PrivateKey(b"\x12" * 32),
        bank2=PrivateKey(b"\x13" * 32),
        oracles=(PrivateKey(b"\x21" * 32), PrivateKey(b"\x22" * 32), PrivateKey(b"\x23" * 32)),
        dave=PrivateKey(b"\x14" * 32),
    )
    grants = [sdk.accounts.grant_role(r.registrar.address, "land_registrar")]
    grants += [sdk.accounts.grant_role(b.address, "lender") for b in (r.bank, r.bank2)]
    grants += [sdk.accounts.grant_role(o.address, "oracle") for o in r.oracles]
    ledger.ok([ledger.admin], grants)
    ledger.ok([ledger.admin], [sdk.assets.create("CITY", "City Coin", 2)])
    ledger.ok(
        [ledger.admin],
        [
            sdk.assets.mint("CITY", r.bank.address, 10**6),
            sdk.assets.mint("CITY", r.bank2.address, 10**6),
            sdk.assets.mint("CITY", r.carol.address, 10**4),
        ],
    )
    return r
