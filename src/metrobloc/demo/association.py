"""The Demo City's neighbourhood association: five residents found the Old Town Neighbours as an open
organization (``orgs``) with weighted members and voting rules, City Hall funds its treasury in City
Coin, and the members vote a community garden that pays a local supplier from the treasury, gives the
association a monthly petty-cash budget and makes a member its treasurer; a second proposal, fireworks,
is voted down. After the vote and the objection delay the garden executes and the fireworks are
rejected; the treasurer then pays within the budget, and beyond it is refused.

Each rule shows itself refused as well as working: a vote by a resident who is not a member
(``orgs.not_member``), an execution before the delay is over (``orgs.too_early``) and a payment beyond
the budget (``orgs.over_budget``) stay on the chain as failed txs.

The chapters are seeded blocks like the rest of the history; ``history.py`` runs them after the money
chapters, on the City Coin of their policy (its transfers, the treasury's too, settle demurrage and
check the sanctions list). The execution waits for the first block time at which the garden may
execute (``history.wait_until``): the end of its week-long vote plus the two-day delay.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from metrobloc.crypto import PrivateKey
from metrobloc.demo.city import DAY_MS
from metrobloc.demo.identity import RESIDENTS
from metrobloc.demo.people import Agency, Citizen, derive_key
from metrobloc.demo.timebank import digest
from metrobloc.sdk import assets, orgs

if TYPE_CHECKING:
    from metrobloc.demo.city import DemoCity

ORG = "old-town-neighbours"
CITY_COIN = "CITY"
TREASURER = "treasurer"
WEIGHTS = (2, 2, 2, 1, 1)
"""The members' weights, residents 1 to 5: three founding households weigh 2, two newer ones 1 (total 8)."""
VOTING: dict[str, Any] = {
    "support_bp": 5001,  # more yes than no
    "quorum_bp": 3000,  # 30% of the weight must vote
    "period_ms": 7 * DAY_MS,
    "exec_delay_ms": 2 * DAY_MS,  # two days to object before the treasury pays
    "early_execution": False,
}
"""The association's rules: a week to vote, then two days before a passed proposal executes."""
GRANT = 5_000_00
"""City Hall's neighbourhood grant to the treasury: 5,000.00 City Coin."""
GARDEN = "community-garden"
GARDEN_COST = 1_800_00
"""What the garden proposal pays the supplier from the treasury."""
BUDGET = 300_00
BUDGET_PERIOD_MS = 30 * DAY_MS
"""The treasurer's petty cash: 300.00 City Coin per 30-day period (aligned like City Coin's demurrage periods)."""
PETTY_CASH = (120_00, 250_00)
"""The treasurer's two payments to the supplier in one period: the first within the budget, the second beyond."""
FIREWORKS = "summer-fireworks"
FIREWORKS_COST = 3_000_00
CHAPTERS = (
    "Neighbours found the Old Town association",
    "A community garden is proposed",
    "The neighbours vote",
    "The garden is approved and paid",
    "The treasurer's petty cash",
)
"""The association's blocks' titles, in order."""


class Historian(Protocol):
    """What the association chapters need of ``history.py``'s historian."""

    city: DemoCity
    time_ms: int
    """The time of the block being written."""

    def tx(self, keys: list[PrivateKey], msgs: list[dict[str, Any]], memo: str, expect: str = "ok") -> None: ...

    def wait_until(self, time_ms: int) -> None: ...


@dataclass(frozen=True)
class AssociationParties:
    """The accounts the association deals with besides its members."""

    supplier: Agency
    """Old Town Garden Supply: paid by the garden proposal and by the treasurer (it signs nothing)."""
    fireworks: Agency
    """Harbour Fireworks: the voted-down proposal would have paid it (it signs nothing)."""

    @classmethod
    def of_seed(cls, seed: int) -> AssociationParties:
        def agency(name: str, key_name: str) -> Agency:
            return Agency(name, key_name, (), derive_key(seed, key_name))

        return cls(
            agency("Old Town Garden Supply", "old-town-garden-supply"), agency("Harbour Fireworks", "harbour-fireworks")
        )


def members(city: DemoCity) -> tuple[Citizen, ...]:
    """The association's members: residents 1 to 5, weighing ``WEIGHTS``."""
    return city.people.citizens[:RESIDENTS]


def treasurer(city: DemoCity) -> Citizen:
    """The member the garden proposal makes treasurer: resident 2."""
    return members(city)[1]


def chapters(h: Historian) -> list[tuple[str, Callable[[], None]]]:
    """The association's blocks, in order: each a title and the function that writes its txs."""
    a = _Association(h)
    return list(zip(CHAPTERS, (a.founding, a.proposals, a.votes, a.execution, a.petty_cash), strict=True))


class _Association:
    """The association chapters' writers, one method per block."""

    def __init__(self, h: Historian) -> None:
        self.h = h
        self.parties = AssociationParties.of_seed(h.city.seed)
        self.members = members(h.city)
        self.treasury = orgs.treasury(ORG)
        self.proposed_ms = 0
        """The block time of the proposals: their votes end a period after it."""

    def founding(self) -> None:
        h, founder = self.h, self.members[0]
        roll = [{"address": m.address, "weight": w} for m, w in zip(self.members, WEIGHTS, strict=True)]
        charter = digest("Old Town Neighbours: charter, adopted at the founding meeting")
        h.tx([founder.key], [orgs.create(ORG, charter, roll, VOTING)], "five households found the Old Town Neighbours")
        grant = assets.mint(CITY_COIN, self.treasury, GRANT)
        h.tx([h.city.people.city_hall.key], [grant], "City Hall's neighbourhood grant, to the association's treasury")

    def proposals(self) -> None:
        h, supplier = self.h, self.parties.supplier
        self.proposed_ms = h.time_ms
        garden = [
            orgs.pay(ORG, CITY_COIN, supplier.address, GARDEN_COST),
            orgs.set_budget(ORG, CITY_COIN, BUDGET, BUDGET_PERIOD_MS),
            orgs.grant_role(ORG, treasurer(h.city).address, TREASURER),
        ]
        summary = digest("A community garden on the old tram depot: beds, soil and tools; petty cash for upkeep")
        h.tx([self.members[0].key], [orgs.propose(ORG, GARDEN, summary, garden)], "propose: a community garden")
        fireworks = [orgs.pay(ORG, CITY_COIN, self.parties.fireworks.address, FIREWORKS_COST)]
        summary = digest("Fireworks over the harbour on midsummer night")
        h.tx([self.members[3].key], [orgs.propose(ORG, FIREWORKS, summary, fireworks)], "propose: summer fireworks")

    def votes(self) -> None:
        """Every vote comes the day the proposals open, far from the last tenth of the week: no quiet ending."""
        h, (first, second, third, fourth, fifth) = self.h, self.members
        ballots = (
            (first, GARDEN, "yes"),
            (second, GARDEN, "yes"),
            (third, GARDEN, "no"),
            (fourth, GARDEN, "abstain"),
            (fourth, FIREWORKS, "yes"),
            (first, FIREWORKS, "no"),
            (fifth, FIREWORKS, "no"),
        )
        for member, proposal, option in ballots:
            h.tx([member.key], [orgs.vote(ORG, proposal, option)], f"{member.name} votes {option} on {proposal}")
        outsider = h.city.people.citizens[RESIDENTS]
        vote = orgs.vote(ORG, GARDEN, "yes")
        h.tx([outsider.key], [vote], f"{outsider.name}, not a member, votes", "orgs.not_member")
        hurry = orgs.execute(ORG, GARDEN)
        h.tx([self.parties.supplier.key], [hurry], "the supplier asks to be paid at once", "orgs.too_early")

    def execution(self) -> None:
        """The first block time a passed proposal executes at: the end of the vote plus the delay."""
        h, supplier = self.h, self.parties.supplier.key
        h.wait_until(self.proposed_ms + VOTING["period_ms"] + VOTING["exec_delay_ms"])
        h.tx([supplier], [orgs.execute(ORG, GARDEN)], "the garden passed: the treasury pays and sets the petty cash")
        h.tx([supplier], [orgs.execute(ORG, FIREWORKS)], "the fireworks did not pass: rejected")

    def petty_cash(self) -> None:
        h, to = self.h, self.parties.supplier.address
        within, beyond = PETTY_CASH
        key = treasurer(h.city).key
        h.tx([key], [orgs.pay(ORG, CITY_COIN, to, within)], "the treasurer pays for seeds from petty cash")
        h.tx([key], [orgs.pay(ORG, CITY_COIN, to, beyond)], "a water tank: beyond the budget", "orgs.over_budget")


__all__ = [
    "CHAPTERS",
    "FIREWORKS",
    "GARDEN",
    "ORG",
    "VOTING",
    "WEIGHTS",
    "AssociationParties",
    "chapters",
    "members",
    "treasurer",
]
