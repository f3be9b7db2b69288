"""Decidim's three voting rules at their exact boundaries, on the ledger: a ballot that breaks its budget's
rule is refused with the rule's code and changes nothing; one exactly at the boundary counts."""

from __future__ import annotations

from typing import Any

import pytest
from tests.modules.budgeting.conftest import City, budget, rule

from metrobloc.errors import InvalidInput
from metrobloc.modules.budgeting import errors
from metrobloc.modules.budgeting.rules import VotingRule, ballot_error

SPEND = budget("spend", 1000, rule("spend", min_bp=5000))
AT_LEAST = budget("atleast", 1000, rule("min_projects", min=2))
RANGE = budget("range", 1000, rule("projects", min=1, max=2))
COSTS = {"spend": [1, 249, 250, 499, 500, 1000], "atleast": [1, 400, 599, 600], "range": [900, 800, 700]}


@pytest.fixture
def voting(city: City) -> City:
    city.create([SPEND, AT_LEAST, RANGE])
    for name, costs in COSTS.items():
        for cost in costs:
            project = f"{name}-{cost}"
            city.submit(project, [cost], b=name)
            city.review(project)
    city.goto("voting")
    return city


def refused(city: City, code: str, projects: list[str], b: str) -> None:
    city.ledger.fails(code, [city.residents[0]], [city.vote_msg(projects, b)])


def test_spend_at_least_x_percent_and_at_most_all(voting: City) -> None:
    refused(voting, "budgeting.spend_too_low", ["spend-499"], "spend")  # 49.9 %
    refused(voting, "budgeting.spend_too_low", ["spend-249", "spend-250"], "spend")  # 499
    refused(voting, "budgeting.spend_too_high", ["spend-1000", "spend-1"], "spend")  # 1001
    voting.vote(voting.residents[0], ["spend-500"], "spend")  # exactly 50 %
    voting.vote(voting.residents[1], ["spend-249", "spend-1", "spend-250"], "spend")  # exactly 500 in three
    voting.vote(voting.residents[2], ["spend-1000"], "spend")  # exactly 100 %
    assert voting.process().budgets[0].voters == 3


def test_at_least_n_projects_within_the_budget(voting: City) -> None:
    refused(voting, "budgeting.too_few_projects", ["atleast-1"], "atleast")
    refused(voting, "budgeting.spend_too_high", ["atleast-600", "atleast-400", "atleast-1"], "atleast")  # 1001
    voting.vote(voting.residents[0], ["atleast-1", "atleast-400"], "atleast")  # exactly two
    voting.vote(voting.residents[1], ["atleast-600", "atleast-400"], "atleast")  # exactly the budget


def test_between_min_and_max_projects_whatever_they_cost(voting: City) -> None:
    refused(voting, "budgeting.too_many_selected", ["range-900", "range-800", "range-700"], "range")
    voting.vote(voting.residents[0], ["range-900"], "range")  # exactly the minimum
    voting.vote(voting.residents[1], ["range-900", "range-800"], "range")  # exactly the maximum, 1700 > 1000


@pytest.mark.parametrize(
    ("rule_", "costs", "expected"),
    [
        (VotingRule("spend", min_bp=1), [], errors.SPEND_TOO_LOW),
        (VotingRule("spend", min_bp=1), [1], None),  # 1 * 10000 >= 1 * 1000
        (VotingRule("spend", min_bp=10_000), [999], errors.SPEND_TOO_LOW),
        (VotingRule("spend", min_bp=10_000), [1000], None),
        (VotingRule("spend", min_bp=3333), [333], errors.SPEND_TOO_LOW),  # 3,330,000 < 3,333,000
        (VotingRule("spend", min_bp=3333), [334], None),
        (VotingRule("min_projects", min=3), [1, 1], errors.TOO_FEW),
        (VotingRule("min_projects", min=3), [1, 1, 998], None),
        (VotingRule("min_projects", min=3), [1, 1, 999], errors.SPEND_TOO_HIGH),
        (VotingRule("projects", min=2, max=2), [5000], errors.TOO_FEW),
        (VotingRule("projects", min=2, max=2), [5000, 5000], None),
        (VotingRule("projects", min=2, max=2), [1, 1, 1], errors.TOO_MANY),
    ],
)
def test_the_rules_as_integer_arithmetic(rule_: VotingRule, costs: list[int], expected: object) -> None:
    assert ballot_error(rule_, 1000, costs) == expected


def test_a_rule_out_of_shape_is_refused_at_admission(city: City) -> None:
    for bad in (
        rule("spend", min_bp=0),
        rule("spend", min_bp=10_001),
        {"kind": "spend", "min_bp": 5000, "min": 1},
        rule("min_projects", min=0),
        rule("projects", min=3, max=2),
        rule("projects", min=0, max=2),
        {"kind": "ranked"},
    ):
        msg: dict[str, Any] = {"type": "budgeting/create", "process": "p-bad", "org": "riverside-council"}
        msg |= {"asset": "CITY", "budgets": [budget("n", 10, bad)], "phases": {}, "census": {}, "inspection": {}}
        with pytest.raises(InvalidInput) as err:
            city.ledger.app.parse_msgs([msg])
        assert err.value.code == "budgeting.bad_rule", (bad, err.value)
