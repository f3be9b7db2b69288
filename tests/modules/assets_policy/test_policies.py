"""Asset policies through the real executor (issue 12, must-hold 3 and its bad input): merchants by
role and by allow-list, enforced watch-lists, spend limits, redemption with a fee, expired lots, bad
policies refused with their own codes, and policy changes."""

from __future__ import annotations

from typing import Any

import pytest
from tests.modules.assets_policy.conftest import (
    CITY,
    DAY_MS,
    HOUR_MS,
    PROGRAMME,
    VOU,
    City,
    events,
)

from metrobloc import sdk
from metrobloc.errors import InvalidInput
from metrobloc.modules.assets import KEEPER, lots

# -- merchants ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("expiry", [{}, {"lot_lifetime_ms": 30 * DAY_MS}], ids=["no-lots", "lots"])
def test_a_food_voucher_reaches_only_food_merchants_and_goes_back_to_the_issuer(
    city: City, expiry: dict[str, Any]
) -> None:
    city.create({"merchant_role": "merchant_food", **expiry})
    city.mint(city.alice, 100)
    city.fails("assets.not_merchant", [city.alice], [sdk.assets.transfer(VOU, city.bob.address, 10)])
    city.ok([city.admin], [sdk.accounts.grant_role(city.carol.address, "merchant_food")])
    city.ok([city.alice], [sdk.assets.transfer(VOU, city.carol.address, 30)])
    # The merchant cannot pass it on to a non-merchant either, but it goes back to the issuer.
    city.fails("assets.not_merchant", [city.carol], [sdk.assets.transfer(VOU, city.bob.address, 1)])
    city.ok([city.carol], [sdk.assets.transfer(VOU, city.admin.address, 30)])
    city.ok([city.alice], [sdk.assets.transfer(VOU, city.admin.address, 5)])
    assert (city.balance(city.alice), city.balance(city.bob), city.balance(city.carol)) == (65, 0, 0)
    assert city.balance(city.admin) == 35 and city.conserved()


def test_another_role_is_not_the_merchant_role(city: City) -> None:
    city.create({"merchant_role": "merchant_food"})
    city.mint(city.alice, 10)
    city.ok([city.admin], [sdk.accounts.grant_role(city.bob.address, "merchant_fuel")])
    city.fails("assets.not_merchant", [city.alice], [sdk.assets.transfer(VOU, city.bob.address, 1)])


def test_the_issuer_keeps_the_merchant_allow_list_and_a_removal_takes_effect(city: City) -> None:
    city.create({"merchant_allowlist": True})
    city.mint(city.alice, 100)
    pay_bob = sdk.assets.transfer(VOU, city.bob.address, 10)
    city.fails("assets.not_merchant", [city.alice], [pay_bob])
    city.fails("assets.not_issuer", [city.alice], [sdk.assets.set_merchant(VOU, city.bob.address)])
    city.fails("assets.not_issuer", [city.bob], [sdk.assets.set_merchant(VOU, city.bob.address)])
    receipt = city.ok([city.admin], [sdk.assets.set_merchant(VOU, city.bob.address)])
    assert events(receipt, "assets/set_merchant") == [{"asset": VOU, "merchant": city.bob.address, "allowed": "true"}]
    city.ok([city.alice], [pay_bob])
    city.ok([city.admin], [sdk.assets.set_merchant(VOU, city.bob.address, False)])
    city.fails("assets.not_merchant", [city.alice], [pay_bob])
    assert (city.balance(city.alice), city.balance(city.bob)) == (90, 10)
    # The role the issuer grants is no way around the list: only the list counts here.
    city.ok([city.admin], [sdk.accounts.grant_role(city.bob.address, "merchant_food")])
    city.fails("assets.not_merchant", [city.alice], [pay_bob])


# -- watch-lists -------------------------------------------------------------------------------------


def test_a_sanctioned_account_neither_sends_receives_is_minted_to_nor_redeems(city: City) -> None:
    city.create({"watchlists": ["sanctions"], "redeem_fee_bp": 100, "programme": PROGRAMME.address})
    for who in (city.alice, city.bob):
        city.mint(who, 100)
        city.mint(who, 100, CITY)
    city.watchlist(city.bob, listed=True)
    city.fails("assets.sanctioned", [city.bob], [sdk.assets.transfer(VOU, city.alice.address, 10)])
    city.fails("assets.sanctioned", [city.alice], [sdk.assets.transfer(VOU, city.bob.address, 10)])
    city.fails("assets.sanctioned", [city.admin], [sdk.assets.mint(VOU, city.bob.address, 10)])
    city.fails("assets.sanctioned", [city.bob], [sdk.assets.redeem(VOU, 10)])
    # The watch-list is the voucher's rule, not the city's: a plain asset still moves.
    city.ok([city.bob], [sdk.assets.transfer(CITY, city.alice.address, 10)])
    city.ok([city.alice], [sdk.assets.transfer(CITY, city.bob.address, 5)])
    assert (city.balance(city.bob, CITY), city.balance(city.alice, CITY)) == (95, 105)
    assert (city.balance(city.bob), city.balance(city.alice), city.supply()) == (100, 100, 200)
    # Unlisted, it moves again.
    city.watchlist(city.bob, listed=False)
    city.ok([city.bob], [sdk.assets.transfer(VOU, city.alice.address, 10)])
    city.ok([city.alice], [sdk.assets.transfer(VOU, city.bob.address, 20)])
    city.ok([city.admin], [sdk.assets.mint(VOU, city.bob.address, 10)])
    city.ok([city.bob], [sdk.assets.redeem(VOU, 100)])
    assert (city.balance(city.bob), city.balance(city.alice), city.balance(PROGRAMME)) == (20, 90, 1)
    assert city.conserved()


def test_a_watch_list_the_policy_does_not_name_does_not_stop_it(city: City) -> None:
    city.create({"watchlists": ["fraud"]})
    city.mint(city.alice, 10)
    city.watchlist(city.alice, listed=True)  # on "sanctions" only
    city.ok([city.alice], [sdk.assets.transfer(VOU, city.bob.address, 10)])


# -- spend limits ------------------------------------------------------------------------------------


def test_a_spend_limit_holds_per_period_and_the_issuer_is_exempt(city: City) -> None:
    city.create({"spend_limit": "100", "spend_period_ms": DAY_MS})
    city.mint(city.alice, 1000)
    city.mint(city.admin, 1000)
    city.align(DAY_MS)
    city.ok([city.alice], [sdk.assets.transfer(VOU, city.bob.address, 60)])
    city.fails("assets.spend_limit", [city.alice], [sdk.assets.transfer(VOU, city.bob.address, 41)])
    city.ok([city.alice], [sdk.assets.transfer(VOU, city.bob.address, 40)])
    city.fails("assets.spend_limit", [city.alice], [sdk.assets.transfer(VOU, city.bob.address, 1)])
    # Receiving is not spending: bob still has his whole limit.
    city.ok([city.bob], [sdk.assets.transfer(VOU, city.carol.address, 100)])
    city.ok([city.admin], [sdk.assets.transfer(VOU, city.bob.address, 500)])
    city.ok([city.admin], [sdk.assets.transfer(VOU, city.bob.address, 500)])
    city.ledger.advance(DAY_MS)
    city.ok([city.alice], [sdk.assets.transfer(VOU, city.bob.address, 100)])
    city.fails("assets.spend_limit", [city.alice], [sdk.assets.transfer(VOU, city.bob.address, 1)])
    assert (city.balance(city.alice), city.balance(city.bob), city.balance(city.carol)) == (800, 1100, 100)


def test_a_single_transfer_over_the_limit_is_refused(city: City) -> None:
    city.create({"spend_limit": "50", "spend_period_ms": HOUR_MS})
    city.mint(city.alice, 100)
    city.fails("assets.spend_limit", [city.alice], [sdk.assets.transfer(VOU, city.bob.address, 51)])


# -- redemption --------------------------------------------------------------------------------------


@pytest.mark.parametrize("expiry", [{}, {"lot_lifetime_ms": 10 * DAY_MS}], ids=["no-lots", "lots"])
def test_redemption_pays_the_fee_to_the_programme_and_the_rest_leaves_supply(
    city: City, expiry: dict[str, Any]
) -> None:
    city.create({"redeem_fee_bp": 250, "programme": PROGRAMME.address, **expiry})
    city.mint(city.alice, 1000)
    receipt = city.ok([city.alice], [sdk.assets.redeem(VOU, 401)])
    fee = 401 * 250 // 10_000  # 10.025 floored
    assert events(receipt, "assets/redeem") == [
        {"asset": VOU, "holder": city.alice.address, "amount": "401", "fee": str(fee), "programme": PROGRAMME.address}
    ]
    assert (city.balance(city.alice), city.balance(PROGRAMME), city.balance(city.admin)) == (599, fee, 0)
    assert city.supply() == 1000 - (401 - fee) and city.conserved()
    city.fails("assets.insufficient_funds", [city.alice], [sdk.assets.redeem(VOU, 600)])
    city.ok([city.alice], [sdk.assets.redeem(VOU, 39)])  # fee 0.0975 floors to nothing
    assert city.balance(PROGRAMME) == fee and city.supply() == 1000 - 391 - 39


def test_a_zero_fee_needs_no_programme_and_everything_leaves_supply(city: City) -> None:
    city.create({"redeem_fee_bp": 0})
    city.mint(city.alice, 100)
    receipt = city.ok([city.alice], [sdk.assets.redeem(VOU, 100)])
    assert events(receipt, "assets/redeem")[0]["programme"] == ""
    assert city.supply() == 0 and city.balance(city.alice) == 0


def test_an_asset_is_redeemable_only_when_its_policy_names_a_fee(city: City) -> None:
    city.create({"lot_lifetime_ms": DAY_MS})
    city.mint(city.alice, 100)
    city.mint(city.alice, 100, CITY)
    city.fails("assets.not_redeemable", [city.alice], [sdk.assets.redeem(VOU, 1)])
    city.fails("assets.not_redeemable", [city.alice], [sdk.assets.redeem(CITY, 1)])


# -- expired lots ------------------------------------------------------------------------------------


def test_an_expired_lot_cannot_be_spent_and_a_sweep_moves_it_to_the_sink(city: City) -> None:
    city.create({"lot_lifetime_ms": DAY_MS, "expiry_granule_ms": HOUR_MS})
    city.mint(city.alice, 100)
    city.ledger.advance(12 * HOUR_MS)
    city.mint(city.alice, 50)
    city.ledger.advance(13 * HOUR_MS)  # the first lot has expired, the second has not
    city.fails("assets.lot_expired", [city.alice], [sdk.assets.transfer(VOU, city.bob.address, 51)])
    city.fails("assets.lot_expired", [city.alice], [sdk.assets.burn(VOU, 51)])
    city.fails("assets.insufficient_funds", [city.alice], [sdk.assets.transfer(VOU, city.bob.address, 151)])
    receipt = city.ok([city.alice], [sdk.assets.transfer(VOU, city.bob.address, 50)])
    assert events(receipt, "assets/settle") == [
        {"asset": VOU, "holder": city.alice.address, "expired": "100", "demurrage": "0"}
    ]
    assert (city.balance(city.alice), city.balance(city.bob), city.sink(), city.supply()) == (0, 50, 100, 150)
    city.ledger.advance(DAY_MS)
    receipt = city.ok([city.carol], [sdk.assets.sweep(VOU, [city.bob.address, city.alice.address])])
    assert events(receipt, "assets/settle") == [
        {"asset": VOU, "holder": city.bob.address, "expired": "50", "demurrage": "0"}
    ]
    assert (city.balance(city.bob), city.sink(), city.supply()) == (0, 150, 150) and city.conserved()


def test_nothing_is_minted_after_the_policy_expiry_date(city: City) -> None:
    ends = city.ledger.next_time_ms + 10 * 1000
    city.create({"expires_at_ms": ends})
    city.mint(city.alice, 10)
    assert city.lots(city.alice) == ((ends, 10),)
    city.ledger.advance(10 * 1000)
    city.fails("assets.expiry_in_past", [city.admin], [sdk.assets.mint(VOU, city.alice.address, 1)])
    city.fails("assets.lot_expired", [city.alice], [sdk.assets.transfer(VOU, city.bob.address, 1)])


def test_sweeping_an_asset_without_lots_is_refused(city: City) -> None:
    city.create({"merchant_allowlist": True})
    city.fails("assets.no_lots", [city.alice], [sdk.assets.sweep(VOU, [city.alice.address])])
    city.fails("assets.no_lots", [city.alice], [sdk.assets.sweep(CITY, [city.alice.address])])


def test_demurrage_goes_to_the_sink_period_by_period(city: City) -> None:
    city.create({"demurrage_bp": 1000, "demurrage_period_ms": DAY_MS})
    city.align(DAY_MS)
    city.mint(city.alice, 1000)
    city.ledger.advance(3 * DAY_MS)
    receipt = city.ok([city.bob], [sdk.assets.sweep(VOU, [city.alice.address])])
    assert events(receipt, "assets/settle") == [
        {"asset": VOU, "holder": city.alice.address, "expired": "0", "demurrage": str(1000 - 729)}
    ]
    assert (city.balance(city.alice), city.sink(), city.supply()) == (729, 271, 1000)
    assert city.lots(city.alice) == ((None, 729),)


# -- bad policies ------------------------------------------------------------------------------------

BAD_POLICIES = [
    ({"demurrage_bp": 10_001, "demurrage_period_ms": DAY_MS}, "assets.bad_demurrage"),
    ({"demurrage_bp": 100, "demurrage_period_ms": HOUR_MS - 1}, "assets.bad_demurrage"),
    ({"demurrage_bp": 100}, "assets.bad_demurrage"),
    ({"merchant_role": ""}, "assets.bad_merchant_role"),
    ({"merchant_role": "Merchant Food"}, "assets.bad_merchant_role"),
    ({"spend_limit": "100"}, "assets.bad_spend_limit"),
    ({"spend_period_ms": DAY_MS}, "assets.bad_spend_limit"),
    ({"redeem_fee_bp": 10_001, "programme": PROGRAMME.address}, "assets.bad_fee"),
    ({"redeem_fee_bp": 1}, "assets.bad_fee"),
    ({"lot_lifetime_ms": 65 * DAY_MS}, "assets.bad_expiry"),
    ({"watchlists": ["sanctions", "sanctions"]}, "assets.bad_policy"),
]


@pytest.mark.parametrize(
    ("policy", "code"), BAD_POLICIES, ids=[code + str(i) for i, (_, code) in enumerate(BAD_POLICIES)]
)
def test_a_bad_policy_is_refused_before_execution_with_its_code(city: City, policy: dict[str, Any], code: str) -> None:
    for msg in (sdk.assets.create(VOU, "Voucher", policy=policy), sdk.assets.set_policy(CITY, policy)):
        with pytest.raises(InvalidInput) as info:
            city.ledger.app.parse_msgs([msg])
        assert info.value.code == code


def test_the_limits_themselves_are_accepted(city: City) -> None:
    city.create(
        {
            "demurrage_bp": 10_000,
            "demurrage_period_ms": HOUR_MS,
            "redeem_fee_bp": 10_000,
            "programme": PROGRAMME.address,
            "lot_lifetime_ms": 64 * DAY_MS,
        }
    )


def test_an_expiry_date_at_or_before_the_block_time_is_refused(city: City) -> None:
    now = city.ledger.next_time_ms
    city.fails("assets.expiry_in_past", [city.admin], [sdk.assets.create(VOU, "V", policy={"expires_at_ms": now})])
    assert city.ledger.asset(VOU) is None  # the create fails with its policy
    now = city.ledger.next_time_ms
    city.fails("assets.expiry_in_past", [city.admin], [sdk.assets.set_policy(CITY, {"expires_at_ms": now - 1})])
    city.ok([city.admin], [sdk.assets.set_policy(CITY, {"expires_at_ms": city.ledger.next_time_ms + 1})])


def test_a_non_transferable_asset_takes_no_policy(city: City) -> None:
    policy = {"lot_lifetime_ms": DAY_MS}
    city.fails("assets.bad_policy", [city.admin], [sdk.assets.create(VOU, "V", transferable=False, policy=policy)])
    assert city.ledger.asset(VOU) is None
    city.create(None, transferable=False)
    city.fails("assets.bad_policy", [city.admin], [sdk.assets.set_policy(VOU, policy)])


def test_only_the_issuer_sets_a_policy(city: City) -> None:
    msg = sdk.assets.set_policy(CITY, {"merchant_allowlist": True})
    city.fails("assets.not_issuer", [city.alice], [msg])
    city.ok([city.admin], [sdk.accounts.grant_role(city.alice.address, "asset_issuer")])
    city.fails("assets.not_issuer", [city.alice], [msg])  # an issuer, but not of this asset
    receipt = city.ok([city.admin], [msg])
    assert events(receipt, "assets/set_policy") == [{"asset": CITY, "version": "1"}]


# -- policy changes ----------------------------------------------------------------------------------


def test_lots_keep_their_expiry_when_the_policy_changes(city: City) -> None:
    city.create({"lot_lifetime_ms": 30 * DAY_MS})
    city.mint(city.alice, 100)
    [(long_expiry, _)] = city.lots(city.alice)
    receipt = city.ok([city.admin], [sdk.assets.set_policy(VOU, {"lot_lifetime_ms": 2 * DAY_MS})])
    assert events(receipt, "assets/set_policy") == [{"asset": VOU, "version": "2"}]
    assert city.lots(city.alice) == ((long_expiry, 100),)
    city.mint(city.alice, 50)
    [(short_expiry, _), _] = city.lots(city.alice)
    assert short_expiry is not None and long_expiry is not None and short_expiry < long_expiry
    # Soonest-expiring first, not first minted: the newer, shorter lot goes first.
    city.ok([city.alice], [sdk.assets.transfer(VOU, city.bob.address, 60)])
    assert city.lots(city.alice) == ((long_expiry, 90),)
    assert city.lots(city.bob) == ((short_expiry, 50), (long_expiry, 10))


@pytest.mark.parametrize(
    "before",
    [None, {"merchant_allowlist": False}, {"lot_lifetime_ms": 30 * DAY_MS}],
    ids=["no-policy", "policy-without-lots", "expiry-rule-dropped"],
)
def test_turning_demurrage_on_later_charges_it_from_then_only(city: City, before: dict[str, Any] | None) -> None:
    """Balances held before lots existed become one never-expiring lot; lots minted with an expiry keep it even
    when a later policy drops the expiry rule (an asset that once had lots keeps them)."""
    city.create(before)
    city.mint(city.alice, 1000)
    held = city.lots(city.alice) if before and "lot_lifetime_ms" in before else ((None, 1000),)
    if before and "lot_lifetime_ms" in before:
        city.ok([city.admin], [sdk.assets.set_policy(VOU, {})])
    city.ledger.advance(10 * DAY_MS)
    since = city.ledger.next_time_ms
    city.ok([city.admin], [sdk.assets.set_policy(VOU, {"demurrage_bp": 1000, "demurrage_period_ms": DAY_MS})])
    assert city.lots(city.alice) == held
    city.ledger.advance(3 * DAY_MS)
    now = city.ledger.next_time_ms
    kept = lots.demurred(1000, 1000, now // DAY_MS - since // DAY_MS)  # not the 13 days since the mint
    receipt = city.ok([city.alice], [sdk.assets.transfer(VOU, city.bob.address, 1)])
    assert events(receipt, "assets/settle") == [
        {"asset": VOU, "holder": city.alice.address, "expired": "0", "demurrage": str(1000 - kept)}
    ]
    assert city.balance(city.alice) == kept - 1 and city.conserved()


def test_demurrage_switched_on_later_for_an_asset_with_expiring_lots_is_not_charged_before_then(city: City) -> None:
    city.create({"lot_lifetime_ms": 30 * DAY_MS})
    city.mint(city.alice, 1000)
    city.ledger.advance(10 * DAY_MS)
    since = city.ledger.next_time_ms
    city.ok([city.admin], [sdk.assets.set_policy(VOU, {"lot_lifetime_ms": 30 * DAY_MS, "demurrage_bp": 1000,
                                                          "demurrage_period_ms": DAY_MS})])  # fmt: skip
    city.ledger.advance(DAY_MS)
    now = city.ledger.next_time_ms
    kept = lots.demurred(1000, 1000, now // DAY_MS - since // DAY_MS)
    receipt = city.ok([city.alice], [sdk.assets.transfer(VOU, city.bob.address, 1)])
    assert events(receipt, "assets/settle")[0]["demurrage"] == str(1000 - kept)


def test_an_expired_lot_stays_expired_when_the_issuer_drops_the_expiry_rule(city: City) -> None:
    city.create({"lot_lifetime_ms": DAY_MS})
    city.mint(city.alice, 100)
    city.ledger.advance(2 * DAY_MS)
    city.ok([city.admin], [sdk.assets.set_policy(VOU, {"merchant_allowlist": False})])
    city.fails("assets.lot_expired", [city.alice], [sdk.assets.transfer(VOU, city.bob.address, 100)])


def test_a_rate_change_applies_from_the_change_and_the_old_rate_to_the_periods_before(city: City) -> None:
    city.create({"demurrage_bp": 100, "demurrage_period_ms": DAY_MS})
    city.mint(city.alice, 100_000)
    holding = KEEPER.holding(city.ledger.state, VOU, city.alice.address)
    assert holding is not None
    city.ledger.advance(3 * DAY_MS)
    change = city.ledger.next_time_ms
    city.ok([city.admin], [sdk.assets.set_policy(VOU, {"demurrage_bp": 5000, "demurrage_period_ms": DAY_MS})])
    city.ledger.advance(2 * DAY_MS)
    now = city.ledger.next_time_ms
    old = lots.demurred(100_000, 100, change // DAY_MS - holding.at_ms // DAY_MS)
    kept = lots.demurred(old, 5000, now // DAY_MS - change // DAY_MS)
    receipt = city.ok([city.alice], [sdk.assets.transfer(VOU, city.bob.address, 1)])
    assert events(receipt, "assets/settle")[0]["demurrage"] == str(100_000 - kept)
    assert city.conserved()


def test_a_holder_of_max_lots_refuses_a_new_expiry_but_takes_more_of_one_it_holds(city: City) -> None:
    far = city.ledger.next_time_ms + 100 * DAY_MS

    def ending(at_ms: int) -> dict[str, Any]:
        msg: dict[str, Any] = sdk.assets.set_policy(VOU, {"expires_at_ms": at_ms})
        return msg

    city.create({"expires_at_ms": far})
    for i in range(lots.MAX_LOTS):
        city.ok([city.admin], [ending(far + i), sdk.assets.mint(VOU, city.bob.address, 1)])
    assert len(city.lots(city.bob)) == lots.MAX_LOTS
    city.ok([city.admin], [ending(far + lots.MAX_LOTS)])
    city.mint(city.alice, 5)
    city.fails("assets.too_many_lots", [city.admin], [sdk.assets.mint(VOU, city.bob.address, 1)])
    city.fails("assets.too_many_lots", [city.alice], [sdk.assets.transfer(VOU, city.bob.address, 1)])
    city.ok([city.admin], [ending(far)])
    city.mint(city.alice, 3)
    city.ok([city.alice], [sdk.assets.transfer(VOU, city.bob.address, 3)])  # soonest first: the lot ending at far
    assert city.lots(city.bob)[0] == (far, 4) and city.lots(city.alice) == ((far + lots.MAX_LOTS, 5),)


def test_removing_every_rule_lets_units_move_freely(city: City) -> None:
    city.create({"merchant_allowlist": True, "spend_limit": "1", "spend_period_ms": DAY_MS})
    city.mint(city.alice, 10)
    city.ok([city.admin], [sdk.assets.set_policy(VOU, {})])
    city.ok([city.alice], [sdk.assets.transfer(VOU, city.bob.address, 10)])
    assert city.balance(city.bob) == 10
