"""Stable error codes of the budgeting module, each with the class it is raised as (and so its HTTP status)."""

from metrobloc.errors import Conflict, InvalidInput, NotFound, Unauthorized
from metrobloc.execution import ErrorCode

# -- at admission (stateless checks) ---------------------------------------------------------------
BAD_PROCESS = ErrorCode("budgeting.bad_process", InvalidInput, "a process id is [a-z][a-z0-9-]{2,47}")
BAD_ORG = ErrorCode("budgeting.bad_org", InvalidInput, "an org id is [a-z][a-z0-9-]{2,47}")
BAD_ID = ErrorCode("budgeting.bad_id", InvalidInput, "a budget or project id is [a-z0-9][a-z0-9_-]{0,31}")
BAD_ELECTION = ErrorCode("budgeting.bad_election", InvalidInput, "an election id is [a-z0-9][a-z0-9_-]{0,63}")
BAD_DIGEST = ErrorCode("budgeting.bad_digest", InvalidInput, "a digest is 64 lower-case hex digits")
BAD_PHASES = ErrorCode(
    "budgeting.bad_phases",
    InvalidInput,
    "phases need submit_from_ms < review_from_ms < vote_from_ms < vote_until_ms, each at most 2^53 - 1",
)
BAD_RULE = ErrorCode(
    "budgeting.bad_rule",
    InvalidInput,
    "a voting rule is {kind: spend, min_bp 1..10000} or {kind: min_projects, min 1..64} or"
    " {kind: projects, min 1..64, max min..64}",
)
BAD_MODE = ErrorCode(
    "budgeting.bad_mode", InvalidInput, "mode is public (no election) or secret (with the election's id)"
)
BAD_BUDGETS = ErrorCode("budgeting.bad_budgets", InvalidInput, "a process has 1 to 16 budgets with distinct ids")
BAD_INSPECTORS = ErrorCode(
    "budgeting.bad_inspectors", InvalidInput, "1 to 16 distinct inspectors and a threshold 1..their number"
)
BAD_MILESTONES = ErrorCode(
    "budgeting.bad_milestones", InvalidInput, "1 to 16 milestones whose amounts sum to the project's cost"
)
BAD_SELECTION = ErrorCode(
    "budgeting.bad_selection", InvalidInput, "a ballot or an override lists 1 to 64 distinct project ids"
)
BAD_DECISION = ErrorCode("budgeting.bad_decision", InvalidInput, "a review decision is accept or reject")
BAD_QUERY = ErrorCode("budgeting.bad_query", InvalidInput, "a query parameter is out of range or malformed")

# -- at execution ----------------------------------------------------------------------------------
PROCESS_EXISTS = ErrorCode("budgeting.process_exists", Conflict, "a process with this id exists already")
UNKNOWN_PROCESS = ErrorCode("budgeting.unknown_process", NotFound, "no process with this id")
UNKNOWN_ORG = ErrorCode("budgeting.unknown_org", NotFound, "no org with this id (the authority)")
NOT_AUTHORITY = ErrorCode(
    "budgeting.not_authority", Unauthorized, "only the authority org's treasury sends this, by a passed proposal"
)
UNKNOWN_ASSET = ErrorCode("budgeting.unknown_asset", NotFound, "no asset with this symbol")
NO_BALLOTS = ErrorCode(
    "budgeting.no_ballots", Conflict, "secret voting needs the ballots module, which this chain does not run"
)
UNKNOWN_BUDGET = ErrorCode("budgeting.unknown_budget", NotFound, "the process has no budget with this id")
UNKNOWN_PROJECT = ErrorCode("budgeting.unknown_project", NotFound, "the process has no project with this id")
PROJECT_EXISTS = ErrorCode("budgeting.project_exists", Conflict, "the process has a project with this id already")
TOO_MANY_PROJECTS = ErrorCode("budgeting.too_many_projects", Conflict, "a budget takes at most 64 projects")
WRONG_PHASE = ErrorCode(
    "budgeting.wrong_phase",
    Conflict,
    "not now: projects are submitted in the submission phase, reviewed before voting opens, voted on in the"
    " voting phase, finalized after it",
)
NOT_RESIDENT = ErrorCode(
    "budgeting.not_resident", Unauthorized, "the sender is not in the process's census (identity/enrol) at block time"
)
NOT_REVIEWER = ErrorCode("budgeting.not_reviewer", Unauthorized, "reviewing needs a member of the authority org")
OVER_BUDGET = ErrorCode("budgeting.cost_over_budget", Conflict, "the project's cost exceeds its budget's amount")
NOT_ACCEPTED = ErrorCode(
    "budgeting.not_accepted", Conflict, "a ballot or an override names a project that is not accepted in this budget"
)
SECRET_BUDGET = ErrorCode(
    "budgeting.secret_budget", Conflict, "this budget votes in secret: cast the ballot through its election"
)
SPEND_TOO_LOW = ErrorCode(
    "budgeting.spend_too_low", Conflict, "the ballot spends less than the rule's minimum share of the budget"
)
SPEND_TOO_HIGH = ErrorCode("budgeting.spend_too_high", Conflict, "the ballot spends more than the budget")
TOO_FEW = ErrorCode("budgeting.too_few_projects", Conflict, "the ballot selects fewer projects than the rule's minimum")
TOO_MANY = ErrorCode(
    "budgeting.too_many_selected", Conflict, "the ballot selects more projects than the rule's maximum"
)
FINALIZED = ErrorCode("budgeting.finalized", Conflict, "the budget is finalized already")
NOT_FINALIZED = ErrorCode("budgeting.not_finalized", Conflict, "the budget is not finalized yet")
NO_RESULT = ErrorCode(
    "budgeting.no_result", Conflict, "the budget's election has no accepted result yet (ballots/result)"
)
BAD_RESULT = ErrorCode(
    "budgeting.bad_result", Conflict, "the election's result is not one question over this budget's projects"
)
DELIVERY_STARTED = ErrorCode(
    "budgeting.delivery_started",
    Conflict,
    "an override is refused once a project of the budget has an implementer or a payout",
)
NOT_SELECTED = ErrorCode("budgeting.not_selected", Conflict, "the project is not a winner in delivery")
CONFLICT_OF_INTEREST = ErrorCode(
    "budgeting.conflict_of_interest", Conflict, "an inspector of the process cannot implement one of its projects"
)
NO_IMPLEMENTER = ErrorCode("budgeting.no_implementer", Conflict, "the project has no implementer yet")
NOT_IMPLEMENTER = ErrorCode("budgeting.not_implementer", Unauthorized, "only the project's implementer reports")
UNKNOWN_MILESTONE = ErrorCode("budgeting.unknown_milestone", NotFound, "the project has no milestone with this index")
MILESTONE_PAID = ErrorCode("budgeting.milestone_paid", Conflict, "the milestone was attested and paid already")
NOT_INSPECTOR = ErrorCode("budgeting.not_inspector", Unauthorized, "attesting needs an inspector of the process")
NOT_COMPLETE = ErrorCode(
    "budgeting.not_complete", Conflict, "a milestone is attested once its implementer reported it 100% complete"
)
STALE_EVIDENCE = ErrorCode(
    "budgeting.stale_evidence", Conflict, "the attestation names other evidence than the milestone's latest report"
)
ALREADY_ATTESTED = ErrorCode(
    "budgeting.already_attested", Conflict, "the inspector attested this milestone's evidence already"
)
CANCELLED = ErrorCode("budgeting.cancelled", Conflict, "the project is cancelled")
