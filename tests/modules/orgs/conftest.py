"""Organizations on the in-memory ledger (tests/modules/conftest.py): the Riverside association with
alice (weight 3), bob (2) and carol (1), dave outside it, and CITY minted into its treasury.

Block h has time GENESIS_TIME_MS + h s (+ what ``ledger.advance`` added). ``civic.reader`` scans the
state as the node's ``StateReader`` does, so the module's queries run here unchanged.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import pytest
from tests.modules.conftest import DictReader, Ledger

from metrobloc import sdk
from metrobloc.crypto import PrivateKey
from metrobloc.ledger import Receipt
from metrobloc.modules.orgs import KEEPER, queries

ORG = "riverside-assoc"
MINUTE = 60_000
PERIOD = 10 * MINUTE
DELAY = 2 * MINUTE
FUNDS = 10_000
"""CITY the treasury holds at the start."""


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def voting(
    support_bp: int = 5000,
    quorum_bp: int = 5000,
    period_ms: int = PERIOD,
    exec_delay_ms: int = DELAY,
    early_execution: bool = False,
) -> dict[str, Any]:
    return {
        "support_bp": support_bp,
        "quorum_bp": quorum_bp,
        "period_ms": period_ms,
        "exec_delay_ms": exec_delay_ms,
        "early_execution": early_execution,
    }


def transfer(asset: str, to: str, amount: int) -> dict[str, Any]:
    return dict(sdk.assets.transfer(asset, to, amount))


@dataclass
class Civic:
    """The ledger, the association and its people."""

    ledger: Ledger
    alice: PrivateKey
    bob: PrivateKey
    carol: PrivateKey
    dave: PrivateKey
    org: str = ORG

    @property
    def treasury(self) -> str:
        return str(sdk.orgs.treasury(self.org))

    @property
    def reader(self) -> DictReader:
        return DictReader(self.ledger.state)

    def create(self, org: str = ORG, members: list[tuple[PrivateKey, int]] | None = None, **rules: Any) -> Receipt:
        people = members if members is not None else [(self.alice, 3), (self.bob, 2), (self.carol, 1)]
        msg = sdk.orgs.create(org, digest("charter"), [(k.address, w) for k, w in people], voting(**rules))
        return self.ledger.ok([self.alice], [msg])

    def propose(self, proposal: str, actions: list[dict[str, Any]], by: PrivateKey | None = None) -> Receipt:
        msg = sdk.orgs.propose(self.org, proposal, digest(proposal), actions)
        return self.ledger.run([by or self.alice], [msg])

    def vote(self, by: PrivateKey, proposal: str, option: str) -> Receipt:
        return self.ledger.run([by], [sdk.orgs.vote(self.org, proposal, option)])

    def execute(self, proposal: str, by: PrivateKey | None = None) -> Receipt:
        return self.ledger.run([by or self.dave], [sdk.orgs.execute(self.org, proposal)])

    def passed(self, proposal: str, actions: list[dict[str, Any]]) -> Receipt:
        """Propose, have alice and bob vote yes, wait for the end and the delay, and execute: the receipt."""
        assert self.propose(proposal, actions).status == "ok"
        for who in (self.alice, self.bob):
            assert self.vote(who, proposal, "yes").status == "ok"
        self.wait_until(self.proposal(proposal)["executable_from_ms"])
        return self.execute(proposal)

    def wait_until(self, time_ms: int) -> None:
        """The next block comes at ``time_ms`` exactly (or at its usual time when that is later)."""
        self.ledger.advance(max(0, time_ms - self.ledger.next_time_ms))

    def proposal(self, proposal: str, at_ms: int | None = None) -> dict[str, Any]:
        return queries.proposal(self.reader, self.org, proposal, at_ms)

    def info(self, at_ms: int | None = None) -> dict[str, Any]:
        return queries.org(self.reader, self.org, at_ms)

    def members(self) -> dict[str, int]:
        return dict(KEEPER.members(self.ledger.state, self.org))


@pytest.fixture
def civic(ledger: Ledger) -> Civic:
    alice, bob, carol, dave = (PrivateKey(bytes([0x60 + i]) * 32) for i in range(4))
    c = Civic(ledger, alice, bob, carol, dave)
    c.create()
    ledger.ok(
        [ledger.admin],
        [sdk.assets.create("CITY", "City Coin"), sdk.assets.mint("CITY", c.treasury, FUNDS)],
    )
    return c
