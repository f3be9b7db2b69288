"""Routes for transactions: submit one or a batch (optionally waiting for the commit), read a receipt."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from fastapi import APIRouter, Path, Query, Request
from starlette.exceptions import HTTPException
from starlette.responses import Response

from metrobloc.api import errors
from metrobloc.api.bodies import json_response, read_limited
from metrobloc.api.openapi import errors_doc
from metrobloc.errors import InvalidInput, NotFound, Unavailable
from metrobloc.node import Node
from metrobloc.node.admission import Admitted

HASH = re.compile(r"^[0-9a-f]{64}$")
TX_HASH = Path(description="A tx hash: 64 lower-case hex digits.", json_schema_extra={"pattern": HASH.pattern})
TX_REF = {"$ref": "#/components/schemas/Tx"}
TX_BODY = {"requestBody": {"required": True, "content": {"application/json": {"schema": TX_REF}}}}
BATCH_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"type": "array", "minItems": 1, "items": TX_REF}}},
    }
}
SUBMIT_ANSWERS = {
    400: [
        "codec.*",
        "tx.bad_shape",
        "tx.unknown_field",
        "tx.missing_field",
        "tx.bad_chain_id",
        "tx.bad_valid_until",
        "tx.bad_signers",
        "tx.bad_msgs",
        "tx.unknown_msg",
        "tx.bad_memo",
        "tx.signature_count",
        "tx.bad_signature",
        "tx.wrong_chain",
        "tx.expired",
        "tx.validity_too_long",
        "msg.*",
        "<module>.* (a message's format)",
        "request.bad_length",
    ],
    401: ["tx.bad_signature", "accounts.key_mismatch"],
    409: ["tx.duplicate"],
    413: ["request.too_large", "codec.too_deep", "tx.too_large", "tx.too_many_msgs"],
    503: ["ordering.unavailable", "node.unavailable", "node.halted", "node.checker_unavailable"],
}
BATCH_ANSWERS = {
    400: ["codec.*", "request.bad_batch", "request.bad_length"],
    413: ["request.too_large", "request.batch_too_large", "codec.too_deep"],
    503: ["ordering.unavailable", "node.unavailable", "node.halted", "node.checker_unavailable"],
}
WAIT = Query(False, description="Answer once the tx is committed (or the wait ends).")
TIMEOUT = Query(None, ge=0, description="Seconds to wait, at most the node's limit (30 s by default).")


def tx_hash_param(tx_hash: str) -> str:
    if not HASH.fullmatch(tx_hash):
        raise InvalidInput("a tx hash is 64 lower-case hex digits", "txs.bad_hash")
    return tx_hash


class Waiter:
    """Waits for receipts within the node's wait limit."""

    def __init__(self, node: Node) -> None:
        self.node = node

    def limit(self, value: float | None) -> float:
        cap = self.node.config.wait_timeout_s
        return cap if value is None else max(0.0, min(value, cap))

    async def receipt(self, tx_hash: str, timeout: float) -> dict[str, Any] | None:
        future = self.node.hub.waiter(tx_hash)
        try:
            done = self.node.receipt(tx_hash)
            if done is not None:
                return done
            return await asyncio.wait_for(asyncio.shield(future), timeout)
        except TimeoutError:
            return None
        finally:
            self.node.hub.forget(tx_hash, future)


def require_running(node: Node) -> None:
    # A halted chain would acknowledge txs it cannot commit: refuse them instead.
    halted = node.halt_reason()
    if halted is not None:
        raise Unavailable(f"the node is not applying blocks: {halted[1]}", halted[0])


def router(node: Node) -> APIRouter:
    r = APIRouter(tags=["txs"])
    waiter = Waiter(node)
    cfg = node.config

    @r.post(
        "/v1/txs",
        status_code=202,
        openapi_extra=TX_BODY,
        summary="Submit one signed tx; with wait=true, answer once it is committed",
        responses={200: {"description": "Committed (with wait=true)"}, **errors_doc(SUBMIT_ANSWERS)},
    )
    async def submit_tx(request: Request, wait: bool = WAIT, timeout: float | None = TIMEOUT) -> Response:
        require_running(node)
        result = await node.admission.admit_one(await read_limited(request, cfg.max_body_bytes))
        if not wait:
            return json_response({"tx_hash": result.tx_hash}, 202)
        receipt = await waiter.receipt(result.tx_hash, waiter.limit(timeout))
        if receipt is None:
            return json_response({"tx_hash": result.tx_hash, "status": "pending"}, 202)
        return json_response({"tx_hash": result.tx_hash, "receipt": receipt}, 200)

    @r.post(
        "/v1/txs/batch",
        openapi_extra=BATCH_BODY,
        summary="Submit a list of signed txs; one result per tx (each refusal in its result)",
        responses=errors_doc(BATCH_ANSWERS),
    )
    async def submit_batch(request: Request, wait: bool = WAIT, timeout: float | None = TIMEOUT) -> Response:
        require_running(node)
        body = await read_limited(request, cfg.max_batch_body_bytes)
        results = await node.admission.admit_batch(body, cfg.max_batch_txs)
        out: list[dict[str, Any]] = [
            {"tx_hash": r.tx_hash} if isinstance(r, Admitted) else {"error": r.to_dict(), "status": errors.status_of(r)}
            for r in results
        ]
        if wait:
            await _attach_receipts(waiter, out, waiter.limit(timeout))
        return json_response({"results": out})

    @r.get(
        "/v1/txs/{tx_hash}",
        summary="A tx's receipt, or pending",
        responses=errors_doc({400: ["txs.bad_hash"], 404: ["txs.not_found"]}),
    )
    async def get_tx(tx_hash: str = TX_HASH) -> Response:
        if tx_hash == "batch":  # the batch route takes POST only (RFC 9110: 405 with Allow)
            raise HTTPException(405, "Method Not Allowed", headers={"Allow": "POST"})
        receipt = node.receipt(tx_hash_param(tx_hash))
        if receipt is not None:
            return json_response({"receipt": receipt})
        if tx_hash in node.admission.pending:
            return json_response({"status": "pending"})
        raise NotFound(f"no tx {tx_hash} on this node", "txs.not_found")

    return r


async def _attach_receipts(waiter: Waiter, out: list[dict[str, Any]], limit: float) -> None:
    """Add each admitted tx's receipt (or ``status: pending``) to its batch result."""
    admitted = [o for o in out if "tx_hash" in o]
    receipts = await asyncio.gather(*(waiter.receipt(o["tx_hash"], limit) for o in admitted))
    for o, receipt in zip(admitted, receipts, strict=True):
        o.update({"receipt": receipt} if receipt is not None else {"status": "pending"})
