"""The assets queries for policy assets (issue 12): an account's lots with their expiry, what it can
spend at a later block time, the policy and sink of an asset, and a wallet's holdings."""

from __future__ import annotations

from tests.modules.assets_policy.conftest import CITY, DAY_MS, VOU, City

from metrobloc import sdk
from metrobloc.modules.assets import lots, queries


def test_the_balance_query_shows_lots_and_what_is_spendable_later(city: City) -> None:
    city.create({"lot_lifetime_ms": 2 * DAY_MS, "expiry_granule_ms": DAY_MS})
    city.mint(city.alice, 100)
    city.ledger.advance(DAY_MS)
    city.mint(city.alice, 40)
    first, second = (e for e, _ in city.lots(city.alice))
    assert first is not None and second == first + DAY_MS
    answer = queries.balance(city.ledger.state, VOU, city.alice.address)
    assert answer["balance"] == "140" and "spendable" not in answer
    assert answer["lots"] == [{"amount": "100", "expires_ms": first}, {"amount": "40", "expires_ms": second}]
    later = queries.balance(city.ledger.state, VOU, city.alice.address, first)
    assert later["balance"] == "140"  # nothing was written
    assert (later["at_ms"], later["spendable"]) == (first, "40")
    assert later["lots_at"] == [{"amount": "40", "expires_ms": second}]
    assert queries.balance(city.ledger.state, VOU, city.alice.address, second)["spendable"] == "0"
    assert queries.balance(city.ledger.state, VOU, city.alice.address, first - 1)["spendable"] == "140"
    plain = queries.balance(city.ledger.state, CITY, city.alice.address, first)
    assert plain == {"asset": CITY, "address": city.alice.address, "balance": "0"}


def test_the_balance_query_applies_demurrage_at_a_later_time(city: City) -> None:
    city.create({"demurrage_bp": 500, "demurrage_period_ms": DAY_MS})
    city.align(DAY_MS)
    city.mint(city.alice, 1000)
    at = city.ledger.next_time_ms + 2 * DAY_MS
    answer = queries.balance(city.ledger.state, VOU, city.alice.address, at)
    assert answer["lots"] == [{"amount": "1000", "expires_ms": None}]
    assert answer["spendable"] == str(lots.demurred(1000, 500, 2)) == "902"


def test_the_asset_query_shows_the_policy_and_the_sink(city: City) -> None:
    city.create({"lot_lifetime_ms": DAY_MS, "redeem_fee_bp": 0})
    city.mint(city.alice, 10)
    city.ledger.advance(2 * DAY_MS)
    city.ok([city.bob], [sdk.assets.sweep(VOU, [city.alice.address])])
    answer = queries.asset(city.ledger.state, VOU)
    assert answer["sink"] == "10" and answer["supply"] == "10"
    assert answer["policy"]["version"] == 1
    assert answer["policy"]["policy"]["lot_lifetime_ms"] == DAY_MS
    assert answer["policy"]["policy"]["redeem_fee_bp"] == 0
    assert queries.asset(city.ledger.state, CITY)["policy"] is None


def test_holdings_list_every_asset_an_account_holds(city: City) -> None:
    city.create({"lot_lifetime_ms": DAY_MS})
    city.mint(city.alice, 10)
    city.mint(city.alice, 5, CITY)
    at = city.ledger.next_time_ms + 2 * DAY_MS
    found = {h["asset"]: h for h in queries.holdings(city.reader, city.alice.address, at)}
    assert set(found) == {CITY, VOU}
    assert (found[VOU]["policy"], found[VOU]["balance"], found[VOU]["spendable"]) == (True, "10", "0")
    assert (found[CITY]["policy"], found[CITY]["balance"]) == (False, "5")
    assert queries.holdings(city.reader, city.bob.address) == []
