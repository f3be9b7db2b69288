"""A city's participatory budget on the in-memory ledger (tests/modules/conftest.py).

The Riverside council (alice weight 3, bob 1; early execution, so alice's yes passes a proposal at
once) holds CITY in its treasury; a registry accredited for ResidencyCredential enrols ten residents;
three inspectors attest milestones two of three. ``city.authority(msgs)`` runs messages as the
council's treasury through a passed proposal (propose, alice's yes, execute), as in production.
Secret budgets run against ``FakeBallots``, a double of the ballots module's keeper.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest
from tests.modules.conftest import CHAIN_ID, DictReader, Ledger

from metrobloc import sdk
from metrobloc.crypto import PrivateKey
from metrobloc.execution import App, Executor, Module
from metrobloc.ledger import Receipt
from metrobloc.modules import MODULES, budgeting
from metrobloc.modules.budgeting import KEEPER, queries
from metrobloc.modules.budgeting.keeper import Process, Project

ORG = "riverside-council"
PROCESS = "riverside-2027"
RESIDENCY = "ResidencyCredential"
FUNDS = 1_000_000
HOUR = 3_600_000


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def rule(kind: str = "spend", **kw: int) -> dict[str, Any]:
    if kind == "spend":
        kw.setdefault("min_bp", 5000)
    return {"kind": kind, **kw}


def budget(name: str, amount: int, rule_: dict[str, Any] | None = None, **kw: Any) -> dict[str, Any]:
    return {"budget": name, "amount": str(amount), "rule": rule_ or rule(), "mode": "public", **kw}


def milestones(*amounts: int) -> list[dict[str, Any]]:
    return [{"amount": str(a), "deliverable_digest": digest(f"deliverable {i}")} for i, a in enumerate(amounts)]


@dataclass
class FakeBallots:
    """The ballots keeper as budgeting sees it: an election's accepted result (None before) and turnout."""

    results: dict[str, list[list[tuple[str, int]]]] = field(default_factory=dict)
    turnout: dict[str, int] = field(default_factory=dict)

    def tally(self, state: Any, election: str) -> list[list[tuple[str, int]]] | None:
        return self.results.get(election)

    def voters(self, state: Any, election: str) -> int:
        return self.turnout.get(election, 0)


@dataclass
class City:
    """The ledger, the council, the census and the inspectors."""

    ledger: Ledger
    alice: PrivateKey
    bob: PrivateKey
    registry: PrivateKey
    builder: PrivateKey
    outsider: PrivateKey
    residents: list[PrivateKey]
    inspectors: list[PrivateKey]
    ballots: FakeBallots
    proposals: int = 0

    @property
    def treasury(self) -> str:
        return str(sdk.orgs.treasury(ORG))

    @property
    def escrow(self) -> str:
        return str(sdk.budgeting.escrow(PROCESS))

    @property
    def reader(self) -> DictReader:
        return DictReader(self.ledger.state)

    def authority(self, msgs: list[dict[str, Any]]) -> Receipt:
        """Run ``msgs`` as the council's treasury (a passed proposal); the execute receipt."""
        self.proposals += 1
        name = f"p{self.proposals}"
        self.ledger.ok([self.alice], [sdk.orgs.propose(ORG, name, digest(name), msgs)])
        self.ledger.ok([self.alice], [sdk.orgs.vote(ORG, name, "yes")])
        return self.ledger.run([self.bob], [sdk.orgs.execute(ORG, name)])

    def authority_ok(self, msgs: list[dict[str, Any]]) -> Receipt:
        receipt = self.authority(msgs)
        assert receipt.status == "ok", receipt.error
        return receipt

    def authority_fails(self, code: str, msgs: list[dict[str, Any]]) -> None:
        before = {k: v for k, v in self.ledger.state.items() if not k.startswith(b"orgs/")}
        receipt = self.authority(msgs)
        assert receipt.status == "failed" and receipt.error is not None
        assert receipt.error["code"] == code, receipt.error
        assert {k: v for k, v in self.ledger.state.items() if not k.startswith(b"orgs/")} == before

    def create(self, budgets: Sequence[dict[str, Any]] | None = None, process: str = PROCESS, **kw: Any) -> Receipt:
        """Open a process whose phases start at the next block: submission 1 h, review 1 h, voting 1 h."""
        start = self.ledger.next_time_ms + 2000  # the proposal takes three blocks: creation is the third
        phases = {
            "submit_from_ms": start,
            "review_from_ms": start + HOUR,
            "vote_from_ms": start + 2 * HOUR,
            "vote_until_ms": start + 3 * HOUR,
        }
        msg = {
            "type": "budgeting/create",
            "process": process,
            "org": ORG,
            "asset": "CITY",
            "budgets": list(budgets or [budget("north", 1000)]),
            "phases": phases,
            "census": {"credential_type": RESIDENCY, "issuers": [self.registry.address]},
            "inspection": {"inspectors": [i.address for i in self.inspectors], "threshold": 2},
            "description_digest": digest(process),
            **kw,
        }
        return self.authority_ok([msg])

    def goto(self, phase: str, process: str = PROCESS) -> None:
        """The next block is the first of ``phase`` (review, voting or results)."""
        key = {"review": "review_from_ms", "voting": "vote_from_ms", "results": "vote_until_ms"}[phase]
        target = self.process(process).phases[key]
        self.ledger.advance(max(0, target - self.ledger.next_time_ms))

    def submit(self, project: str, cost: Sequence[int], by: PrivateKey | None = None, b: str = "north") -> Receipt:
        msg = {
            "type": "budgeting/submit",
            "process": PROCESS,
            "budget": b,
            "project": project,
            "summary_digest": digest(project),
            "milestones": milestones(*cost),
        }
        return self.ledger.ok([by or self.residents[0]], [msg])

    def review(self, project: str, decision: str = "accept", by: PrivateKey | None = None) -> Receipt:
        msg = {
            "type": "budgeting/review",
            "process": PROCESS,
            "project": project,
            "decision": decision,
            "reason_digest": digest(f"{decision} {project}"),
        }
        return self.ledger.ok([by or self.bob], [msg])

    def vote_msg(self, projects: Sequence[str], b: str = "north") -> dict[str, Any]:
        return {"type": "budgeting/vote", "process": PROCESS, "budget": b, "projects": list(projects)}

    def vote(self, who: PrivateKey, projects: Sequence[str], b: str = "north") -> Receipt:
        return self.ledger.ok([who], [self.vote_msg(projects, b)])

    def finalize(self, b: str = "north") -> Receipt:
        return self.ledger.ok([self.outsider], [{"type": "budgeting/finalize", "process": PROCESS, "budget": b}])

    def report(self, project: str, milestone: int, percent: int = 100, evidence: str = "photos") -> Receipt:
        msg = {
            "type": "budgeting/report",
            "process": PROCESS,
            "project": project,
            "milestone": milestone,
            "percent": percent,
            "evidence_digest": digest(evidence),
        }
        return self.ledger.ok([self.builder], [msg])

    def attest_msg(self, project: str, milestone: int, evidence: str = "photos") -> dict[str, Any]:
        return {
            "type": "budgeting/attest",
            "process": PROCESS,
            "project": project,
            "milestone": milestone,
            "evidence_digest": digest(evidence),
        }

    def assign(self, project: str, implementer: str | None = None) -> Receipt:
        msg = {
            "type": "budgeting/assign",
            "process": PROCESS,
            "project": project,
            "implementer": implementer or self.builder.address,
        }
        return self.authority_ok([msg])

    def process(self, process: str = PROCESS) -> Process:
        found = KEEPER.process(self.ledger.state, process)
        assert found is not None
        return found

    def project(self, project: str) -> Project:
        found = KEEPER.project(self.ledger.state, PROCESS, project)
        assert found is not None
        return found

    def balance(self, who: str | PrivateKey) -> int:
        return self.ledger.balance("CITY", who)

    def view(self) -> dict[str, Any]:
        return queries.process(self.reader, PROCESS, self.ledger.next_time_ms, self.ballots)


def secret_ledger(ballots: FakeBallots) -> Ledger:
    """A ledger whose app has a ``ballots`` module whose keeper is ``ballots``, before budgeting."""
    ledger = Ledger()
    double = Module(
        name="ballots", doc="A test double.", package=__name__, messages=(), handlers=object, keeper=ballots
    )
    modules = (*[m for m in MODULES if m.name not in ("budgeting", "ballots")], double, budgeting.module(ballots=True))
    ledger.app = App(modules)
    ledger.executor = Executor(ledger.app, CHAIN_ID, ledger.genesis)
    return ledger


def ledger_without_ballots() -> Ledger:
    """A ledger of a chain composed without the ballots module (budgeting then takes no secret budget)."""
    ledger = Ledger()
    modules = (*[m for m in MODULES if m.name not in ("budgeting", "ballots")], budgeting.module(ballots=False))
    ledger.app = App(modules)
    ledger.executor = Executor(ledger.app, CHAIN_ID, ledger.genesis)
    return ledger


def make_city(ledger: Ledger, ballots: FakeBallots) -> City:
    keys = [PrivateKey(bytes([0x70 + i]) * 32) for i in range(20)]
    c = City(
        ledger,
        alice=keys[0],
        bob=keys[1],
        registry=keys[2],
        builder=keys[3],
        outsider=keys[4],
        residents=keys[5:15],
        inspectors=keys[15:18],
        ballots=ballots,
    )
    voting = {"support_bp": 5000, "quorum_bp": 0, "period_ms": HOUR, "exec_delay_ms": 0, "early_execution": True}
    members = [(c.alice.address, 3), (c.bob.address, 1)]
    ledger.ok([c.alice], [sdk.orgs.create(ORG, digest("charter"), members, voting)])
    ledger.ok([ledger.admin], [sdk.assets.create("CITY", "City Coin"), sdk.assets.mint("CITY", c.treasury, FUNDS)])
    ledger.ok([ledger.admin], [sdk.identity.accredit(c.registry.address, [RESIDENCY], 0, 2**53 - 1)])
    ledger.ok([c.registry], [sdk.identity.enrol(RESIDENCY, [r.address for r in c.residents])])
    return c


@pytest.fixture
def city(ledger: Ledger) -> City:
    return make_city(ledger, FakeBallots())


@pytest.fixture
def secret_city() -> City:
    ballots = FakeBallots()
    return make_city(secret_ledger(ballots), ballots)
