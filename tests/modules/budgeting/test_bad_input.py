"""Bad input is refused with a specific code and changes nothing: at admission (the message's shape) and
at execution (who sends it, when, and what state allows)."""

from __future__ import annotations

from typing import Any

import pytest
from tests.modules.budgeting.conftest import ORG, PROCESS, RESIDENCY, City, budget, digest, milestones, rule

from metrobloc import sdk
from metrobloc.errors import InvalidInput


def create_msg(city: City, **kw: Any) -> dict[str, Any]:
    start = city.ledger.next_time_ms + 2000
    msg = {
        "type": "budgeting/create",
        "process": PROCESS,
        "org": ORG,
        "asset": "CITY",
        "budgets": [budget("north", 1000)],
        "phases": {
            "submit_from_ms": start,
            "review_from_ms": start + 10,
            "vote_from_ms": start + 20,
            "vote_until_ms": start + 30,
        },
        "census": {"credential_type": RESIDENCY},
        "inspection": {"inspectors": [i.address for i in city.inspectors], "threshold": 2},
        "description_digest": digest("d"),
    }
    return {**msg, **kw}


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"process": "X"}, "budgeting.bad_process"),
        ({"org": "Riverside"}, "budgeting.bad_org"),
        ({"description_digest": "abc"}, "budgeting.bad_digest"),
        ({"budgets": []}, None),
        ({"budgets": [budget("n", 5), budget("n", 6)]}, "budgeting.bad_budgets"),
        ({"budgets": [budget("N!", 5)]}, "budgeting.bad_id"),
        ({"budgets": [budget("n", 5, mode="secret")]}, "budgeting.bad_mode"),
        ({"budgets": [budget("n", 5, election="e1")]}, "budgeting.bad_mode"),
        ({"budgets": [budget("n", 5, mode="secret", election="E 1")]}, "budgeting.bad_election"),
        ({"budgets": [budget("n", 0)]}, None),
        (
            {"phases": {"submit_from_ms": 5, "review_from_ms": 5, "vote_from_ms": 6, "vote_until_ms": 7}},
            "budgeting.bad_phases",
        ),
        (
            {"phases": {"submit_from_ms": 5, "review_from_ms": 6, "vote_from_ms": 8, "vote_until_ms": 7}},
            "budgeting.bad_phases",
        ),
        ({"inspection": {"inspectors": [], "threshold": 1}}, None),
        ({"inspection": {"inspectors": ["x"], "threshold": 1}}, None),
    ],
)
def test_malformed_creations_are_refused_at_admission(city: City, change: dict[str, Any], code: str | None) -> None:
    with pytest.raises(InvalidInput) as err:
        city.ledger.app.parse_msgs([create_msg(city, **change)])
    if code is not None:
        assert err.value.code == code


def test_inspectors_distinct_and_a_threshold_they_can_reach(city: City) -> None:
    a = city.inspectors[0].address
    for inspection in ({"inspectors": [a, a], "threshold": 1}, {"inspectors": [a], "threshold": 2}):
        with pytest.raises(InvalidInput) as err:
            city.ledger.app.parse_msgs([create_msg(city, inspection=inspection)])
        assert err.value.code == "budgeting.bad_inspectors"


def test_only_the_authoritys_treasury_creates_and_funds_a_process(city: City) -> None:
    city.ledger.fails("budgeting.not_authority", [city.alice], [create_msg(city)])
    city.authority_fails("budgeting.unknown_org", [create_msg(city, org="nobody-here")])
    city.authority_fails("budgeting.unknown_asset", [create_msg(city, asset="NOPE")])
    city.authority_fails("assets.insufficient_funds", [create_msg(city, budgets=[budget("n", 10**9)])])
    city.create()
    city.authority_fails("budgeting.process_exists", [create_msg(city)])


@pytest.fixture
def open_city(city: City) -> City:
    city.create([budget("north", 1000, rule("spend", min_bp=5000)), budget("south", 500)])
    city.submit("park", [300, 300])
    return city


def submit_msg(project: str = "slide", cost: tuple[int, ...] = (100,), b: str = "north") -> dict[str, Any]:
    return {
        "type": "budgeting/submit",
        "process": PROCESS,
        "budget": b,
        "project": project,
        "summary_digest": digest(project),
        "milestones": milestones(*cost),
    }


def test_bad_submissions(open_city: City) -> None:
    city, r = open_city, open_city.residents[1]
    city.ledger.fails("budgeting.not_resident", [city.outsider], [submit_msg()])
    city.ledger.fails("budgeting.project_exists", [r], [submit_msg("park")])
    city.ledger.fails("budgeting.unknown_budget", [r], [submit_msg(b="east")])
    city.ledger.fails("budgeting.unknown_process", [r], [{**submit_msg(), "process": "elsewhere"}])
    city.ledger.fails("budgeting.cost_over_budget", [r], [submit_msg(cost=(300, 201), b="south")])
    with pytest.raises(InvalidInput):
        city.ledger.app.parse_msgs([{**submit_msg(), "milestones": []}])
    city.ledger.ok([r], [submit_msg(cost=(300, 200), b="south")])  # exactly the budget
    city.goto("review")
    city.ledger.fails("budgeting.wrong_phase", [r], [submit_msg("late")])


def test_reviews_by_members_before_voting_only(open_city: City) -> None:
    city = open_city
    review = {"type": "budgeting/review", "process": PROCESS, "project": "park", "reason_digest": digest("r")}
    city.ledger.fails("budgeting.not_reviewer", [city.residents[0]], [{**review, "decision": "accept"}])
    city.ledger.fails("budgeting.unknown_project", [city.bob], [{**review, "project": "nope", "decision": "accept"}])
    with pytest.raises(InvalidInput) as err:
        city.ledger.app.parse_msgs([{**review, "decision": "maybe"}])
    assert err.value.code == "budgeting.bad_decision"
    city.review("park", "reject")
    city.review("park", "accept", by=city.alice)  # changes its mind before voting
    city.goto("voting")
    city.ledger.fails("budgeting.wrong_phase", [city.bob], [{**review, "decision": "reject"}])


def test_bad_ballots(open_city: City) -> None:
    city = open_city
    city.ledger.ok([city.residents[1]], [submit_msg("slide", (100,))])  # never reviewed
    city.review("park")
    vote = city.vote_msg(["park"])
    city.ledger.fails("budgeting.wrong_phase", [city.residents[0]], [vote])
    city.goto("voting")
    city.ledger.fails("budgeting.not_resident", [city.outsider], [vote])
    city.ledger.fails("budgeting.not_accepted", [city.residents[0]], [city.vote_msg(["park", "slide"])])
    city.ledger.fails("budgeting.not_accepted", [city.residents[0]], [city.vote_msg(["nope"])])
    city.ledger.fails("budgeting.not_accepted", [city.residents[0]], [city.vote_msg(["park"], "south")])
    with pytest.raises(InvalidInput) as err:
        city.ledger.app.parse_msgs([city.vote_msg(["park", "park"])])
    assert err.value.code == "budgeting.bad_selection"
    city.ledger.ok([city.registry], [sdk.identity.unenrol(RESIDENCY, [city.residents[2].address])])
    city.ledger.fails("budgeting.not_resident", [city.residents[2]], [vote])  # left the census
    city.vote(city.residents[0], ["park"])
    final = {"type": "budgeting/finalize", "process": PROCESS, "budget": "north"}
    city.ledger.fails("budgeting.wrong_phase", [city.outsider], [final])
    city.goto("results")
    city.ledger.fails("budgeting.wrong_phase", [city.residents[1]], [vote])
    city.finalize()
    city.ledger.fails("budgeting.finalized", [city.outsider], [final])


def test_overrides_are_the_authoritys_public_acts_with_reasons(open_city: City) -> None:
    city = open_city
    city.ledger.ok([city.residents[1]], [submit_msg("slide", (500,))])
    city.review("park")
    city.review("slide")
    override = {
        "type": "budgeting/override",
        "process": PROCESS,
        "budget": "north",
        "winners": ["slide"],
        "reason_digest": digest("safety"),
    }
    city.goto("voting")
    city.vote(city.residents[0], ["park"])
    city.goto("results")
    city.authority_fails("budgeting.not_finalized", [override])
    city.finalize()
    assert city.process().budgets[0].winners == ["park"]
    city.ledger.fails("budgeting.not_authority", [city.alice], [override])
    city.authority_fails("budgeting.not_accepted", [{**override, "winners": ["nope"]}])
    city.authority_fails("budgeting.spend_too_high", [{**override, "winners": ["slide", "park"]}])
    escrow = city.balance(city.escrow)
    receipt = city.authority_ok([override])
    [event] = [e.attributes for e in receipt.events if e.type == "budgeting/override"]
    assert event == {
        "process": PROCESS,
        "budget": "north",
        "winners": "slide",
        "spent": "500",
        "reason_digest": digest("safety"),
    }
    assert city.balance(city.escrow) == escrow - 100
    assert city.process().budgets[0].override_reason == digest("safety")
    assert (city.project("slide").status, city.project("park").status) == ("selected", "not_selected")
    city.assign("slide")
    city.authority_fails("budgeting.delivery_started", [{**override, "winners": ["park"]}])
