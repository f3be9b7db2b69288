"""Revenue rights: a fixed-supply asset for the owners, and exact pro-rata payouts to its holders."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.modules.land.conftest import LOAN, Registry, make_registry

from metrobloc import sdk
from metrobloc.crypto import PrivateKey
from metrobloc.ledger.limits import MAX_AMOUNT
from metrobloc.modules.assets.keeper import AssetsKeeper
from metrobloc.modules.land import MODULE_ADDRESS, queries
from metrobloc.modules.land.msgs import Share
from metrobloc.modules.land.payouts import allocate_by_shares, pro_rata

PEOPLE = [PrivateKey(bytes([0x60 + i]) * 32) for i in range(8)]


def rights(r: Registry, shares: int = 1000, owners: list[tuple[PrivateKey, int]] | None = None) -> None:
    owners = owners or [(r.alice, 6000), (r.bob, 4000)]
    r.register(owners=owners)
    r.ok([*(k for k, _ in owners), r.registrar], [sdk.land.issue_revenue_rights("P-1", "RENT", shares)])


def test_issue_creates_a_fixed_supply_asset_held_by_the_owners_by_share(registry: Registry) -> None:
    r = registry
    r.register(owners=[(r.alice, 3333), (r.bob, 3333), (r.carol, 3334)])
    msg = sdk.land.issue_revenue_rights("P-1", "RENT", 100)
    r.fails("land.missing_cosigner", [r.alice, r.bob, r.registrar], [msg])
    r.fails("land.registrar_required", [r.alice, r.bob, r.carol], [msg])
    receipt = r.ok([r.alice, r.bob, r.carol, r.registrar], [msg])
    # floor(100 * bp / 10000) = 33, 33, 33; the remainder 1 goes to the first owner in deed order.
    assert receipt.events[0].attributes["holders"] == f"{r.alice.address}:34,{r.bob.address}:33,{r.carol.address}:33"
    asset = r.ledger.asset("RENT")
    assert (asset.supply, asset.max_supply, asset.mintable, asset.transferable) == (100, 100, False, True)
    assert asset.issuer == MODULE_ADDRESS
    assert queries.parcel(r.reader, "P-1")["revenue_rights"] == "RENT"
    r.fails("assets.not_issuer", [r.alice], [sdk.assets.mint("RENT", r.alice.address, 1)])
    r.fails(
        "land.revenue_rights_exist",
        [r.alice, r.bob, r.carol, r.registrar],
        [sdk.land.issue_revenue_rights("P-1", "RENT2", 5)],
    )
    r.check_supply_invariant()


def test_rights_are_an_encumbrance_that_blocks_splits_and_merges(registry: Registry) -> None:
    r = registry
    rights(r)
    r.register("P-2", [(r.alice, 6000), (r.bob, 4000)])
    everyone = [r.alice, r.bob, r.registrar]
    r.fails("land.revenue_rights_exist", everyone, [sdk.land.split("P-1", [("P-1A", 500), ("P-1B", 500)])])
    r.fails("land.revenue_rights_exist", everyone, [sdk.land.merge(["P-1", "P-2"], "P-3")])


def test_distribute_pays_holders_pro_rata_remainder_to_the_largest(registry: Registry) -> None:
    r = registry
    rights(r, shares=1000)  # alice 600, bob 400
    r.ok([r.alice], [sdk.assets.transfer("RENT", r.dave.address, 100)])  # alice 500, bob 400, dave 100
    before = r.balance("CITY", r.carol)
    receipt = r.ok([r.carol], [sdk.land.distribute("P-1", "CITY", 1001)])
    payouts = [(e.attributes["to"], int(e.attributes["amount"])) for e in receipt.events if e.type == "land/payout"]
    # floor(1001 * h / 1000): 500, 400, 100 -> remainder 1 to alice (largest holding).
    assert payouts == [(r.alice.address, 501), (r.bob.address, 400), (r.dave.address, 100)]
    assert r.balance("CITY", r.carol) == before - 1001
    assert receipt.events[-1].attributes["payees"] == "3"
    assert queries.history(r.reader, "P-1")["events"][-1]["details"]["amount"] == "1001"
    r.check_supply_invariant()


def test_distribute_refusals(registry: Registry) -> None:
    r = registry
    r.register()
    r.fails("land.no_revenue_rights", [r.carol], [sdk.land.distribute("P-1", "CITY", 10)])
    r.fails("land.unknown_parcel", [r.carol], [sdk.land.distribute("P-9", "CITY", 10)])
    r.ok([r.alice, r.registrar], [sdk.land.issue_revenue_rights("P-1", "RENT", 10)])
    r.fails("land.bad_payment_asset", [r.alice], [sdk.land.distribute("P-1", "RENT", 5)])
    r.fails("assets.insufficient_funds", [r.carol], [sdk.land.distribute("P-1", "CITY", 10**4 + 1)])
    r.fails("assets.unknown_asset", [r.carol], [sdk.land.distribute("P-1", "NOPE", 1)])

    r.ok([r.alice], [sdk.assets.burn("RENT", 10)])
    r.fails("land.no_rights_holders", [r.carol], [sdk.land.distribute("P-1", "CITY", 5)])
    r.check_supply_invariant()


def test_liens_do_not_touch_rights(registry: Registry) -> None:
    r = registry
    rights(r)
    r.ok([r.alice, r.bob, r.bank], [sdk.land.create_lien("P-1", r.bank.address, 10, "CITY", LOAN)])
    assert r.balance("RENT", r.alice) == 600


def test_holders_of_tracked_assets_are_capped(registry: Registry) -> None:
    from metrobloc.modules.assets.keeper import MAX_TRACKED_HOLDERS

    r = registry
    rights(r, shares=10_000)
    keeper = AssetsKeeper()
    fillers = [PrivateKey(i.to_bytes(32, "big")).address for i in range(1000, 1000 + MAX_TRACKED_HOLDERS - 2)]
    r.ok([r.alice], [sdk.assets.transfer("RENT", a, 1) for a in fillers[:60]])
    for start in range(60, len(fillers), 60):
        r.ok([r.alice], [sdk.assets.transfer("RENT", a, 1) for a in fillers[start : start + 60]])
    assert len(keeper.holders(r.state, "RENT")) == MAX_TRACKED_HOLDERS
    r.fails("assets.too_many_holders", [r.alice], [sdk.assets.transfer("RENT", r.carol.address, 1)])
    r.ok([r.bob], [sdk.assets.transfer("RENT", r.alice.address, r.balance("RENT", r.bob))])  # bob leaves: room for one
    r.ok([r.alice], [sdk.assets.transfer("RENT", r.carol.address, 1)])
    r.check_supply_invariant()


# -- properties ----------------------------------------------------------------------------------


@st.composite
def owner_shares(draw: st.DrawFn) -> list[tuple[PrivateKey, int]]:
    n = draw(st.integers(1, 7))
    who = draw(st.permutations(PEOPLE))[:n]
    cuts = sorted(draw(st.lists(st.integers(1, 9999), min_size=n - 1, max_size=n - 1, unique=True)))
    bps = [b - a for a, b in zip([0, *cuts], [*cuts, 10_000], strict=True)]
    return list(zip(who, bps, strict=True))


@settings(max_examples=300, deadline=None)
@given(
    total=st.integers(0, MAX_AMOUNT),
    holdings=st.lists(st.integers(1, MAX_AMOUNT), min_size=1, max_size=40),
)
def test_pro_rata_pays_exactly_the_amount(total: int, holdings: list[int]) -> None:
    holders = [(f"h{i:03d}", h) for i, h in enumerate(holdings)]
    payouts = pro_rata(total, holders)
    assert sum(p for _, p in payouts) == total
    held = sum(holdings)
    order = sorted(holders, key=lambda h: (-h[1], h[0]))
    expected = {a: total * h // held for a, h in order}
    expected[order[0][0]] += total - sum(expected.values())
    assert dict(payouts) == {a: p for a, p in expected.items() if p}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    owners=owner_shares(),
    shares=st.integers(1, 10**30),
    moves=st.lists(st.tuples(st.integers(0, 7), st.integers(0, 7), st.integers(1, 100)), max_size=6),
    amount=st.integers(1, 10**6),
)
def test_issue_and_distribute_keep_totals_exact(
    owners: list[tuple[PrivateKey, int]], shares: int, moves: list[tuple[int, int, int]], amount: int
) -> None:
    r = make_registry()
    r.register(owners=owners)
    r.ok([*(k for k, _ in owners), r.registrar], [sdk.land.issue_revenue_rights("P-1", "RENT", shares)])
    expected = dict(allocate_by_shares(shares, [Share(k.address, bp) for k, bp in owners]))
    assert sum(expected.values()) == shares
    assert {k.address: r.balance("RENT", k) for k in PEOPLE if r.balance("RENT", k)} == expected
    for src, dst, pct in moves:  # rights change hands
        have = r.balance("RENT", PEOPLE[src])
        if have:
            r.ok([PEOPLE[src]], [sdk.assets.transfer("RENT", PEOPLE[dst].address, max(1, have * pct // 100))])
    holdings = {k.address: r.balance("RENT", k) for k in PEOPLE if r.balance("RENT", k)}
    assert AssetsKeeper().holders(r.state, "RENT") == sorted(holdings.items())

    paid_before = {a: r.balance("CITY", a) for a in holdings}
    payer_before = r.balance("CITY", r.bank)
    receipt = r.ok([r.bank], [sdk.land.distribute("P-1", "CITY", amount)])
    paid = {a: r.balance("CITY", a) - paid_before[a] for a in holdings}
    assert sum(paid.values()) == amount == payer_before - r.balance("CITY", r.bank)
    assert sum(int(e.attributes["amount"]) for e in receipt.events if e.type == "land/payout") == amount
    held = sum(holdings.values())
    first = min(holdings, key=lambda a: (-holdings[a], a))
    for address, h in holdings.items():
        floor = amount * h // held
        assert paid[address] == floor if address != first else paid[address] >= floor
    r.check_supply_invariant()


def test_revenue_is_not_paid_in_the_rights_of_another_parcel(registry: Registry) -> None:
    r = registry
    rights(r)  # P-1: RENT, held by alice and bob
    r.register("P-2", [(r.carol, 10_000)])
    r.ok([r.carol, r.registrar], [sdk.land.issue_revenue_rights("P-2", "RENT2", 100)])
    # Naming P-1 with P-2's rights would hand P-1's holders a stake in P-2's revenue.
    r.fails("land.bad_payment_asset", [r.carol], [sdk.land.distribute("P-1", "RENT2", 10)])
    assert r.balance("RENT2", r.carol) == 100
    r.ok([r.carol], [sdk.land.distribute("P-1", "CITY", 10)])
