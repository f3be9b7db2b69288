"""Read-only queries of the assets module."""

from __future__ import annotations

from typing import Any

import orjson

from metrobloc.codec import decode_address
from metrobloc.execution.state_access import Reader, Scanner
from metrobloc.modules.assets import errors
from metrobloc.modules.assets.keeper import Asset, AssetsKeeper
from metrobloc.modules.assets.keys import PREFIX, balance_key, balance_prefix
from metrobloc.modules.assets.lots import Holding
from metrobloc.modules.assets.msgs import SYMBOL

MAX_PAGE = 100
MAX_ASSETS_SCANNED = 1000
ASSET_PREFIX = PREFIX + b"asset/"


def _symbol(asset: str) -> str:
    if not SYMBOL.fullmatch(asset):
        raise errors.BAD_SYMBOL.error(f"asset must match {SYMBOL.pattern}")
    return asset


def asset(state: Reader, symbol: str) -> dict[str, Any]:
    """``GET /v1/assets/{asset}``: the record, its policy (null for none) and its sink."""
    keeper = AssetsKeeper()
    out = keeper.get(state, _symbol(symbol)).to_json()
    stored = keeper.policy(state, symbol)
    out["policy"] = None if stored is None else stored.to_json()
    out["sink"] = str(keeper.sink(state, symbol))
    return out


def balance(state: Reader, symbol: str, address: str, at_ms: int | None = None) -> dict[str, Any]:
    """``GET /v1/assets/{asset}/balances/{address}``: the balance as a decimal string.

    For an asset with lots, also ``lots`` (soonest-expiring first, ``expires_ms`` null for never) as
    stored when the account was last settled; with ``at_ms``, ``spendable`` and ``lots_at`` are what
    would be left once expiry and demurrage are applied at that block time (nothing is written).
    """
    decode_address(address)
    keeper = AssetsKeeper()
    keeper.get(state, _symbol(symbol))
    out: dict[str, Any] = {"asset": symbol, "address": address, "balance": str(keeper.balance(state, symbol, address))}
    holding = keeper.holding(state, symbol, address)
    if holding is not None:
        out["lots"] = _lots(holding)
        if at_ms is not None:
            settled = keeper.holding(state, symbol, address, at_ms)
            assert settled is not None
            out["at_ms"] = at_ms
            out["spendable"] = str(settled.total)
            out["lots_at"] = _lots(settled)
    return out


def _lots(holding: Holding) -> list[dict[str, Any]]:
    return [{"amount": str(amount), "expires_ms": expiry} for expiry, amount in holding.lots]


def holdings(state: Scanner, address: str, at_ms: int | None = None) -> list[dict[str, Any]]:
    """Every asset ``address`` holds (balance above 0), by symbol: what a wallet shows.

    Each entry is the asset's symbol, name, decimals and issuer, whether it has a policy, and the
    ``balance`` query's answer for the account (lots, and with ``at_ms`` what is spendable then).
    Scans the asset records (a city has tens of assets, at most ``MAX_ASSETS_SCANNED`` are looked at).
    """
    decode_address(address)
    keeper = AssetsKeeper()
    out = []
    for key, raw in state.scan(ASSET_PREFIX, MAX_ASSETS_SCANNED):
        symbol = key[len(ASSET_PREFIX) :].decode()
        if not keeper.balance(state, symbol, address):
            continue
        record = Asset.from_json(orjson.loads(raw))
        entry = balance(state, symbol, address, at_ms)
        entry.update(name=record.name, decimals=record.decimals, issuer=record.issuer)
        entry["policy"] = keeper.policy(state, symbol) is not None
        out.append(entry)
    return out


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
