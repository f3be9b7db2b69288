"""Accountability: an implementer reports milestones with evidence; k of n inspectors attest the latest
evidence; only then does the milestone's amount move from escrow to the implementer. Progress is the
weighted integer average of the milestones; a cancelled project returns what escrow kept for it."""

from __future__ import annotations

import pytest
from tests.modules.budgeting.conftest import FUNDS, PROCESS, City, budget, digest, rule


@pytest.fixture
def delivering(city: City) -> City:
    """``park`` (milestones 300, 200, 500) won and ``library`` (100) won; the builder implements park."""
    city.create([budget("north", 2000, rule("spend", min_bp=1))])
    city.submit("park", [300, 200, 500])
    city.submit("library", [100])
    city.review("park")
    city.review("library")
    city.goto("voting")
    city.vote(city.residents[0], ["park", "library"])
    city.goto("results")
    city.finalize()
    city.assign("park")
    return city


def attest(city: City, inspector: int, milestone: int, evidence: str = "photos", project: str = "park") -> None:
    city.ledger.ok([city.inspectors[inspector]], [city.attest_msg(project, milestone, evidence)])


def test_a_milestone_pays_only_at_the_thresholdth_attestation(delivering: City) -> None:
    city = delivering
    city.report("park", 1)
    attest(city, 0, 1)
    assert city.balance(city.builder) == 0 and not city.project("park").milestones[1].paid
    city.ledger.fails("budgeting.already_attested", [city.inspectors[0]], [city.attest_msg("park", 1)])
    city.ledger.fails("budgeting.not_inspector", [city.builder], [city.attest_msg("park", 1)])
    city.ledger.fails("budgeting.not_inspector", [city.alice], [city.attest_msg("park", 1)])
    before = city.balance(city.escrow)
    receipt = city.ledger.ok([city.inspectors[1]], [city.attest_msg("park", 1)])
    release = [e.attributes for e in receipt.events if e.type == "budgeting/release"]
    assert release == [
        {"process": PROCESS, "project": "park", "milestone": "1", "to": city.builder.address, "amount": "200"}
    ]
    assert city.balance(city.builder) == 200 and city.balance(city.escrow) == before - 200
    city.ledger.fails("budgeting.milestone_paid", [city.inspectors[2]], [city.attest_msg("park", 1)])
    city.ledger.fails(
        "budgeting.milestone_paid",
        [city.builder],
        [{**city.attest_msg("park", 1), "type": "budgeting/report", "percent": 100}],
    )


def test_inspectors_attest_only_complete_reports_of_the_latest_evidence(delivering: City) -> None:
    city = delivering
    city.ledger.fails("budgeting.not_complete", [city.inspectors[0]], [city.attest_msg("park", 0)])
    city.report("park", 0, percent=60, evidence="half done")
    city.ledger.fails("budgeting.not_complete", [city.inspectors[0]], [city.attest_msg("park", 0, "half done")])
    city.report("park", 0, percent=100, evidence="v1")
    attest(city, 0, 0, "v1")
    city.ledger.fails("budgeting.stale_evidence", [city.inspectors[1]], [city.attest_msg("park", 0, "v0")])
    city.report("park", 0, percent=100, evidence="v2")  # new evidence: inspection starts over
    assert city.project("park").milestones[0].attested_by == []
    attest(city, 1, 0, "v2")
    assert city.balance(city.builder) == 0
    attest(city, 0, 0, "v2")
    assert city.balance(city.builder) == 300


def test_only_the_implementer_reports_and_only_a_winner_is_delivered(delivering: City) -> None:
    city = delivering
    report = {
        "type": "budgeting/report",
        "process": PROCESS,
        "project": "park",
        "milestone": 0,
        "percent": 10,
        "evidence_digest": digest("x"),
    }
    city.ledger.fails("budgeting.not_implementer", [city.residents[0]], [report])
    city.ledger.fails("budgeting.no_implementer", [city.builder], [{**report, "project": "library"}])
    city.ledger.fails("budgeting.unknown_milestone", [city.builder], [{**report, "milestone": 3}])
    city.ledger.fails("budgeting.unknown_project", [city.builder], [{**report, "project": "nope"}])
    assign = {"type": "budgeting/assign", "process": PROCESS, "project": "library"}
    city.authority_fails("budgeting.conflict_of_interest", [{**assign, "implementer": city.inspectors[0].address}])
    city.ledger.fails(
        "budgeting.not_authority", [city.alice], [{**assign, "implementer": city.builder.address}]
    )  # a member is not the authority: only a passed proposal is


def test_progress_is_the_weighted_integer_average_of_the_milestones(delivering: City) -> None:
    city = delivering

    def progress() -> int:
        [view] = [p for p in city.view()["projects"] if p["project"] == "park"]
        return int(view["progress"])

    assert progress() == 0
    city.report("park", 0, percent=50)  # 300 * 50 / 1000 = 15
    assert progress() == 15
    city.report("park", 2, percent=33)  # + 500 * 33 = 16,500 -> (15,000 + 16,500) / 1000 = 31.5 -> 31
    assert progress() == 31
    city.report("park", 1, percent=100, evidence="done")
    attest(city, 0, 1, "done")
    attest(city, 2, 1, "done")  # paid: 200 * 100 -> 51.5 -> 51
    assert progress() == 51
    for m in (0, 2):
        city.report("park", m)
        attest(city, 0, m)
        attest(city, 1, m)
    assert progress() == 100 and city.balance(city.builder) == 1000
    assert city.project("park").paid == 1000


def test_cancelling_returns_what_escrow_kept_for_the_project(delivering: City) -> None:
    city = delivering
    city.report("park", 0)
    attest(city, 0, 0)
    attest(city, 1, 0)
    treasury = city.balance(city.treasury)
    cancel = {"type": "budgeting/cancel", "process": PROCESS, "project": "park", "reason_digest": digest("flooded")}
    receipt = city.authority_ok([cancel])
    [event] = [e.attributes for e in receipt.events if e.type == "budgeting/cancel"]
    assert event["refunded"] == "700"
    assert city.balance(city.treasury) == treasury + 700
    assert city.balance(city.escrow) == 100  # the library's
    assert city.project("park").status == "cancelled"
    city.ledger.fails(
        "budgeting.cancelled",
        [city.builder],
        [{**city.attest_msg("park", 1), "type": "budgeting/report", "percent": 5}],
    )
    city.authority_fails("budgeting.cancelled", [cancel])
    p = city.process()
    assert p.funded == p.paid + p.refunded + city.balance(city.escrow) == 2000
    assert city.balance(city.treasury) + city.balance(city.escrow) + city.balance(city.builder) == FUNDS
