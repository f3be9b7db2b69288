"""HTTP routes of the orgs module (``/v1/orgs/...``), thin wrappers over ``queries``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path, Query

from metrobloc.execution.messages import param_schema
from metrobloc.modules.orgs import queries
from metrobloc.modules.orgs.keeper import Scanner
from metrobloc.modules.orgs.msgs import OrgId, ProposalId

MAX_MS = 2**53 - 1
MAX_SEQ = 10**12 - 1
ORG = Path(description="An org id, e.g. riverside-assoc.", json_schema_extra=param_schema(OrgId))
PROPOSAL = Path(description="A proposal id within the org.", json_schema_extra=param_schema(ProposalId))
Limit = Query(queries.MAX_PAGE, description="Items per page, 1..100.", ge=1, le=queries.MAX_PAGE)
AT_MS = Query(None, ge=0, le=MAX_MS, description="Block time (Unix ms) to answer the time-dependent parts for.")


def router(state: Scanner) -> APIRouter:
    r = APIRouter(tags=["orgs"])

    @r.get("/v1/orgs", summary="Every organization, by id (paged)")
    def get_orgs(
        cursor: str | None = Query(
            None,
            description="Cursor: the `next` of the previous page (an org id).",
            json_schema_extra=param_schema(OrgId),
        ),
        limit: int = Limit,
    ) -> dict[str, Any]:
        return queries.orgs(state, cursor, limit)

    @r.get("/v1/orgs/{org}", summary="An org: members, weights and roles, voting rules, treasury, budgets")
    def get_org(org: str = ORG, at_ms: int | None = AT_MS) -> dict[str, Any]:
        return queries.org(state, org, at_ms)

    @r.get("/v1/orgs/{org}/proposals", summary="An org's proposals in the order they were made (paged)")
    def get_proposals(
        org: str = ORG,
        status: str | None = Query(
            None, description="open, executed or rejected.", pattern="^(open|executed|rejected)$"
        ),
        cursor: int | None = Query(None, ge=0, le=MAX_SEQ, description="Cursor: the `next` of the previous page."),
        limit: int = Limit,
    ) -> dict[str, Any]:
        return queries.proposals(state, org, status, cursor, limit)

    @r.get(
        "/v1/orgs/{org}/proposals/{proposal}",
        summary="A proposal: actions, rules, tally, votes per member, end, whether it passes (its phase at a time)",
    )
    def get_proposal(org: str = ORG, proposal: str = PROPOSAL, at_ms: int | None = AT_MS) -> dict[str, Any]:
        return queries.proposal(state, org, proposal, at_ms)

    return r
