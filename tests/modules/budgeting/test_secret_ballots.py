"""A secret budget counted through the real ballots module on the real executor (no ``FakeBallots``).

The Riverside council (tests/modules/budgeting/conftest.py) opens a process whose ``north`` budget
votes in secret: after review it creates, by proposal, an election whose one question's options are the
budget's accepted projects, weighted by their costs, with the budget as the weight limit. Three agencies
generate the key (tests/modules/ballots/conftest.py ``Election``), the ten residents enrolled by the
city's registry cast encrypted ballots with ``ballots.client.vote``, two guardians decrypt the final
total, anyone publishes the counts (``ballots.client.counts``), and ``budgeting/finalize`` picks the
winners from the election's accepted result. An election whose options are not the budget's projects
is refused at finalize.
"""

from __future__ import annotations

from typing import Any

import pytest
from tests.modules.ballots.conftest import Election, Residents
from tests.modules.budgeting.conftest import PROCESS, City, FakeBallots, budget, make_city, rule
from tests.modules.conftest import Ledger

from metrobloc import sdk
from metrobloc.modules.ballots import KEEPER as BALLOTS
from metrobloc.modules.ballots.client import counts

ELECTION = "north-2027"
COSTS = {"park": 600, "library": 500, "bench": 100}
"""The north budget (1,000) takes one or two projects: park and library together do not fit."""


def secret_city() -> City:
    """The city on a ledger of every real module: ballots before budgeting, identity as the census."""
    city = make_city(Ledger(), FakeBallots())  # FakeBallots only fills City.ballots, which is not used here
    city.create([budget("north", 1000, rule("projects", min=1, max=2), mode="secret", election=ELECTION)])
    for pid, cost in COSTS.items():
        city.submit(pid, [cost])
        city.review(pid)
    return city


def open_election(city: City, questions: list[dict[str, Any]]) -> Election:
    """The council creates the election by proposal, its casting window the budget's voting phase; the
    three agencies generate the joint key before casting opens."""
    phases = city.process().phases
    census = {"credential_type": "ResidencyCredential", "issuers": [city.registry.address]}
    election = Election(city.ledger, Residents())  # the census is the identity module's, not the double
    election.election = ELECTION
    guardians = [k.address for k in election.guardian_keys]
    vote_from, vote_until = phases["vote_from_ms"], phases["vote_until_ms"]
    city.authority_ok([sdk.ballots.create(ELECTION, census, guardians, questions, vote_from, vote_from, vote_until)])
    election.keygen()
    city.goto("voting")
    return election


def budget_question(ids: list[str]) -> dict[str, Any]:
    return {
        "question": "Which projects should the north district fund?",
        "options": [{"id": pid, "weight": COSTS.get(pid, 100)} for pid in ids],
        "min_selections": 1,
        "max_selections": 2,
        "weight_min": 0,
        "weight_max": 1000,
    }


def select(ids: list[str], chosen: str) -> list[list[int]]:
    """One question: 1 for each option named in ``chosen`` (comma-separated), 0 for the others."""
    return [[1 if pid in chosen.split(",") else 0 for pid in ids]]


def decide(city: City, election: Election) -> list[int]:
    """Close after the window, guardians 1 and 3 decrypt, anyone publishes the counts: the tally."""
    election.close()
    for guardian in (0, 2):
        receipt = election.share(guardian)
        assert receipt.status == "ok", receipt.error
    tally = [n for question in counts(election.record()) for n in question]
    city.ledger.ok([city.outsider], [sdk.ballots.result(ELECTION, tally)])
    assert election.record()["status"] == "decided"
    return tally


def finalize_msg() -> dict[str, Any]:
    return {"type": "budgeting/finalize", "process": PROCESS, "budget": "north"}


def test_a_secret_budget_is_counted_by_the_ballots_module_and_finalized_from_its_result() -> None:
    city = secret_city()
    ids = list(COSTS)
    election = open_election(city, [budget_question(ids)])
    ballots = ["park,bench", "park", "park,bench", "park", "library,bench", "library", "library,bench", "library"]
    ballots += ["park", "library"]
    for resident, chosen in zip(city.residents, ballots, strict=True):
        assert election.cast(resident, select(ids, chosen)).status == "ok"
    last = city.residents[-1]
    assert election.cast(last, select(ids, "park")).status == "ok"  # a change of mind replaces the ballot
    city.ledger.fails("budgeting.secret_budget", [last], [city.vote_msg(["park"])])  # no public vote
    city.ledger.fails("ballots.not_in_census", [city.outsider], [election.cast_msg(city.outsider, select(ids, "park"))])

    city.goto("results")
    city.ledger.fails("budgeting.no_result", [city.outsider], [finalize_msg()])  # not decided yet

    assert decide(city, election) == [6, 4, 4]  # park, library, bench; the last resident counted once
    assert BALLOTS.voters(city.reader, ELECTION) == 10
    receipt = city.finalize()
    [event] = [e for e in receipt.events if e.type == "budgeting/finalize"]
    # park first (6 votes); library and bench tie at 4, the cheaper first: bench fits, library does not
    assert event.attributes["winners"] == "park,bench"
    assert event.attributes["turnout"] == "10" and event.attributes["spent"] == "700"
    assert [(p, city.project(p).status, city.project(p).votes) for p in ids] == [
        ("park", "selected", 6),
        ("library", "not_selected", 4),
        ("bench", "selected", 4),
    ]
    assert city.balance(city.escrow) == 700  # the winners' costs wait in escrow; the rest went back


@pytest.mark.parametrize(
    ("questions", "why"),
    [
        ([budget_question(["park", "library", "elsewhere"])], "an option that is not a project"),
        ([budget_question(list(COSTS)), budget_question(list(COSTS))], "two questions"),
    ],
)
def test_an_election_that_is_not_over_the_budgets_projects_is_refused_at_finalize(
    questions: list[dict[str, Any]], why: str
) -> None:
    city = secret_city()
    election = open_election(city, questions)
    ids = [o["id"] for o in questions[0]["options"]]
    for resident in city.residents[:2]:
        assert election.cast(resident, select(ids, ids[-1]) * len(questions)).status == "ok"
    city.goto("results")
    decide(city, election)  # the election itself is decided
    city.ledger.fails("budgeting.bad_result", [city.outsider], [finalize_msg()])  # nothing changes
    assert not city.process().budgets[0].finalized, why
