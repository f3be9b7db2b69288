"""Read-only queries of the orgs module over committed state: the orgs, an org's members, roles, rules
and budgets, its proposals, and a proposal with its votes and what the rules say of it.

Queries have no clock: what depends on time (a budget's room in the current period, a proposal's
phase) is answered for ``at_ms`` when it is given (a client passes the tip's block time).
Lists are paged: at most ``limit`` items (1..100) after ``cursor``; ``next`` is the cursor of the
following page, or null on the last one.
"""

from __future__ import annotations

from typing import Any

import orjson

from metrobloc.modules.orgs import errors, keys, rules
from metrobloc.modules.orgs.keeper import Budget, Org, OrgsKeeper, Proposal, Scanner
from metrobloc.modules.orgs.msgs import MAX_MEMBERS, OrgId, ProposalId

KEEPER = OrgsKeeper()
MAX_PAGE = 100
MAX_BUDGETS = 1000
MAX_SCAN = 1000
"""Proposals one page examines at most when filtering by status (``next`` then resumes the scan)."""
STATUSES = ("open", "executed", "rejected")


def org_id(value: str) -> str:
    if not OrgId.pattern.fullmatch(value):
        raise errors.BAD_ORG.error(f"org must match {OrgId.pattern.pattern}")
    return value


def proposal_id(value: str) -> str:
    if not ProposalId.pattern.fullmatch(value):
        raise errors.BAD_PROPOSAL.error(f"proposal must match {ProposalId.pattern.pattern}")
    return value


def _limit(limit: int) -> int:
    if not 1 <= limit <= MAX_PAGE:
        raise errors.BAD_QUERY.error(f"limit must be in 1..{MAX_PAGE}")
    return limit


def _org(state: Scanner, org: str) -> Org:
    found = KEEPER.org(state, org_id(org))
    if found is None:
        raise errors.UNKNOWN_ORG.error(f"no org {org}")
    return found


def orgs(state: Scanner, cursor: str | None = None, limit: int = MAX_PAGE) -> dict[str, Any]:
    """A page of every org's record, by id."""
    start = None if cursor is None else keys.org_key(org_id(cursor))
    rows = state.scan(keys.org_prefix(), _limit(limit) + 1, start)
    items = [orjson.loads(v) for _, v in rows[:limit]]
    return {"orgs": items, "next": items[-1]["org"] if len(rows) > limit else None}


def org(state: Scanner, org: str, at_ms: int | None = None) -> dict[str, Any]:
    """The org's record, its members with their weights and roles, who holds each role, and its budgets."""
    found = _org(state, org)
    prefix = keys.roles_prefix(org)
    held = {k[len(prefix) :].decode(): orjson.loads(v) for k, v in state.scan(prefix, MAX_MEMBERS)}
    members = [{"address": a, "weight": w, "roles": held.get(a, [])} for a, w in KEEPER.members(state, org)]
    by_role: dict[str, list[str]] = {}
    for address in sorted(held):
        for role in held[address]:
            by_role.setdefault(role, []).append(address)
    budgets = [
        _budget(Budget.from_json(orjson.loads(v)), at_ms) for _, v in state.scan(keys.budget_prefix(org), MAX_BUDGETS)
    ]
    answer = {**found.to_json(), "members": members, "roles": by_role, "budgets": budgets}
    if at_ms is not None:
        answer["at_ms"] = at_ms
    return answer


def _budget(budget: Budget, at_ms: int | None) -> dict[str, Any]:
    """A budget; at ``at_ms``, the period then, what was spent in it and what is left."""
    out = budget.to_json()
    if at_ms is not None:
        period = rules.budget_period(at_ms, budget.period_ms)
        spent = budget.spent_in(period)
        out["now"] = {
            "period": period,
            "period_start_ms": period * budget.period_ms,
            "period_end_ms": (period + 1) * budget.period_ms,
            "spent": str(spent),
            "left": str(budget.amount - spent),
        }
    return out


def proposals(
    state: Scanner, org: str, status: str | None = None, cursor: int | None = None, limit: int = MAX_PAGE
) -> dict[str, Any]:
    """The org's proposals in the order they were made (``seq``), optionally of one status, each with
    whether it passes now. ``next`` is the seq to resume after: a page examines at most 1,000 proposals."""
    _org(state, org)
    _limit(limit)
    if status is not None and status not in STATUSES:
        raise errors.BAD_QUERY.error("status is open, executed or rejected")
    if cursor is not None and cursor < 0:
        raise errors.BAD_QUERY.error("cursor must be >= 0")
    prefix = keys.seq_prefix(org)
    rows = state.scan(prefix, MAX_SCAN + 1, None if cursor is None else keys.seq_key(org, cursor))
    items: list[dict[str, Any]] = []
    examined = 0
    for _, value in rows[:MAX_SCAN]:
        examined += 1
        p = KEEPER.proposal(state, org, orjson.loads(value))
        assert p is not None, "the seq index names stored proposals only"
        if status is None or p.status == status:
            items.append(_summary(p))
            if len(items) == limit:
                break
    more = examined < len(rows)
    return {"org": org, "proposals": items, "next": int(rows[examined - 1][0][len(prefix) :]) if more else None}


def _summary(p: Proposal) -> dict[str, Any]:
    return {**p.to_json(), "passes": rules.passes(p.tally, p.total_weight, p.rules)}


def proposal(state: Scanner, org: str, proposal: str, at_ms: int | None = None) -> dict[str, Any]:
    """The proposal, the snapshot with every vote, and what the rules say: ``passes`` (the pass rule on the
    tally now), ``decided`` (the yes votes alone pass it), when it may execute; with ``at_ms``, its phase."""
    org_id(org)
    p = KEEPER.proposal(state, org, proposal_id(proposal))
    if p is None:
        _org(state, org)
        raise errors.UNKNOWN_PROPOSAL.error(f"{org} has no proposal {proposal}")
    ballots = [orjson.loads(v) for _, v in state.scan(keys.ballot_prefix(org, proposal), MAX_MEMBERS + 1)]
    window = rules.quiet_window(p.rules)
    answer = {
        **_summary(p),
        "votes": ballots,
        "decided": rules.decided(p.tally, p.total_weight, p.rules),
        "quiet_window_ms": window,
        "quiet_from_ms": None if p.extended else p.end_ms - window,
        "executable_from_ms": rules.executable_from(p.end_ms, p.rules),
    }
    if at_ms is not None:
        answer["at_ms"] = at_ms
        answer["phase"] = _phase(p, at_ms)
    return answer


def _phase(p: Proposal, at_ms: int) -> str:
    """``voting``, ``executable`` (an execute now runs its actions), ``passed`` (waiting for its delay),
    ``failed`` (an execute now marks it rejected), or its closed status (``executed``, ``rejected``)."""
    if p.status != "open":
        return p.status
    decision = rules.outcome(p.tally, p.total_weight, p.rules, p.end_ms, at_ms)
    if decision == "execute":
        return "executable"
    if decision == "reject":
        return "failed"
    return "voting" if at_ms < p.end_ms else "passed"
