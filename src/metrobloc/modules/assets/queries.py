"""Read-only queries of the assets module."""

from __future__ import annotations

from typing import Any, Protocol

from metrobloc.codec import decode_address
from metrobloc.modules.assets import errors
from metrobloc.modules.assets.keeper import AssetsKeeper, Reader
from metrobloc.modules.assets.keys import balance_key, balance_prefix
from metrobloc.modules.assets.msgs import SYMBOL

MAX_PAGE = 100


class Scanner(Reader, Protocol):
    """Committed state with range scans in key order (the node's ``StateReader``)."""

    def scan(self, prefix: bytes, limit: int = 1000, after: bytes | None = None) -> list[tuple[bytes, bytes]]: ...


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


def holders(state: Scanner, symbol: str, *, cursor: str | None = None, limit: int = MAX_PAGE) -> dict[str, Any]:
    """``GET /v1/assets/{asset}/holders``: accounts with a balance above 0, by address, after ``cursor``.

    A range scan of the balance keys (a zero balance has no key); ``next`` is the last address of a
    full page, or null.
    """
    assert 1 <= limit <= MAX_PAGE
    AssetsKeeper().get(state, _symbol(symbol))
    if cursor is not None:
        decode_address(cursor)
    prefix = balance_prefix(symbol)
    rows = state.scan(prefix, limit + 1, None if cursor is None else balance_key(symbol, cursor))
    found = [{"address": key[len(prefix) :].decode(), "balance": value.decode()} for key, value in rows]
    more = len(found) > limit
    del found[limit:]
    return {"asset": symbol, "holders": found, "next": found[-1]["address"] if more else None}
