"""The orgs queries over state (what the routes and portal pages answer): the paged list of orgs, an
org with its members, roles and budgets, its proposals by status and in pages, and a proposal with
every vote, whether it passes, and its phase at a time."""

from __future__ import annotations

import pytest
from tests.modules.orgs.conftest import DELAY, ORG, PERIOD, Civic, digest, transfer

from metrobloc import sdk
from metrobloc.errors import MetroblocError
from metrobloc.modules.orgs import queries


def test_orgs_are_listed_by_id_in_pages(civic: Civic) -> None:
    for org in ("alpha-club", "zeta-club", "mid-club"):
        civic.create(org)
    first = queries.orgs(civic.reader, limit=2)
    assert [o["org"] for o in first["orgs"]] == ["alpha-club", "mid-club"]
    second = queries.orgs(civic.reader, cursor=first["next"], limit=2)
    assert [o["org"] for o in second["orgs"]] == [ORG, "zeta-club"]
    assert second["next"] is None
    assert first["orgs"][0]["treasury"] == sdk.orgs.treasury("alpha-club")


def test_an_org_answers_members_with_roles_rules_treasury_and_budgets(civic: Civic) -> None:
    actions = [
        dict(sdk.orgs.set_budget(ORG, "CITY", 700, PERIOD)),
        dict(sdk.orgs.grant_role(ORG, civic.carol.address, "treasurer")),
    ]
    civic.passed("setup", actions)
    civic.ledger.ok([civic.carol], [sdk.orgs.pay(ORG, "CITY", civic.dave.address, 300)])
    now = civic.ledger.next_time_ms
    info = civic.info(at_ms=now)
    assert info["org"] == ORG and info["treasury"] == civic.treasury and info["charter_digest"] == digest("charter")
    assert (info["member_count"], info["total_weight"], info["proposals"]) == (3, 6, 1)
    assert info["voting"] == {
        "support_bp": 5000,
        "quorum_bp": 5000,
        "period_ms": PERIOD,
        "exec_delay_ms": DELAY,
        "early_execution": False,
    }
    assert {m["address"]: (m["weight"], m["roles"]) for m in info["members"]} == {
        civic.alice.address: (3, []),
        civic.bob.address: (2, []),
        civic.carol.address: (1, ["treasurer"]),
    }
    assert info["roles"] == {"treasurer": [civic.carol.address]}
    (budget,) = info["budgets"]
    period = now // PERIOD
    assert budget == {
        "asset": "CITY",
        "amount": "700",
        "period_ms": PERIOD,
        "period": period,
        "spent": "300",
        "height": budget["height"],
        "now": {
            "period": period,
            "period_start_ms": period * PERIOD,
            "period_end_ms": (period + 1) * PERIOD,
            "spent": "300",
            "left": "400",
        },
    }
    assert "now" not in civic.info()["budgets"][0] and "at_ms" not in civic.info()


def test_proposals_are_listed_in_the_order_they_were_made_by_status_and_in_pages(civic: Civic) -> None:
    for name in ("zz-first", "aa-second", "mm-third"):
        civic.propose(name, [])
    civic.vote(civic.alice, "aa-second", "yes")
    civic.vote(civic.bob, "aa-second", "yes")
    civic.wait_until(civic.proposal("aa-second")["executable_from_ms"])
    civic.execute("aa-second")
    civic.execute("mm-third")  # no votes: rejected
    every = queries.proposals(civic.reader, ORG)
    assert [(p["proposal"], p["seq"], p["status"]) for p in every["proposals"]] == [
        ("zz-first", 0, "open"),
        ("aa-second", 1, "executed"),
        ("mm-third", 2, "rejected"),
    ]
    assert every["next"] is None and [p["passes"] for p in every["proposals"]] == [False, True, False]
    page = queries.proposals(civic.reader, ORG, limit=2)
    assert [p["proposal"] for p in page["proposals"]] == ["zz-first", "aa-second"] and page["next"] == 1
    rest = queries.proposals(civic.reader, ORG, cursor=page["next"], limit=2)
    assert [p["proposal"] for p in rest["proposals"]] == ["mm-third"] and rest["next"] is None
    for status, expected in (("open", ["zz-first"]), ("executed", ["aa-second"]), ("rejected", ["mm-third"])):
        assert [p["proposal"] for p in queries.proposals(civic.reader, ORG, status=status)["proposals"]] == expected


def test_a_proposal_answers_its_phase_at_a_time(civic: Civic) -> None:
    civic.propose("p", [transfer("CITY", civic.dave.address, 1)])
    start = civic.proposal("p")["start_ms"]
    end = start + PERIOD
    assert civic.proposal("p", at_ms=start)["phase"] == "voting"
    assert civic.proposal("p", at_ms=end)["phase"] == "failed"  # no votes: an execute would reject it
    civic.vote(civic.alice, "p", "yes")
    answer = civic.proposal("p", at_ms=end)
    assert (answer["phase"], answer["passes"], answer["decided"]) == ("passed", True, True)
    assert answer["executable_from_ms"] == end + DELAY
    assert (answer["quiet_window_ms"], answer["quiet_from_ms"]) == (PERIOD // 10, end - PERIOD // 10)
    assert civic.proposal("p", at_ms=end + DELAY)["phase"] == "executable"
    assert answer["actions"] == [transfer("CITY", civic.dave.address, 1)]
    assert "phase" not in civic.proposal("p")


@pytest.mark.parametrize(
    ("call", "code"),
    [
        (lambda r: queries.org(r, "Bad Id"), "orgs.bad_org"),
        (lambda r: queries.org(r, "no-such-org"), "orgs.unknown_org"),
        (lambda r: queries.orgs(r, cursor="NO"), "orgs.bad_org"),
        (lambda r: queries.orgs(r, limit=0), "orgs.bad_query"),
        (lambda r: queries.proposals(r, ORG, status="pending"), "orgs.bad_query"),
        (lambda r: queries.proposals(r, ORG, limit=101), "orgs.bad_query"),
        (lambda r: queries.proposals(r, "no-such-org"), "orgs.unknown_org"),
        (lambda r: queries.proposal(r, ORG, "Bad!"), "orgs.bad_proposal"),
        (lambda r: queries.proposal(r, ORG, "missing"), "orgs.unknown_proposal"),
        (lambda r: queries.proposal(r, "no-such-org", "missing"), "orgs.unknown_org"),
    ],
)
def test_bad_or_unknown_ids_get_their_codes(civic: Civic, call: object, code: str) -> None:
    with pytest.raises(MetroblocError) as refused:
        call(civic.reader)  # type: ignore[operator]
    assert refused.value.code == code
