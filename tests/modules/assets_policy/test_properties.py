"""Property test through the real executor (issue 12, must-hold 2): random sequences of mint, transfer,
time passing, sweep, redeem and burn of a voucher whose lots expire and demur and whose redemption
pays a fee to a programme account. After every step:

- supply = sum of all balances + sink, and the sink never shrinks;
- no balance is negative, and every stored balance equals the sum of the account's stored lots;
- a failed tx changes nothing, and fails only for a reason a holder can cause;
- a transfer spends the sender's soonest-expiring units: what it keeps are its later-expiring lots.

The same sequence on two fresh ledgers gives the same app hash (execution is deterministic).
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from tests.modules.assets_policy.conftest import HOUR_MS, PROGRAMME, READ, VOU, City, stored_lots
from tests.modules.conftest import Ledger

from metrobloc import sdk
from metrobloc.crypto import PrivateKey
from metrobloc.modules.assets.lots import Lot

POLICY = {
    "lot_lifetime_ms": 12 * HOUR_MS,
    "expiry_granule_ms": HOUR_MS,
    "demurrage_bp": 300,
    "demurrage_period_ms": 3 * HOUR_MS,
    "redeem_fee_bp": 250,
    "programme": PROGRAMME.address,
}
HOLDERS = 4
"""alice, bob, carol and the programme account."""
REFUSALS = {"assets.insufficient_funds", "assets.lot_expired", "assets.too_many_lots"}

who = st.integers(0, HOLDERS - 1)
share = st.integers(1, 130)
"""Percent of the account's stored balance: over 100 must fail, and so may less once lots expire."""
steps = st.lists(
    st.one_of(
        st.tuples(st.just("mint"), who, st.integers(1, 1000)),
        st.tuples(st.just("transfer"), who, who, share),
        st.tuples(st.just("advance"), st.integers(0, 8 * HOUR_MS)),
        st.tuples(st.just("sweep"), st.lists(who, min_size=1, max_size=HOLDERS)),
        st.tuples(st.just("redeem"), who, share),
        st.tuples(st.just("burn"), who, share),
    ),
    min_size=6,
    max_size=40,
)


def fresh() -> tuple[City, list[PrivateKey]]:
    """The voucher issued, and alice, bob and carol holding lots minted 4 hours apart."""
    city = City(Ledger())
    city.create(POLICY)
    people = [city.alice, city.bob, city.carol, PROGRAMME]
    for person in people[:3]:
        city.mint(person, 600)
        city.ledger.advance(4 * HOUR_MS)
    return city, people


def order(lot: Lot) -> tuple[bool, int]:
    return (lot[0] is None, lot[0] or 0)


def without_oldest(lots: tuple[Lot, ...], amount: int) -> tuple[Lot, ...]:
    """The lots left after spending ``amount`` units, soonest-expiring (never-expiring last) first."""
    left = []
    for expiry, have in sorted(lots, key=order):
        part = min(have, amount)
        amount -= part
        if have > part:
            left.append((expiry, have - part))
    return tuple(left)


def run_step(city: City, people: list[PrivateKey], step: tuple[Any, ...]) -> None:
    """Run one step and check the transfer rule; the caller checks the invariants."""
    ledger, kind = city.ledger, step[0]
    if kind == "advance":
        ledger.advance(step[1])
        return
    if kind == "mint":
        keys, msg = [city.admin], sdk.assets.mint(VOU, people[step[1]].address, step[2])
    elif kind == "sweep":
        keys, msg = [city.alice], sdk.assets.sweep(VOU, [people[i].address for i in step[1]])
    else:
        sender = people[step[1]]
        amount = max(1, city.balance(sender) * step[-1] // 100)
        keys = [sender]
        if kind == "transfer":
            msg = sdk.assets.transfer(VOU, people[step[2]].address, amount)
        else:
            msg = (sdk.assets.redeem if kind == "redeem" else sdk.assets.burn)(VOU, amount)
    before = dict(ledger.state)
    # What sender and receiver of a transfer hold at the block's time, once expiry and demurrage apply.
    at = ledger.next_time_ms
    then = [READ.holding(ledger.state, VOU, p.address, at) for p in people]
    receipt = ledger.run(keys, [msg])
    if receipt.status == "failed":
        assert receipt.error is not None and receipt.error["code"] in REFUSALS, receipt.error
        assert receipt.events == () and ledger.state == before
        return
    if kind == "transfer" and step[1] != step[2]:
        sender_then, receiver_then = then[step[1]], then[step[2]]
        assert sender_then is not None and receiver_then is not None
        assert city.lots(keys[0]) == without_oldest(sender_then.lots, amount)
        assert sum(a for _, a in city.lots(people[step[2]])) == receiver_then.total + amount


def check_invariants(city: City, people: list[PrivateKey], sink_before: int) -> None:
    state = city.ledger.state
    balances = [city.balance(p) for p in [*people, city.admin]]
    assert all(b >= 0 for b in balances)
    assert sum(balances) == city.balances_total()  # nobody else holds any
    assert city.supply() == sum(balances) + city.sink()
    assert city.sink() >= sink_before
    for person, balance in zip(people, balances, strict=False):
        rec = stored_lots(state, VOU, person.address)
        if balance == 0:
            assert rec is None
            continue
        assert rec is not None
        lots = [(expiry, int(amount)) for expiry, amount in rec["lots"]]
        assert sum(a for _, a in lots) == balance
        assert all(a > 0 for _, a in lots) and lots == sorted(lots, key=order)


@settings(max_examples=60, deadline=None)
@given(steps)
def test_supply_is_conserved_and_the_oldest_units_go_first(ops: list[tuple[Any, ...]]) -> None:
    city, people = fresh()
    for step in ops:
        sink_before = city.sink()
        run_step(city, people, step)
        check_invariants(city, people, sink_before)


@settings(max_examples=15, deadline=None)
@given(steps)
def test_the_same_steps_give_the_same_app_hash(ops: list[tuple[Any, ...]]) -> None:
    runs = []
    for _ in range(2):
        city, people = fresh()
        for step in ops:
            run_step(city, people, step)
        runs.append(city.ledger)
    assert runs[0].app_hash == runs[1].app_hash
    assert runs[0].state == runs[1].state
