"""Messages of the orgs module, each declared once (the parser, SDK, CLI and spec come from here).

Who may send what (README "Messages"): ``create`` anyone; ``propose`` a member; ``vote`` an account of
the proposal's snapshot; ``execute`` anyone; ``pay`` a treasurer or the treasury; ``set_member``,
``set_voting``, ``set_budget``, ``grant_role`` and ``revoke_role`` the org's treasury only, which no key
controls: they run as the actions of a passed proposal.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Annotated, Any

import orjson
from msgspec import Meta

from metrobloc.errors import InvalidInput
from metrobloc.execution.messages import Address, Amount, Message, Quantity, Record, Symbol, Text, field
from metrobloc.modules.orgs import errors
from metrobloc.modules.orgs.treasury import treasury_address

BP = 10_000
"""Basis points in one whole: support and quorum are fractions of it."""
MAX_MEMBERS = 256
MAX_WEIGHT = 1_000_000
MIN_PERIOD_MS = 60_000
"""The shortest voting period (and budget period): one minute."""
MAX_PERIOD_MS = 31_536_000_000
"""The longest voting period, execution delay and budget period: 365 days."""
MAX_ACTIONS = 16
NOT_ACTIONS = ("orgs/propose", "orgs/vote", "orgs/execute")
"""Message types a proposal may not carry: an org does not propose, vote or execute through another proposal."""


class OrgId(Text):
    """An organization id: a lower-case letter, then 2 to 47 lower-case letters, digits and -."""

    pattern = re.compile(r"^[a-z][a-z0-9-]{2,47}$")
    code = "orgs.bad_org"
    example = "riverside-assoc"


class ProposalId(Text):
    """A proposal id, unique within its org: lower-case letters, digits, _ and -, 1 to 48 characters."""

    pattern = re.compile(r"^[a-z0-9][a-z0-9_-]{0,47}$")
    code = "orgs.bad_proposal"
    example = "fix-the-playground"


class Digest(Text):
    """A SHA-256 digest in lower-case hex (of a document kept off the ledger)."""

    pattern = re.compile(r"^[0-9a-f]{64}$")
    code = "orgs.bad_digest"
    example = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"


class VoteOption(Text):
    """yes, no or abstain."""

    pattern = re.compile(r"^(yes|no|abstain)$")
    code = "orgs.bad_option"
    example = "yes"


class OrgRole(Text):
    """A role within an org (the module gives meaning to treasurer): a lower-case letter, then 1 to 31 of a-z0-9_."""

    pattern = re.compile(r"^[a-z][a-z0-9_]{1,31}$")
    code = "orgs.bad_role"
    example = "treasurer"


Weight = Annotated[int, Meta(ge=1, le=MAX_WEIGHT), field("Its voting weight, 1..1,000,000.", code=errors.BAD_WEIGHT)]


class Member(Record, frozen=True):
    """A member and its voting weight."""

    address: Annotated[Address, field("The member's account.")]
    weight: Weight


SupportBp = Annotated[
    int,
    Meta(ge=1, le=BP),
    field(
        "Yes votes needed among yes + no, in basis points (1..10000; 5000: at least as many yes as no).",
        code=errors.BAD_VOTING,
    ),
]
QuorumBp = Annotated[
    int,
    Meta(ge=0, le=BP),
    field(
        "Votes cast (yes + no + abstain) needed of the total weight, in basis points (0..10000).",
        code=errors.BAD_VOTING,
    ),
]
PeriodMs = Annotated[
    int,
    Meta(ge=MIN_PERIOD_MS, le=MAX_PERIOD_MS),
    field("How long a proposal is open for votes, in ms (1 minute .. 365 days).", code=errors.BAD_VOTING),
]
DelayMs = Annotated[
    int,
    Meta(ge=0, le=MAX_PERIOD_MS),
    field("Wait after the end before a passed proposal executes, in ms (0 .. 365 days).", code=errors.BAD_VOTING),
]


class Voting(Record, frozen=True):
    """The voting rules of an org; a proposal keeps those in force when it was made."""

    support_bp: SupportBp
    quorum_bp: QuorumBp
    period_ms: PeriodMs
    exec_delay_ms: DelayMs
    early_execution: Annotated[
        bool,
        field(
            "A proposal executes at once when its yes votes pass it whatever the others vote.", code=errors.BAD_VOTING
        ),
    ]


def _not_treasury(org: str, address: str) -> None:
    if address == treasury_address(org):
        raise InvalidInput(f"{address} is the org's own treasury: it cannot be a member", errors.BAD_MEMBER)


class Create(Message, tag="orgs/create", frozen=True):
    """Create an organization with its members and voting rules (anyone; the id is first come, first served)."""

    org: Annotated[OrgId, field("The org's id; its treasury address derives from it.")]
    charter_digest: Annotated[Digest, field("SHA-256 of the charter kept off the ledger.")]
    members: Annotated[
        tuple[Member, ...],
        Meta(min_length=1, max_length=MAX_MEMBERS),
        field("1 to 256 members with distinct addresses, each with a weight.", code=errors.BAD_MEMBERS, cli="member"),
    ]
    voting: Annotated[Voting, field("The voting rules (JSON object).", code=errors.BAD_VOTING)]

    def __post_init__(self) -> None:
        addresses = [m.address for m in self.members]
        if len(set(addresses)) != len(addresses):
            raise InvalidInput("members: an address is listed twice", errors.DUPLICATE_MEMBER)
        for address in addresses:
            _not_treasury(self.org, address)


class Propose(Message, tag="orgs/propose", frozen=True):
    """Propose actions for the org to take (a member): voting opens now, on the member weights of now."""

    org: Annotated[OrgId, field("The org.")]
    proposal: Annotated[ProposalId, field("An id unique within the org.")]
    summary_digest: Annotated[Digest, field("SHA-256 of the proposal's text kept off the ledger.")]
    actions: Annotated[
        tuple[dict[str, Any], ...],
        Meta(max_length=MAX_ACTIONS),
        field(
            "0 to 16 messages of any module (JSON objects with their type) the treasury sends if it passes.",
            code=errors.BAD_ACTION,
            default=(),
            cli="action",
        ),
    ]

    def __post_init__(self) -> None:
        for i, action in enumerate(self.actions):
            if action.get("type") in NOT_ACTIONS:
                raise InvalidInput(f"actions[{i}]: a proposal cannot carry {action['type']}", errors.BAD_ACTION)


class Vote(Message, tag="orgs/vote", frozen=True):
    """Vote on an open proposal, or change one's vote (an account of the proposal's snapshot)."""

    org: Annotated[OrgId, field("The org.")]
    proposal: Annotated[ProposalId, field("The proposal.")]
    option: Annotated[VoteOption, field("yes, no or abstain.")]


class Execute(Message, tag="orgs/execute", frozen=True):
    """Close a proposal (anyone): run its actions if it passed and may execute now, or mark it rejected."""

    org: Annotated[OrgId, field("The org.")]
    proposal: Annotated[ProposalId, field("The proposal.")]


class SetMember(Message, tag="orgs/set_member", frozen=True):
    """Add a member, change its weight, or remove it with weight 0 (the treasury, by proposal)."""

    org: Annotated[OrgId, field("The org.")]
    address: Annotated[Address, field("The member's account.")]
    weight: Annotated[
        int, Meta(ge=0, le=MAX_WEIGHT), field("Its new weight, 0..1,000,000 (0 removes it).", code=errors.BAD_WEIGHT)
    ]

    def __post_init__(self) -> None:
        _not_treasury(self.org, self.address)


class SetVoting(Message, tag="orgs/set_voting", frozen=True):
    """Replace the org's voting rules for later proposals (the treasury, by proposal)."""

    org: Annotated[OrgId, field("The org.")]
    voting: Annotated[Voting, field("The new voting rules (JSON object).", code=errors.BAD_VOTING)]


class SetBudget(Message, tag="orgs/set_budget", frozen=True):
    """Set what treasurers may pay in an asset per period, or remove the budget with amount 0 (the treasury)."""

    org: Annotated[OrgId, field("The org.")]
    asset: Annotated[Symbol, field("The asset.")]
    amount: Annotated[Quantity, field("Units treasurers may pay per period (0 removes the budget).")]
    period_ms: Annotated[
        int,
        Meta(ge=MIN_PERIOD_MS, le=MAX_PERIOD_MS),
        field("The period in ms (1 minute .. 365 days), aligned on block time // period_ms.", code=errors.BAD_BUDGET),
    ]


class GrantRole(Message, tag="orgs/grant_role", frozen=True):
    """Give a member a role in the org, e.g. treasurer (the treasury, by proposal)."""

    org: Annotated[OrgId, field("The org.")]
    address: Annotated[Address, field("A member of the org.")]
    role: Annotated[OrgRole, field("The role, e.g. treasurer.")]


class RevokeRole(Message, tag="orgs/revoke_role", frozen=True):
    """Take a role from an account (the treasury, by proposal)."""

    org: Annotated[OrgId, field("The org.")]
    address: Annotated[Address, field("The account.")]
    role: Annotated[OrgRole, field("The role, e.g. treasurer.")]


class Pay(Message, tag="orgs/pay", frozen=True):
    """Pay from the org's treasury: a treasurer within the asset's budget, or the treasury itself by proposal."""

    org: Annotated[OrgId, field("The org.")]
    asset: Annotated[Symbol, field("The asset.")]
    to: Annotated[Address, field("Who is paid.")]
    amount: Annotated[Amount, field("How many units.")]


MESSAGES = (Create, Propose, Vote, Execute, SetMember, SetVoting, SetBudget, GrantRole, RevokeRole, Pay)


def propose(
    org: str, proposal: str, summary_digest: str, actions: Iterable[Mapping[str, Any] | str] = ()
) -> dict[str, Any]:
    """``sdk.orgs.propose``: the ``orgs/propose`` message; each action a message dict or its JSON text.

    It replaces the generated builder so that ``metrobloc tx orgs propose --action '{"type": ...}'``
    sends objects, not strings. Values are passed through unchecked: the node checks them.
    """
    objects = [orjson.loads(a) if isinstance(a, str) else dict(a) for a in actions]
    return {
        "type": "orgs/propose",
        "org": org,
        "proposal": proposal,
        "summary_digest": summary_digest,
        "actions": objects,
    }
