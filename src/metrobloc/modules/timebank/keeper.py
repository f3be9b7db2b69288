"""State access of the time-bank module: banks, memberships with their balances and histories, listings,
services and the clearing positions between banks."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from metrobloc.execution.state_access import Reader, Scanner, Writer
from metrobloc.execution.state_access import load_json as load
from metrobloc.execution.state_access import store_json as store
from metrobloc.modules.timebank import keys

MAX_BANKS_PER_MEMBER = 8
"""An account is a member of at most this many banks (a wallet lists them all)."""


@dataclass(frozen=True)
class Bank:
    """A registered time bank (docs/spec/state.md §timebank)."""

    bank: str
    """Its own account: it signs admissions and issues the starter minutes."""
    name: str
    starter_minutes: int
    floor_minutes: int
    """A member's balance never goes below ``-floor_minutes``."""
    registered_by: str
    accreditation: int | None
    """The registrar's TimeBankAccreditation id; None when the root authority registered it."""
    height: int
    time_ms: int
    balance: int = 0
    """The bank's own minutes: minus the starter minutes it has given."""
    members: int = 0

    @classmethod
    def from_json(cls, rec: dict[str, Any]) -> Bank:
        return cls(**rec)


@dataclass(frozen=True)
class Membership:
    """An account's membership of one bank, with its balance there."""

    bank: str
    member: str
    residency_digest: str
    height: int
    time_ms: int
    balance: int = 0
    entries: int = 0
    """How many history entries it has (the next one's sequence number)."""

    @classmethod
    def from_json(cls, rec: dict[str, Any]) -> Membership:
        return cls(**rec)


class TimebankKeeper:
    """Reads and writes time-bank records; every change of minutes goes through ``move``."""

    def bank(self, state: Reader, bank: str) -> Bank | None:
        rec = load(state, keys.bank_key(bank))
        return None if rec is None else Bank.from_json(rec)

    def put_bank(self, state: Writer, bank: Bank) -> None:
        store(state, keys.bank_key(bank.bank), asdict(bank))

    def membership(self, state: Reader, bank: str, member: str) -> Membership | None:
        rec = load(state, keys.member_key(bank, member))
        return None if rec is None else Membership.from_json(rec)

    def put_membership(self, state: Writer, m: Membership) -> None:
        store(state, keys.member_key(m.bank, m.member), asdict(m))

    def banks_of(self, state: Reader, member: str) -> list[str]:
        """The banks ``member`` belongs to, in address order."""
        found = load(state, keys.banks_of_key(member))
        return [] if found is None else [str(b) for b in found]

    def join(self, state: Writer, member: str, bank: str) -> None:
        store(state, keys.banks_of_key(member), sorted([*self.banks_of(state, member), bank]))

    def add_entry(self, state: Writer, m: Membership, entry: dict[str, Any]) -> Membership:
        """Append ``entry`` to the member's history at this bank and apply its ``minutes`` to the balance."""
        store(state, keys.entry_key(m.bank, m.member, m.entries), {"seq": m.entries, **entry})
        updated = Membership(**{**asdict(m), "balance": m.balance + entry["minutes"], "entries": m.entries + 1})
        self.put_membership(state, updated)
        return updated

    def clearing(self, state: Reader, bank: str, other: str) -> int:
        """The minutes ``other`` owes ``bank`` (negative: ``bank`` owes ``other``)."""
        raw = state.get(keys.clearing_key(bank, other))
        return 0 if raw is None else int(raw)

    def clear(self, state: Writer, creditor: str, debtor: str, minutes: int) -> None:
        """``debtor`` now owes ``creditor`` ``minutes`` more; both positions change, so they stay opposite."""
        state.set(keys.clearing_key(creditor, debtor), str(self.clearing(state, creditor, debtor) + minutes).encode())
        state.set(keys.clearing_key(debtor, creditor), str(self.clearing(state, debtor, creditor) - minutes).encode())

    def next_service_id(self, state: Writer) -> int:
        raw = state.get(keys.next_service_key())
        service_id = 1 if raw is None else int(raw)
        state.set(keys.next_service_key(), str(service_id + 1).encode())
        return service_id

    def civic_actors(self, state: Reader, message: str, ref: str) -> tuple[str, ...] | None:
        """The provider of recorded service ``ref`` (``message`` = ``record_service``): who a civic reward goes to.

        What other modules see of a service (the assets module rewards through it); None when there is no
        such service.
        """
        if message != "record_service" or not ref.isascii() or not ref.isdigit() or len(ref) > 12:
            return None
        if ref != str(int(ref)):  # one spelling per service: "017" is not 17, so none is rewarded twice
            return None
        record = load(state, keys.service_key(int(ref)))
        return None if record is None else (record["provider"],)

    def balances(self, state: Reader, member: str) -> list[dict[str, Any]]:
        """Minutes per bank, what a wallet shows: balance, floor and what may still be received."""
        out = []
        for bank_address in self.banks_of(state, member):
            bank, m = self.bank(state, bank_address), self.membership(state, bank_address, member)
            assert bank is not None and m is not None, "banks_of indexes memberships only"
            out.append(
                {
                    "bank": bank.bank,
                    "name": bank.name,
                    "balance": m.balance,
                    "floor_minutes": bank.floor_minutes,
                    "can_receive": m.balance + bank.floor_minutes,
                    "since_height": m.height,
                }
            )
        return out


__all__ = [
    "Bank",
    "MAX_BANKS_PER_MEMBER",
    "Membership",
    "Reader",
    "Scanner",
    "TimebankKeeper",
    "Writer",
    "load",
    "store",
]
