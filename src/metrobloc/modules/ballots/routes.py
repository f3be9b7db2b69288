"""HTTP routes of the ballots module (``/v1/ballots/...``), thin wrappers over ``queries``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path, Query

from metrobloc.execution.messages import Address, param_schema
from metrobloc.modules.ballots import queries
from metrobloc.modules.ballots.keeper import Scanner
from metrobloc.modules.ballots.msgs import ElectionId

ELECTION = Path(description="An election id, e.g. district-4-budget-2027.", json_schema_extra=param_schema(ElectionId))
Limit = Query(queries.MAX_PAGE, description="Items per page, 1..100.", ge=1, le=queries.MAX_PAGE)


def router(state: Scanner) -> APIRouter:
    r = APIRouter(tags=["ballots"])

    @r.get("/v1/ballots", summary="Every election, by id (paged)")
    def get_elections(
        cursor: str | None = Query(
            None, description="Cursor: the `next` of the previous page.", json_schema_extra=param_schema(ElectionId)
        ),
        limit: int = Limit,
    ) -> dict[str, Any]:
        return queries.elections(state, cursor, limit)

    @r.get(
        "/v1/ballots/{election}",
        summary="An election with its record: key generation, final total, decryption shares, result",
    )
    def get_election(election: str = ELECTION) -> dict[str, Any]:
        return queries.election(state, election)

    @r.get("/v1/ballots/{election}/ballots", summary="Every voter's current ballot with its proofs (paged)")
    def get_ballots(
        election: str = ELECTION,
        cursor: str | None = Query(
            None,
            description="Cursor: the `next` of the previous page (a voter).",
            json_schema_extra=param_schema(Address),
        ),
        limit: int = Limit,
    ) -> dict[str, Any]:
        return queries.ballots(state, election, cursor, limit)

    return r
