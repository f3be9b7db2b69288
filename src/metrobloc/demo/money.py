"""The Demo City's money: City Coin takes a policy (demurrage, a redemption fee to a community fund, the
sanctions list), the Red Cross issues a food voucher spendable only at food shops, a coalition of
merchants runs loyalty points that reward the time bank's services, and City Coin's first demurrage
day comes.

Each chapter shows a rule holding as well as working: a payment to the sanctioned account, a voucher
passed to a neighbour and a service rewarded twice are refused, and stay on the chain as failed txs.

The chapters are seeded blocks like the rest of the history; ``history.py`` runs them last, after the
watch-list (whose ``sanctions`` list City Coin enforces) and the time bank (whose services earn
points). The last one waits for the start of City Coin's next demurrage period, so the seeded chain
spans days rather than minutes and shows demurrage taken (``assets/settle`` events, a sink above 0).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from metrobloc.crypto import PrivateKey
from metrobloc.demo.city import DAY_MS
from metrobloc.demo.identity import RESIDENTS
from metrobloc.demo.people import Agency, Citizen, derive_key
from metrobloc.demo.timebank import SERVICES
from metrobloc.demo.watchlist import sanctioned
from metrobloc.sdk import accounts, assets

if TYPE_CHECKING:
    from metrobloc.demo.city import DemoCity

HOUR_MS = 3_600_000
CITY_COIN = "CITY"
VOUCHER = "FOODV"
POINTS = "CIVIC"
FOOD_ROLE = "merchant_food"
REWARDED = "timebank/record_service"
DEMURRAGE_BP = 200
DEMURRAGE_PERIOD_MS = 30 * DAY_MS
"""City Coin loses 2% per 30-day period held, Chiemgauer-style; periods start at multiples of 30 days since 1970."""
REDEEM_FEE_BP = 500
"""Changing City Coin back costs 5%, paid to the community fund (the exit fee of Bristol Pound and Chiemgauer)."""
VOUCHER_UNITS = 60_00
"""Each family's food voucher: 60.00 FOODV."""
REWARD_POINTS = 50
"""CIVIC points per recorded time-bank service, to its provider."""
DEMURRAGE_DAY_HOUR_MS = 8 * HOUR_MS
"""The demurrage day's block is at 08:00 UTC, the hour the city's chain started."""
CHAPTERS = (
    "City Coin takes a policy: demurrage, an exit fee, the sanctions list",
    "A food voucher for families",
    "Families buy food",
    "A coalition loyalty programme",
    "Points for hours given",
    "City Coin's first demurrage day",
)
"""The money blocks' titles, in order."""


class Historian(Protocol):
    """What the money chapters need of ``history.py``'s historian."""

    city: DemoCity
    time_ms: int
    """The time of the block being written."""

    def tx(self, keys: list[PrivateKey], msgs: list[dict[str, Any]], memo: str, expect: str = "ok") -> None: ...

    def wait_until(self, time_ms: int) -> None: ...


@dataclass(frozen=True)
class MoneyParties:
    """The accounts the money chapters bring in, each with a key derived from the seed."""

    fund: Agency
    """Demo City Community Fund: City Coin's redemption fees go to it (it signs nothing)."""
    red_cross: Agency
    """Demo City Red Cross (``asset_issuer``): issues the food voucher and pays the shops for it off the ledger."""
    grocery: Agency
    """Harbour Grocery (``merchant_food``; a CIVIC merchant): takes vouchers and redeems them."""
    bakery: Agency
    """Old Town Bakery (``merchant_food``; a CIVIC merchant)."""
    tourism: Agency
    """Demo City Tourism Office (``asset_issuer``): runs the coalition's CIVIC points."""
    cafe: Agency
    """Riverside Café (a CIVIC merchant)."""
    museum: Agency
    """Harbour Museum (a CIVIC merchant)."""

    @property
    def coalition(self) -> tuple[Agency, ...]:
        """The merchants that take CIVIC points."""
        return (self.grocery, self.bakery, self.cafe, self.museum)

    @classmethod
    def of_seed(cls, seed: int) -> MoneyParties:
        def agency(name: str, key_name: str, *roles: str) -> Agency:
            return Agency(name, key_name, roles, derive_key(seed, key_name))

        return cls(
            agency("Demo City Community Fund", "community-fund"),
            agency("Demo City Red Cross", "red-cross", "asset_issuer"),
            agency("Harbour Grocery", "harbour-grocery", FOOD_ROLE),
            agency("Old Town Bakery", "old-town-bakery", FOOD_ROLE),
            agency("Demo City Tourism Office", "tourism-office", "asset_issuer"),
            agency("Riverside Café", "riverside-cafe"),
            agency("Harbour Museum", "harbour-museum"),
        )


def city_coin_policy(parties: MoneyParties) -> dict[str, Any]:
    """City Coin's policy: demurrage, the redemption fee to the fund, and the ``sanctions`` list enforced."""
    return {
        "demurrage_bp": DEMURRAGE_BP,
        "demurrage_period_ms": DEMURRAGE_PERIOD_MS,
        "redeem_fee_bp": REDEEM_FEE_BP,
        "programme": parties.fund.address,
        "watchlists": ["sanctions"],
    }


VOUCHER_POLICY: dict[str, Any] = {
    "lot_lifetime_ms": 90 * DAY_MS,
    "expiry_granule_ms": 7 * DAY_MS,  # 90 days fit in 64 granules only if a granule is a week or more
    "merchant_role": FOOD_ROLE,
    "redeem_fee_bp": 0,
}
"""The food voucher: each family's lot lasts 90 days (to the next week's start), spendable at food shops only."""
POINTS_POLICY: dict[str, Any] = {
    "lot_lifetime_ms": 365 * DAY_MS,
    "expiry_granule_ms": 30 * DAY_MS,
    "merchant_allowlist": True,
    "rewards": [{"action": REWARDED, "amount": REWARD_POINTS}],
}
"""CIVIC points: a year to spend them at the coalition's merchants; earned by giving time to the time bank."""


def next_period_ms(time_ms: int) -> int:
    """The start of the first demurrage period after the one ``time_ms`` is in."""
    return (time_ms // DEMURRAGE_PERIOD_MS + 1) * DEMURRAGE_PERIOD_MS


def chapters(h: Historian) -> list[tuple[str, Callable[[], None]]]:
    """The money blocks, in order: each a title and the function that writes its txs."""
    m = _Money(h)
    return list(zip(CHAPTERS, (m.city_coin, m.voucher, m.food, m.loyalty, m.rewards, m.demurrage_day), strict=True))


class _Money:
    """The money chapters' writers, one method per block."""

    def __init__(self, h: Historian) -> None:
        self.h = h
        self.people, self.parties = h.city.people, MoneyParties.of_seed(h.city.seed)
        self.hall = self.people.city_hall.key
        self.residents: tuple[Citizen, ...] = self.people.citizens[:RESIDENTS]

    def city_coin(self) -> None:
        h, policy = self.h, assets.set_policy(CITY_COIN, city_coin_policy(self.parties))
        h.tx([self.hall], [policy], "City Coin: use it or lose 2% a month")
        shell = assets.transfer(CITY_COIN, sanctioned(h.city.seed), 50_00)
        h.tx([self.people.citizens[RESIDENTS].key], [shell], "invoice from a shell company", "assets.sanctioned")

    def voucher(self) -> None:
        h, parties = self.h, self.parties
        issuer_and_shops = (parties.red_cross, parties.grocery, parties.bakery)
        grants = [accounts.grant_role(p.address, role) for p in issuer_and_shops for role in p.roles]
        h.tx([self.hall], grants, "the Red Cross issues food vouchers; two shops take them")
        create = assets.create(VOUCHER, "Food voucher", 2, None, True, VOUCHER_POLICY)
        h.tx([parties.red_cross.key], [create], "food vouchers: for food, within 90 days")
        mints = [assets.mint(VOUCHER, r.address, VOUCHER_UNITS) for r in self.residents]
        h.tx([parties.red_cross.key], mints, "food vouchers for five families")

    def food(self) -> None:
        h, residents = self.h, self.residents
        grocery, bakery = self.parties.grocery, self.parties.bakery
        shops, amounts = (grocery, grocery, bakery, grocery), (25_00, 40_00, 12_50, 60_00)
        purchases = list(zip(residents[:4], shops, amounts, strict=True))  # the fifth family tries otherwise
        for resident, shop, amount in purchases:
            h.tx([resident.key], [assets.transfer(VOUCHER, shop.address, amount)], f"groceries at {shop.name}")
        neighbour = assets.transfer(VOUCHER, residents[0].address, 20_00)
        h.tx([residents[4].key], [neighbour], "vouchers passed to a neighbour", "assets.not_merchant")
        takings = sum(amount for _, shop, amount in purchases if shop is grocery)
        h.tx([grocery.key], [assets.redeem(VOUCHER, takings)], "the grocery cashes its vouchers with the Red Cross")

    def loyalty(self) -> None:
        h, tourism = self.h, self.parties.tourism
        h.tx([self.hall], [accounts.grant_role(tourism.address, r) for r in tourism.roles], "the points' issuer")
        create = assets.create(POINTS, "Civic points", 0, None, True, POINTS_POLICY)
        h.tx([tourism.key], [create], "CIVIC: points for civic time, spent at local merchants")
        merchants = [assets.set_merchant(POINTS, m.address) for m in self.parties.coalition]
        h.tx([tourism.key], merchants, "four merchants join the coalition")

    def rewards(self) -> None:
        h, residents, office = self.h, self.residents, self.parties.tourism.key
        for ref, service in enumerate(SERVICES, 1):
            reward = assets.reward(POINTS, residents[service.provider].address, REWARDED, str(ref))
            h.tx([office], [reward], f"points for time-bank service {ref}")
        again = assets.reward(POINTS, residents[SERVICES[0].provider].address, REWARDED, "1")
        h.tx([office], [again], "service 1 again", "assets.already_rewarded")
        spends = (
            (residents[SERVICES[0].provider], self.parties.cafe, 30),
            (residents[SERVICES[1].provider], self.parties.museum, 20),
        )
        for resident, merchant, points in spends:
            spend = assets.transfer(POINTS, merchant.address, points)
            h.tx([resident.key], [spend], f"points spent at {merchant.name}")

    def demurrage_day(self) -> None:
        h = self.h
        h.wait_until(next_period_ms(h.time_ms) + DEMURRAGE_DAY_HOUR_MS)
        holders = [self.people.bank.address, *(r.address for r in self.residents)]
        h.tx([self.hall], [assets.sweep(CITY_COIN, holders)], "a new period: City Coin held through the last pays 2%")
        cash_out = assets.redeem(CITY_COIN, 1_000_00)
        h.tx([self.people.university.key], [cash_out], "the University changes City Coin back, 5% to the fund")


__all__ = ["CHAPTERS", "POINTS", "VOUCHER", "MoneyParties", "chapters", "city_coin_policy", "next_period_ms"]
