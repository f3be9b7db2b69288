"""The integer rules of lots: expiry, demurrage, oldest-first spending (docs/spec/assets.md §Lots).

Pure functions over an account's ``Holding``; no state, no clock. Every amount is an ``int``; what
an account loses to expiry or demurrage is returned so that the keeper can put it in the asset's
sink, keeping supply = sum of balances + sink.

- A lot is ``(expires_ms, amount)``; ``expires_ms`` is ``None`` for a lot that never expires.
  A holding keeps its lots sorted by expiry, never-expiring last, one lot per expiry: "oldest
  first" is soonest-expiring first (mint order while the lifetime is unchanged).
- A lot minted at block time ``t`` expires at ``min(expires_at, ceil((t + lifetime) / granule) ×
  granule)``; a lot whose expiry is at or before the block time is expired.
- Demurrage periods are the intervals ``[k·P, (k+1)·P)`` of block time. Settling a holding last
  settled at ``at`` at block time ``now`` applies, for each demurrage rule in force during
  ``(at, now]`` (``DemurrageRule``, oldest first), the ``n`` period boundaries of that rule inside
  the part of the interval where it was in force: ``floor(amount × (10⁴ − r)ⁿ / 10⁴ⁿ)``
  (``demurred``). A lot received during a period pays for the whole period at its end, as stamp
  scrip does; a rule changed by the issuer applies from its change on, never before.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

BP = 10_000
STEP_PERIODS = 4096
MAX_LOTS = 80
"""Most lots one account may hold (64 expiry granules, an absolute expiry and a never-expiring lot fit)."""

Lot = tuple[int | None, int]


class TooManyLots(Exception):
    """Receiving would give an account more than ``MAX_LOTS`` lots."""


@dataclass(frozen=True)
class Holding:
    """An account's units of one asset: its lots, and the block time demurrage was last applied."""

    at_ms: int
    lots: tuple[Lot, ...]

    @property
    def total(self) -> int:
        return sum(amount for _, amount in self.lots)


@dataclass(frozen=True)
class Settled:
    """A holding after expiry and demurrage, and what it lost to each."""

    holding: Holding
    expired: int
    demurrage: int


def lot_expiry(now_ms: int, lifetime_ms: int | None, expires_at_ms: int | None, granule_ms: int) -> int | None:
    """When a lot minted at ``now_ms`` expires (``None``: never)."""
    ends = [] if expires_at_ms is None else [expires_at_ms]
    if lifetime_ms is not None:
        ends.append(-(-(now_ms + lifetime_ms) // granule_ms) * granule_ms)
    return min(ends) if ends else None


def demurred(amount: int, rate_bp: int, periods: int) -> int:
    """What ``amount`` is worth after ``periods`` demurrage periods at ``rate_bp``.

    ``floor(amount × (10⁴ − rate)^n / 10⁴^n)`` computed exactly, in steps of at most ``STEP_PERIODS``
    periods, each step floored (one floor for every realistic ``n``: 4,096 hourly periods is 170 days).
    """
    assert 0 <= rate_bp <= BP and periods >= 0
    while periods and amount:
        step = min(periods, STEP_PERIODS)
        amount = amount * (BP - rate_bp) ** step // BP**step
        periods -= step
    return amount


@dataclass(frozen=True)
class DemurrageRule:
    """A demurrage rate and period in force from ``since_ms`` until the next rule (rate 0: none)."""

    since_ms: int
    rate_bp: int
    period_ms: int | None


def demurrage_periods(at_ms: int, now_ms: int, rules: Sequence[DemurrageRule]) -> list[tuple[int, int]]:
    """``(rate, n)`` for each rule in force during ``(at_ms, now_ms]``, oldest first: the period boundaries
    ``k·P`` of that rule inside the part of the interval where it was in force."""
    out = []
    for i, rule in enumerate(rules):
        ends = now_ms if i + 1 == len(rules) else min(now_ms, rules[i + 1].since_ms)
        starts = max(at_ms, rule.since_ms)
        if rule.rate_bp and rule.period_ms is not None and ends > starts:
            periods = ends // rule.period_ms - starts // rule.period_ms
            if periods:
                out.append((rule.rate_bp, periods))
    return out


def settle(holding: Holding, now_ms: int, rules: Sequence[DemurrageRule] = ()) -> Settled:
    """Drop the lots expired at ``now_ms``, then apply the demurrage of every period boundary passed since the
    holding was last settled, rule by rule in the order they were in force (each rule's step floored)."""
    periods = demurrage_periods(holding.at_ms, now_ms, rules)
    soonest = holding.lots[0][0] if holding.lots else None
    if not periods and (soonest is None or soonest > now_ms):  # lots are soonest-first: none expired
        return Settled(Holding(max(now_ms, holding.at_ms), holding.lots), 0, 0)
    expired = sum(amount for expiry, amount in holding.lots if expiry is not None and expiry <= now_ms)
    live = [(expiry, amount) for expiry, amount in holding.lots if expiry is None or expiry > now_ms]
    before = sum(amount for _, amount in live)
    for rate_bp, n in periods:
        live = [(expiry, demurred(amount, rate_bp, n)) for expiry, amount in live]
    lost = before - sum(amount for _, amount in live)
    return Settled(Holding(max(now_ms, holding.at_ms), _tidy(live)), expired, lost)


def take(holding: Holding, amount: int) -> tuple[Holding, tuple[Lot, ...]]:
    """Take ``amount`` units, soonest-expiring lots first; the caller checked ``holding.total >= amount``."""
    assert 0 <= amount <= holding.total
    left, taken, kept = amount, [], []
    for expiry, have in holding.lots:
        part = min(have, left)
        left -= part
        if part:
            taken.append((expiry, part))
        if have - part:
            kept.append((expiry, have - part))
    return Holding(holding.at_ms, tuple(kept)), tuple(taken)


def give(holding: Holding, lots: Iterable[Lot]) -> Holding:
    """Add lots, merging those of the same expiry; raises ``TooManyLots`` past ``MAX_LOTS``."""
    merged = _tidy([*holding.lots, *lots])
    if len(merged) > MAX_LOTS:
        raise TooManyLots(len(merged))
    return Holding(holding.at_ms, merged)


def _order(lot: Lot) -> tuple[int, int]:
    expiry = lot[0]
    return (1, 0) if expiry is None else (0, expiry)


def _tidy(lots: Iterable[Lot]) -> tuple[Lot, ...]:
    """Sorted by expiry (never-expiring last), one lot per expiry, no empty lot."""
    sums: dict[int | None, int] = {}
    for expiry, amount in lots:
        if amount:
            sums[expiry] = sums.get(expiry, 0) + amount
    return tuple(sorted(sums.items(), key=_order))
