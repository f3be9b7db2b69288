"""Civic rewards (issue 12): the issuer of an asset whose policy rewards time-bank services mints the
reward to the service's provider, once per service, and no other way."""

from __future__ import annotations

from typing import Any

import pytest
from tests.modules.assets_policy.conftest import VOU, events
from tests.modules.timebank.conftest import Town

from metrobloc import sdk
from metrobloc.modules.assets.keeper import AssetsKeeper

ACTION = "timebank/record_service"
RULES = {"rewards": [{"action": ACTION, "amount": "50"}]}


@pytest.fixture
def served(town: Town) -> Town:
    """Service 1: resident 0 helped resident 1 for 30 minutes; VOU rewards services with 50 units."""
    provider, receiver = town.residents[:2]
    town.register(town.north, "North")
    town.admit(town.north, provider)
    town.admit(town.north, receiver)
    receipt = town.ok([provider, receiver], [town.service(provider, receiver, 30)])
    assert receipt.events[0].attributes["service"] == "1"
    town.ok([town.ledger.admin], [sdk.assets.create(VOU, "Civic points", policy=RULES)])
    return town


def reward(town: Town, to: int, ref: str, action: str = ACTION, asset: str = VOU) -> dict[str, Any]:
    msg: dict[str, Any] = sdk.assets.reward(asset, town.residents[to].address, action, ref)
    return msg


def test_the_provider_of_a_service_is_rewarded_once(served: Town) -> None:
    admin, provider = served.ledger.admin, served.residents[0]
    receipt = served.ok([admin], [reward(served, 0, "1")])
    assert events(receipt, "assets/reward") == [
        {"asset": VOU, "to": provider.address, "amount": "50", "action": ACTION, "ref": "1"}
    ]
    assert served.ledger.balance(VOU, provider) == 50
    record = served.ledger.asset(VOU)
    assert record is not None and record.supply == 50
    served.fails("assets.already_rewarded", [admin], [reward(served, 0, "1")])
    # Another spelling of the same service is no service at all: no second reward by respelling.
    served.fails("assets.no_such_action", [admin], [reward(served, 0, "01")])
    served.fails("assets.no_such_action", [admin], [reward(served, 0, "1.0")])
    assert served.ledger.balance(VOU, provider) == 50


def test_only_the_provider_of_a_recorded_service_is_rewarded(served: Town) -> None:
    admin = served.ledger.admin
    served.fails("assets.not_actor", [admin], [reward(served, 1, "1")])  # the receiver
    served.fails("assets.not_actor", [admin], [reward(served, 2, "1")])  # a bystander
    served.fails("assets.no_such_action", [admin], [reward(served, 0, "2")])
    # A module that keeps no record of actions (or no module at all) has none to reward.
    parking = {"rewards": [{"action": "parking/pay", "amount": "5"}, {"action": "accounts/grant_role", "amount": "5"}]}
    served.ok([admin], [sdk.assets.set_policy(VOU, parking)])
    served.fails("assets.no_such_action", [admin], [reward(served, 0, "1", action="parking/pay")])
    served.fails("assets.no_such_action", [admin], [reward(served, 0, "1", action="accounts/grant_role")])


def test_only_the_issuer_rewards_and_only_the_actions_its_policy_names(served: Town) -> None:
    admin, provider = served.ledger.admin, served.residents[0]
    served.fails("assets.not_issuer", [provider], [reward(served, 0, "1")])
    served.fails("assets.not_rewarded", [admin], [reward(served, 0, "1", action="timebank/admit")])
    served.ok([admin], [sdk.assets.create("CITY", "City Coin")])
    served.fails("assets.not_rewarded", [admin], [reward(served, 0, "1", asset="CITY")])
    served.ok([admin], [sdk.assets.set_policy(VOU, {})])  # rewards switched off
    served.fails("assets.not_rewarded", [admin], [reward(served, 0, "1")])
    assert AssetsKeeper().balance(served.ledger.state, VOU, provider.address) == 0


def test_each_asset_rewards_a_service_once(served: Town) -> None:
    admin, provider = served.ledger.admin, served.residents[0]
    served.ok([admin], [sdk.assets.create("GREEN", "Green points", policy=RULES)])
    served.ok([admin], [reward(served, 0, "1")])
    served.ok([admin], [reward(served, 0, "1", asset="GREEN")])
    served.fails("assets.already_rewarded", [admin], [reward(served, 0, "1", asset="GREEN")])
    assert (served.ledger.balance(VOU, provider), served.ledger.balance("GREEN", provider)) == (50, 50)
