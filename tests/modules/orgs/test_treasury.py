"""The treasury (must-hold 2 and 3 of issue 13): a passed proposal's actions apply all together or not
at all; treasurers pay within the budget of the period, not beyond it, and the same payment passes by
proposal; the org-internal messages (members, rules, budgets, roles) only come from the treasury."""

from __future__ import annotations

from typing import Any

import pytest
from tests.modules.orgs.conftest import FUNDS, MINUTE, ORG, Civic, transfer

from metrobloc import sdk
from metrobloc.crypto import PrivateKey
from metrobloc.modules.assets.keeper import AssetsKeeper
from metrobloc.modules.orgs import KEEPER

DAY = 1440 * MINUTE
SOMEONE = PrivateKey(b"\x05" * 32).address


def set_budget(amount: int, period_ms: int = DAY, asset: str = "CITY") -> dict[str, Any]:
    return dict(sdk.orgs.set_budget(ORG, asset, amount, period_ms))


def pay(to: str, amount: int, asset: str = "CITY") -> dict[str, Any]:
    return dict(sdk.orgs.pay(ORG, asset, to, amount))


def treasurer(civic: Civic, budget: int, period_ms: int = DAY) -> None:
    """Make bob the treasurer with a CITY budget, by proposal."""
    actions = [set_budget(budget, period_ms), dict(sdk.orgs.grant_role(ORG, civic.bob.address, "treasurer"))]
    assert civic.passed("budget", actions).status == "ok"


def test_a_passed_proposal_applies_a_payment_a_membership_and_a_transfer_together(civic: Civic) -> None:
    actions = [
        pay(civic.dave.address, 300),
        dict(sdk.orgs.set_member(ORG, civic.dave.address, 2)),
        transfer("CITY", civic.carol.address, 200),
    ]
    receipt = civic.passed("bundle", actions)
    assert receipt.status == "ok", receipt.error
    assert [e.type for e in receipt.events] == ["orgs/pay", "orgs/set_member", "assets/transfer", "orgs/execute"]
    assert receipt.events[0].attributes["by"] == civic.treasury
    assert civic.ledger.balance("CITY", civic.dave) == 300
    assert civic.ledger.balance("CITY", civic.carol) == 200
    assert civic.ledger.balance("CITY", civic.treasury) == FUNDS - 500
    assert civic.members()[civic.dave.address] == 2


def test_one_failing_action_fails_the_execution_with_its_code_and_nothing_applies(civic: Civic) -> None:
    actions = [
        pay(civic.dave.address, 300),
        dict(sdk.orgs.set_member(ORG, civic.dave.address, 2)),
        transfer("CITY", civic.carol.address, FUNDS),  # beyond what is left after the payment
    ]
    civic.propose("bundle", actions)
    for who in (civic.alice, civic.bob):
        civic.vote(who, "bundle", "yes")
    civic.wait_until(civic.proposal("bundle")["executable_from_ms"])
    receipt = civic.ledger.fails("assets.insufficient_funds", [civic.dave], [sdk.orgs.execute(ORG, "bundle")])
    assert receipt.error is not None and receipt.error["message"].startswith("actions[2] (assets/transfer): ")
    assert civic.proposal("bundle")["status"] == "open"  # it passed: it can be executed once it can succeed
    civic.ledger.ok([civic.ledger.admin], [sdk.assets.mint("CITY", civic.treasury, 300)])
    assert civic.execute("bundle").status == "ok"
    assert civic.ledger.balance("CITY", civic.carol) == FUNDS
    assert civic.ledger.balance("CITY", civic.treasury) == 0


def test_an_action_refused_by_its_own_module_fails_the_execution_with_that_code(civic: Civic) -> None:
    civic.propose("grant", [dict(sdk.accounts.grant_role(civic.dave.address, "asset_issuer"))])
    for who in (civic.alice, civic.bob):
        civic.vote(who, "grant", "yes")
    civic.wait_until(civic.proposal("grant")["executable_from_ms"])
    civic.ledger.fails("accounts.missing_role", [civic.dave], [sdk.orgs.execute(ORG, "grant")])


def test_the_treasurer_pays_within_the_budget_of_the_period_and_not_beyond(civic: Civic) -> None:
    treasurer(civic, 500)
    receipt = civic.ledger.ok([civic.bob], [pay(civic.dave.address, 300)])
    assert [(e.type, e.attributes) for e in receipt.events] == [
        ("orgs/pay", {"org": ORG, "asset": "CITY", "to": civic.dave.address, "amount": "300", "by": civic.bob.address})
    ]
    civic.ledger.ok([civic.bob], [pay(civic.carol.address, 200)])  # exactly the budget
    civic.ledger.fails("orgs.over_budget", [civic.bob], [pay(civic.dave.address, 1)])
    now = civic.ledger.next_time_ms
    (budget,) = civic.info(at_ms=now)["budgets"]
    assert (budget["amount"], budget["spent"], budget["now"]["left"]) == ("500", "500", "0")
    civic.wait_until((now // DAY + 1) * DAY)  # the next period, aligned on block time // period
    assert civic.info(at_ms=civic.ledger.next_time_ms)["budgets"][0]["now"]["left"] == "500"
    civic.ledger.ok([civic.bob], [pay(civic.dave.address, 500)])
    assert civic.ledger.balance("CITY", civic.dave) == 800
    assert civic.ledger.balance("CITY", civic.treasury) == FUNDS - 1000


def test_beyond_the_budget_the_same_payment_passes_by_proposal_and_does_not_use_the_budget(civic: Civic) -> None:
    treasurer(civic, 100)
    civic.ledger.fails("orgs.over_budget", [civic.bob], [pay(civic.dave.address, 150)])
    assert civic.passed("big", [pay(civic.dave.address, 150)]).status == "ok"
    assert civic.ledger.balance("CITY", civic.dave) == 150
    budget = KEEPER.budget(civic.ledger.state, ORG, "CITY")
    assert budget is not None and budget.spent == 0


def test_non_treasurers_cannot_pay_and_an_asset_without_budget_needs_a_proposal(civic: Civic) -> None:
    treasurer(civic, 500)
    civic.ledger.fails("orgs.not_treasurer", [civic.alice], [pay(civic.dave.address, 10)])  # a member
    civic.ledger.fails("orgs.not_treasurer", [civic.dave], [pay(civic.dave.address, 10)])  # an outsider
    civic.ledger.ok([civic.ledger.admin], [sdk.assets.create("FOOD", "Food voucher")])
    civic.ledger.fails("orgs.no_budget", [civic.bob], [pay(civic.dave.address, 10, "FOOD")])
    civic.ledger.fails("orgs.unknown_org", [civic.bob], [sdk.orgs.pay("other-org", "CITY", civic.dave.address, 1)])


def test_a_payment_beyond_the_treasury_balance_fails_with_the_assets_code(civic: Civic) -> None:
    treasurer(civic, FUNDS * 2)
    civic.ledger.fails("assets.insufficient_funds", [civic.bob], [pay(civic.dave.address, FUNDS + 1)])


def test_removing_a_member_takes_its_roles_and_revoking_stops_its_payments(civic: Civic) -> None:
    treasurer(civic, 500)
    assert civic.info()["roles"] == {"treasurer": [civic.bob.address]}
    assert civic.passed("revoke", [dict(sdk.orgs.revoke_role(ORG, civic.bob.address, "treasurer"))]).status == "ok"
    civic.ledger.fails("orgs.not_treasurer", [civic.bob], [pay(civic.dave.address, 10)])
    grant_then_remove = [
        dict(sdk.orgs.grant_role(ORG, civic.carol.address, "treasurer")),
        dict(sdk.orgs.set_member(ORG, civic.carol.address, 0)),
    ]
    assert civic.passed("out", grant_then_remove).status == "ok"
    assert civic.carol.address not in civic.members() and civic.info()["roles"] == {}
    civic.ledger.fails("orgs.not_treasurer", [civic.carol], [pay(civic.dave.address, 10)])


def test_changing_a_budget_keeps_what_was_spent_in_the_period_and_zero_removes_it(civic: Civic) -> None:
    treasurer(civic, 500)
    civic.ledger.ok([civic.bob], [pay(civic.dave.address, 400)])
    assert civic.passed("raise", [set_budget(600)]).status == "ok"
    civic.ledger.fails("orgs.over_budget", [civic.bob], [pay(civic.dave.address, 201)])
    civic.ledger.ok([civic.bob], [pay(civic.dave.address, 200)])
    assert civic.passed("drop", [set_budget(0)]).status == "ok"
    assert civic.info()["budgets"] == []
    civic.ledger.fails("orgs.no_budget", [civic.bob], [pay(civic.dave.address, 1)])


@pytest.mark.parametrize(
    ("msg", "code"),
    [
        ({"type": "orgs/set_budget", "org": ORG, "asset": "CITY", "amount": "0", "period_ms": DAY}, "orgs.no_budget"),
        (
            {"type": "orgs/set_budget", "org": ORG, "asset": "NOPE", "amount": "5", "period_ms": DAY},
            "orgs.unknown_asset",
        ),
        ({"type": "orgs/grant_role", "org": ORG, "address": "DAVE", "role": "treasurer"}, "orgs.unknown_member"),
        ({"type": "orgs/set_member", "org": ORG, "address": "DAVE", "weight": 0}, "orgs.unknown_member"),
    ],
)
def test_an_internal_message_that_cannot_apply_fails_its_proposal_with_its_code(
    civic: Civic, msg: dict[str, Any], code: str
) -> None:
    action = {k: civic.dave.address if v == "DAVE" else v for k, v in msg.items()}
    civic.propose("p", [action])
    for who in (civic.alice, civic.bob):
        civic.vote(who, "p", "yes")
    civic.wait_until(civic.proposal("p")["executable_from_ms"])
    civic.ledger.fails(code, [civic.dave], [sdk.orgs.execute(ORG, "p")])


@pytest.mark.parametrize(
    "msg",
    [
        sdk.orgs.set_member(ORG, SOMEONE, 1),
        sdk.orgs.set_voting(
            ORG, {"support_bp": 1, "quorum_bp": 0, "period_ms": MINUTE, "exec_delay_ms": 0, "early_execution": True}
        ),
        sdk.orgs.set_budget(ORG, "CITY", 1_000_000, DAY),
        sdk.orgs.grant_role(ORG, SOMEONE, "treasurer"),
        sdk.orgs.revoke_role(ORG, SOMEONE, "treasurer"),
    ],
    ids=lambda m: m["type"],
)
def test_internal_messages_from_anyone_but_the_treasury_are_refused(civic: Civic, msg: dict[str, Any]) -> None:
    for who in (civic.alice, civic.ledger.admin):  # a member, and the chain's admin
        civic.ledger.fails("orgs.not_authority", [who], [dict(msg)])


def test_removing_members_until_none_remain_is_refused(civic: Civic) -> None:
    remove = [dict(sdk.orgs.set_member(ORG, k.address, 0)) for k in (civic.bob, civic.carol)]
    assert civic.passed("shrink", remove).status == "ok"
    assert civic.members() == {civic.alice.address: 3}
    civic.propose("last", [dict(sdk.orgs.set_member(ORG, civic.alice.address, 0))])
    civic.vote(civic.alice, "last", "yes")
    civic.wait_until(civic.proposal("last")["executable_from_ms"])
    civic.ledger.fails("orgs.no_members", [civic.dave], [sdk.orgs.execute(ORG, "last")])
    assert civic.members() == {civic.alice.address: 3}


def test_an_org_has_at_most_256_members(civic: Civic) -> None:
    many = [(PrivateKey(i.to_bytes(2, "big") * 16), 1) for i in range(1, 257)]
    civic.create("big-org", many, quorum_bp=0)
    civic.org = "big-org"
    first = many[0][0]
    civic.propose("one-more", [dict(sdk.orgs.set_member("big-org", civic.dave.address, 1))], by=first)
    assert civic.proposal("one-more")["snapshot_size"] == 256
    civic.vote(first, "one-more", "yes")
    civic.wait_until(civic.proposal("one-more")["executable_from_ms"])
    civic.ledger.fails("orgs.too_many_members", [civic.dave], [sdk.orgs.execute("big-org", "one-more")])


def test_a_payment_that_settles_the_treasurys_demurrage_reports_it_as_assets_settle(civic: Civic) -> None:
    """The treasury's lots lose to demurrage while it holds them; paying settles them first, and the
    receipt says so with the same ``assets/settle`` event the assets module's own transfer emits."""
    ledger = civic.ledger
    policy = {"demurrage_bp": 1000, "demurrage_period_ms": DAY}  # 10% a day
    ledger.ok([ledger.admin], [sdk.assets.create("DEM", "Demurrage coin", policy=policy)])
    budget = [set_budget(500, asset="DEM"), dict(sdk.orgs.grant_role(ORG, civic.bob.address, "treasurer"))]
    assert civic.passed("budget", budget).status == "ok"
    ledger.advance(-ledger.next_time_ms % DAY)  # the mint opens a demurrage period
    ledger.ok([ledger.admin], [sdk.assets.mint("DEM", civic.treasury, 1000)])
    ledger.advance(DAY)  # one period later: 100 of the treasury's 1000 are due to the sink
    receipt = ledger.ok([civic.bob], [pay(civic.dave.address, 100, "DEM")])
    assert [(e.type, e.attributes) for e in receipt.events] == [
        ("assets/settle", {"asset": "DEM", "holder": civic.treasury, "expired": "0", "demurrage": "100"}),
        ("orgs/pay", {"org": ORG, "asset": "DEM", "to": civic.dave.address, "amount": "100", "by": civic.bob.address}),
    ]
    assert (ledger.balance("DEM", civic.treasury), ledger.balance("DEM", civic.dave)) == (800, 100)
    assert AssetsKeeper().sink(ledger.state, "DEM") == 100
    ledger.advance(DAY)  # by proposal too: 80 more lost before the treasury pays again
    events = civic.passed("more", [pay(civic.dave.address, 100, "DEM")]).events
    settled = [e.attributes for e in events if e.type == "assets/settle" and e.attributes["holder"] == civic.treasury]
    assert settled == [{"asset": "DEM", "holder": civic.treasury, "expired": "0", "demurrage": "80"}]
