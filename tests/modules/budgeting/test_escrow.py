"""Money is conserved: at every step, what escrow holds + what implementers were paid + what returned to
the treasury = the process's budget, exactly (a property over random processes), and the process's own
accounts agree with the balances."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.modules.budgeting.conftest import FUNDS, PROCESS, City, FakeBallots, budget, digest, make_city, rule
from tests.modules.conftest import Ledger


def check_conservation(city: City, total: int) -> None:
    p = city.process()
    escrow, paid = city.balance(city.escrow), city.balance(city.builder)
    refunds = city.balance(city.treasury) - (FUNDS - total)
    assert escrow + paid + refunds == total == p.funded
    assert (escrow, paid, refunds) == (p.in_escrow, p.paid, p.refunded)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    amounts=st.lists(st.integers(100, 900), min_size=1, max_size=2),
    projects=st.lists(st.tuples(st.integers(0, 1), st.lists(st.integers(1, 300), min_size=1, max_size=3)), max_size=5),
    picks=st.lists(st.integers(0, 4), max_size=6),
    steps=st.lists(st.tuples(st.sampled_from(["attest", "cancel", "override"]), st.integers(0, 4)), max_size=8),
)
def test_escrow_plus_payouts_plus_refunds_is_the_budget(
    amounts: list[int], projects: list[tuple[int, list[int]]], picks: list[int], steps: list[tuple[str, int]]
) -> None:
    city = make_city(Ledger(), FakeBallots())
    names = [f"d{i}" for i in range(len(amounts))]
    city.create([budget(n, a, rule("projects", min=1, max=1)) for n, a in zip(names, amounts, strict=True)])
    total = sum(amounts)
    check_conservation(city, total)
    ids = []
    for i, (district, costs) in enumerate(projects):
        b = names[district % len(names)]
        if sum(costs) <= amounts[names.index(b)]:
            ids.append((f"p{i}", b))
            city.submit(f"p{i}", costs, b=b)
            city.review(f"p{i}")
    city.goto("voting")
    for who, pick in zip(city.residents, picks, strict=False):
        if ids:
            pid, b = ids[pick % len(ids)]
            city.vote(who, [pid], b)
    city.goto("results")
    for b in names:
        city.finalize(b)
        check_conservation(city, total)
    for action, n in steps:
        if not ids:
            break
        pid, b = ids[n % len(ids)]
        project = city.project(pid)
        if action == "override":
            msg = {"type": "budgeting/override", "process": PROCESS, "budget": b, "winners": [pid]}
            city.authority([{**msg, "reason_digest": digest("override")}])
        elif project.status == "selected" and action == "cancel":
            msg = {"type": "budgeting/cancel", "process": PROCESS, "project": pid, "reason_digest": digest("x")}
            city.authority_ok([msg])
        elif project.status == "selected":
            if project.implementer is None:
                city.assign(pid)
            open_ = [i for i, m in enumerate(project.milestones) if not m.paid]
            if open_:
                city.report(pid, open_[0])
                for inspector in city.inspectors[:2]:
                    city.ledger.ok([inspector], [city.attest_msg(pid, open_[0])])
        check_conservation(city, total)
