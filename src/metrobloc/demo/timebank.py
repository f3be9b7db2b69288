"""The Demo City's time banks: City Hall accredits a community trust for ``TimeBankAccreditation``,
the trust registers two banks (each co-signing), the banks admit the residents who hold a residency
credential, a member offers a service, and neighbours record services, one between the two banks and
one refused for lack of the receiver's signature.

The chapters are seeded blocks like the rest of the history; ``history.py`` runs them after the
identity chapters, whose accreditation ids they continue.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from metrobloc.crypto import PrivateKey
from metrobloc.demo.identity import RESIDENTS, WINDOW_MS
from metrobloc.demo.people import Agency, Citizen, derive_key
from metrobloc.sdk import identity, timebank

if TYPE_CHECKING:
    from metrobloc.demo.city import DemoCity

ACCREDITATION = "TimeBankAccreditation"
TRUST_ACCREDITATION = 6
"""The trust's accreditation id: the sixth of the chain, after the identity chapters' five."""
CHAPTERS = (
    "A community trust is accredited to run time banks",
    "Two time banks open",
    "Residents join the time banks",
    "Neighbours trade hours",
)
"""The time-bank blocks' titles, in order."""


@dataclass(frozen=True)
class Service:
    """A service two residents record, both signing: its id on chain is its place in ``SERVICES``, from 1."""

    provider: int
    """The provider: an index into the residents (citizens 1 to 5)."""
    receiver: int
    """The receiver, likewise."""
    minutes: int
    what: str
    """What was done (its digest goes on chain)."""


SERVICES = (
    Service(0, 1, 90, "gardening"),
    Service(2, 0, 60, "tutoring"),
    Service(3, 4, 45, "shopping"),
    Service(0, 3, 30, "repair"),  # between the banks: Harbour owes Riverside 30 minutes
)
"""The recorded services, in order: the chain numbers them 1 to 4 (the money chapters reward their providers)."""


class Historian(Protocol):
    """What the time-bank chapters need of ``history.py``'s historian."""

    city: DemoCity

    def tx(self, keys: list[PrivateKey], msgs: list[dict[str, Any]], memo: str, expect: str = "ok") -> None: ...


@dataclass(frozen=True)
class TimebankParties:
    """The trust that registers the banks, and the two banks (each an account with its own key)."""

    trust: Agency
    """Demo City Community Trust: accredited by City Hall for TimeBankAccreditation."""
    riverside: Agency
    """Riverside Time Bank: 120 starter minutes, a floor of -300."""
    harbour: Agency
    """Harbour Time Bank: 60 starter minutes, never below zero."""

    @classmethod
    def of_seed(cls, seed: int) -> TimebankParties:
        def agency(name: str, key_name: str) -> Agency:
            return Agency(name, key_name, (), derive_key(seed, key_name))

        return cls(
            agency("Demo City Community Trust", "community-trust"),
            agency("Riverside Time Bank", "riverside-time-bank"),
            agency("Harbour Time Bank", "harbour-time-bank"),
        )


def digest(text: str) -> str:
    """The SHA-256 of a document kept off the ledger (a presentation, a description, a service record)."""
    return hashlib.sha256(text.encode()).hexdigest()


def chapters(h: Historian) -> list[tuple[str, Callable[[], None]]]:
    """The time-bank blocks, in order: each a title and the function that writes its txs."""
    city = h.city
    parties = TimebankParties.of_seed(city.seed)
    residents: tuple[Citizen, ...] = city.people.citizens[:RESIDENTS]
    river, harbour = parties.riverside, parties.harbour
    members = {river: residents[:3], harbour: residents[3:]}

    def accreditation() -> None:
        window = (city.genesis_time_ms, city.genesis_time_ms + WINDOW_MS)
        grant = identity.accredit(parties.trust.address, [ACCREDITATION], *window)
        h.tx([city.people.city_hall.key], [grant], "the root authority accredits the community trust")

    def banks() -> None:
        for bank, starter, floor in ((river, 120, 300), (harbour, 60, 0)):
            msg = timebank.register_bank(bank.address, bank.name, starter, floor)
            h.tx([parties.trust.key, bank.key], [msg], f"the trust registers {bank.name}")

    def admissions() -> None:
        for bank, citizens in members.items():
            admit = [timebank.admit(bank.address, c.address, digest(f"residency of {c.name}")) for c in citizens]
            h.tx([bank.key], admit, f"{bank.name} admits residents it checked")

    def services() -> None:
        _, second, third, *_ = residents
        offer = timebank.offer(river.address, "bike-repair-1", "repair", 60, digest("bike repairs, evenings"))
        h.tx([second.key], [offer], f"{second.name} offers bike repairs")
        for service in SERVICES:
            provider, receiver = residents[service.provider], residents[service.receiver]
            record = timebank.record_service(provider.address, receiver.address, service.minutes, digest(service.what))
            h.tx([provider.key, receiver.key], [record], f"{service.what}: {provider.name} for {receiver.name}")
        unsigned = timebank.record_service(second.address, third.address, 30, digest("unsigned"))
        h.tx([second.key], [unsigned], "a service its receiver did not sign", "timebank.needs_both_signatures")

    return list(zip(CHAPTERS, (accreditation, banks, admissions, services), strict=True))


__all__ = ["CHAPTERS", "SERVICES", "TRUST_ACCREDITATION", "Service", "TimebankParties", "chapters"]
