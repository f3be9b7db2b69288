"""State access of the orgs module: orgs, their members, roles and budgets, proposals with their
snapshots and votes. ``org``, ``treasury``, ``proposal`` and ``members`` are what other modules use
(through their own ``expected.py``)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

from metrobloc.execution.state_access import Reader, Scanner, Writer
from metrobloc.execution.state_access import load_json as load
from metrobloc.execution.state_access import store_json as store
from metrobloc.modules.orgs import keys
from metrobloc.modules.orgs.rules import Rules, Tally
from metrobloc.modules.orgs.treasury import treasury_address


@dataclass(frozen=True)
class Org:
    """An organization (docs/spec/orgs.md §6)."""

    org: str
    charter_digest: str
    treasury: str
    """Its treasury address, derived from its id (``treasury_address``)."""
    voting: Rules
    """The rules new proposals are made under."""
    member_count: int
    total_weight: int
    proposals: int
    """How many proposals it has had (the next one's ``seq``)."""
    created_by: str
    height: int
    time_ms: int
    tx_hash: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, rec: dict[str, Any]) -> Org:
        return cls(**{**rec, "voting": Rules.from_json(rec["voting"])})


@dataclass(frozen=True)
class Proposal:
    """A proposal with its tally; who voted what is in its ballots (``Ballot``)."""

    org: str
    proposal: str
    seq: int
    """Its number within the org, from 0: creation order."""
    proposer: str
    summary_digest: str
    actions: list[dict[str, Any]]
    """The messages the treasury sends if it passes, as proposed."""
    rules: Rules
    """The org's voting rules when it was made: later changes do not apply to it."""
    total_weight: int
    """The snapshot's total weight (quorum and early decisions are fractions of it)."""
    snapshot_size: int
    """How many accounts the snapshot holds (who may vote)."""
    tally: Tally
    start_ms: int
    end_ms: int
    """Votes count while block time < end_ms; a quiet-ending extension moves it once."""
    extended: bool
    status: str
    """``open``, ``executed`` or ``rejected``."""
    height: int
    tx_hash: str
    closed_height: int | None = None
    closed_ms: int | None = None
    closed_tx: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, rec: dict[str, Any]) -> Proposal:
        return cls(**{**rec, "rules": Rules.from_json(rec["rules"]), "tally": Tally(**rec["tally"])})


@dataclass(frozen=True)
class Ballot:
    """One account of a proposal's snapshot: its weight then, and its vote (None until it votes)."""

    address: str
    weight: int
    option: str | None = None
    voted_height: int | None = None
    voted_ms: int | None = None


@dataclass(frozen=True)
class Budget:
    """What treasurers may pay in one asset per period, and what they paid in the last period they paid in."""

    asset: str
    amount: int
    period_ms: int
    period: int
    """The index (block time // period_ms) of the period ``spent`` belongs to."""
    spent: int
    height: int
    """The block that last set it."""

    def spent_in(self, period: int) -> int:
        return self.spent if period == self.period else 0

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "amount": str(self.amount), "spent": str(self.spent)}

    @classmethod
    def from_json(cls, rec: dict[str, Any]) -> Budget:
        return cls(**{**rec, "amount": int(rec["amount"]), "spent": int(rec["spent"])})


class OrgsKeeper:
    """Reads and writes orgs records."""

    def treasury(self, org: str) -> str:
        """The org's treasury address (whether or not the org exists): fund it with any transfer."""
        return treasury_address(org)

    def org(self, state: Reader, org: str) -> Org | None:
        rec = load(state, keys.org_key(org))
        return None if rec is None else Org.from_json(rec)

    def put_org(self, state: Writer, org: Org) -> None:
        store(state, keys.org_key(org.org), org.to_json())

    def members(self, state: Reader, org: str) -> list[tuple[str, int]]:
        """(address, weight) of the org's members, in address order; empty for an unknown org."""
        found = load(state, keys.members_key(org))
        return [] if found is None else [(m["address"], m["weight"]) for m in found]

    def put_members(self, state: Writer, org: Org, members: dict[str, int]) -> Org:
        """Store the member list (address -> weight, all weights ≥ 1) and the org's count and total."""
        rows = [{"address": a, "weight": members[a]} for a in sorted(members)]
        store(state, keys.members_key(org.org), rows)
        updated = replace(org, member_count=len(rows), total_weight=sum(members.values()))
        self.put_org(state, updated)
        return updated

    def roles(self, state: Reader, org: str, address: str) -> list[str]:
        found = load(state, keys.roles_key(org, address))
        return [] if found is None else [str(r) for r in found]

    def set_roles(self, state: Writer, org: str, address: str, roles: list[str]) -> None:
        if roles:
            store(state, keys.roles_key(org, address), sorted(set(roles)))
        else:
            state.delete(keys.roles_key(org, address))

    def budget(self, state: Reader, org: str, asset: str) -> Budget | None:
        rec = load(state, keys.budget_key(org, asset))
        return None if rec is None else Budget.from_json(rec)

    def put_budget(self, state: Writer, org: str, budget: Budget) -> None:
        store(state, keys.budget_key(org, budget.asset), budget.to_json())

    def remove_budget(self, state: Writer, org: str, asset: str) -> None:
        state.delete(keys.budget_key(org, asset))

    def proposal(self, state: Reader, org: str, proposal: str) -> Proposal | None:
        rec = load(state, keys.proposal_key(org, proposal))
        return None if rec is None else Proposal.from_json(rec)

    def put_proposal(self, state: Writer, proposal: Proposal) -> None:
        store(state, keys.proposal_key(proposal.org, proposal.proposal), proposal.to_json())

    def ballot(self, state: Reader, org: str, proposal: str, address: str) -> Ballot | None:
        rec = load(state, keys.ballot_key(org, proposal, address))
        return None if rec is None else Ballot(**rec)

    def put_ballot(self, state: Writer, org: str, proposal: str, ballot: Ballot) -> None:
        store(state, keys.ballot_key(org, proposal, ballot.address), asdict(ballot))

    def index_proposal(self, state: Writer, org: str, seq: int, proposal: str) -> None:
        store(state, keys.seq_key(org, seq), proposal)


__all__ = ["Ballot", "Budget", "Org", "OrgsKeeper", "Proposal", "Reader", "Scanner", "Writer", "load", "store"]
