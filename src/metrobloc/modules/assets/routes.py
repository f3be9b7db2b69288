"""HTTP routes of the assets module."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from metrobloc.modules.assets import queries
from metrobloc.modules.assets.keeper import Reader


def router(state: Reader) -> APIRouter:
    r = APIRouter(tags=["assets"])

    @r.get("/v1/assets/{asset}", summary="An asset: issuer, supply, rules")
    def get_asset(asset: str) -> dict[str, Any]:
        return queries.asset(state, asset)

    @r.get("/v1/assets/{asset}/balances/{address}", summary="A balance, as a decimal string")
    def get_balance(asset: str, address: str) -> dict[str, str]:
        return queries.balance(state, asset, address)

    return r
