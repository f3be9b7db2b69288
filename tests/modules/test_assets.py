"""The assets module through the real executor: roles, issuers, supply rules, transfers, burns, rollback."""

from __future__ import annotations

from typing import Any

import pytest

from metrobloc import sdk
from metrobloc.errors import InvalidInput
from metrobloc.ledger.limits import MAX_AMOUNT
from metrobloc.modules.assets.keys import balance_key

CITY = "CITY"


@pytest.fixture
def city(ledger: Any) -> Any:
    """CITY exists (admin is the issuer); alice holds 1000."""
    ledger.ok([ledger.admin], [sdk.assets.create(CITY, "City Coin", 2)])
    ledger.ok([ledger.admin], [sdk.assets.mint(CITY, ledger.alice.address, 1000)])
    return ledger


def supply(ledger: Any, asset: str = CITY) -> int:
    record = ledger.asset(asset)
    assert record is not None
    return int(record.supply)


# -- create ------------------------------------------------------------------------------------------


def test_create_needs_the_asset_issuer_role(ledger: Any) -> None:
    ledger.fails("assets.missing_role", [ledger.alice], [sdk.assets.create(CITY, "City Coin")])
    assert ledger.asset(CITY) is None


def test_admin_implies_asset_issuer_and_becomes_the_issuer(ledger: Any) -> None:
    receipt = ledger.ok([ledger.admin], [sdk.assets.create(CITY, "City Coin", 2, max_supply=10**6, transferable=False)])
    assert [e.to_json() for e in receipt.events] == [
        {"type": "assets/create", "attributes": {"asset": CITY, "issuer": ledger.admin.address}}
    ]
    record = ledger.asset(CITY)
    assert (record.issuer, record.supply, record.max_supply, record.transferable, record.decimals) == (
        ledger.admin.address, 0, 10**6, False, 2,
    )  # fmt: skip


def test_granted_issuer_creates_and_only_the_issuer_mints(ledger: Any) -> None:
    ledger.fails("accounts.missing_role", [ledger.bob], [sdk.accounts.grant_role(ledger.alice.address, "asset_issuer")])
    ledger.ok([ledger.admin], [sdk.accounts.grant_role(ledger.alice.address, "asset_issuer")])
    ledger.ok([ledger.alice], [sdk.assets.create("PARK", "Park Pass")])
    assert ledger.asset("PARK").issuer == ledger.alice.address
    ledger.ok([ledger.alice], [sdk.assets.mint("PARK", ledger.bob.address, 5)])
    # Not even an admin mints an asset it did not issue.
    ledger.fails("assets.not_issuer", [ledger.admin], [sdk.assets.mint("PARK", ledger.admin.address, 1)])
    ledger.fails("assets.not_issuer", [ledger.bob], [sdk.assets.mint("PARK", ledger.bob.address, 1)])
    assert ledger.balance("PARK", ledger.bob) == 5 and supply(ledger, "PARK") == 5


def test_an_asset_is_created_once(city: Any) -> None:
    city.ok([city.admin], [sdk.accounts.grant_role(city.bob.address, "asset_issuer")])
    city.fails("assets.exists", [city.bob], [sdk.assets.create(CITY, "Counterfeit")])
    assert city.asset(CITY).issuer == city.admin.address


def test_unknown_asset(ledger: Any) -> None:
    ledger.fails("assets.unknown_asset", [ledger.admin], [sdk.assets.mint("NOPE", ledger.alice.address, 1)])
    ledger.fails("assets.unknown_asset", [ledger.alice], [sdk.assets.transfer("NOPE", ledger.bob.address, 1)])
    ledger.fails("assets.unknown_asset", [ledger.alice], [sdk.assets.burn("NOPE", 1)])


# -- mint and supply -----------------------------------------------------------------------------------


def test_mint_by_non_issuer_is_refused(city: Any) -> None:
    city.fails("assets.not_issuer", [city.alice], [sdk.assets.mint(CITY, city.alice.address, 1)])
    assert city.balance(CITY, city.alice) == 1000 and supply(city) == 1000


def test_max_supply_is_respected(ledger: Any) -> None:
    ledger.ok([ledger.admin], [sdk.assets.create("CAP", "Capped", max_supply=1000)])
    ledger.ok([ledger.admin], [sdk.assets.mint("CAP", ledger.alice.address, 600)])
    ledger.fails("assets.max_supply_exceeded", [ledger.admin], [sdk.assets.mint("CAP", ledger.bob.address, 401)])
    ledger.ok([ledger.admin], [sdk.assets.mint("CAP", ledger.bob.address, 400)])
    assert supply(ledger, "CAP") == 1000
    ledger.fails("assets.max_supply_exceeded", [ledger.admin], [sdk.assets.mint("CAP", ledger.bob.address, 1)])
    # Burning makes room again: the cap is on units in existence.
    ledger.ok([ledger.alice], [sdk.assets.burn("CAP", 100)])
    ledger.ok([ledger.admin], [sdk.assets.mint("CAP", ledger.bob.address, 100)])
    assert supply(ledger, "CAP") == 1000


def test_uncapped_supply_stops_at_2_128_minus_1(ledger: Any) -> None:
    ledger.ok([ledger.admin], [sdk.assets.create("BIG", "Big")])
    ledger.ok([ledger.admin], [sdk.assets.mint("BIG", ledger.alice.address, MAX_AMOUNT)])
    ledger.fails("assets.max_supply_exceeded", [ledger.admin], [sdk.assets.mint("BIG", ledger.bob.address, 1)])
    assert ledger.balance("BIG", ledger.alice) == MAX_AMOUNT == supply(ledger, "BIG")


# -- transfer ------------------------------------------------------------------------------------------


def test_transfer_moves_units_and_emits_an_event(city: Any) -> None:
    receipt = city.ok([city.alice], [sdk.assets.transfer(CITY, city.bob.address, 250)])
    assert [e.to_json() for e in receipt.events] == [
        {
            "type": "assets/transfer",
            "attributes": {"asset": CITY, "from": city.alice.address, "to": city.bob.address, "amount": "250"},
        }
    ]
    assert (city.balance(CITY, city.alice), city.balance(CITY, city.bob), supply(city)) == (750, 250, 1000)


def test_insufficient_funds(city: Any) -> None:
    city.fails("assets.insufficient_funds", [city.alice], [sdk.assets.transfer(CITY, city.bob.address, 1001)])
    city.fails("assets.insufficient_funds", [city.bob], [sdk.assets.transfer(CITY, city.alice.address, 1)])
    # Exactly the balance works, and an emptied balance is deleted rather than kept as "0".
    city.ok([city.alice], [sdk.assets.transfer(CITY, city.bob.address, 1000)])
    assert balance_key(CITY, city.alice.address) not in city.state
    assert city.balance(CITY, city.bob) == 1000


def test_transfer_to_self_changes_nothing(city: Any) -> None:
    result = city.block(city.tx([city.alice], [sdk.assets.transfer(CITY, city.alice.address, 10)]))
    assert result.receipts[0].status == "ok"
    assert balance_key(CITY, city.alice.address) not in result.writes
    city.fails("assets.insufficient_funds", [city.alice], [sdk.assets.transfer(CITY, city.alice.address, 1001)])


def test_non_transferable_asset_moves_only_to_or_from_the_issuer(ledger: Any) -> None:
    ledger.ok([ledger.admin], [sdk.assets.create("VOTE", "Ballot", transferable=False)])
    ledger.ok([ledger.admin], [sdk.assets.mint("VOTE", ledger.alice.address, 10)])
    ledger.fails("assets.not_transferable", [ledger.alice], [sdk.assets.transfer("VOTE", ledger.bob.address, 1)])
    ledger.ok([ledger.alice], [sdk.assets.transfer("VOTE", ledger.admin.address, 3)])  # back to the issuer
    ledger.ok([ledger.admin], [sdk.assets.transfer("VOTE", ledger.bob.address, 2)])  # from the issuer
    ledger.fails("assets.not_transferable", [ledger.bob], [sdk.assets.transfer("VOTE", ledger.alice.address, 1)])
    assert [ledger.balance("VOTE", k) for k in (ledger.alice, ledger.bob, ledger.admin)] == [7, 2, 1]
    assert supply(ledger, "VOTE") == 10


def test_admin_role_does_not_make_a_non_issuer_exempt_from_non_transferability(ledger: Any) -> None:
    ledger.ok([ledger.admin], [sdk.accounts.grant_role(ledger.alice.address, "asset_issuer")])
    ledger.ok([ledger.alice], [sdk.assets.create("PERMIT", "Permit", transferable=False)])
    ledger.ok([ledger.alice], [sdk.assets.mint("PERMIT", ledger.admin.address, 2)])
    ledger.fails("assets.not_transferable", [ledger.admin], [sdk.assets.transfer("PERMIT", ledger.bob.address, 1)])
    ledger.ok([ledger.admin], [sdk.assets.transfer("PERMIT", ledger.alice.address, 1)])


# -- burn -----------------------------------------------------------------------------------------------


def test_burn_destroys_own_units(city: Any) -> None:
    receipt = city.ok([city.alice], [sdk.assets.burn(CITY, 400)])
    assert receipt.events[0].to_json() == {
        "type": "assets/burn",
        "attributes": {"asset": CITY, "holder": city.alice.address, "amount": "400"},
    }
    assert city.balance(CITY, city.alice) == 600 and supply(city) == 600
    city.fails("assets.insufficient_funds", [city.alice], [sdk.assets.burn(CITY, 601)])
    city.fails("assets.insufficient_funds", [city.bob], [sdk.assets.burn(CITY, 1)])
    city.ok([city.alice], [sdk.assets.burn(CITY, 600)])
    assert supply(city) == 0 and balance_key(CITY, city.alice.address) not in city.state


# -- atomicity --------------------------------------------------------------------------------------------


def test_failed_tx_rolls_back_all_its_writes(city: Any) -> None:
    before = dict(city.state)
    # The first message succeeds on its own; the second fails, so neither may leave a trace.
    tx = city.tx(
        [city.admin], [sdk.assets.mint(CITY, city.bob.address, 100), sdk.assets.transfer(CITY, city.carol.address, 1)]
    )
    result = city.block(tx)
    assert result.receipts[0].status == "failed"
    assert result.receipts[0].error["code"] == "assets.insufficient_funds"
    assert result.receipts[0].events == ()
    assert dict(result.writes) == {}
    assert city.state == before


def test_a_failed_tx_in_a_block_is_invisible_to_the_txs_after_it(city: Any) -> None:
    first = city.tx([city.alice], [sdk.assets.transfer(CITY, city.bob.address, 100)])
    failing = city.tx([city.admin], [sdk.assets.mint(CITY, city.carol.address, 500), sdk.assets.burn(CITY, 10**9)])
    # carol would only have funds if the failed tx's mint leaked into the block.
    after = city.tx([city.carol], [sdk.assets.transfer(CITY, city.bob.address, 500)])
    last = city.tx([city.bob], [sdk.assets.transfer(CITY, city.carol.address, 30)])
    result = city.block(first, failing, after, last)
    assert [r.status for r in result.receipts] == ["ok", "failed", "failed", "ok"]
    assert [r.index for r in result.receipts] == [0, 1, 2, 3]
    assert result.receipts[2].error["code"] == "assets.insufficient_funds"
    assert [city.balance(CITY, k) for k in (city.alice, city.bob, city.carol)] == [900, 70, 30]
    assert supply(city) == 1000


# -- stateless checks -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("msg", "code"),
    [
        (sdk.assets.create("city", "lower case"), "msg.bad_string"),
        (sdk.assets.create("C", "too short"), "msg.bad_string"),
        (sdk.assets.create("CITY", "   "), "msg.bad_string"),
        (sdk.assets.create("CITY", "x", decimals=19), "msg.bad_integer"),
        ({**sdk.assets.create("CITY", "x"), "max_supply": "0"}, "msg.bad_amount"),
        ({**sdk.assets.create("CITY", "x"), "transferable": 1}, "msg.bad_bool"),
        ({**sdk.assets.create("CITY", "x"), "owner": "me"}, "msg.unknown_field"),
        ({"type": "assets/mint", "asset": "CITY", "amount": "1"}, "msg.missing_field"),
        ({"type": "assets/mint", "asset": "CITY", "to": "mb1nope", "amount": "1"}, "msg.bad_address"),
        ({"type": "assets/transfer", "asset": "CITY", "to": "x", "amount": "1"}, "msg.bad_address"),
        ({"type": "assets/burn", "asset": "CITY", "amount": "0"}, "msg.bad_amount"),
        ({"type": "assets/burn", "asset": "CITY", "amount": 5}, "msg.bad_amount"),
        ({"type": "assets/burn", "asset": "CITY", "amount": str(MAX_AMOUNT + 1)}, "msg.amount_out_of_range"),
        ({"type": "assets/steal", "asset": "CITY"}, "tx.unknown_msg"),
    ],
)
def test_malformed_messages_are_refused_before_execution(ledger: Any, msg: dict[str, Any], code: str) -> None:
    with pytest.raises(InvalidInput) as info:
        ledger.app.parse_msgs([sdk.assets.mint(CITY, ledger.alice.address, 1), msg])
    assert info.value.code == code
    assert info.value.message.startswith("msgs[1]")
