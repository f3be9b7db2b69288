"""The Demo City's district budget: the Harbour District Council (an ``orgs`` org of three resident
councillors) opens a participatory budget (``budgeting``) for the harbour district, funded in City
Coin; residents enrolled by the Population Register submit projects, the council reviews them, and
the residents choose in a secret ballot (``ballots``) whose guardians are three of the consortium's
agencies (any two decrypt). Then the budget is finalized by its rule, builders are named, inspectors
attest milestones (two of three) and escrow pays them; one winner is cancelled and its rest refunded.

Each rule shows itself refused as well: a project by a resident not in the census
(``budgeting.not_resident``), a ballot by one (``ballots.not_in_census``), a result with one share of
the two it needs (``ballots.too_few_shares``), wrong counts (``ballots.wrong_result``) and an
attestation by someone who is not an inspector (``budgeting.not_inspector``). The Land Registry,
a guardian, stays "offline" after key generation: the result comes from the other two shares.

The ballots and the guardians' secrets are made off chain by ``election.py`` from seeds derived from
the city's seed, so the history stays a function of the seed (and anyone knowing it can read every
vote: a real election never does this). Every phase is a block time (``history.wait_until``); the
whole process stays within one of City Coin's 30-day demurrage periods, so escrow keeps exactly what
it holds. The budget's rule is Decidim's ``min_projects`` (at least one project, within the amount),
which the ballot proves as a weight range with only its upper side: a small proof per ballot.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from metrobloc.crypto import PrivateKey
from metrobloc.demo.city import DAY_MS
from metrobloc.demo.election import SeededElection
from metrobloc.demo.identity import RESIDENCY, IdentityParties
from metrobloc.demo.money import next_period_ms
from metrobloc.demo.people import Agency, Citizen, derive_key
from metrobloc.demo.timebank import digest
from metrobloc.sdk import assets, ballots, budgeting, identity, orgs

if TYPE_CHECKING:
    from metrobloc.demo.city import DemoCity

COUNCIL = "harbour-district-council"
PROCESS = "harbour-budget"
BUDGET = "harbour"
ELECTION = "harbour-budget-ballot"
CITY_COIN = "CITY"
UNIT = 10_000_00
"""A ballot weighs projects in tens of thousands of City Coin (its range proof is 5 bits long)."""
AMOUNT = 20 * UNIT
GRANT = 25 * UNIT
"""City Hall's grant to the council's treasury; the budget moves from it into escrow."""
VOTING: dict[str, Any] = {
    "support_bp": 5001,
    "quorum_bp": 5000,
    "period_ms": 3 * DAY_MS,
    "exec_delay_ms": 0,
    "early_execution": True,  # two of the three councillors decide at once
}
PROJECTS: tuple[tuple[str, str, tuple[int, ...]], ...] = (
    ("harbour-playground", "A playground on the old coal quay", (2, 4)),
    ("bike-lanes", "Protected bike lanes along Harbour Road", (3, 5)),
    ("ferry-shelter", "A heated shelter at the ferry stop", (1, 3)),
    ("fish-market-roof", "A new roof for the covered fish market", (4, 5)),
    ("seawall-lights", "Lights along the seawall promenade", (3,)),
    ("cruise-terminal", "A cruise-ship terminal", (18,)),
)
"""(project id, what it is, its milestones in tens of thousands of City Coin); the council rejects the last."""
REJECTED = "cruise-terminal"
POPULARITY = {"harbour-playground": 5, "bike-lanes": 3, "ferry-shelter": 4, "fish-market-roof": 2, "seawall-lights": 3}
"""How often residents pick a project first (relative)."""
CENSUS = 260
"""Citizens the Population Register enrols as residents (the other 40 are not in the census)."""
FIRST_DAY_VOTERS, LATER_VOTERS, REVOTES = 110, 90, 12
GUARDIANS = ("City Hall", "Land Registry", "Metro Savings Bank")
OFFLINE = 1
"""The Land Registry (guardian 2, index 1 here) sends no decryption share."""
CHAPTERS = (
    "The Harbour District Council opens a budget",
    "Residents submit projects",
    "The council reviews and calls a secret ballot",
    "The guardians generate the ballot's key",
    "The ballot opens",
    "More ballots, and changed minds",
    "The ballot closes: two of three guardians decrypt",
    "The budget is decided",
    "Builders are named",
    "First milestones inspected and paid",
    "Last milestones, and a cancelled project",
)
"""The budget's blocks' titles, in order."""


class Historian(Protocol):
    """What the budget chapters need of ``history.py``'s historian."""

    city: DemoCity
    time_ms: int

    def tx(
        self,
        keys: list[PrivateKey],
        msgs: list[dict[str, Any]],
        memo: str,
        expect: str = "ok",
        signers: list[str] | None = None,
    ) -> None: ...

    def wait_until(self, time_ms: int) -> None: ...


@dataclass(frozen=True)
class BudgetParties:
    """Who the budget deals with besides the residents and the guardians."""

    councillors: tuple[Citizen, ...]
    """Citizens 6 to 8: the council's members (weight 1 each), hence its reviewers."""
    inspectors: tuple[Agency, ...]
    """Two of three attest a milestone: the Building Inspectorate, the Harbour Engineers' Guild, the University."""
    builders: tuple[Agency, ...]
    """The implementers: Harbour Builders Co-op and Seaside Landscaping."""

    @classmethod
    def of_city(cls, city: DemoCity) -> BudgetParties:
        def agency(name: str, key_name: str) -> Agency:
            return Agency(name, key_name, (), derive_key(city.seed, key_name))

        inspectors = (
            agency("City Building Inspectorate", "building-inspectorate"),
            agency("Harbour Engineers' Guild", "harbour-engineers"),
            city.people.university,
        )
        builders = (
            agency("Harbour Builders Co-op", "harbour-builders"),
            agency("Seaside Landscaping", "seaside-landscaping"),
        )
        return cls(city.people.citizens[5:8], inspectors, builders)


def chapters(h: Historian) -> list[tuple[str, Callable[[], None]]]:
    """The budget's blocks, in order: each a title and the function that writes its txs."""
    b = _Budget(h)
    writers = (
        b.opening,
        b.submissions,
        b.review,
        b.keygen,
        b.first_ballots,
        b.later_ballots,
        b.decryption,
        b.decision,
        b.assignment,
        b.first_milestones,
        b.last_milestones,
    )
    return list(zip(CHAPTERS, writers, strict=True))


class _Budget:
    """The budget chapters' writers, one method per block, and what they know of the books."""

    def __init__(self, h: Historian) -> None:
        self.h = h
        city = h.city
        self.rng = random.Random(hashlib.sha256(f"metrobloc/demo/{city.seed}/budget".encode()).digest())
        self.parties = BudgetParties.of_city(city)
        self.register = IdentityParties.of_seed(city.seed)
        people = city.people
        self.guardians = (people.city_hall, people.registry, people.bank)
        self.residents = sorted(self.rng.sample(people.citizens, CENSUS), key=lambda c: c.number)
        enrolled = {c.address for c in self.residents}
        self.outsiders = [c for c in people.citizens if c.address not in enrolled]
        self.accepted = [p for p, _, _ in PROJECTS if p != REJECTED]
        self.weights = {p: sum(m) for p, _, m in PROJECTS}
        self.phases: dict[str, int] = {}
        self.ballot = SeededElection(city, ELECTION, self.guardians, self.shape(), 2)
        self.winners: list[str] = []
        self.builder_of: dict[str, Agency] = {}

    # -- the chapters ---------------------------------------------------------------------------------
    def opening(self) -> None:
        h, first = self.h, self.parties.councillors[0]
        roll = [{"address": c.address, "weight": 1} for c in self.parties.councillors]
        charter = digest("Harbour District Council: charter of the district's elected council")
        h.tx([first.key], [orgs.create(COUNCIL, charter, roll, VOTING)], "three councillors found the district council")
        grant = assets.mint(CITY_COIN, orgs.treasury(COUNCIL), GRANT)
        h.tx([h.city.people.city_hall.key], [grant], "City Hall's district grant, to the council's treasury")
        for start in range(0, CENSUS, 130):
            holders = [c.address for c in self.residents[start : start + 130]]
            enrol = identity.enrol(RESIDENCY, holders)
            memo = "the Population Register enrols the district's residents (addresses only)"
            h.tx([self.register.register_next], [enrol], memo, signers=[self.register.register.address])
        start = h.time_ms
        self.phases = {
            "submit_from_ms": start + 10_000,
            "review_from_ms": start + DAY_MS,
            "vote_from_ms": start + 2 * DAY_MS,
            "vote_until_ms": start + 7 * DAY_MS,
        }
        assert next_period_ms(start) > start + 14 * DAY_MS, "the process fits in one demurrage period"
        census = {"credential_type": RESIDENCY, "issuers": [self.register.register.address]}
        inspection = {"inspectors": [i.address for i in self.parties.inspectors], "threshold": 2}
        rule = {"kind": "min_projects", "min": 1}
        spec = {"budget": BUDGET, "amount": AMOUNT, "rule": rule, "mode": "secret", "election": ELECTION}
        about = digest("Harbour district participatory budget: 200,000.00 City Coin, chosen by secret ballot")
        create = budgeting.create(PROCESS, COUNCIL, CITY_COIN, [spec], self.phases, census, inspection, about)
        self.decide("open-harbour-budget", [create], "the council opens the harbour budget")

    def submissions(self) -> None:
        h = self.h
        proposers = self.rng.sample(self.residents, len(PROJECTS))
        for (project, what, milestones), resident in zip(PROJECTS, proposers, strict=True):
            steps = [
                {"amount": n * UNIT, "deliverable_digest": digest(f"{project}: part {i + 1}")}
                for i, n in enumerate(milestones)
            ]
            msg = budgeting.submit(PROCESS, BUDGET, project, digest(what), steps)
            h.tx([resident.key], [msg], f"{resident.name} proposes: {what.lower()}")
        outsider = self.outsiders[0]
        kiosk = budgeting.submit(
            PROCESS, BUDGET, "kiosk", digest("A kiosk"), [{"amount": UNIT, "deliverable_digest": digest("kiosk")}]
        )
        h.tx([outsider.key], [kiosk], f"{outsider.name}, not in the census, proposes", "budgeting.not_resident")

    def review(self) -> None:
        h, reviewer = self.h, self.parties.councillors[1]
        h.wait_until(self.phases["review_from_ms"])
        for project, _, _ in PROJECTS:
            decision = "reject" if project == REJECTED else "accept"
            why = "beyond the district's powers and budget" if decision == "reject" else "feasible, within budget"
            reason = digest(f"{project}: {why}")
            h.tx(
                [reviewer.key],
                [budgeting.review(PROCESS, project, decision, reason)],
                f"the council: {decision} {project}",
            )
        question = {
            "question": "Which projects should the harbour district fund with 200,000.00 City Coin?",
            "options": [{"id": p, "weight": self.weights[p]} for p in self.accepted],
            "min_selections": 1,
            "max_selections": len(self.accepted),
            "weight_min": 0,  # the budget's rule: at least one project, within the budget
            "weight_max": AMOUNT // UNIT,
        }
        census = {"credential_type": RESIDENCY, "issuers": [self.register.register.address]}
        guardians = [g.address for g in self.guardians]
        vote_from, vote_until = self.phases["vote_from_ms"], self.phases["vote_until_ms"]
        create = ballots.create(ELECTION, census, guardians, [question], vote_from, vote_from, vote_until, 2)
        self.decide("harbour-ballot", [create], "the council calls the secret ballot")

    def keygen(self) -> None:
        h, e = self.h, self.ballot
        for guardian, commit in e.commits():
            h.tx([guardian.key], [commit], f"{guardian.name} commits to its secret polynomial")
        for guardian, deal in e.deals():
            h.tx([guardian.key], [deal], f"{guardian.name} seals a share to each other guardian")
        for guardian, acks in e.acks():
            h.tx([guardian.key], acks, f"{guardian.name} checks the shares it received")

    def first_ballots(self) -> None:
        self.h.wait_until(self.phases["vote_from_ms"])
        for voter in self.rng.sample(self.residents, FIRST_DAY_VOTERS):
            self.cast(voter)

    def later_ballots(self) -> None:
        h = self.h
        h.wait_until(self.phases["vote_from_ms"] + 2 * DAY_MS)
        waiting = [c for c in self.residents if c.address not in self.ballot.choices]
        for voter in self.rng.sample(waiting, LATER_VOTERS):
            self.cast(voter)
        voted = [c for c in self.residents if c.address in self.ballot.choices]
        for voter in self.rng.sample(voted, REVOTES):
            self.cast(voter, "changes their mind: the new ballot replaces the old")
        self.cast(self.outsiders[1], "not in the census", "ballots.not_in_census")

    def decryption(self) -> None:
        h = self.h
        h.wait_until(self.phases["vote_until_ms"])
        h.tx([self.parties.councillors[0].key], [ballots.close(ELECTION)], "the ballot closes: the total is final")
        present = [i for i in range(len(self.guardians)) if i != OFFLINE]
        self.share(present[0])
        h.tx(
            [h.city.people.city_hall.key],
            [ballots.result(ELECTION, self.counts())],
            "a result from one share",
            "ballots.too_few_shares",
        )
        self.share(present[1])

    def decision(self) -> None:
        h, hall = self.h, self.h.city.people.city_hall.key
        counts = self.counts()
        wrong = [counts[0] + 1, *counts[1:]]
        h.tx([hall], [ballots.result(ELECTION, wrong)], "counts that do not match the shares", "ballots.wrong_result")
        h.tx([hall], [ballots.result(ELECTION, counts)], "the counts, checked on chain against two shares")
        h.tx(
            [hall],
            [budgeting.finalize(PROCESS, BUDGET)],
            "the budget is finalized: winners, the rest back to the treasury",
        )
        self.winners = select(dict(zip(self.accepted, counts, strict=True)), self.weights, AMOUNT // UNIT)

    def assignment(self) -> None:
        builders = self.parties.builders
        self.builder_of = {p: builders[i % len(builders)] for i, p in enumerate(self.winners)}
        assign = [budgeting.assign(PROCESS, p, b.address) for p, b in self.builder_of.items()]
        self.decide("harbour-builders", assign, "the council names the builders")

    def first_milestones(self) -> None:
        h = self.h
        h.wait_until(self.phases["vote_until_ms"] + 3 * DAY_MS)
        for project in self.winners:
            self.deliver(project, 0)
        stranger = self.outsiders[2]
        attest = budgeting.attest(PROCESS, self.winners[0], 0, self.evidence(self.winners[0], 0))
        h.tx([stranger.key], [attest], f"{stranger.name}, not an inspector, attests", "budgeting.not_inspector")

    def last_milestones(self) -> None:
        h = self.h
        h.wait_until(self.phases["vote_until_ms"] + 6 * DAY_MS)
        cancelled = [p for p in self.winners if len(self.milestones(p)) > 1][-1]
        for project in (p for p in self.winners if p != cancelled):
            for milestone in range(1, len(self.milestones(project))):
                self.deliver(project, milestone)
        why = digest(f"{cancelled}: the site failed its survey; the rest of its money returns")
        self.decide(
            f"cancel-{cancelled}", [budgeting.cancel(PROCESS, cancelled, why)], f"the council cancels {cancelled}"
        )

    # -- the acts the chapters are made of ------------------------------------------------------------
    def decide(self, proposal: str, actions: list[dict[str, Any]], memo: str) -> None:
        """A council proposal carrying ``actions``: two councillors' yes decide it, and it executes at once."""
        h, (first, second, _) = self.h, self.parties.councillors
        h.tx([first.key], [orgs.propose(COUNCIL, proposal, digest(memo), actions)], f"proposed: {memo}")
        for councillor in (first, second):
            h.tx([councillor.key], [orgs.vote(COUNCIL, proposal, "yes")], f"{councillor.name} votes yes")
        h.tx([second.key], [orgs.execute(COUNCIL, proposal)], memo)

    def shape(self) -> dict[str, Any]:
        return {
            "options": len(self.accepted),
            "min_selections": 1,
            "max_selections": len(self.accepted),
            "weights": [self.weights[p] for p in self.accepted],
            "weight_min": 0,
            "weight_max": AMOUNT // UNIT,
        }

    def choose(self) -> list[int]:
        """A budget ballot within the rule: projects by popularity, each taken if it fits, at least one."""
        order = sorted(self.accepted, key=lambda p: self.rng.random() ** (1 / POPULARITY[p]), reverse=True)
        chosen: list[str] = []
        for project in order:
            spent = sum(self.weights[p] for p in chosen)
            if chosen and self.rng.random() < 0.3:
                break
            if spent + self.weights[project] <= AMOUNT // UNIT:
                chosen.append(project)
        assert chosen and sum(self.weights[p] for p in chosen) <= AMOUNT // UNIT
        return [int(p in chosen) for p in self.accepted]

    def cast(self, voter: Citizen, why: str = "", expect: str = "ok") -> None:
        selections = self.choose()
        msg = self.ballot.ballot(voter.address, selections)
        self.h.tx([voter.key], [msg], f"{voter.name} casts a secret ballot" + (f": {why}" if why else ""), expect)
        if expect == "ok":
            self.ballot.counted(voter.address, msg, selections)

    def counts(self) -> list[int]:
        return self.ballot.counts()

    def share(self, i: int) -> None:
        guardian = self.guardians[i]
        msg = self.ballot.decryption_share(i + 1)
        self.h.tx([guardian.key], [msg], f"{guardian.name} sends its decryption share of the total")

    def milestones(self, project: str) -> tuple[int, ...]:
        return next(m for p, _, m in PROJECTS if p == project)

    def evidence(self, project: str, milestone: int) -> str:
        return digest(f"{project}: photos and invoices of part {milestone + 1}, Demo City {self.h.city.seed}")

    def deliver(self, project: str, milestone: int) -> None:
        """The builder reports the milestone complete; two inspectors attest it, and escrow pays it."""
        h, builder, evidence = self.h, self.builder_of[project], self.evidence(project, milestone)
        report = budgeting.report(PROCESS, project, milestone, 100, evidence)
        h.tx([builder.key], [report], f"{builder.name}: {project} part {milestone + 1} complete")
        for inspector in self.parties.inspectors[:2]:
            attest = budgeting.attest(PROCESS, project, milestone, evidence)
            h.tx([inspector.key], [attest], f"{inspector.name} attests {project} part {milestone + 1}")


def select(votes: dict[str, int], weights: dict[str, int], amount: int) -> list[str]:
    """The budgeting module's rule (spec §4), to know the winners while writing: votes descending, then
    cost ascending, then id; each voted project taken if it fits what is left."""
    left, winners = amount, []
    for project in sorted(votes, key=lambda p: (-votes[p], weights[p], p)):
        if votes[project] > 0 and weights[project] <= left:
            winners.append(project)
            left -= weights[project]
    return winners


__all__ = ["CHAPTERS", "COUNCIL", "ELECTION", "PROCESS", "UNIT", "BudgetParties", "chapters", "select"]
