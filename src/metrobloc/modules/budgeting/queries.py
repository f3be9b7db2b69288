"""Read-only queries of the budgeting module over committed state: processes, a process with its budgets
and projects, a project with its delivery, and the open-data export (JSON and CSV).

Nothing here reads a running count (``budgeting/count/...``) or a ballot: a project's ``votes`` come from
its record, where ``budgeting/finalize`` writes them, so no view shows a count before its budget's results
(the export Decidim leaked hidden counts through; docs/spec/budgeting.md §6). Turnout (how many voted) is
public throughout. Queries have no clock: the phase is answered for ``at_ms`` when given.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import orjson

from metrobloc.modules.budgeting import errors, keys, rules
from metrobloc.modules.budgeting.expected import Ballots
from metrobloc.modules.budgeting.keeper import BudgetingKeeper, BudgetState, Process, Project, Scanner
from metrobloc.modules.budgeting.msgs import ItemId, ProcessId

KEEPER = BudgetingKeeper()
MAX_PAGE = 100
MAX_PROJECTS = 16 * 64
EXPORT_FIELDS: tuple[tuple[str, str], ...] = (
    ("process", "The process id."),
    ("budget", "The budget (district) the project asks money from."),
    ("project", "The project id (the election's option id in a secret budget)."),
    ("proposer", "The resident who submitted it (an address; no personal data)."),
    ("summary_digest", "SHA-256 of its description, kept off the ledger."),
    ("asset", "The asset of the amounts."),
    ("cost", "Its cost: the sum of its milestones' amounts."),
    ("status", "submitted, accepted, rejected, selected, not_selected or cancelled."),
    ("review_reason_digest", "SHA-256 of the reviewer's reasons (empty before review)."),
    ("votes", "Its votes: empty until its budget is finalized, whatever the voting mode."),
    ("implementer", "Who delivers it (empty until assigned)."),
    ("milestones", "How many milestones it has."),
    ("milestones_paid", "How many were attested and paid."),
    ("paid", "Released from escrow to the implementer."),
    ("refunded", "Returned to the authority's treasury when it was cancelled."),
    ("progress", "Weighted average of its milestones' completion, whole percent rounded down."),
)
"""The export's columns, in order (the CSV header; the JSON's project objects have these keys)."""


def process_id(value: str) -> str:
    if not ProcessId.pattern.fullmatch(value):
        raise errors.BAD_PROCESS.error(f"process must match {ProcessId.pattern.pattern}")
    return value


def item_id(value: str) -> str:
    if not ItemId.pattern.fullmatch(value):
        raise errors.BAD_ID.error(f"id must match {ItemId.pattern.pattern}")
    return value


def _process(state: Scanner, process: str) -> Process:
    found = KEEPER.process(state, process_id(process))
    if found is None:
        raise errors.UNKNOWN_PROCESS.error(f"no process {process}")
    return found


def processes(state: Scanner, cursor: str | None = None, limit: int = MAX_PAGE) -> dict[str, Any]:
    """A page of processes by id: id, org, asset, total."""
    if not 1 <= limit <= MAX_PAGE:
        raise errors.BAD_QUERY.error(f"limit must be in 1..{MAX_PAGE}")
    start = None if cursor is None else keys.process_key(process_id(cursor))
    rows = state.scan(keys.process_prefix(), limit + 1, start)
    items = [orjson.loads(v) for _, v in rows[:limit]]
    brief = [{"process": p["process"], "org": p["org"], "asset": p["asset"], "total": p["funded"]} for p in items]
    return {"processes": brief, "next": brief[-1]["process"] if len(rows) > limit else None}


def progress(project: Project) -> int:
    """The project's progress, whole percent: a paid milestone counts 100, others their latest report."""
    parts = [(m.amount, 100 if m.paid else m.percent) for m in project.milestones]
    return rules.progress(parts, project.cost)


def projects_of(state: Scanner, process: str) -> list[Project]:
    """Every project of the process, by id."""
    rows = state.scan(keys.project_prefix(process), MAX_PROJECTS)
    return [Project.from_json(orjson.loads(v)) for _, v in rows]


def turnout(b: BudgetState, ballots: Ballots | None, state: Scanner) -> int | None:
    """How many residents voted in the budget (None: a secret budget on a node without ballots)."""
    if b.mode == "public":
        return b.voters
    return None if ballots is None or b.election is None else ballots.voters(state, b.election)


def process(state: Scanner, process_: str, at_ms: int | None = None, ballots: Ballots | None = None) -> dict[str, Any]:
    """The process record, its phase at ``at_ms``, each budget's turnout, its projects and its escrow."""
    p = _process(state, process_)
    out = p.to_json()
    out["in_escrow"] = str(p.in_escrow)
    out["phase"] = None if at_ms is None else p.phase(at_ms)
    out["budgets"] = [{**b.to_json(), "turnout": turnout(b, ballots, state)} for b in p.budgets]
    out["projects"] = [project_view(pr) for pr in projects_of(state, p.process)]
    return out


def project_view(pr: Project) -> dict[str, Any]:
    return {**pr.to_json(), "progress": progress(pr)}


def project(state: Scanner, process_: str, project_: str) -> dict[str, Any]:
    p = _process(state, process_)
    found = KEEPER.project(state, p.process, item_id(project_))
    if found is None:
        raise errors.UNKNOWN_PROJECT.error(f"{p.process} has no project {project_}")
    return project_view(found)


def export_rows(state: Scanner, process_: str) -> list[dict[str, Any]]:
    """One row per project, with the fields of ``EXPORT_FIELDS``; amounts and counts as decimal strings."""
    p = _process(state, process_)
    rows = []
    for pr in projects_of(state, p.process):
        budget = p.find(pr.budget)
        finalized = budget is not None and budget.finalized
        rows.append(
            {
                "process": p.process,
                "budget": pr.budget,
                "project": pr.project,
                "proposer": pr.proposer,
                "summary_digest": pr.summary_digest,
                "asset": p.asset,
                "cost": str(pr.cost),
                "status": pr.status,
                "review_reason_digest": None if pr.review is None else pr.review["reason_digest"],
                "votes": str(pr.votes) if finalized and pr.votes is not None else None,
                "implementer": pr.implementer,
                "milestones": str(len(pr.milestones)),
                "milestones_paid": str(sum(m.paid for m in pr.milestones)),
                "paid": str(pr.paid),
                "refunded": str(pr.refunded),
                "progress": str(progress(pr)),
            }
        )
    return rows


def export_json(state: Scanner, process_: str) -> dict[str, Any]:
    """The open-data export as JSON: the process's public figures and one object per project."""
    p = _process(state, process_)
    return {
        "process": p.process,
        "org": p.org,
        "asset": p.asset,
        "escrow": p.escrow,
        "funded": str(p.funded),
        "paid": str(p.paid),
        "refunded": str(p.refunded),
        "budgets": [
            {"budget": b.budget, "amount": str(b.amount), "finalized": b.finalized, "winners": b.winners}
            for b in p.budgets
        ],
        "fields": [{"name": n, "doc": d} for n, d in EXPORT_FIELDS],
        "projects": export_rows(state, p.process),
    }


def export_csv(state: Scanner, process_: str) -> str:
    """The open-data export as CSV (RFC 4180, CRLF line ends): the header of ``EXPORT_FIELDS``, one row per
    project, empty cells for nulls."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([n for n, _ in EXPORT_FIELDS])
    for row in export_rows(state, process_):
        writer.writerow(["" if row[n] is None else row[n] for n, _ in EXPORT_FIELDS])
    return out.getvalue()
