"""Participatory budgeting: processes of an authority org with budgets per district, projects by
residents with milestones, public or secret voting, finalize with escrow, and delivery paid per
milestone attested by k of n inspectors (docs/spec/budgeting.md)."""

from __future__ import annotations

from metrobloc.execution import EventSpec, Module, QuerySpec, error_codes
from metrobloc.modules.budgeting import errors
from metrobloc.modules.budgeting.escrow import escrow_address
from metrobloc.modules.budgeting.handlers import BudgetingHandlers
from metrobloc.modules.budgeting.keeper import BudgetingKeeper, BudgetState, Process, Project
from metrobloc.modules.budgeting.msgs import MESSAGES

KEEPER = BudgetingKeeper()

EVENTS = (
    EventSpec(
        "budgeting/create",
        ("process", "org", "escrow", "asset", "total", "budgets"),
        "The authority opened a process; its total moved from the treasury into escrow.",
    ),
    EventSpec(
        "budgeting/submit", ("process", "budget", "project", "proposer", "cost"), "A resident submitted a project."
    ),
    EventSpec(
        "budgeting/review",
        ("process", "project", "decision", "reviewer", "reason_digest"),
        "A reviewer accepted or rejected a project.",
    ),
    EventSpec(
        "budgeting/vote",
        ("process", "budget", "voter", "replaced"),
        "A resident cast a public ballot (replaced: it replaced the voter's previous one).",
    ),
    EventSpec(
        "budgeting/finalize",
        ("process", "budget", "winners", "spent", "refunded", "turnout"),
        "A budget was counted: its winners in order; what they do not need returned to the treasury.",
    ),
    EventSpec(
        "budgeting/override",
        ("process", "budget", "winners", "spent", "reason_digest"),
        "The authority replaced a budget's winners, with its reasons' digest.",
    ),
    EventSpec("budgeting/assign", ("process", "project", "implementer"), "A winning project got its implementer."),
    EventSpec(
        "budgeting/report",
        ("process", "project", "milestone", "percent", "evidence_digest"),
        "The implementer reported a milestone's progress with evidence.",
    ),
    EventSpec(
        "budgeting/attest",
        ("process", "project", "milestone", "inspector", "attestations", "threshold"),
        "An inspector attested a milestone's latest evidence.",
    ),
    EventSpec(
        "budgeting/release",
        ("process", "project", "milestone", "to", "amount"),
        "A milestone reached its threshold: its amount moved from escrow to the implementer.",
    ),
    EventSpec(
        "budgeting/cancel",
        ("process", "project", "refunded", "reason_digest"),
        "The authority cancelled a winning project; what escrow held for it returned to the treasury.",
    ),
)

QUERIES = (
    QuerySpec(
        "list",
        "/v1/budgeting/processes",
        "Every process, by id (paged).",
        (("cursor", "Cursor: the next of the previous page."), ("limit", "Page size, 1..100.")),
    ),
    QuerySpec(
        "process",
        "/v1/budgeting/processes/{process}",
        "A process: phases, census, budgets, projects, escrow; counts only once a budget is finalized.",
        (("at_ms", "Block time (Unix ms): the phase then."),),
    ),
    QuerySpec(
        "project",
        "/v1/budgeting/processes/{process}/projects/{project}",
        "A project: cost, review, milestones, reports, attestations, payments and progress.",
    ),
    QuerySpec(
        "export",
        "/v1/budgeting/processes/{process}/export.json",
        "The open-data export (also export.csv): no count before its budget is finalized.",
    ),
)


def module(ballots: bool) -> Module:
    """The module; with ``ballots`` its handlers get the ballots keeper (secret budgets), without it a
    secret budget is refused (``budgeting.no_ballots``)."""
    needs = {"assets": "assets", "identity": "identity", "orgs": "orgs"}
    if ballots:
        needs["ballots"] = "ballots"
    return Module(
        name="budgeting",
        doc="Participatory budgeting: projects, public or secret votes, escrow, milestones paid on k-of-n inspection.",
        package=__name__,
        messages=MESSAGES,
        handlers=lambda assets, identity, orgs, ballots=None: BudgetingHandlers(
            KEEPER, assets, identity, orgs, ballots
        ),
        needs=needs,
        keeper=KEEPER,
        events=EVENTS,
        errors=error_codes(vars(errors)),
        queries=QUERIES,
        sdk_helpers={"escrow": escrow_address},
    )


MODULE = module(ballots=True)
"""Secret budgets count through the ballots module, which the composition root lists before this one."""

__all__ = ["KEEPER", "MODULE", "BudgetState", "BudgetingKeeper", "Process", "Project", "escrow_address", "module"]
