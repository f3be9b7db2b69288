"""Messages of the budgeting module, each declared once (the parser, SDK, CLI and spec come from here).

Who may send what (README "Messages"): ``create``, ``override``, ``assign`` and ``cancel`` the
authority org's treasury (a passed proposal of the org); ``submit`` and ``vote`` a resident of the
process's census; ``review`` a member of the authority org; ``finalize`` anyone; ``report`` the
project's implementer; ``attest`` an inspector of the process.
"""

from __future__ import annotations

import re
from typing import Annotated

from msgspec import Meta

from metrobloc.errors import InvalidInput
from metrobloc.execution.messages import Address, Amount, Message, Record, Symbol, Text, field
from metrobloc.modules.budgeting import errors

BP = 10_000
"""Basis points in one whole (the spend rule's minimum share)."""
MAX_BUDGETS = 16
MAX_PROJECTS = 64
"""Projects one budget takes, and projects one ballot or override lists."""
MAX_MILESTONES = 16
MAX_INSPECTORS = 16
MAX_ISSUERS = 16
MAX_TIME_MS = 2**53 - 1
RULE_KINDS = ("spend", "min_projects", "projects")


class ProcessId(Text):
    """A process id: a lower-case letter, then 2 to 47 lower-case letters, digits and -."""

    pattern = re.compile(r"^[a-z][a-z0-9-]{2,47}$")
    code = "budgeting.bad_process"
    example = "riverside-2027"


class OrgId(Text):
    """An org id (the orgs module's): a lower-case letter, then 2 to 47 lower-case letters, digits and -."""

    pattern = re.compile(r"^[a-z][a-z0-9-]{2,47}$")
    code = "budgeting.bad_org"
    example = "riverside-council"


class ItemId(Text):
    """A budget's or a project's id within its process: lower-case letters, digits, _ and -, 1 to 32."""

    pattern = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
    code = "budgeting.bad_id"
    example = "north"


class ElectionId(Text):
    """The id of an election of the ballots module: lower-case letters, digits, _ and -, 1 to 64."""

    pattern = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
    code = "budgeting.bad_election"
    example = "riverside-2027-north"


class Digest(Text):
    """A SHA-256 digest in lower-case hex (of a document kept off the ledger)."""

    pattern = re.compile(r"^[0-9a-f]{64}$")
    code = "budgeting.bad_digest"
    example = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"


class CredentialType(Text):
    """A credential type (the identity module's): an upper-case letter, then letters and digits."""

    pattern = re.compile(r"^[A-Z][A-Za-z0-9]{0,63}$")
    example = "ResidencyCredential"


class RuleKind(Text):
    """spend, min_projects or projects (Decidim's three rules)."""

    pattern = re.compile(r"^(spend|min_projects|projects)$")
    code = "budgeting.bad_rule"
    example = "spend"


class Decision(Text):
    """accept or reject."""

    pattern = re.compile(r"^(accept|reject)$")
    code = "budgeting.bad_decision"
    example = "accept"


class Mode(Text):
    """public (budgeting/vote) or secret (through an election of the ballots module)."""

    pattern = re.compile(r"^(public|secret)$")
    code = "budgeting.bad_mode"
    example = "public"


Time = Annotated[int, Meta(ge=0, le=MAX_TIME_MS)]


class Rule(Record, frozen=True):
    """How a ballot must select (Decidim's rules): ``spend`` at least ``min_bp`` of the budget and at most
    all of it; ``min_projects``: at least ``min`` projects within the budget; ``projects``: ``min`` to
    ``max`` projects whatever they cost."""

    kind: Annotated[RuleKind, field("spend, min_projects or projects.")]
    min_bp: Annotated[
        int,
        Meta(ge=0, le=BP),
        field("spend: the least share of the budget a ballot spends, in basis points.", code=errors.BAD_RULE),
    ] = 0
    min: Annotated[
        int,
        Meta(ge=0, le=MAX_PROJECTS),
        field("min_projects, projects: the fewest projects a ballot selects.", code=errors.BAD_RULE),
    ] = 0
    max: Annotated[
        int, Meta(ge=0, le=MAX_PROJECTS), field("projects: the most projects a ballot selects.", code=errors.BAD_RULE)
    ] = 0

    def __post_init__(self) -> None:
        ok = {
            "spend": self.min_bp >= 1 and self.min == self.max == 0,
            "min_projects": self.min >= 1 and self.min_bp == self.max == 0,
            "projects": 1 <= self.min <= self.max and self.min_bp == 0,
        }[self.kind]
        if not ok:
            raise InvalidInput(f"rule {self.kind}: {errors.BAD_RULE.doc}", errors.BAD_RULE)


class BudgetSpec(Record, frozen=True):
    """One budget of a process (a district): its amount, voting rule and mode."""

    budget: Annotated[ItemId, field("Its id within the process (e.g. north).")]
    amount: Annotated[Amount, field("Units of the process's asset it spends at most.")]
    rule: Annotated[Rule, field("Its voting rule (JSON object).")]
    mode: Annotated[Mode, field("public or secret.")]
    election: Annotated[
        ElectionId | None, field("secret: the election whose one question's options are this budget's projects.")
    ] = None
    credential_type: Annotated[
        CredentialType | None, field("Its own census type (a district's residency); none: the process's.")
    ] = None

    def __post_init__(self) -> None:
        if (self.mode == "secret") != (self.election is not None):
            raise InvalidInput(f"budget {self.budget}: {errors.BAD_MODE.doc}", errors.BAD_MODE)


class Phases(Record, frozen=True):
    """The phases on chain time (Unix ms of block time; each phase runs up to the next's start, exclusive)."""

    submit_from_ms: Annotated[Time, field("Residents submit projects from then.")]
    review_from_ms: Annotated[Time, field("Submission closes; reviewers decide until voting opens.")]
    vote_from_ms: Annotated[Time, field("Voting opens.")]
    vote_until_ms: Annotated[Time, field("Voting closes; results (finalize), then delivery.")]

    def __post_init__(self) -> None:
        if not self.submit_from_ms < self.review_from_ms < self.vote_from_ms < self.vote_until_ms:
            raise InvalidInput(errors.BAD_PHASES.doc, errors.BAD_PHASES)


class Census(Record, frozen=True):
    """Who may submit and vote: holders of a credential type enrolled by accredited issuers (identity)."""

    credential_type: Annotated[CredentialType, field("The credential type (e.g. ResidencyCredential).")]
    issuers: Annotated[
        tuple[Address, ...],
        Meta(max_length=MAX_ISSUERS),
        field("Issuers whose enrolments count (none: any accredited issuer).", default=()),
    ] = ()


class Inspection(Record, frozen=True):
    """Who attests milestones, and how many must (k of n, as land's oracles)."""

    inspectors: Annotated[
        tuple[Address, ...], Meta(min_length=1, max_length=MAX_INSPECTORS), field("1 to 16 distinct inspectors.")
    ]
    threshold: Annotated[int, Meta(ge=1, le=MAX_INSPECTORS), field("Attestations that release a milestone.")]

    def __post_init__(self) -> None:
        if len(set(self.inspectors)) != len(self.inspectors) or self.threshold > len(self.inspectors):
            raise InvalidInput(errors.BAD_INSPECTORS.doc, errors.BAD_INSPECTORS)


class Milestone(Record, frozen=True):
    """A milestone of a project: what it pays and the digest of what it delivers."""

    amount: Annotated[Amount, field("Units paid to the implementer once it is attested.")]
    deliverable_digest: Annotated[Digest, field("SHA-256 of the deliverable's description.")]


def _unique(ids: tuple[str, ...], what: str) -> None:
    if len(set(ids)) != len(ids):
        raise InvalidInput(f"{what}: a project is listed twice", errors.BAD_SELECTION)


class Create(Message, tag="budgeting/create", frozen=True):
    """Open a participatory budgeting process, funded from the treasury into escrow (the authority, by proposal).

    The sender is the authority org's treasury; the sum of the budgets moves from it into the process's
    escrow in the same tx."""

    process: Annotated[ProcessId, field("The process id; its escrow address derives from it.")]
    org: Annotated[OrgId, field("The authority org (its treasury sends this and funds the escrow).")]
    asset: Annotated[Symbol, field("The asset budgets are in.")]
    budgets: Annotated[
        tuple[BudgetSpec, ...],
        Meta(min_length=1, max_length=MAX_BUDGETS),
        field("1 to 16 budgets (districts) with distinct ids; the total is their sum.", cli="budget"),
    ]
    phases: Annotated[Phases, field("The phases (JSON object).")]
    census: Annotated[Census, field("The census (JSON object).")]
    inspection: Annotated[Inspection, field("The inspectors and their threshold (JSON object).")]
    description_digest: Annotated[Digest, field("SHA-256 of the process's description.")]

    def __post_init__(self) -> None:
        ids = [b.budget for b in self.budgets]
        if len(set(ids)) != len(ids):
            raise InvalidInput("budgets: an id is listed twice", errors.BAD_BUDGETS)


class Submit(Message, tag="budgeting/submit", frozen=True):
    """Submit a project to a budget (a resident, in the submission phase)."""

    process: Annotated[ProcessId, field("The process.")]
    budget: Annotated[ItemId, field("The budget (district) it asks money from.")]
    project: Annotated[ItemId, field("An id unique within the process (the election's option id in secret mode).")]
    summary_digest: Annotated[Digest, field("SHA-256 of the project's description.")]
    milestones: Annotated[
        tuple[Milestone, ...],
        Meta(min_length=1, max_length=MAX_MILESTONES),
        field("1 to 16 milestones; the project's cost is the sum of their amounts.", cli="milestone"),
    ]


class Review(Message, tag="budgeting/review", frozen=True):
    """Accept or reject a project, with the reason's digest (a member of the authority org, before voting)."""

    process: Annotated[ProcessId, field("The process.")]
    project: Annotated[ItemId, field("The project.")]
    decision: Annotated[Decision, field("accept or reject.")]
    reason_digest: Annotated[Digest, field("SHA-256 of the reasons.")]


class Vote(Message, tag="budgeting/vote", frozen=True):
    """Cast or replace one's ballot in a public budget (a resident, in the voting phase): the last counts."""

    process: Annotated[ProcessId, field("The process.")]
    budget: Annotated[ItemId, field("The budget.")]
    projects: Annotated[
        tuple[ItemId, ...],
        Meta(min_length=1, max_length=MAX_PROJECTS),
        field("The projects chosen, 1 to 64 distinct accepted ones.", code=errors.BAD_SELECTION, cli="project"),
    ]

    def __post_init__(self) -> None:
        _unique(self.projects, "projects")


class Finalize(Message, tag="budgeting/finalize", frozen=True):
    """Count a budget after voting and pick its winners (anyone); the rest returns to the treasury."""

    process: Annotated[ProcessId, field("The process.")]
    budget: Annotated[ItemId, field("The budget.")]


class Override(Message, tag="budgeting/override", frozen=True):
    """Replace a finalized budget's winners, publicly and with reasons (the authority's treasury, by proposal)."""

    process: Annotated[ProcessId, field("The process.")]
    budget: Annotated[ItemId, field("The budget.")]
    winners: Annotated[
        tuple[ItemId, ...],
        Meta(min_length=0, max_length=MAX_PROJECTS),
        field("The winners instead, accepted projects within the amount.", code=errors.BAD_SELECTION, cli="winner"),
    ]
    reason_digest: Annotated[Digest, field("SHA-256 of the reasons, published.")]

    def __post_init__(self) -> None:
        _unique(self.winners, "winners")


class Assign(Message, tag="budgeting/assign", frozen=True):
    """Name a winning project's implementer, who is paid per attested milestone (the authority's treasury)."""

    process: Annotated[ProcessId, field("The process.")]
    project: Annotated[ItemId, field("The project.")]
    implementer: Annotated[Address, field("Who delivers it and is paid.")]


class Report(Message, tag="budgeting/report", frozen=True):
    """Report a milestone's progress with the evidence's digest (the implementer)."""

    process: Annotated[ProcessId, field("The process.")]
    project: Annotated[ItemId, field("The project.")]
    milestone: Annotated[int, Meta(ge=0, le=MAX_MILESTONES - 1), field("The milestone's index, from 0.")]
    percent: Annotated[int, Meta(ge=0, le=100), field("How complete it is, 0..100 (100: ready for inspection).")]
    evidence_digest: Annotated[Digest, field("SHA-256 of the evidence (photos, invoices, a report).")]


class Attest(Message, tag="budgeting/attest", frozen=True):
    """Attest a milestone's latest evidence (an inspector); the threshold-th attestation pays it from escrow.

    The milestone's amount moves from escrow to the implementer with the attestation that reaches the
    process's threshold."""

    process: Annotated[ProcessId, field("The process.")]
    project: Annotated[ItemId, field("The project.")]
    milestone: Annotated[int, Meta(ge=0, le=MAX_MILESTONES - 1), field("The milestone's index, from 0.")]
    evidence_digest: Annotated[Digest, field("The evidence attested: the milestone's latest report's.")]


class Cancel(Message, tag="budgeting/cancel", frozen=True):
    """Cancel a winning project: what escrow still holds for it returns to the authority's treasury."""

    process: Annotated[ProcessId, field("The process.")]
    project: Annotated[ItemId, field("The project.")]
    reason_digest: Annotated[Digest, field("SHA-256 of the reasons, published.")]


MESSAGES = (Create, Submit, Review, Vote, Finalize, Override, Assign, Report, Attest, Cancel)
