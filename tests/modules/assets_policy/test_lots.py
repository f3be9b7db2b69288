"""The integer rules of lots (modules/assets/lots.py) against plain references: exact demurrage with
``fractions.Fraction``, expiry rounding, soonest-expiring-first spending, merging, and conservation."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metrobloc.modules.assets import lots
from metrobloc.modules.assets.lots import BP, MAX_LOTS, Holding, Lot, TooManyLots

MAX_AMOUNT = 2**128 - 1
amounts = st.integers(0, MAX_AMOUNT)
rates = st.integers(0, BP)
expiries = st.one_of(st.none(), st.integers(1, 10**13))


def order(lot: Lot) -> tuple[bool, int]:
    """Soonest-expiring first, never-expiring last (the order a holder spends in)."""
    return (lot[0] is None, lot[0] or 0)


@st.composite
def holdings(draw: st.DrawFn, max_lots: int = 12) -> Holding:
    """A well-formed holding: one positive lot per expiry, soonest first, never-expiring last."""
    by_expiry = draw(st.dictionaries(expiries, st.integers(1, 10**20), max_size=max_lots))
    return Holding(draw(st.integers(0, 10**13)), tuple(sorted(by_expiry.items(), key=order)))


def rules(rate_bp: int, period_ms: int | None) -> tuple[lots.DemurrageRule, ...]:
    """One demurrage rule in force since time 0 (none when the rate is 0)."""
    return (lots.DemurrageRule(0, rate_bp, period_ms),) if rate_bp and period_ms is not None else ()


def exact(amount: int, rate_bp: int, periods: int) -> int:
    return math.floor(amount * Fraction(BP - rate_bp, BP) ** periods)


# -- demurrage ---------------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(amounts, rates, st.integers(0, lots.STEP_PERIODS))
def test_demurrage_is_the_exact_floor_up_to_4096_periods(amount: int, rate: int, periods: int) -> None:
    assert lots.demurred(amount, rate, periods) == exact(amount, rate, periods)


@given(amounts, rates, st.integers(0, 3 * lots.STEP_PERIODS), st.integers(1, 2 * lots.STEP_PERIODS))
def test_demurrage_never_grows_with_time_nor_goes_negative(amount: int, rate: int, n: int, more: int) -> None:
    now, later = lots.demurred(amount, rate, n), lots.demurred(amount, rate, n + more)
    assert 0 <= later <= now <= amount
    assert lots.demurred(amount, rate, n + 1) <= now


@given(amounts, st.integers(1, 10_000))
def test_a_full_rate_takes_everything_in_one_period_and_no_rate_nothing(amount: int, periods: int) -> None:
    assert lots.demurred(amount, BP, 1) == 0
    assert lots.demurred(amount, BP, periods) == 0
    assert lots.demurred(amount, 0, periods) == amount


@given(amounts, rates)
def test_no_period_no_demurrage(amount: int, rate: int) -> None:
    assert lots.demurred(amount, rate, 0) == amount


def test_demurrage_examples() -> None:
    assert lots.demurred(1000, 1000, 1) == 900
    assert lots.demurred(1000, 1000, 2) == 810
    assert lots.demurred(999, 1, 1) == 998  # 998.9001 floored
    assert lots.demurred(1, 5000, 1) == 0


# -- expiry ------------------------------------------------------------------------------------------


@given(st.integers(0, 10**13), st.integers(1, 10**11), st.integers(1, 10**10))
def test_a_lot_lifetime_ends_at_the_next_granule_boundary(now: int, lifetime: int, granule: int) -> None:
    expiry = lots.lot_expiry(now, lifetime, None, granule)
    assert expiry is not None
    assert expiry % granule == 0
    assert now + lifetime <= expiry < now + lifetime + granule


@given(st.integers(0, 10**13), st.one_of(st.none(), st.integers(1, 10**11)), st.integers(1, 10**14))
def test_expires_at_caps_every_lot(now: int, lifetime: int | None, expires_at: int) -> None:
    granule = 86_400_000
    expiry = lots.lot_expiry(now, lifetime, expires_at, granule)
    uncapped = lots.lot_expiry(now, lifetime, None, granule)
    assert expiry == (expires_at if uncapped is None else min(expires_at, uncapped))


def test_expiry_examples() -> None:
    assert lots.lot_expiry(1000, 500, None, 1000) == 2000
    assert lots.lot_expiry(1000, 1000, None, 1000) == 2000  # already on a boundary: not pushed further
    assert lots.lot_expiry(1000, 1001, None, 1000) == 3000
    assert lots.lot_expiry(1000, 500, 1700, 1000) == 1700
    assert lots.lot_expiry(1000, None, 1234, 1000) == 1234  # an absolute expiry is not rounded
    assert lots.lot_expiry(1000, None, None, 1000) is None


# -- take / give ---------------------------------------------------------------------------------------


@given(holdings(), st.data())
def test_take_spends_soonest_expiring_first_and_conserves_units(holding: Holding, data: st.DataObject) -> None:
    amount = data.draw(st.integers(0, holding.total))
    kept, taken = lots.take(holding, amount)
    assert sum(a for _, a in taken) == amount
    assert kept.total + amount == holding.total
    assert kept.at_ms == holding.at_ms
    # Merged back, the units are exactly what was held.
    assert lots.give(kept, taken).lots == holding.lots
    # Everything taken expires no later than anything kept; at most one lot is split between them.
    if taken and kept.lots:
        assert order(taken[-1]) <= order(kept.lots[0])
        assert sum(1 for e, _ in kept.lots if e in {t for t, _ in taken}) <= 1
    assert all(a > 0 for _, a in (*taken, *kept.lots))


def test_take_leaves_never_expiring_units_for_last() -> None:
    holding = Holding(0, ((100, 5), (200, 5), (None, 5)))
    assert lots.take(holding, 7) == (Holding(0, ((200, 3), (None, 5))), ((100, 5), (200, 2)))
    assert lots.take(holding, 12) == (Holding(0, ((None, 3),)), ((100, 5), (200, 5), (None, 2)))
    assert lots.take(holding, 15) == (Holding(0, ()), holding.lots)


@given(holdings(), st.lists(st.tuples(expiries, st.integers(0, 10**20)), max_size=8))
def test_give_merges_equal_expiries_in_spending_order(holding: Holding, given_lots: list[Lot]) -> None:
    after = lots.give(holding, given_lots)
    assert after.total == holding.total + sum(a for _, a in given_lots)
    assert after.at_ms == holding.at_ms
    keys = [e for e, _ in after.lots]
    assert len(set(keys)) == len(keys)
    assert list(after.lots) == sorted(after.lots, key=order)
    assert all(a > 0 for _, a in after.lots)
    for expiry in set(keys):
        want = sum(a for e, a in (*holding.lots, *given_lots) if e == expiry)
        assert dict(after.lots)[expiry] == want


def test_give_refuses_a_lot_past_max_lots_but_merges_into_existing_ones() -> None:
    full = Holding(0, tuple((1000 + i, 1) for i in range(MAX_LOTS)))
    with pytest.raises(TooManyLots):
        lots.give(full, [(5000, 1)])
    with pytest.raises(TooManyLots):
        lots.give(full, [(None, 1)])
    merged = lots.give(full, [(1000, 9), (1000 + MAX_LOTS - 1, 1)])
    assert len(merged.lots) == MAX_LOTS and merged.total == MAX_LOTS + 10
    assert lots.give(Holding(0, full.lots[1:]), [(None, 1)]).lots[-1] == (None, 1)


# -- settle ------------------------------------------------------------------------------------------


@given(
    holdings(),
    rates,
    st.one_of(st.none(), st.integers(3_600_000, 10 * 86_400_000)),
    st.integers(-2, lots.STEP_PERIODS),
    st.integers(0, 10 * 86_400_000),
)
def test_settle_conserves_units_and_drops_expired_lots(
    holding: Holding, rate: int, period: int | None, periods: int, offset: int
) -> None:
    # ``now`` lies ``periods`` period boundaries after the last settling (before it when negative).
    step = period or 3_600_000
    now = max(0, (holding.at_ms // step + periods) * step + offset % step)
    done = lots.settle(holding, now, rules(rate, period))
    assert done.holding.total + done.expired + done.demurrage == holding.total
    assert done.expired == sum(a for e, a in holding.lots if e is not None and e <= now)
    assert all(e is None or e > now for e, _ in done.holding.lots)
    assert done.holding.at_ms == max(now, holding.at_ms)
    assert done.demurrage >= 0 and done.expired >= 0
    if not rate or period is None:
        assert done.demurrage == 0
    else:
        n = max(0, now // period - holding.at_ms // period)
        live = [(e, a) for e, a in holding.lots if e is None or e > now]
        assert done.holding.lots == tuple((e, exact(a, rate, n)) for e, a in live if exact(a, rate, n))


def test_settling_twice_at_the_same_time_changes_nothing() -> None:
    holding = Holding(0, ((10 * 3_600_000, 7), (None, 1000)))
    once = lots.settle(holding, 5 * 3_600_000, rules(100, 3_600_000))
    twice = lots.settle(once.holding, 5 * 3_600_000, rules(100, 3_600_000))
    assert twice.holding == once.holding and twice.expired == twice.demurrage == 0


def test_a_changed_demurrage_rule_applies_from_its_change_each_rule_to_its_own_periods() -> None:
    hour = 3_600_000
    changes = (
        lots.DemurrageRule(0, 1000, hour),  # 10% an hour from the start
        lots.DemurrageRule(3 * hour + 5, 0, None),  # none from just after 3 h
        lots.DemurrageRule(5 * hour, 5000, 2 * hour),  # 50% per two hours from 5 h
    )
    # Settled at 1 h 30 min, again at 9 h: boundaries 2 h and 3 h under the first rule (the 3 h one is
    # before the change), none under the second, 6 h and 8 h under the third.
    done = lots.settle(Holding(hour + hour // 2, ((None, 10_000),)), 9 * hour, changes)
    assert done.holding.lots == ((None, exact(exact(10_000, 1000, 2), 5000, 2)),)
    assert done.demurrage == 10_000 - 8100 // 4
    # A holding settled after a change pays nothing for the periods before it.
    later = lots.settle(Holding(4 * hour, ((None, 10_000),)), 5 * hour, changes)
    assert later.demurrage == 0
