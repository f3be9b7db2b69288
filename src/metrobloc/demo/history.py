"""The seeded history of the Demo City: what happens in each of its first blocks.

A small model of the books (City Coin balances, parcels, owners, liens) lets every choice be a
valid one: a buyer can pay, a sale carries every signature it needs. The choices come from a
``random.Random`` seeded with the city's seed, so the history is the same on every run.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from metrobloc.crypto import PrivateKey
from metrobloc.demo import association, budget, consortium, identity, money, timebank, watchlist
from metrobloc.demo.city import BLOCK_INTERVAL_MS, SeededTx
from metrobloc.demo.people import Citizen
from metrobloc.sdk import accounts, assets, land

if TYPE_CHECKING:
    from metrobloc.demo.city import DemoCity

CITY_COIN = "CITY"
CREDITS = "CREDIT"
REGISTRATION_CLAIM = "parcel_registration"
DISTRICTS = {
    "old-town": "OLDTOWN",
    "riverside": "RIVERSIDE",
    "harbour": "HARBOUR",
    "university-hill": "UNIHILL",
    "north-park": "NORTHPARK",
}
"""District slug -> the prefix of its parcel ids."""
PARCELS_PER_DISTRICT = 8
MARKET_DAYS = 12
TRANSFERS_PER_DAY = 40
MEMOS = ("groceries", "rent share", "bike repair", "market stall", "lunch", "concert tickets", "books", "")
"""What citizens write on a transfer (the empty memo included)."""

Chapter = tuple[str, list[SeededTx], int]
"""A seeded block: its title, its txs, and its time (Unix ms)."""


@dataclass
class ParcelBook:
    """What the history knows of one parcel."""

    parcel: str
    owners: list[tuple[str, int]]
    """(address, share in basis points), in deed order."""
    liens: dict[int, int] = field(default_factory=dict)
    """Active lien id -> amount (held by the bank)."""
    next_lien: int = 1


@dataclass(frozen=True)
class Lot:
    """A parcel to be registered on a settled survey rather than by the registrar."""

    parcel: str
    district: str
    area_m2: int
    owners: list[tuple[str, int]]
    survey: str
    """The survey's digest."""

    def registration(self) -> dict[str, Any]:
        msg: dict[str, Any] = land.register_parcel(self.parcel, self.district, self.area_m2, self.owners, [self.survey])
        return msg


def write_history(city: DemoCity) -> Iterator[Chapter]:
    """Each seeded block: its title, its txs and its time."""
    return _Historian(city).chapters()


class _Historian:
    surveyed: list[Lot]
    """Harbour lots the University surveys in block 7 and their owners register in block 9."""
    disputed: Lot
    """The lot City Hall's survey disagrees about: its claim stays pending."""
    rented: ParcelBook
    """The parcel whose rent is tokenized."""

    def __init__(self, city: DemoCity) -> None:
        self.city = city
        self.people = city.people
        self.rng = random.Random(int.from_bytes(hashlib.sha256(f"metrobloc/demo/{city.seed}".encode()).digest()))
        self.keys: dict[str, PrivateKey] = {a.address: a.key for a in self.people.agencies}
        self.keys.update({c.address: c.key for c in self.people.citizens})
        self.balances: dict[str, int] = dict.fromkeys(self.keys, 0)
        self.parcels: dict[str, ParcelBook] = {}
        self.height = 0
        self.time_ms = city.genesis_time_ms
        """The time of the block being written: 10 s after the one before, unless a chapter waits longer."""
        self.txs: list[SeededTx] = []

    # -- the chapters, one per block ---------------------------------------------------------
    def chapters(self) -> Iterator[Chapter]:
        for title, write in (
            ("City Hall installs the agencies", self.agencies),
            ("City Coin reaches every resident", self.city_coin),
            ("The Land Registry opens its books", self.land_register),
            ("Mortgages and study credits", self.mortgages),
            ("The first sales", self.sales),
            ("Closings and repaid loans", self.closings),
            ("Surveyors at work", self.surveys),
            ("City Hall confirms the surveys", self.confirmations),
            ("First registrations by survey", self.registrations_by_survey),
            ("Rent day", self.rent_day),
        ):
            yield self.chapter(title, write)
        for day in range(1, MARKET_DAYS + 1):
            yield self.chapter(f"Market day {day}", self.market_day)
        # Time banks after identity: they continue its accreditation ids and admit its residents. Money
        # after them: City Coin enforces the watch-list's sanctions, and the loyalty points reward time-bank
        # services. The association after them: its treasury holds City Coin under that policy. Then the
        # consortium: the Red Cross joins it before the campaigns that come after. The district budget last:
        # its guardians are the consortium's agencies, and its census the Population Register's enrolments.
        later = (
            *identity.chapters(self),
            *timebank.chapters(self),
            *watchlist.chapters(self),
            *money.chapters(self),
            *association.chapters(self),
            *consortium.chapters(self),
            *budget.chapters(self),
        )
        for title, write in later:
            yield self.chapter(title, write)

    def chapter(self, title: str, write: Callable[[], None]) -> Chapter:
        self.height += 1
        self.time_ms += BLOCK_INTERVAL_MS
        self.txs = []
        write()
        return title, self.txs, self.time_ms

    def wait_until(self, time_ms: int) -> None:
        """Let the block being written carry ``time_ms`` instead (later blocks follow it 10 s apart)."""
        assert time_ms >= self.time_ms, "seeded block times never go back"
        self.time_ms = time_ms

    def agencies(self) -> None:
        grants = [accounts.grant_role(a.address, role) for a in self.people.agencies[1:] for role in a.roles]
        self.tx([self.people.city_hall.key], grants, "Demo City: the agencies take up their roles")
        coin = assets.create(CITY_COIN, "City Coin", 2, None, True)
        self.tx([self.people.city_hall.key], [coin], "City Coin, the city's own currency")

    def city_coin(self) -> None:
        treasury = {self.people.bank.address: 50_000_000_00, self.people.university.address: 2_000_000_00}
        self.tx([self.people.city_hall.key], [self.mint(a, n) for a, n in treasury.items()], "treasury allocations")
        citizens = self.people.citizens
        for start in range(0, len(citizens), 50):
            grants = [self.mint(c.address, self.rng.randrange(1_000_00, 20_000_00, 100)) for c in citizens[start:][:50]]
            self.tx([self.people.city_hall.key], grants, "citizen dividend")
        credits = assets.create(CREDITS, "Metro University study credits", 0, None, False)
        self.tx([self.people.university.key], [credits], "study credits: earned, never sold")

    def land_register(self) -> None:
        oracles = [self.people.university.address, self.people.city_hall.address]
        policy = land.set_oracle_policy(REGISTRATION_CLAIM, oracles, 2)
        self.tx([self.people.registry.key], [policy], "first registrations: the University surveys, City Hall confirms")
        for district, prefix in DISTRICTS.items():
            msgs = []
            for lot in range(PARCELS_PER_DISTRICT):
                parcel = f"{prefix}-{1 + lot // 4}:{1 + lot % 4}"
                owners = self.new_owners()
                self.parcels[parcel] = ParcelBook(parcel, owners)
                area = self.rng.randrange(180, 2400)
                msgs.append(land.register_parcel(parcel, district, area, owners, [self.deed(parcel, "title")]))
            self.tx([self.people.registry.key], msgs, f"{district}: titles migrated from the paper register")

    def mortgages(self) -> None:
        for book in self.rng.sample(self.free_parcels(), 8):
            amount = self.rng.randrange(20_000_00, 200_000_00, 1_000_00)
            self.mortgage(book, amount)
        students = self.rng.sample(self.people.citizens, 40)
        grades = [assets.mint(CREDITS, s.address, self.rng.randrange(5, 61)) for s in students]
        self.tx([self.people.university.key], grades, "study credits, autumn term")

    def sales(self) -> None:
        for book in self.rng.sample(self.free_parcels(), 8):
            self.sale(book)
        pledged = self.pledged_parcels()
        self.sale(pledged[0], lienholder_signs=True)  # the buyer takes the title subject to the mortgage
        self.sale(pledged[1], lienholder_signs=False)  # refused: land.lien_active, kept on the chain

    def closings(self) -> None:
        pledged = self.pledged_parcels()
        self.sale(pledged[1], lienholder_signs=True, release=True)  # the bank is paid off at closing
        repaid = 0
        for book in pledged[2:]:
            owner = book.owners[0][0]
            lien_id, amount = next(iter(book.liens.items()))
            if repaid < 2 and self.balances[owner] >= amount:
                repay = [self.pay(owner, self.people.bank.address, amount), land.release_lien(book.parcel, lien_id)]
                self.tx([self.keys[owner], self.people.bank.key], repay, f"mortgage on {book.parcel} repaid")
                del book.liens[lien_id]
                repaid += 1

    def surveys(self) -> None:
        """The University surveys three new harbour lots, and one in north-park that City Hall will dispute."""
        self.surveyed = [self.unregistered(f"HARBOUR-9:{n}", "harbour") for n in (1, 2, 3)]
        self.disputed = self.unregistered("NORTHPARK-9:1", "north-park")
        for lot in (*self.surveyed, self.disputed):
            self.attest(self.people.university.key, lot.registration())

    def confirmations(self) -> None:
        for lot in self.surveyed:
            self.attest(self.people.city_hall.key, lot.registration())  # the second vote: settled
        other = [(self.citizen_outside(self.disputed.owners).address, 10_000)]
        self.attest(self.people.city_hall.key, replace(self.disputed, owners=other).registration())

    def registrations_by_survey(self) -> None:
        for lot in self.surveyed:
            owner = self.keys[lot.owners[0][0]]
            self.tx([owner], [lot.registration()], f"{lot.parcel} registered on its settled survey")
            self.parcels[lot.parcel] = ParcelBook(lot.parcel, lot.owners)
        self.rented = next(b for b in self.free_parcels() if len(b.owners) == 1)
        owner = self.keys[self.rented.owners[0][0]]
        rights = land.issue_revenue_rights(self.rented.parcel, "RENT1", 1000)
        self.tx([owner, self.people.registry.key], [rights], f"the rent of {self.rented.parcel}, tokenized")

    def rent_day(self) -> None:
        """A tenant pays the rent to the holders of the parcel's revenue rights (its owner, who holds them all)."""
        rent = 850_00
        tenant = self.rng.choice([c for c in self.people.citizens if self.balances[c.address] >= rent])
        self.pay(tenant.address, self.rented.owners[0][0], rent)
        self.tx([tenant.key], [land.distribute(self.rented.parcel, CITY_COIN, rent)], f"rent for {self.rented.parcel}")

    def market_day(self) -> None:
        citizens = self.people.citizens
        for _ in range(TRANSFERS_PER_DAY):
            sender = self.rng.choice([c for c in citizens if self.balances[c.address] >= 10_00])
            to = self.citizen_outside([(sender.address, 0)])
            amount = self.rng.randrange(1_00, min(self.balances[sender.address] // 5, 500_00) + 1)
            self.tx([sender.key], [self.pay(sender.address, to.address, amount)], self.rng.choice(MEMOS))

    # -- the acts the chapters are made of ---------------------------------------------------
    def tx(
        self,
        keys: list[PrivateKey],
        msgs: list[dict[str, Any]],
        memo: str,
        expect: str = "ok",
        signers: list[str] | None = None,
    ) -> None:
        signed = self.city.sign(self.height, len(self.txs), keys, msgs, memo, signers)
        self.txs.append(SeededTx(signed, expect, memo or msgs[0]["type"]))

    def mint(self, to: str, amount: int) -> dict[str, Any]:
        self.balances[to] += amount
        return dict(assets.mint(CITY_COIN, to, amount))

    def pay(self, sender: str, to: str, amount: int) -> dict[str, Any]:
        self.balances[sender] -= amount
        self.balances[to] += amount
        return dict(assets.transfer(CITY_COIN, to, amount))

    def mortgage(self, book: ParcelBook, amount: int) -> None:
        """The bank pays out the loan and registers its lien in one tx, co-signed by every owner."""
        bank = self.people.bank
        loan = self.pay(bank.address, book.owners[0][0], amount)
        lien = land.create_lien(book.parcel, bank.address, amount, CITY_COIN, self.deed(book.parcel, "mortgage"))
        owners = [self.keys[a] for a, _ in book.owners]
        self.tx([bank.key, *owners], [loan, lien], f"mortgage on {book.parcel}")
        book.liens[book.next_lien] = amount
        book.next_lien += 1

    def sale(self, book: ParcelBook, *, lienholder_signs: bool = True, release: bool = False) -> None:
        """The buyer pays every owner their share and takes the title, in one tx every party signs."""
        owners = {a for a, _ in book.owners}
        buyer = self.rng.choice(
            [c for c in self.people.citizens if self.balances[c.address] >= 2_000_00 and c.address not in owners]
        )
        price = self.balances[buyer.address] * self.rng.randrange(50, 91) // 100 // 100 * 100  # whole coins
        ok = lienholder_signs or not book.liens
        msgs = self.payments(buyer.address, book.owners, price, commit=ok)
        msgs += [land.release_lien(book.parcel, i) for i in book.liens if release]
        deed = self.deed(book.parcel, "sale")
        msgs.append(land.transfer(book.parcel, [(buyer.address, 10_000)], deed, (CITY_COIN, price)))
        keys = [buyer.key, *(self.keys[a] for a, _ in book.owners), self.people.registry.key]
        keys += [self.people.bank.key] if book.liens and lienholder_signs else []
        self.tx(keys, msgs, f"sale of {book.parcel}", "ok" if ok else "land.lien_active")
        if ok:
            book.owners = [(buyer.address, 10_000)]
            book.liens = {} if release else book.liens

    def payments(self, buyer: str, owners: list[tuple[str, int]], price: int, *, commit: bool) -> list[dict[str, Any]]:
        shares = [price * bp // 10_000 for _, bp in owners]
        shares[0] += price - sum(shares)
        if commit:
            return [self.pay(buyer, a, n) for (a, _), n in zip(owners, shares, strict=True)]
        return [assets.transfer(CITY_COIN, a, n) for (a, _), n in zip(owners, shares, strict=True)]

    def attest(self, oracle: PrivateKey, registration: dict[str, Any]) -> None:
        """An oracle's vote that ``registration`` (a ``land/register_parcel``) is what it surveyed."""
        parcel = registration["parcel"]
        value = land.registration_digest(registration)
        self.tx([oracle], [land.attest(REGISTRATION_CLAIM, parcel, value)], f"survey of {parcel}")

    def unregistered(self, parcel: str, district: str) -> Lot:
        """A new lot for one citizen, surveyed but not yet registered."""
        owners = self.new_owners(single=True)
        return Lot(parcel, district, self.rng.randrange(300, 1200), owners, self.deed(parcel, "survey"))

    # -- the books -------------------------------------------------------------------------------
    def new_owners(self, *, single: bool = False) -> list[tuple[str, int]]:
        if single or self.rng.random() < 0.75:
            return [(self.rng.choice(self.people.citizens).address, 10_000)]
        first, second = self.rng.sample(self.people.citizens, 2)
        split = self.rng.choice((5_000, 6_000, 7_000))
        return [(first.address, split), (second.address, 10_000 - split)]

    def citizen_outside(self, owners: list[tuple[str, int]]) -> Citizen:
        taken = {a for a, _ in owners}
        return self.rng.choice([c for c in self.people.citizens if c.address not in taken])

    def free_parcels(self) -> list[ParcelBook]:
        return [b for _, b in sorted(self.parcels.items()) if not b.liens]

    def pledged_parcels(self) -> list[ParcelBook]:
        return [b for _, b in sorted(self.parcels.items()) if b.liens]

    def deed(self, parcel: str, kind: str) -> str:
        """The digest of a document that stays off the ledger (a deed, a survey, a loan agreement)."""
        digest: str = land.document_digest(f"{kind} of {parcel}, Demo City {self.city.seed}".encode())
        return digest
