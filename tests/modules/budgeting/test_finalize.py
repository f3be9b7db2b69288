"""Finalize's selection against a plain model (property tests), through the pure rule and through the
ledger: winners by votes descending, then cost ascending, then id, each taken if it fits what is left."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.modules.budgeting.conftest import (
    City,
    FakeBallots,
    budget,
    ledger_without_ballots,
    make_city,
    rule,
    secret_ledger,
)
from tests.modules.conftest import Ledger

from metrobloc.modules.budgeting.rules import select

Candidate = tuple[str, int, int]


def plain_winners(candidates: list[Candidate], amount: int) -> list[str]:
    """The documented rule, written the long way: repeatedly the best remaining project by comparing
    every pair, taken if it has votes and fits."""
    remaining, winners, left = list(candidates), [], amount
    while remaining:
        best = remaining[0]
        for c in remaining[1:]:
            if c[2] > best[2] or (c[2] == best[2] and (c[1] < best[1] or (c[1] == best[1] and c[0] < best[0]))):
                best = c
        remaining.remove(best)
        if best[2] >= 1 and best[1] <= left:
            winners.append(best[0])
            left -= best[1]
    return winners


candidates = st.lists(
    st.tuples(st.from_regex(r"[a-z][a-z0-9]{0,5}", fullmatch=True), st.integers(1, 500), st.integers(0, 6)),
    max_size=12,
    unique_by=lambda c: c[0],
)


@given(candidates, st.integers(1, 2000))
def test_select_matches_the_plain_model(cs: list[Candidate], amount: int) -> None:
    winners = select(cs, amount)
    assert winners == plain_winners(cs, amount)
    costs = dict((c[0], c[1]) for c in cs)
    assert sum(costs[w] for w in winners) <= amount


def test_ties_go_to_the_cheaper_then_to_the_smaller_id() -> None:
    assert select([("b", 10, 3), ("a", 10, 3), ("c", 5, 3)], 15) == ["c", "a"]
    assert select([("big", 900, 9), ("small", 200, 1), ("mid", 500, 5)], 1000) == ["big"]  # 100 left: small skipped
    assert select([("big", 900, 9), ("small", 100, 1), ("none", 1, 0)], 1000) == ["big", "small"]  # no vote: none


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    costs=st.lists(st.integers(1, 400), min_size=1, max_size=5),
    ballots=st.lists(st.lists(st.integers(0, 4), min_size=1, max_size=3, unique=True), max_size=6),
)
def test_finalize_on_the_ledger_matches_the_plain_model(costs: list[int], ballots: list[list[int]]) -> None:
    city = make_city(Ledger(), FakeBallots())
    city.create([budget("north", 1000, rule("projects", min=1, max=3))])
    ids = [f"p{i}" for i in range(len(costs))]
    for pid, cost in zip(ids, costs, strict=True):
        city.submit(pid, [cost])
        city.review(pid)
    city.goto("voting")
    votes = dict.fromkeys(ids, 0)
    for who, choice in zip(city.residents, ballots, strict=False):
        chosen = [ids[i] for i in choice if i < len(ids)]
        if chosen:
            city.vote(who, chosen)
            for pid in chosen:
                votes[pid] += 1
    city.goto("results")
    city.finalize()
    expected = plain_winners([(pid, cost, votes[pid]) for pid, cost in zip(ids, costs, strict=True)], 1000)
    assert city.process().budgets[0].winners == expected
    assert {pid: city.project(pid).votes for pid in ids} == votes


def test_a_secret_budget_finalizes_from_the_elections_accepted_result() -> None:
    ballots = FakeBallots()
    city = make_city(secret_ledger(ballots), ballots)
    city.create([budget("north", 1000, rule("projects", min=1, max=2), mode="secret", election="north-2027")])
    for pid, cost in (("park", 600), ("library", 500), ("bench", 100)):
        city.submit(pid, [cost])
        city.review(pid)
    city.goto("voting")
    city.ledger.fails("budgeting.secret_budget", [city.residents[0]], [city.vote_msg(["park"])])
    city.goto("results")
    final = {"type": "budgeting/finalize", "process": "riverside-2027", "budget": "north"}
    city.ledger.fails("budgeting.no_result", [city.outsider], [final])
    ballots.results["north-2027"] = [[("park", 3), ("library", 7)], [("x", 1)]]
    city.ledger.fails("budgeting.bad_result", [city.outsider], [final])  # two questions
    ballots.results["north-2027"] = [[("park", 3), ("elsewhere", 7)]]
    city.ledger.fails("budgeting.bad_result", [city.outsider], [final])  # not this budget's project
    ballots.results["north-2027"] = [[("park", 3), ("library", 7), ("bench", 3)]]
    ballots.turnout["north-2027"] = 9
    receipt = city.finalize()
    [event] = [e for e in receipt.events if e.type == "budgeting/finalize"]
    assert event.attributes["winners"] == "library,bench" and event.attributes["turnout"] == "9"
    assert city.balance(city.escrow) == 600


def test_a_secret_budget_needs_the_ballots_module() -> None:
    """A chain composed without the ballots module refuses a secret budget."""
    city = make_city(ledger_without_ballots(), FakeBallots())
    secret = budget("north", 1000, mode="secret", election="north-2027")
    city.authority_fails("budgeting.no_ballots", [_create_msg(city, [secret])])


def _create_msg(city: City, budgets: list[dict[str, object]]) -> dict[str, object]:
    start = city.ledger.next_time_ms + 2000
    return {
        "type": "budgeting/create",
        "process": "riverside-2027",
        "org": "riverside-council",
        "asset": "CITY",
        "budgets": budgets,
        "phases": {
            "submit_from_ms": start,
            "review_from_ms": start + 1,
            "vote_from_ms": start + 2,
            "vote_until_ms": start + 3,
        },
        "census": {"credential_type": "ResidencyCredential"},
        "inspection": {"inspectors": [city.inspectors[0].address], "threshold": 1},
        "description_digest": "0" * 64,
    }
