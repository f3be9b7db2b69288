"""HTTP routes of the accounts module."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path

from metrobloc.execution.messages import Address, param_schema
from metrobloc.modules.accounts import queries
from metrobloc.modules.accounts.keeper import Reader

ADDRESS = Path(description="An account address.", json_schema_extra=param_schema(Address))


def router(state: Reader) -> APIRouter:
    r = APIRouter(tags=["accounts"])

    @r.get("/v1/accounts/{address}", summary="An account's current key and roles")
    def get_account(address: str = ADDRESS) -> dict[str, Any]:
        return queries.account(state, address)

    return r
