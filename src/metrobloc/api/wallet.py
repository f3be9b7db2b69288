"""``GET /v1/accounts/{address}/wallet``: what an account holds, in one answer read at one block.

Its assets with their lots (expiry, and what is spendable at the tip's block time), its time-bank
minutes per bank, and the watch-list listings whose subject is its address. The answer is read in
one read transaction, so every part and the ``height``/``time_ms`` it names come from the same block;
with ``?prove=true`` it carries the state proofs of every record it read, under that block's header
(docs/wallet.md).
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Collection
from typing import Any

from fastapi import APIRouter, Path
from starlette.responses import Response

from metrobloc.api.bodies import json_response
from metrobloc.api.openapi import errors_doc
from metrobloc.api.state import ATTEMPTS, PROVE
from metrobloc.codec import decode_address
from metrobloc.errors import Unavailable
from metrobloc.execution.messages import Address, param_schema
from metrobloc.execution.state_access import Scanner
from metrobloc.modules.assets import queries as asset_queries
from metrobloc.modules.timebank import queries as timebank_queries
from metrobloc.modules.watchlist import queries as watchlist_queries
from metrobloc.node import Node
from metrobloc.state import recording_reads

ADDRESS = Path(description="The account's address.", json_schema_extra=param_schema(Address))
UNITS = {"type": "string", "pattern": "^(0|[1-9][0-9]*)$", "description": "Base units, a decimal string."}
MS = {"type": ["integer", "null"], "description": "Block time (Unix ms); null: never."}
LOT = {
    "type": "object",
    "required": ["amount", "expires_ms", "spendable", "expired"],
    "properties": {
        "amount": {**UNITS, "description": "The lot as stored when the account was last settled."},
        "expires_ms": {**MS, "description": "When the lot expires (at or after it, it is gone); null: never."},
        "spendable": {**UNITS, "description": "What is left of it at `time_ms` (after expiry and demurrage)."},
        "expired": {"type": "boolean", "description": "Expired at `time_ms`: its units go to the issuer's sink."},
    },
}
ASSET = {
    "type": "object",
    "required": ["asset", "name", "decimals", "issuer", "policy", "balance", "spendable", "lots"],
    "properties": {
        "asset": {"type": "string"},
        "name": {"type": "string"},
        "decimals": {"type": "integer"},
        "issuer": {"type": "string", "format": "mb1-address"},
        "policy": {"type": "boolean", "description": "The asset has a policy (expiry, demurrage, merchants, ...)."},
        "balance": {**UNITS, "description": "The recorded balance (lots not yet settled included)."},
        "spendable": {**UNITS, "description": "What the account can spend at `time_ms`."},
        "lots": {"type": "array", "items": LOT, "description": "Soonest-expiring first; [] for an asset without lots."},
    },
}
BANK = {
    "type": "object",
    "required": ["bank", "name", "balance", "floor_minutes", "can_receive", "since_height"],
    "properties": {
        "bank": {"type": "string", "format": "mb1-address"},
        "name": {"type": "string"},
        "balance": {"type": "integer", "description": "Minutes (negative down to the floor)."},
        "floor_minutes": {"type": "integer"},
        "can_receive": {"type": "integer", "description": "Minutes it may still receive services for."},
        "since_height": {"type": "integer"},
    },
}
LISTING = {
    "type": "object",
    "required": ["list", "subject", "authority", "reason_code", "since_ms", "expires_ms", "in_force"],
    "properties": {
        "list": {"type": "string"},
        "subject": {"type": "string"},
        "authority": {"type": "string", "format": "mb1-address", "description": "Who listed (or last amended) it."},
        "reason_code": {"type": "string"},
        "legal_basis_digest": {"type": "string"},
        "since_height": {"type": "integer"},
        "since_ms": {"type": "integer"},
        "expires_ms": {"type": "integer", "description": "The listing lapses at this block time."},
        "updated_height": {"type": "integer"},
        "updated_ms": {"type": "integer"},
        "tx_hash": {"type": "string"},
        "in_force": {"type": "boolean", "description": "Listed and unexpired at `time_ms`."},
    },
}
ANSWER = {
    "type": "object",
    "required": ["address", "height", "time_ms", "assets", "timebank", "listings"],
    "properties": {
        "address": {"type": "string", "format": "mb1-address"},
        "height": {"type": "integer", "description": "The block the answer reflects (0: none yet)."},
        "time_ms": {"type": "integer", "description": "That block's time: what spendable and in_force refer to."},
        "assets": {"type": "array", "items": ASSET, "description": "Every asset held (balance above 0), by symbol."},
        "timebank": {
            "type": "object",
            "required": ["banks", "total_minutes"],
            "properties": {"banks": {"type": "array", "items": BANK}, "total_minutes": {"type": "integer"}},
        },
        "listings": {"type": "array", "items": LISTING, "description": "Listings whose subject is this address."},
        "proofs": {"type": "object", "description": "With ?prove=true: the state proofs of every record read."},
    },
}


def tip_of(conn: sqlite3.Connection) -> tuple[int, int]:
    """The height and block time of the committed tip as ``conn`` sees it (0, 0 before genesis)."""
    rows = dict(conn.execute("SELECT key, value FROM meta WHERE key IN ('height', 'time_ms')").fetchall())
    return int(rows.get("height", 0)), int(rows.get("time_ms", 0))


def wallet(state: Scanner, address: str, height: int, time_ms: int, modules: Collection[str]) -> dict[str, Any]:
    """The wallet of ``address`` in ``state``, the state after block ``height`` of time ``time_ms``.

    A part whose module the chain does not run is empty. Raises ``codec.bad_address`` first.
    """
    decode_address(address)
    minutes = timebank_queries.member(state, address) if "timebank" in modules else {"banks": [], "total_minutes": 0}
    return {
        "address": address,
        "height": height,
        "time_ms": time_ms,
        "assets": _assets(state, address, time_ms) if "assets" in modules else [],
        "timebank": {"banks": minutes["banks"], "total_minutes": minutes["total_minutes"]},
        "listings": _listings(state, address, time_ms) if "watchlist" in modules else [],
    }


def _assets(state: Scanner, address: str, time_ms: int) -> list[dict[str, Any]]:
    out = []
    for held in asset_queries.holdings(state, address, at_ms=time_ms):
        left = {lot["expires_ms"]: lot["amount"] for lot in held.get("lots_at", [])}
        lots = [
            {
                "amount": lot["amount"],
                "expires_ms": lot["expires_ms"],
                "spendable": left.get(lot["expires_ms"], "0"),
                # the rule of docs/spec/assets.md §Lots: expired at or after its expiry
                "expired": lot["expires_ms"] is not None and lot["expires_ms"] <= time_ms,
            }
            for lot in held.get("lots", [])
        ]
        out.append(
            {
                **{k: held[k] for k in ("asset", "name", "decimals", "issuer", "policy", "balance")},
                "spendable": held.get("spendable", held["balance"]),
                "lots": lots,
            }
        )
    return out


def _listings(state: Scanner, address: str, time_ms: int) -> list[dict[str, Any]]:
    """The listings of ``address`` on every list in use (a city has a handful of lists)."""
    out = []
    for used in watchlist_queries.lists(state)["lists"]:
        found = watchlist_queries.KEEPER.listing(state, used["list"], address)
        if found is not None:
            out.append({**found.to_json(), "in_force": found.in_force(time_ms)})
    return out


def read_wallet(node: Node, address: str) -> dict[str, Any]:
    """The wallet at the node's tip, read in one read transaction of this thread's connection."""
    modules = {m.name for m in node.app.modules}
    conn = node.store.conn()
    conn.execute("BEGIN")
    try:
        height, time_ms = tip_of(conn)
        return wallet(node.store.reader, address, height, time_ms, modules)
    finally:
        conn.execute("COMMIT")


def answer(node: Node, address: str, prove: bool) -> dict[str, Any]:
    """The route's answer; proven, the proofs' header is the block the answer was read at.

    A block committed between reading and proving would prove the records under a later header than
    the one ``time_ms`` (and so ``spendable`` and ``in_force``) refers to: the wallet is read again.
    """
    for _ in range(ATTEMPTS):
        with recording_reads() as reads:
            found = read_wallet(node, address)
        if not prove:
            return found
        proofs = node.state_prover.prove(list(reads), reads)
        if proofs is not None and proofs["header"]["height"] == found["height"]:
            return {**found, "proofs": proofs}
    raise Unavailable("the chain kept moving while the wallet was being proven; ask again", "state.busy")


def router(node: Node) -> APIRouter:
    r = APIRouter(tags=["wallet"])

    @r.get(
        "/v1/accounts/{address}/wallet",
        summary="An account's assets with lots, expiry and what is spendable, its time-bank minutes and "
        "the watch-list listings about it, at the tip",
        responses={
            200: {"description": "The wallet", "content": {"application/json": {"schema": ANSWER}}},
            **errors_doc(
                {400: ["codec.bad_address", "request.invalid"], 404: ["state.no_state_root"], 503: ["state.busy"]}
            ),
        },
    )
    async def get_wallet(address: str = ADDRESS, prove: bool = PROVE) -> Response:
        return json_response(await asyncio.to_thread(answer, node, address, prove))

    return r
