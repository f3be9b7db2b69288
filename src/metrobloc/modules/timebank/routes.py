"""HTTP routes of the time-bank module (``/v1/timebank/...``), thin wrappers over ``queries``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path, Query

from metrobloc.execution.messages import Address, param_schema
from metrobloc.modules.timebank import queries
from metrobloc.modules.timebank.keeper import Scanner
from metrobloc.modules.timebank.msgs import ListingId

MAX_SEQ = 10**12 - 1
BANK = Path(description="The bank's address.", json_schema_extra=param_schema(Address))
ADDRESS = Path(description="An account address.", json_schema_extra=param_schema(Address))
Limit = Query(queries.MAX_PAGE, description="Items per page, 1..100.", ge=1, le=queries.MAX_PAGE)


def router(state: Scanner) -> APIRouter:
    r = APIRouter(tags=["timebank"])

    @r.get("/v1/timebank/banks", summary="The registry of time banks")
    def get_banks() -> dict[str, Any]:
        return queries.banks(state)

    @r.get("/v1/timebank/banks/{bank}", summary="A bank, its book and its clearing positions")
    def get_bank(bank: str = BANK) -> dict[str, Any]:
        return queries.bank(state, bank)

    @r.get("/v1/timebank/banks/{bank}/members", summary="A bank's members and their balances")
    def get_members(
        bank: str = BANK,
        after: str | None = Query(
            None, description="Cursor: the `next` of the previous page.", json_schema_extra=param_schema(Address)
        ),
        limit: int = Limit,
    ) -> dict[str, Any]:
        return queries.members(state, bank, after, limit)

    @r.get("/v1/timebank/banks/{bank}/listings", summary="A bank's offers and requests")
    def get_listings(
        bank: str = BANK,
        kind: str | None = Query(None, description="offer or request.", pattern="^(offer|request)$"),
        open_only: bool = Query(False, alias="open", description="Open listings only."),
    ) -> dict[str, Any]:
        return queries.listings(state, bank, kind, open_only)

    @r.get("/v1/timebank/banks/{bank}/listings/{listing_id}", summary="One offer or request")
    def get_listing(
        bank: str = BANK,
        listing_id: str = Path(..., description="The listing's id.", json_schema_extra=param_schema(ListingId)),
    ) -> dict[str, Any]:
        return queries.listing(state, bank, listing_id)

    @r.get("/v1/timebank/banks/{bank}/clearing", summary="A bank's clearing positions with other banks")
    def get_clearing(bank: str = BANK) -> dict[str, Any]:
        return queries.clearing(state, bank)

    @r.get("/v1/timebank/members/{address}", summary="An account's minutes per bank (what a wallet shows)")
    def get_member(address: str = ADDRESS) -> dict[str, Any]:
        return queries.member(state, address)

    @r.get("/v1/timebank/members/{address}/history", summary="An account's entries at its banks")
    def get_history(
        address: str = ADDRESS,
        bank: str | None = Query(None, description="One bank only.", json_schema_extra=param_schema(Address)),
        after: int | None = Query(None, ge=0, le=MAX_SEQ, description="Cursor: the `next` of the previous page."),
        limit: int = Limit,
    ) -> dict[str, Any]:
        return queries.history(state, address, bank, after, limit)

    @r.get("/v1/timebank/services/{service}", summary="A recorded service")
    def get_service(service: int = Path(..., ge=1, le=MAX_SEQ)) -> dict[str, Any]:
        return queries.service(state, service)

    return r
