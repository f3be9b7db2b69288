"""Time banks on the in-memory ledger (tests/modules/conftest.py): a root authority accredits a
registrar for TimeBankAccreditation; two banks (north, south) and five residents.

``town.ok`` / ``town.fails`` run one tx as its own block; ``town.reader`` scans the state as the
node's ``StateReader`` does, so the module's queries run here unchanged.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from tests.modules.conftest import GENESIS_TIME_MS, Ledger
from tests.modules.land.conftest import DictReader

from metrobloc import sdk
from metrobloc.crypto import PrivateKey
from metrobloc.ledger import Receipt

YEAR_MS = 365 * 86_400_000


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class Town:
    ledger: Ledger
    registrar: PrivateKey
    north: PrivateKey
    south: PrivateKey
    residents: tuple[PrivateKey, ...]

    @property
    def reader(self) -> DictReader:
        return DictReader(self.ledger.state)

    def ok(self, keys: Sequence[PrivateKey], msgs: list[dict[str, Any]], **kw: Any) -> Receipt:
        return self.ledger.ok(keys, msgs, **kw)

    def fails(self, code: str, keys: Sequence[PrivateKey], msgs: list[dict[str, Any]], **kw: Any) -> Receipt:
        return self.ledger.fails(code, keys, msgs, **kw)

    def register(self, bank: PrivateKey, name: str, starter: int = 120, floor: int = 600) -> Receipt:
        return self.ok([self.registrar, bank], [sdk.timebank.register_bank(bank.address, name, starter, floor)])

    def admit(self, bank: PrivateKey, member: PrivateKey) -> Receipt:
        msg = sdk.timebank.admit(bank.address, member.address, digest(f"residency of {member.address}"))
        return self.ok([bank], [msg])

    def service(self, provider: PrivateKey, receiver: PrivateKey, minutes: int, **kw: Any) -> dict[str, Any]:
        return dict(sdk.timebank.record_service(provider.address, receiver.address, minutes, digest("svc"), **kw))


@pytest.fixture
def town(ledger: Ledger) -> Town:
    t = Town(
        ledger,
        registrar=PrivateKey(b"\x41" * 32),
        north=PrivateKey(b"\x42" * 32),
        south=PrivateKey(b"\x43" * 32),
        residents=tuple(PrivateKey(bytes([0x50 + i]) * 32) for i in range(5)),
    )
    window = {"valid_from_ms": GENESIS_TIME_MS, "valid_until_ms": GENESIS_TIME_MS + YEAR_MS}
    ledger.ok([ledger.admin], [sdk.identity.accredit(t.registrar.address, ["TimeBankAccreditation"], **window)])
    return t
