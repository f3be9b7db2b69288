"""Running a node's API under uvicorn until interrupted."""

from __future__ import annotations

import logging

import uvicorn

from metrobloc.api import create_api
from metrobloc.node import Node, NodeConfig


def serve(config: NodeConfig, log_level: str = "warning") -> None:
    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    node = Node(config)
    app = create_api(node)
    print(f"metrobloc node {node.genesis.chain_id}: API on http://{config.host}:{config.port}", flush=True)
    uvicorn.run(
        app,
        host=config.host,
        port=config.port,
        log_level=log_level,
        access_log=False,
        loop="uvloop",
        http="httptools",
        timeout_graceful_shutdown=5,
    )
