"""Open organizations: members with voting weights, proposals carrying messages of any module that the
org's treasury sends when they pass (support, quorum, quiet ending, execution delay, early execution,
all in integers of chain time), and treasuries with per-period budgets that treasurers spend
(docs/spec/orgs.md)."""

from metrobloc.execution import EventSpec, Module, QuerySpec, error_codes
from metrobloc.modules.orgs import errors
from metrobloc.modules.orgs.handlers import TREASURER, OrgsHandlers
from metrobloc.modules.orgs.keeper import Ballot, Budget, Org, OrgsKeeper, Proposal
from metrobloc.modules.orgs.msgs import MESSAGES, propose
from metrobloc.modules.orgs.treasury import treasury_address

KEEPER = OrgsKeeper()

MODULE = Module(
    name="orgs",
    doc="Open organizations: members and weights, proposals that carry messages, votes, treasuries and budgets.",
    package=__name__,
    messages=MESSAGES,
    handlers=lambda assets: OrgsHandlers(KEEPER, assets),
    needs={"assets": "assets"},
    keeper=KEEPER,
    events=(
        EventSpec(
            "orgs/create", ("org", "treasury", "created_by", "members", "total_weight"), "An organization was created."
        ),
        EventSpec(
            "orgs/propose", ("org", "proposal", "proposer", "end_ms"), "A member made a proposal; voting opened."
        ),
        EventSpec("orgs/vote", ("org", "proposal", "voter", "option", "weight"), "A vote was cast or changed."),
        EventSpec(
            "orgs/extend",
            ("org", "proposal", "end_ms"),
            "A vote in the quiet-ending window flipped the outcome: voting was extended once, to end_ms.",
        ),
        EventSpec(
            "orgs/execute",
            ("org", "proposal", "status", "actions"),
            "A proposal was closed: executed (its actions ran as the treasury) or rejected.",
        ),
        EventSpec("orgs/set_member", ("org", "address", "weight"), "A member was added, reweighted or removed (0)."),
        EventSpec(
            "orgs/set_voting",
            ("org", "support_bp", "quorum_bp", "period_ms", "exec_delay_ms", "early_execution"),
            "The org's voting rules changed (for later proposals).",
        ),
        EventSpec("orgs/set_budget", ("org", "asset", "amount", "period_ms"), "A budget was set or removed (0)."),
        EventSpec("orgs/grant_role", ("org", "address", "role"), "A member was given a role in the org."),
        EventSpec("orgs/revoke_role", ("org", "address", "role"), "A role in the org was taken away."),
        EventSpec(
            "orgs/pay", ("org", "asset", "to", "amount", "by"), "The treasury paid (by: a treasurer, or the treasury)."
        ),
    ),
    errors=error_codes(vars(errors)),
    queries=(
        QuerySpec(
            "list",
            "/v1/orgs",
            "Every organization, by id (paged).",
            (("after", "Cursor: the next of the previous page."), ("limit", "Page size, 1..100.")),
        ),
        QuerySpec(
            "org",
            "/v1/orgs/{org}",
            "An org: members, weights and roles, voting rules, treasury, budgets.",
            (("at_ms", "Block time (Unix ms): what budgets have left then."),),
        ),
        QuerySpec(
            "proposals",
            "/v1/orgs/{org}/proposals",
            "An org's proposals in the order they were made (paged).",
            (
                ("status", "open, executed or rejected"),
                ("cursor", "Cursor: the next of the previous page."),
                ("limit", "Page size, 1..100."),
            ),
        ),
        QuerySpec(
            "proposal",
            "/v1/orgs/{org}/proposals/{proposal}",
            "A proposal: actions, rules, tally, votes per member, end, whether it passes.",
            (("at_ms", "Block time (Unix ms): its phase then, and whether it could be executed."),),
        ),
    ),
    sdk_helpers={"treasury": treasury_address, "propose": propose},
)

__all__ = [
    "KEEPER",
    "MODULE",
    "TREASURER",
    "Ballot",
    "Budget",
    "Org",
    "OrgsKeeper",
    "Proposal",
    "treasury_address",
]
