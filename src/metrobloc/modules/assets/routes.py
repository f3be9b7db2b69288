"""HTTP routes of the assets module."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path, Query

from metrobloc.execution.messages import Address, Symbol, param_schema
from metrobloc.execution.state_access import Scanner
from metrobloc.modules.assets import queries
from metrobloc.modules.assets.queries import MAX_PAGE

MAX_MS = 2**53 - 1
ASSET = Path(description="An asset symbol, e.g. CITY.", json_schema_extra=param_schema(Symbol))
ADDRESS = Path(description="An account address.", json_schema_extra=param_schema(Address))


def router(state: Scanner) -> APIRouter:
    r = APIRouter(tags=["assets"])

    @r.get("/v1/assets/{asset}", summary="An asset: issuer, supply, rules")
    def get_asset(asset: str = ASSET) -> dict[str, Any]:
        return queries.asset(state, asset)

    @r.get("/v1/assets/{asset}/balances/{address}", summary="A balance, as a decimal string, with its lots")
    def get_balance(
        asset: str = ASSET,
        address: str = ADDRESS,
        at_ms: int | None = Query(
            None, ge=0, le=MAX_MS, description="Block time (Unix ms): spendable then, after expiry and demurrage."
        ),
    ) -> dict[str, Any]:
        return queries.balance(state, asset, address, at_ms)

    @r.get("/v1/assets/{asset}/holders", summary="Accounts holding an asset, by address, with their balances")
    def list_holders(
        asset: str = ASSET,
        cursor: str | None = Query(
            None, description="The `next` of the previous page (an address).", json_schema_extra=param_schema(Address)
        ),
        limit: int = Query(20, ge=1, le=MAX_PAGE, description=f"Items per page, 1..{MAX_PAGE}."),
    ) -> dict[str, Any]:
        return queries.holders(state, asset, cursor=cursor, limit=limit)

    return r
