"""The asset page: its rules and supply, its holders, and its issuance (mints and burns) over time."""

from __future__ import annotations

import functools
from typing import Any

from fastapi import APIRouter, Path, Query
from starlette.responses import Response

from metrobloc.api import lists
from metrobloc.modules.assets import queries
from metrobloc.node import Node
from metrobloc.portal import display
from metrobloc.portal.site import Page, Site

SYMBOL = Path(max_length=32)
HOLDER_FIELDS = ("address", "balance")
ISSUANCE_FIELDS = ("seq", "tx_hash", "height", "type", "count", "amount", "supply_after")
ISSUANCE_SCANNED = 2000
"""Recent mint and burn txs of the whole chain searched for an asset's issuance."""
CHART_BLOCKS = 200
"""Blocks with mints or burns shown on the asset page (the export has every change)."""


def _duration(ms: int) -> str:
    """A duration in the largest whole unit that divides it (days, hours, minutes, else ms)."""
    for unit, size in (("day", 86_400_000), ("hour", 3_600_000), ("minute", 60_000)):
        if ms % size == 0:
            count = ms // size
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return f"{ms} ms"


def _bp(bp: int) -> str:
    """Basis points as a percentage, exactly (250 -> 2.5%)."""
    whole, part = divmod(bp, 100)
    return f"{whole}%" if not part else f"{whole}.{part:02d}".rstrip("0") + "%"


def policy_rules(policy: dict[str, Any], decimals: int, symbol: str) -> list[str]:
    """The policy in words, one sentence per rule, as the portal shows it (docs/spec/assets.md)."""
    rules = []
    if policy.get("lot_lifetime_ms") is not None:
        granule = _duration(policy.get("expiry_granule_ms", 86_400_000))
        rules.append(
            f"Each mint expires {_duration(policy['lot_lifetime_ms'])} later (rounded up to a whole {granule}); "
            "the oldest units are spent first; expired units go to the sink."
        )
    if policy.get("expires_at_ms") is not None:
        rules.append(f"Every unit expires by {display.time_ms(policy['expires_at_ms'])} at the latest.")
    if policy.get("demurrage_bp"):
        rules.append(
            f"Demurrage: units lose {_bp(policy['demurrage_bp'])} of their value every "
            f"{_duration(policy['demurrage_period_ms'])}; the loss goes to the sink."
        )
    if policy.get("merchant_role"):
        rules.append(f"Spendable only at accounts with the role {policy['merchant_role']} (or back to the issuer).")
    if policy.get("merchant_allowlist"):
        rules.append("Spendable only at merchants the issuer lists (or back to the issuer).")
    if policy.get("spend_limit") is not None:
        limit = display.amount(policy["spend_limit"], decimals)
        rules.append(f"Each account may send at most {limit} {symbol} every {_duration(policy['spend_period_ms'])}.")
    if policy.get("redeem_fee_bp") is not None:
        fee = _bp(policy["redeem_fee_bp"])
        to = f" to the programme account {policy['programme']}" if policy.get("programme") else ""
        rules.append(f"Holders may redeem it with the issuer for a fee of {fee}{to}.")
    if policy.get("watchlists"):
        rules.append(f"Refused to and from accounts on the watch-lists: {', '.join(policy['watchlists'])}.")
    for reward in policy.get("rewards", []):
        amount = display.amount(reward["amount"], decimals)
        rules.append(f"Rewards {amount} {symbol} once per {reward['action']} (to whoever performed it).")
    return rules


def holders(node: Node, symbol: str, cursor: str | None, limit: int) -> tuple[list[dict[str, Any]], str | None]:
    page = queries.holders(node.store.reader, symbol, cursor=cursor, limit=limit)
    return page["holders"], page["next"]


def _changes(node: Node, event_type: str, symbol: str) -> list[dict[str, Any]]:
    """This asset's mints (or burns) per tx among the chain's last ``ISSUANCE_SCANNED`` such txs,
    newest first: how many, and the units they added (negative for burns)."""
    sign = 1 if event_type == "assets/mint" else -1
    found: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(ISSUANCE_SCANNED // lists.MAX_PAGE):
        page = lists.event_history(node, event_type, cursor, lists.MAX_PAGE)
        for tx in page["txs"]:
            amounts = [int(e["attributes"]["amount"]) for e in tx["events"] if e["attributes"].get("asset") == symbol]
            if amounts:
                where = {k: tx[k] for k in ("seq", "tx_hash", "height")}
                found.append({**where, "type": event_type, "count": len(amounts), "amount": sign * sum(amounts)})
        cursor = page["next"]
        if cursor is None:
            break
    return found


def issuance(node: Node, symbol: str, supply: int) -> list[dict[str, Any]]:
    """Mints and burns per tx, oldest first, each with the supply after it (counted back from today's)."""
    changes = sorted(
        _changes(node, "assets/mint", symbol) + _changes(node, "assets/burn", symbol),
        key=lambda c: (c["seq"], c["type"] == "assets/mint"),
        reverse=True,
    )
    after = supply
    for change in changes:
        change["supply_after"] = str(after)
        after -= change["amount"]
        change["amount"] = str(change["amount"])
    return changes[::-1]


def by_block(changes: list[dict[str, Any]], decimals: int) -> list[dict[str, Any]]:
    """Mints and burns summed per block (the last ``CHART_BLOCKS`` blocks that had any), oldest first."""
    blocks: dict[int, dict[str, Any]] = {}
    for change in changes:
        row = blocks.setdefault(change["height"], {"height": change["height"], "changes": 0, "net": 0})
        row["changes"] += change["count"]
        row["net"] += int(change["amount"])
        row["supply_after"] = int(change["supply_after"])
    rows = list(blocks.values())[-CHART_BLOCKS:]
    for row in rows:
        row["net_shown"] = display.amount(row["net"], decimals)
        row["supply_shown"] = display.amount(row["supply_after"], decimals)
        row["supply_value"] = row["supply_after"] / 10**decimals
    return rows


def router(site: Site) -> APIRouter:
    r = APIRouter(include_in_schema=False)
    node = site.node

    @functools.lru_cache(maxsize=64)
    def cached(symbol: str, newest: tuple[tuple[int, ...], ...], supply: int) -> list[dict[str, Any]]:
        return issuance(node, symbol, supply)

    def recent_issuance(symbol: str, supply: int) -> list[dict[str, Any]]:
        """``issuance``, computed again only after a mint or a burn (of any asset) is committed."""
        newest = tuple(tuple(node.store.indexes.event_seqs(t, 1 << 62, 1)) for t in ("assets/mint", "assets/burn"))
        return [dict(change) for change in cached(symbol, newest, supply)]

    @r.get("/assets/{symbol}")
    @site.page("asset.html")
    def asset(symbol: str = SYMBOL, cursor: str | None = Query(None, max_length=90)) -> Page:
        record = queries.asset(node.store.reader, symbol)
        decimals = record["decimals"]
        items, after = holders(node, symbol, cursor, lists.MAX_PAGE)
        stored = record["policy"]
        return Page(
            asset=record,
            policy=None if stored is None else {**stored, "rules": policy_rules(stored["policy"], decimals, symbol)},
            sink=display.amount(record["sink"], decimals),
            supply=display.amount(record["supply"], decimals),
            max_supply=None if record["max_supply"] is None else display.amount(record["max_supply"], decimals),
            holders=[{**h, "shown": display.amount(h["balance"], decimals)} for h in items],
            issuance=by_block(recent_issuance(symbol, int(record["supply"])), decimals),
            next_url=None if after is None else f"/assets/{symbol}?cursor={after}",
            exports={f: f"/assets/{symbol}/holders.{f}" for f in ("csv", "json")},
            issuance_exports={f: f"/assets/{symbol}/issuance.{f}" for f in ("csv", "json")},
        )

    @r.get("/assets/{symbol}/holders.{fmt}")
    def holders_export(fmt: str, symbol: str = SYMBOL, cursor: str | None = Query(None, max_length=90)) -> Response:
        listing = lambda c, n: holders(node, symbol, c, n)  # noqa: E731
        return site.export(listing, HOLDER_FIELDS, fmt, f"{symbol}-holders", cursor)

    @r.get("/assets/{symbol}/issuance.{fmt}")
    def issuance_export(fmt: str, symbol: str = SYMBOL) -> Response:
        def listing(_: str | None, __: int) -> tuple[list[dict[str, Any]], str | None]:
            record = queries.asset(node.store.reader, symbol)
            return recent_issuance(symbol, int(record["supply"])), None

        return site.export(listing, ISSUANCE_FIELDS, fmt, f"{symbol}-issuance", None)

    return r
