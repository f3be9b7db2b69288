"""The budgeting module's portal pages (found by the portal by convention, like ``routes.py`` by the
API): every process, and a process's page: its phase and schedule, budgets with their rule in words and
live turnout (fetched again on each new block), projects with their costs and review, results once a
budget is finalized (never a count before), then delivery per winning project: implementer,
milestones, evidence, attestations, payments and progress.

The phase is answered at the block time of the block the page reflects, never the server's clock.
Templates live in ``templates/budgeting/``. The portal hands ``router`` the committed state, a ``Site``
and the keepers the module ``needs`` (the ballots keeper gives a secret budget's turnout).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ParamSpec, Protocol

from fastapi import APIRouter, Path, Query
from starlette.responses import Response

from metrobloc.modules.budgeting import errors, queries
from metrobloc.modules.budgeting.expected import Ballots
from metrobloc.modules.budgeting.keeper import Scanner

P = ParamSpec("P")
PROCESS = Path(max_length=80)
CURSOR = Query(None, max_length=80)
BUDGET = Query(..., max_length=80)
NAV = (("Budgets", "/budgeting"),)
"""Links this module adds to the portal's main navigation."""
LINKS = {"process": "/budgeting/{}"}
"""Field and event attribute names whose values are budgeting pages (the tx page links them)."""
PHASES = (
    ("submission", "submit_from_ms", "residents submit projects"),
    ("review", "review_from_ms", "the council's members accept or reject them"),
    ("voting", "vote_from_ms", "residents vote"),
    ("results", "vote_until_ms", "anyone finalizes each budget; then delivery"),
)


class Site(Protocol):
    """What these pages need of the portal."""

    def tip_time_ms(self) -> int: ...

    def page(self, template: str) -> Callable[[Callable[P, Mapping[str, Any]]], Callable[P, Response]]: ...

    def amount(self, units: int | str, asset: str) -> str: ...

    def height(self) -> int: ...


def tip_time(site: Site) -> int:
    """The block time of the block the page reflects (0 before the first block)."""
    return site.tip_time_ms()


def rule_in_words(rule: Mapping[str, Any]) -> str:
    """A voting rule as a sentence (docs/spec/budgeting.md §3)."""
    if rule["kind"] == "spend":
        whole, part = divmod(int(rule["min_bp"]), 100)
        share = f"{whole}%" if not part else f"{whole}.{part:02d}%"
        return f"spend at least {share} of the budget and at most all of it"
    if rule["kind"] == "min_projects":
        return f"choose at least {rule['min']} projects within the budget"
    return f"choose between {rule['min']} and {rule['max']} projects, whatever they cost"


def process_page(state: Scanner, site: Site, ballots: Ballots | None, process: str) -> dict[str, Any]:
    """The process at the tip's block time, its amounts shown with the asset's decimals."""
    at_ms = tip_time(site)
    p = queries.process(state, process, at_ms, ballots)
    asset = p["asset"]

    def shown(units: int | str) -> str:
        return site.amount(units, asset)

    projects = [
        {
            **pr,
            "cost_shown": shown(pr["cost"]),
            "paid_shown": shown(pr["paid"]),
            "milestones": [{**m, "amount_shown": shown(m["amount"])} for m in pr["milestones"]],
        }
        for pr in p["projects"]
    ]
    budgets = []
    for b in p["budgets"]:
        mine = [pr for pr in projects if pr["budget"] == b["budget"]]
        if b["finalized"]:  # the results: winners first, in the order finalize took them
            order = {w: i for i, w in enumerate(b["winners"])}
            mine.sort(key=lambda pr: (order.get(pr["project"], len(order)), pr["project"]))
        budgets.append(
            {
                **b,
                "amount_shown": shown(b["amount"]),
                "spent_shown": shown(b["spent"]),
                "rule_shown": rule_in_words(b["rule"]),
                "projects": mine,
            }
        )
    return {
        **p,
        "created_height": p["height"],  # the page's own "height" is the block it reflects
        "at_ms": at_ms,
        "schedule": [(name, p["phases"][key], what) for name, key, what in PHASES],
        "budgets": budgets,
        "delivery": [pr for pr in projects if pr["status"] in ("selected", "cancelled")],
        "funded_shown": shown(p["funded"]),
        "paid_shown": shown(p["paid"]),
        "refunded_shown": shown(p["refunded"]),
        "in_escrow_shown": shown(p["in_escrow"]),
        "api_url": f"/v1/budgeting/processes/{process}",
        "exports": {f: f"/v1/budgeting/processes/{process}/export.{f}" for f in ("csv", "json")},
    }


def router(state: Scanner, site: Site, ballots: Ballots | None = None) -> APIRouter:
    r = APIRouter(include_in_schema=False)

    @r.get("/budgeting")
    @site.page("budgeting/processes.html")
    def processes(cursor: str | None = CURSOR) -> Mapping[str, Any]:
        found = queries.processes(state, cursor, queries.MAX_PAGE)
        after = found["next"]
        items = [{**p, "total_shown": site.amount(p["total"], p["asset"])} for p in found["processes"]]
        return {"processes": items, "next_url": None if after is None else f"/budgeting?cursor={after}"}

    @r.get("/budgeting/{process}/turnout")
    @site.page("budgeting/turnout.html")
    def turnout(process: str = PROCESS, budget: str = BUDGET) -> Mapping[str, Any]:
        """The live part of the page: a budget's turnout, fetched again on every new block (htmx over SSE)."""
        found = queries.process(state, process, None, ballots)
        b = next((b for b in found["budgets"] if b["budget"] == budget), None)
        if b is None:
            raise errors.UNKNOWN_BUDGET.error(f"{process} has no budget {budget}")
        return {"turnout": b["turnout"]}

    @r.get("/budgeting/{process}")
    @site.page("budgeting/process.html")
    def process(process: str = PROCESS) -> Mapping[str, Any]:
        return process_page(state, site, ballots, process)

    return r


__all__ = ["LINKS", "NAV", "process_page", "router", "rule_in_words"]
