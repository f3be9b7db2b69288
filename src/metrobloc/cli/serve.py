"""Running a node and its API under uvicorn until interrupted."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence

import uvicorn
import uvloop

from metrobloc.api import create_api
from metrobloc.errors import MetroblocError, Unavailable
from metrobloc.execution import Module
from metrobloc.modules import MODULES
from metrobloc.node import Node, NodeConfig
from metrobloc.node.checker import tune_gc
from metrobloc.portal import install as install_portal


def serve(
    config: NodeConfig,
    log_level: str = "warning",
    modules: Sequence[Module] = MODULES,
    started: Callable[[Node], None] | None = None,
) -> None:
    """Start the node, then serve its API; a node that cannot start raises ``Unavailable`` (one line).

    ``started`` is called with the started node on its event loop before the API serves (the Demo
    City attaches its played nodes there).
    """
    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    uvloop.run(_serve(config, log_level, modules, started))


async def _serve(
    config: NodeConfig, log_level: str, modules: Sequence[Module], started: Callable[[Node], None] | None
) -> None:
    try:
        node = Node(config, modules)
    except MetroblocError as exc:  # e.g. a store whose key-values do not give its tip's state root
        raise Unavailable(f"the node cannot start: {exc.message}", "node.cannot_start") from None
    try:
        await node.start()
        if started is not None:
            started(node)
        tune_gc()
    except Exception as exc:  # noqa: BLE001 - reported as one line; the node never served
        await _quietly(node.stop())
        message = exc.message if isinstance(exc, MetroblocError) else str(exc)
        raise Unavailable(f"the node cannot start: {message}", "node.cannot_start") from None
    try:
        app = create_api(node, start_node=False)
        install_portal(app, node)
        server = uvicorn.Server(
            uvicorn.Config(
                app,
                host=config.host,
                port=config.port,
                log_level=log_level,
                access_log=False,
                http="httptools",
                timeout_graceful_shutdown=5,
            )
        )
        print(f"metrobloc node {node.genesis.chain_id}: API on http://{config.host}:{config.port}", flush=True)
        await server.serve()
    finally:
        await node.stop()  # if the server failed before its shutdown stopped the node


async def _quietly(stopping: object) -> None:
    try:
        await asyncio.wait_for(stopping, 10)  # type: ignore[arg-type]
    except Exception:  # noqa: BLE001 - already failing; the start-up error is what matters
        logging.getLogger("metrobloc").debug("stop after a failed start", exc_info=True)
