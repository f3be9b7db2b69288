"""Stable error codes of the orgs module, each with the class it is raised as (and so its HTTP status)."""

from metrobloc.errors import Conflict, InvalidInput, NotFound, Unauthorized
from metrobloc.execution import ErrorCode

# -- at admission (stateless checks) ---------------------------------------------------------------
BAD_ORG = ErrorCode("orgs.bad_org", InvalidInput, "an org id is [a-z][a-z0-9-]{2,47}")
BAD_PROPOSAL = ErrorCode("orgs.bad_proposal", InvalidInput, "a proposal id is [a-z0-9][a-z0-9_-]{0,47}")
BAD_DIGEST = ErrorCode("orgs.bad_digest", InvalidInput, "a digest is 64 lower-case hex digits")
BAD_OPTION = ErrorCode("orgs.bad_option", InvalidInput, "a vote is yes, no or abstain")
BAD_ROLE = ErrorCode("orgs.bad_role", InvalidInput, "a role is [a-z][a-z0-9_]{1,31}")
BAD_MEMBERS = ErrorCode("orgs.bad_members", InvalidInput, "an org is created with 1 to 256 members")
BAD_WEIGHT = ErrorCode(
    "orgs.bad_weight", InvalidInput, "a member's weight is 1..1,000,000 (0 in orgs/set_member removes it)"
)
DUPLICATE_MEMBER = ErrorCode("orgs.duplicate_member", InvalidInput, "an address is listed twice among the members")
BAD_MEMBER = ErrorCode("orgs.bad_member", InvalidInput, "the org's own treasury cannot be one of its members")
BAD_VOTING = ErrorCode(
    "orgs.bad_voting",
    InvalidInput,
    "voting rules out of range: support_bp 1..10000, quorum_bp 0..10000, period_ms 1 minute..365 days, "
    "exec_delay_ms 0..365 days, early_execution a boolean",
)
BAD_ACTION = ErrorCode(
    "orgs.bad_action",
    InvalidInput,
    "a proposal carries 0 to 16 message objects, none of type orgs/propose, orgs/vote or orgs/execute",
)
BAD_BUDGET = ErrorCode("orgs.bad_budget", InvalidInput, "a budget period is 1 minute..365 days")
BAD_QUERY = ErrorCode("orgs.bad_query", InvalidInput, "a query parameter is out of range or malformed")

# -- at execution ----------------------------------------------------------------------------------
ORG_EXISTS = ErrorCode("orgs.org_exists", Conflict, "an org with this id exists already")
RESERVED_ORG = ErrorCode(
    "orgs.reserved_org", Unauthorized, "the org id is reserved for a module (consortium: the consortium module)"
)
UNKNOWN_ORG = ErrorCode("orgs.unknown_org", NotFound, "no org with this id")
NOT_MEMBER = ErrorCode(
    "orgs.not_member",
    Unauthorized,
    "proposing needs a current member; voting needs an account of the proposal's snapshot",
)
UNKNOWN_MEMBER = ErrorCode("orgs.unknown_member", NotFound, "the account is not a member of the org")
TOO_MANY_MEMBERS = ErrorCode("orgs.too_many_members", Conflict, "an org has at most 256 members")
NO_MEMBERS = ErrorCode("orgs.no_members", Conflict, "the change would leave the org without members (no weight)")
PROPOSAL_EXISTS = ErrorCode("orgs.proposal_exists", Conflict, "the org has a proposal with this id already")
UNKNOWN_PROPOSAL = ErrorCode("orgs.unknown_proposal", NotFound, "the org has no proposal with this id")
VOTING_CLOSED = ErrorCode(
    "orgs.voting_closed", Conflict, "the proposal's voting period is over (block time >= end_ms), or it is closed"
)
TOO_EARLY = ErrorCode(
    "orgs.too_early",
    Conflict,
    "the proposal cannot be closed yet: voting is still open and the yes votes alone do not decide it, "
    "or it passed and its execution delay is not over",
)
CLOSED = ErrorCode("orgs.closed", Conflict, "the proposal was executed or rejected already")
NOT_AUTHORITY = ErrorCode(
    "orgs.not_authority", Unauthorized, "only the org's treasury sends this, as the action of a passed proposal"
)
NOT_TREASURER = ErrorCode("orgs.not_treasurer", Unauthorized, "paying needs a member holding the org's treasurer role")
NO_BUDGET = ErrorCode("orgs.no_budget", Conflict, "the org has no budget in this asset")
OVER_BUDGET = ErrorCode("orgs.over_budget", Conflict, "the payment would pass the asset's budget for this period")
UNKNOWN_ASSET = ErrorCode("orgs.unknown_asset", NotFound, "no asset with this symbol")
