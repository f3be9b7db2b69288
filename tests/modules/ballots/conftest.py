"""Elections on the in-memory ledger (tests/modules/conftest.py), through the real executor.

The census is a small double of the identity keeper's ``holds`` (``Residents``): the residents of
district 4 hold a ``ResidencyCredential`` from the city registry. Three guardians (agencies) generate
the key; block h has time GENESIS_TIME_MS + h s (+ what ``wait_until`` added).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest
from tests.modules.conftest import CHAIN_ID, DictReader, Ledger

from metrobloc import sdk
from metrobloc.crypto import PrivateKey
from metrobloc.execution import App
from metrobloc.execution.state_access import Reader
from metrobloc.ledger import Receipt
from metrobloc.modules import MODULES
from metrobloc.modules.ballots import KEEPER, MODULE, queries
from metrobloc.modules.ballots.client import GuardianSecret, vote
from metrobloc.modules.ballots.handlers import BallotsHandlers

ELECTION = "district-4-budget"
RESIDENCY = "ResidencyCredential"
REGISTRY = PrivateKey(b"\x70" * 32)
"""The city registry: the census's issuer."""
MINUTE = 60_000


@dataclass
class Residents:
    """The census double: who holds a ResidencyCredential from which issuer (the identity keeper's ``holds``)."""

    holders: dict[str, str] = field(default_factory=dict)
    """address -> issuer."""

    def holds(self, state: Reader, address: str, credential_type: str, issuers: Sequence[str], at_ms: int) -> bool:
        return credential_type == RESIDENCY and self.holders.get(address) in issuers


def ballots_app(census: Residents) -> App:
    """The app of every module, the ballots handlers wired to the census double instead of identity."""
    double = dataclasses.replace(MODULE, handlers=lambda **_: BallotsHandlers(KEEPER, census))
    return App(tuple(double if m.name == "ballots" else m for m in MODULES))


def person(i: int) -> PrivateKey:
    return PrivateKey((i + 0x1000).to_bytes(2, "big") * 16)


def question(**kw: Any) -> dict[str, Any]:
    q: dict[str, Any] = {
        "question": "Which projects should district 4 fund?",
        "options": [{"id": "park"}, {"id": "library"}, {"id": "bikes"}, {"id": "lights"}],
        "min_selections": 0,
        "max_selections": 2,
    }
    return q | kw


class Election:
    """One election on the ledger: guardians with their secrets, residents, helpers for each step."""

    def __init__(self, ledger: Ledger, residents: Residents, guardians: int = 3) -> None:
        self.ledger = ledger
        self.residents = residents
        self.guardian_keys = [PrivateKey(bytes([0x80 + i]) * 32) for i in range(guardians)]
        self.secrets: list[GuardianSecret] = []
        self.election = ELECTION

    @property
    def reader(self) -> DictReader:
        return DictReader(self.ledger.state)

    def record(self) -> dict[str, Any]:
        return queries.election(self.reader, self.election)

    def wait_until(self, time_ms: int) -> None:
        self.ledger.advance(max(0, time_ms - self.ledger.next_time_ms))

    def create(self, questions: list[dict[str, Any]] | None = None, **kw: Any) -> Receipt:
        start = self.ledger.next_time_ms
        args: dict[str, Any] = {
            "keygen_end_ms": start + 10 * MINUTE,
            "cast_start_ms": start + 10 * MINUTE,
            "cast_end_ms": start + 60 * MINUTE,
        } | kw
        msg = sdk.ballots.create(
            self.election,
            {"credential_type": RESIDENCY, "issuers": [REGISTRY.address]},
            [k.address for k in self.guardian_keys],
            questions or [question()],
            args.pop("keygen_end_ms"),
            args.pop("cast_start_ms"),
            args.pop("cast_end_ms"),
            **args,
        )
        return self.ledger.ok([self.ledger.alice], [msg])

    def keygen(self) -> None:
        """Every guardian commits, deals and acknowledges every share: the joint key is fixed."""
        threshold = self.record()["threshold"]
        self.secrets = [
            GuardianSecret.new(CHAIN_ID, self.election, i, threshold) for i in range(1, len(self.guardian_keys) + 1)
        ]
        for key, secret in zip(self.guardian_keys, self.secrets, strict=True):
            self.ledger.ok([key], [secret.commit_msg()])
        for key, secret in zip(self.guardian_keys, self.secrets, strict=True):
            self.ledger.ok([key], [secret.deal_msg(self.record())])
        for key, secret in zip(self.guardian_keys, self.secrets, strict=True):
            good, bad = secret.receive(self.record())
            assert bad == []
            for dealer in good:
                self.ledger.ok([key], [sdk.ballots.ack(self.election, dealer)])
        assert self.record()["status"] == "ready"

    def open_casting(self) -> None:
        self.wait_until(self.record()["cast_start_ms"])

    def cast_msg(self, voter: PrivateKey, selections: list[list[int]], **over: Any) -> dict[str, Any]:
        r = self.record()
        msg = vote(CHAIN_ID, self.election, voter.address, r["joint_key"], r["shapes"], selections)
        return msg | over

    def cast(self, voter: PrivateKey, selections: list[list[int]]) -> Receipt:
        return self.ledger.run([voter], [self.cast_msg(voter, selections)])

    def close(self) -> Receipt:
        self.wait_until(self.record()["cast_end_ms"])
        return self.ledger.ok([self.ledger.bob], [sdk.ballots.close(self.election)])

    def share(self, i: int) -> Receipt:
        """Guardian i (from 0) sends its decryption share of the final total."""
        return self.ledger.run([self.guardian_keys[i]], [self.secrets[i].decryption_share_msg(self.record())])


@pytest.fixture
def residents() -> Residents:
    return Residents()


@pytest.fixture
def ballots_ledger(residents: Residents) -> Ledger:
    ledger = Ledger()
    ledger.app = ballots_app(residents)
    ledger.executor.app = ledger.app
    return ledger


@pytest.fixture
def election(ballots_ledger: Ledger, residents: Residents) -> Election:
    return Election(ballots_ledger, residents)
