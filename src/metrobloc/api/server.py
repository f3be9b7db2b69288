"""The FastAPI application of a node: routes, error format, lifespan."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import orjson
from fastapi import FastAPI, Query, Request
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.responses import Response, StreamingResponse

from metrobloc import __version__
from metrobloc.api import errors
from metrobloc.api.bodies import read_limited
from metrobloc.errors import InvalidInput, NotFound, Unavailable
from metrobloc.node import Node
from metrobloc.node.admission import Admitted
from metrobloc.node.app import module_routers

HASH = re.compile(r"^[0-9a-f]{64}$")
TX_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["body", "signatures"],
    "properties": {"body": {"type": "object"}, "signatures": {"type": "array"}},
}
TX_BODY = {"requestBody": {"required": True, "content": {"application/json": {"schema": TX_SCHEMA}}}}
BATCH_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"type": "array", "items": TX_SCHEMA}}},
    }
}


def json_response(data: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(data), status_code=status, media_type="application/json")


def _hash(tx_hash: str) -> str:
    if not HASH.fullmatch(tx_hash):
        raise InvalidInput("a tx hash is 64 lower-case hex digits", "txs.bad_hash")
    return tx_hash


def create_api(node: Node, *, start_node: bool = True) -> FastAPI:
    """The API of ``node``; the app stops the node when it shuts down, and starts it if ``start_node``.

    Stopping belongs to the app's shutdown: uvicorn re-raises SIGTERM once the server is done,
    which ends the process before any code after ``serve()`` runs.
    """

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if start_node:
            await node.start()
        try:
            yield
        finally:
            await node.stop()

    app = FastAPI(
        title="MetroBloc node API",
        version=__version__,
        lifespan=lifespan,
        description="Submit signed transactions, read blocks and receipts, fetch proofs.",
    )
    errors.install(app)
    cfg = node.config

    async def wait_for(tx_hash: str, timeout: float) -> dict[str, Any] | None:
        future = node.hub.waiter(tx_hash)
        try:
            done = node.receipt(tx_hash)
            if done is not None:
                return done
            return await asyncio.wait_for(asyncio.shield(future), timeout)
        except TimeoutError:
            return None
        finally:
            node.hub.forget(tx_hash, future)

    def require_running() -> None:
        # A halted chain would acknowledge txs it cannot commit: refuse them instead.
        halted = node.halt_reason()
        if halted is not None:
            raise Unavailable(f"the node is not applying blocks: {halted[1]}", halted[0])

    def _timeout(value: float | None) -> float:
        return cfg.wait_timeout_s if value is None else max(0.0, min(value, cfg.wait_timeout_s))

    @app.post(
        "/v1/txs",
        status_code=202,
        openapi_extra=TX_BODY,
        tags=["txs"],
        summary="Submit one signed tx; with wait=true, answer once it is committed",
    )
    async def submit_tx(request: Request, wait: bool = False, timeout: float | None = Query(None, ge=0)) -> Response:
        require_running()
        result = await node.admission.admit_one(await read_limited(request, cfg.max_body_bytes))
        if not wait:
            return json_response({"tx_hash": result.tx_hash}, 202)
        receipt = await wait_for(result.tx_hash, _timeout(timeout))
        if receipt is None:
            return json_response({"tx_hash": result.tx_hash, "status": "pending"}, 202)
        return json_response({"tx_hash": result.tx_hash, "receipt": receipt}, 200)

    @app.post(
        "/v1/txs/batch",
        openapi_extra=BATCH_BODY,
        tags=["txs"],
        summary="Submit a list of signed txs; one result per tx",
    )
    async def submit_batch(request: Request, wait: bool = False, timeout: float | None = Query(None, ge=0)) -> Response:
        require_running()
        body = await read_limited(request, cfg.max_batch_body_bytes)
        results = await node.admission.admit_batch(body, cfg.max_batch_txs)
        out: list[dict[str, Any]] = []
        for r in results:
            if isinstance(r, Admitted):
                out.append({"tx_hash": r.tx_hash})
            else:
                out.append({"error": r.to_dict(), "status": errors.status_of(r)})
        if wait:
            limit = _timeout(timeout)
            receipts = await asyncio.gather(*(wait_for(o["tx_hash"], limit) for o in out if "tx_hash" in o))
            it = iter(receipts)
            for o in out:
                if "tx_hash" in o:
                    receipt = next(it)
                    o.update({"receipt": receipt} if receipt is not None else {"status": "pending"})
        return json_response({"results": out})

    @app.get("/v1/txs/{tx_hash}", tags=["txs"], summary="A tx's receipt, or pending")
    async def get_tx(tx_hash: str) -> Response:
        receipt = node.receipt(_hash(tx_hash))
        if receipt is not None:
            return json_response({"receipt": receipt})
        if tx_hash in node.admission.pending:
            return json_response({"status": "pending"})
        raise NotFound(f"no tx {tx_hash} on this node", "txs.not_found")

    @app.get("/v1/txs/{tx_hash}/proof", tags=["proofs"], summary="Proof bundle of a committed tx")
    async def get_proof(tx_hash: str, at: int | None = Query(None, ge=1)) -> Response:
        return json_response(node.proof(_hash(tx_hash), at))

    @app.get("/v1/log/consistency", tags=["proofs"], summary="Consistency proof between two log sizes")
    async def get_consistency(first: int = Query(..., ge=0), second: int = Query(..., ge=0)) -> Response:
        return json_response(node.consistency(first, second))

    @app.get("/v1/blocks/latest", tags=["blocks"], summary="The last committed block")
    async def latest_block() -> Response:
        height = node.store.tip.height
        if height == 0:
            raise NotFound("no block has been committed yet", "blocks.not_found")
        return json_response(node.block(height))

    @app.get("/v1/blocks/{height}", tags=["blocks"], summary="Header, hash, attestations and tx hashes")
    async def get_block(height: int) -> Response:
        if height < 1:
            raise InvalidInput("heights start at 1", "blocks.bad_height")
        return json_response(node.block(height))

    @app.get("/v1/blocks/{height}/txs", tags=["blocks"], summary="A block's txs as executed (for catch-up)")
    async def get_block_txs(height: int) -> Response:
        if height < 1:
            raise InvalidInput("heights start at 1", "blocks.bad_height")
        return Response(node.block_txs(height), media_type="application/json")

    @app.get("/v1/events", tags=["events"], summary="Server-Sent Events of blocks and module events")
    async def events(
        request: Request,
        types: str | None = Query(None, description="Comma-separated event types, e.g. block,assets/transfer"),
    ) -> StreamingResponse:
        wanted = frozenset(t.strip() for t in types.split(",") if t.strip()) if types else None
        sub = node.hub.subscribe(wanted)

        async def stream() -> AsyncIterator[bytes]:
            try:
                yield b": connected\n\n"
                while True:
                    try:
                        event = await asyncio.wait_for(sub.queue.get(), 15)
                    except TimeoutError:
                        if await request.is_disconnected():
                            return
                        yield b": keep-alive\n\n"
                        continue
                    if event is None:
                        yield b"event: overflow\ndata: {}\n\n"
                        return
                    yield b"event: " + event["type"].encode() + b"\ndata: " + orjson.dumps(event) + b"\n\n"
            finally:
                node.hub.unsubscribe(sub)

        return StreamingResponse(
            stream(), media_type="text/event-stream", headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
        )

    @app.get("/v1/status", tags=["node"], summary="Chain id, height, node key, last block time")
    async def status() -> Response:
        return json_response(node.status())

    @app.get("/v1/genesis", tags=["node"], summary="The chain's genesis document")
    async def genesis() -> Response:
        return json_response(node.genesis.raw)

    @app.get("/health", tags=["node"], summary="200 when the node applies blocks, else 503")
    async def health() -> Response:
        halted = node.halt_reason()
        if halted is not None:
            return Response(
                errors.error_body(*halted),
                status_code=503,
                media_type="application/json",
            )
        return json_response({"status": "ok", "height": node.store.tip.height})

    @app.get("/metrics", tags=["node"], summary="Prometheus metrics")
    async def metrics() -> Response:
        return Response(generate_latest(node.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    for router in module_routers(node.store.reader):
        app.include_router(router)
    return app
