"""A process end to end: the authority opens it (its budget into escrow), residents submit, members
review, residents vote (the last ballot counts), anyone finalizes, inspectors attest milestones two of
three, which pays the implementer; a cancelled project returns what escrow kept for it."""

from __future__ import annotations

from tests.modules.budgeting.conftest import FUNDS, City, budget, rule


def test_a_public_budget_from_creation_to_payouts(city: City) -> None:
    receipt = city.create([budget("north", 1000, rule("spend", min_bp=5000))])
    assert [e.type for e in receipt.events if e.type.startswith("budgeting/")] == ["budgeting/create"]
    assert city.balance(city.escrow) == 1000 and city.balance(city.treasury) == FUNDS - 1000
    city.submit("park", [300, 200])
    city.submit("library", [400], by=city.residents[1])
    city.submit("fountain", [600], by=city.residents[2])
    city.review("park")
    city.review("library")
    city.review("fountain", "reject")
    city.goto("voting")
    city.vote(city.residents[0], ["park", "library"])
    city.vote(city.residents[1], ["park"])
    city.vote(city.residents[1], ["library", "park"])  # replaces: still one voter
    assert city.process().budgets[0].voters == 2
    city.goto("results")
    city.finalize()
    assert city.process().budgets[0].winners == ["library", "park"]  # 2 votes each: the cheaper first
    assert city.balance(city.escrow) == 900 and city.balance(city.treasury) == FUNDS - 900
    city.assign("park")
    city.report("park", 0)
    city.ledger.ok([city.inspectors[0]], [city.attest_msg("park", 0)])
    assert city.balance(city.builder) == 0  # one of two
    city.ledger.ok([city.inspectors[2]], [city.attest_msg("park", 0)])
    assert city.balance(city.builder) == 300
    assert city.process().paid == 300
