"""State access of the budgeting module: processes with their budgets and accounts, projects with their
milestones, and public ballots with their running counts."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

from metrobloc.execution.state_access import Reader, Scanner, Writer
from metrobloc.execution.state_access import load_json as load
from metrobloc.execution.state_access import store_json as store
from metrobloc.modules.budgeting import keys
from metrobloc.modules.budgeting.rules import VotingRule


@dataclass(frozen=True)
class BudgetState:
    """One budget of a process (a district): its rule and mode, its projects, turnout and winners."""

    budget: str
    amount: int
    rule: VotingRule
    mode: str
    """``public`` or ``secret``."""
    election: str | None
    credential_type: str | None
    """Its own census type; None: the process's."""
    projects: list[str] = field(default_factory=list)
    """Ids of the projects submitted to it, in submission order (at most 64)."""
    voters: int = 0
    """Public mode: how many residents have a ballot in (turnout; re-voting does not count twice)."""
    finalized: bool = False
    winners: list[str] = field(default_factory=list)
    """The winners, in the order finalize took them (or as the override listed them)."""
    spent: int = 0
    """The winners' total cost: what escrow keeps for this budget."""
    finalized_height: int | None = None
    override_reason: str | None = None
    """The digest of the authority's reasons, when it overrode the count."""

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "amount": str(self.amount), "spent": str(self.spent)}

    @classmethod
    def from_json(cls, rec: dict[str, Any]) -> BudgetState:
        return cls(
            **{**rec, "amount": int(rec["amount"]), "spent": int(rec["spent"]), "rule": VotingRule(**rec["rule"])}
        )


@dataclass(frozen=True)
class Process:
    """A participatory budgeting process (docs/spec/budgeting.md §7)."""

    process: str
    org: str
    treasury: str
    """The authority org's treasury: it funds the escrow and gets refunds."""
    escrow: str
    """The process's escrow address (``escrow_address``), which no key controls."""
    asset: str
    description_digest: str
    phases: dict[str, int]
    """submit_from_ms, review_from_ms, vote_from_ms, vote_until_ms."""
    credential_type: str
    issuers: list[str]
    inspectors: list[str]
    threshold: int
    budgets: list[BudgetState]
    funded: int
    """What the treasury moved into escrow at creation (the sum of the budgets)."""
    paid: int = 0
    """Released from escrow to implementers."""
    refunded: int = 0
    """Returned from escrow to the treasury (unspent budget, cancelled projects, overrides)."""
    height: int = 0
    time_ms: int = 0

    @property
    def in_escrow(self) -> int:
        return self.funded - self.paid - self.refunded

    def find(self, budget: str) -> BudgetState | None:
        return next((b for b in self.budgets if b.budget == budget), None)

    def with_budget(self, new: BudgetState) -> Process:
        return replace(self, budgets=[new if b.budget == new.budget else b for b in self.budgets])

    def phase(self, now: int) -> str:
        """upcoming, submission, review, voting, results (voting over, a budget not finalized) or delivery."""
        p = self.phases
        if now < p["submit_from_ms"]:
            return "upcoming"
        if now < p["review_from_ms"]:
            return "submission"
        if now < p["vote_from_ms"]:
            return "review"
        if now < p["vote_until_ms"]:
            return "voting"
        return "delivery" if all(b.finalized for b in self.budgets) else "results"

    def to_json(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "budgets": [b.to_json() for b in self.budgets],
            "funded": str(self.funded),
            "paid": str(self.paid),
            "refunded": str(self.refunded),
        }

    @classmethod
    def from_json(cls, rec: dict[str, Any]) -> Process:
        return cls(
            **{
                **rec,
                "budgets": [BudgetState.from_json(b) for b in rec["budgets"]],
                "funded": int(rec["funded"]),
                "paid": int(rec["paid"]),
                "refunded": int(rec["refunded"]),
            }
        )


@dataclass(frozen=True)
class MilestoneState:
    """A project's milestone: its amount and deliverable, its latest report and its attestations."""

    amount: int
    deliverable_digest: str
    percent: int = 0
    """The implementer's latest reported completion, 0..100 (100 once attested)."""
    evidence_digest: str | None = None
    """The latest report's evidence; attestations name it."""
    reports: int = 0
    attested_by: list[str] = field(default_factory=list)
    """Inspectors who attested the latest evidence, in order."""
    paid: bool = False
    paid_height: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "amount": str(self.amount)}

    @classmethod
    def from_json(cls, rec: dict[str, Any]) -> MilestoneState:
        return cls(**{**rec, "amount": int(rec["amount"])})


@dataclass(frozen=True)
class Project:
    """A resident's project: cost and milestones, its review, and, if it wins, its delivery."""

    process: str
    project: str
    budget: str
    proposer: str
    summary_digest: str
    cost: int
    milestones: list[MilestoneState]
    status: str
    """submitted, accepted, rejected, selected (a winner), not_selected or cancelled."""
    height: int
    time_ms: int
    review: dict[str, Any] | None = None
    """``{by, decision, reason_digest, height}`` of the latest review."""
    votes: int | None = None
    """The count, written by finalize: None until the budget's results are in."""
    implementer: str | None = None
    paid: int = 0
    refunded: int = 0
    cancel_reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "milestones": [m.to_json() for m in self.milestones],
            "cost": str(self.cost),
            "paid": str(self.paid),
            "refunded": str(self.refunded),
        }

    @classmethod
    def from_json(cls, rec: dict[str, Any]) -> Project:
        return cls(
            **{
                **rec,
                "milestones": [MilestoneState.from_json(m) for m in rec["milestones"]],
                "cost": int(rec["cost"]),
                "paid": int(rec["paid"]),
                "refunded": int(rec["refunded"]),
            }
        )


class BudgetingKeeper:
    """Reads and writes budgeting records."""

    def process(self, state: Reader, process: str) -> Process | None:
        rec = load(state, keys.process_key(process))
        return None if rec is None else Process.from_json(rec)

    def put_process(self, state: Writer, process: Process) -> None:
        store(state, keys.process_key(process.process), process.to_json())

    def project(self, state: Reader, process: str, project: str) -> Project | None:
        rec = load(state, keys.project_key(process, project))
        return None if rec is None else Project.from_json(rec)

    def put_project(self, state: Writer, project: Project) -> None:
        store(state, keys.project_key(project.process, project.project), project.to_json())

    def ballot(self, state: Reader, process: str, budget: str, voter: str) -> list[str] | None:
        found = load(state, keys.ballot_key(process, budget, voter))
        return None if found is None else [str(p) for p in found]

    def put_ballot(self, state: Writer, process: str, budget: str, voter: str, projects: list[str]) -> None:
        store(state, keys.ballot_key(process, budget, voter), projects)

    def count(self, state: Reader, process: str, budget: str, project: str) -> int:
        raw = state.get(keys.count_key(process, budget, project))
        return 0 if raw is None else int(raw)

    def add_count(self, state: Writer, process: str, budget: str, project: str, delta: int) -> None:
        n = self.count(state, process, budget, project) + delta
        if n:
            state.set(keys.count_key(process, budget, project), str(n).encode())
        else:
            state.delete(keys.count_key(process, budget, project))


__all__ = [
    "BudgetState",
    "BudgetingKeeper",
    "MilestoneState",
    "Process",
    "Project",
    "Reader",
    "Scanner",
    "Writer",
    "load",
    "store",
]
