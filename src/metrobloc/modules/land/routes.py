"""HTTP routes of the land module (``/v1/land/...``), thin wrappers over ``queries``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path, Query

from metrobloc.execution.messages import Address, param_schema
from metrobloc.execution.state_access import Scanner
from metrobloc.modules.land import errors, queries
from metrobloc.modules.land.msgs import ClaimName, District, ParcelId, Subject
from metrobloc.modules.land.records import PENDING, SETTLED

Limit = Query(
    queries.MAX_PAGE,
    description="Items per page, 1..100.",
    json_schema_extra={"minimum": 1, "maximum": queries.MAX_PAGE},
)
After = Query(
    None,
    description="Cursor: the `next` of the previous page.",
    json_schema_extra={"pattern": queries.CURSOR.pattern},
)
PARCEL = Path(description="A parcel id.", json_schema_extra=param_schema(ParcelId))
CLAIM = Path(description="A claim name.", json_schema_extra=param_schema(ClaimName))


def _query(t: type, text: str, required: bool = True) -> Any:
    return Query(... if required else None, description=text, json_schema_extra=param_schema(t))


def router(state: Scanner) -> APIRouter:
    r = APIRouter(tags=["land"])

    @r.get("/v1/land/parcels", summary="Active parcels by owner or by district")
    def list_parcels(
        owner: str | None = _query(Address, "An owner (give owner or district).", required=False),
        district: str | None = _query(District, "A district (give owner or district).", required=False),
        after: str | None = After,
        limit: int = Limit,
    ) -> dict[str, Any]:
        if (owner is None) == (district is None):
            raise errors.BAD_QUERY.error("give exactly one of owner= and district=")
        if owner is not None:
            return queries.parcels_by_owner(state, owner, after=after, limit=limit)
        assert district is not None
        return queries.parcels_by_district(state, district, after=after, limit=limit)

    @r.get("/v1/land/parcels/{parcel}", summary="A parcel: owners, liens in rank order, settled claims")
    def get_parcel(parcel: str = PARCEL) -> dict[str, Any]:
        return queries.parcel(state, parcel)

    @r.get("/v1/land/parcels/{parcel}/history", summary="Every event of a parcel with tx hash, height, proof link")
    def get_history(
        parcel: str = PARCEL, after: int = Query(0, ge=0, le=2**53 - 1), limit: int = Limit
    ) -> dict[str, Any]:
        return queries.history(state, parcel, after=after, limit=limit)

    @r.get("/v1/land/liens", summary="A lender's active liens, each with the liens ranked before it")
    def list_liens(
        lender: str = _query(Address, "The lender."), after: str | None = After, limit: int = Limit
    ) -> dict[str, Any]:
        return queries.liens_by_lender(state, lender, after=after, limit=limit)

    @r.get("/v1/land/attestations", summary="The attestations and settlement of one claim about one subject")
    def get_claim(
        claim: str = _query(ClaimName, "The claim."), subject: str = _query(Subject, "The subject.")
    ) -> dict[str, Any]:
        return queries.claim(state, claim, subject)

    @r.get("/v1/land/attestations/pending", summary="Claims attested but not settled")
    def list_pending(
        claim: str | None = _query(ClaimName, "Only this claim.", required=False),
        after: str | None = After,
        limit: int = Limit,
    ) -> dict[str, Any]:
        return queries.claims(state, PENDING, claim, after=after, limit=limit)

    @r.get("/v1/land/attestations/settled", summary="Settled claims")
    def list_settled(
        claim: str | None = _query(ClaimName, "Only this claim.", required=False),
        after: str | None = After,
        limit: int = Limit,
    ) -> dict[str, Any]:
        return queries.claims(state, SETTLED, claim, after=after, limit=limit)

    @r.get("/v1/land/policies/{claim}", summary="The oracle policy of a claim")
    def get_policy(claim: str = CLAIM) -> dict[str, Any]:
        return queries.policy(state, claim)

    return r
