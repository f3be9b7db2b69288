"""The Demo City's shared watch-list: City Hall gives Metro Savings Bank the role
``watchlist_authority``; the bank lists a shell company's account on ``sanctions`` and the salted
hash of a customer's identifier on ``fraud``, then delists the customer, listed in error.

The chapters are seeded blocks like the rest of the history; ``history.py`` runs them last.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from metrobloc.crypto import PrivateKey
from metrobloc.demo.identity import WINDOW_MS
from metrobloc.demo.people import derive_key
from metrobloc.sdk import accounts, watchlist

if TYPE_CHECKING:
    from metrobloc.demo.city import DemoCity

SALT = b"demo city watch-list salt"
"""The salt the agencies share off the ledger to hash their customers' identifiers."""
CUSTOMER = "passport X1234567"
"""The identifier behind the hashed subject (a demo value, never on the ledger)."""
CHAPTERS = (
    "The agencies share a watch-list",
    "A listing in error is withdrawn",
)
"""The watch-list blocks' titles, in order."""


class Historian(Protocol):
    """What the watch-list chapters need of ``history.py``'s historian."""

    city: DemoCity

    def tx(self, keys: list[PrivateKey], msgs: list[dict[str, Any]], memo: str, expect: str = "ok") -> None: ...


def sanctioned(seed: int) -> str:
    """The account listed on ``sanctions``: a shell company outside the city."""
    return derive_key(seed, "shell-company").address


def customer() -> str:
    """The subject listed on ``fraud`` and then delisted: the customer's salted hash."""
    subject: str = watchlist.subject_hash(SALT, CUSTOMER)
    return subject


def chapters(h: Historian) -> list[tuple[str, Callable[[], None]]]:
    """The watch-list blocks, in order: each a title and the function that writes its txs."""
    city = h.city
    bank = city.people.bank
    expires = city.genesis_time_ms + WINDOW_MS
    basis = hashlib.sha256(b"Demo City sanctions order 1").hexdigest()

    def listings() -> None:
        grant = accounts.grant_role(bank.address, "watchlist_authority")
        h.tx([city.people.city_hall.key], [grant], "Metro Savings Bank may list subjects")
        shell = watchlist.list("sanctions", sanctioned(city.seed), "sanctions", basis, expires)
        fraud = watchlist.list("fraud", customer(), "fraud", basis, expires)
        h.tx([bank.key], [shell, fraud], "a sanctioned account and a suspected fraud")

    def delisting() -> None:
        h.tx([bank.key], [watchlist.delist("fraud", customer(), "listed_in_error")], "listed in error")

    return list(zip(CHAPTERS, (listings, delisting), strict=True))


__all__ = ["CHAPTERS", "SALT", "chapters", "customer", "sanctioned"]
