"""Read-only queries of the assets module."""

from __future__ import annotations

from typing import Any

from metrobloc.codec import decode_address
from metrobloc.modules.assets import errors
from metrobloc.modules.assets.keeper import AssetsKeeper, Reader
from metrobloc.modules.assets.msgs import SYMBOL


def _symbol(asset: str) -> str:
    if not SYMBOL.fullmatch(asset):
        raise errors.BAD_SYMBOL.error(f"asset must match {SYMBOL.pattern}")
    return asset


def asset(state: Reader, symbol: str) -> dict[str, Any]:
    """``GET /v1/assets/{asset}``."""
    return AssetsKeeper().get(state, _symbol(symbol)).to_json()


def balance(state: Reader, symbol: str, address: str) -> dict[str, str]:
    """``GET /v1/assets/{asset}/balances/{address}``: the balance as a decimal string."""
    decode_address(address)
    keeper = AssetsKeeper()
    keeper.get(state, _symbol(symbol))
    return {"asset": symbol, "address": address, "balance": str(keeper.balance(state, symbol, address))}
