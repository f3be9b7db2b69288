"""Routes about the node itself: status, genesis, health and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.responses import PlainTextResponse, Response

from metrobloc.api import errors
from metrobloc.api.bodies import json_response
from metrobloc.api.openapi import errors_doc
from metrobloc.node import Node


def router(node: Node) -> APIRouter:
    r = APIRouter(tags=["node"])

    @r.get("/v1/status", summary="Chain id, height, node key, last block time")
    async def status() -> Response:
        return json_response(node.status())

    @r.get("/v1/genesis", summary="The chain's genesis document")
    async def genesis() -> Response:
        return json_response(node.genesis.raw)

    @r.get(
        "/health",
        summary="200 when the node applies blocks, else 503",
        responses=errors_doc({503: ["node.halted", "node.diverged"]}),
    )
    async def health() -> Response:
        halted = node.halt_reason()
        if halted is not None:
            return Response(errors.error_body(*halted), status_code=503, media_type="application/json")
        return json_response({"status": "ok", "height": node.store.tip.height})

    @r.get(
        "/metrics",
        summary="Prometheus metrics (text exposition format)",
        response_class=PlainTextResponse,
        responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
    )
    async def metrics() -> Response:
        return Response(generate_latest(node.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return r
