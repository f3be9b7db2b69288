"""The FastAPI application of a node: the routers by concern, the error format and the lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI

from metrobloc import __version__
from metrobloc.api import (
    blocks,
    consortium,
    errors,
    events,
    lists,
    offers,
    openapi,
    pds,
    schemas,
    search,
    state,
    status,
    statuslists,
    txs,
    wallet,
)
from metrobloc.node import Node
from metrobloc.node.app import module_routers


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
    for router in (txs.router(node), blocks.router(node), events.router(node), status.router(node)):
        app.include_router(router)
    app.include_router(lists.router(node))
    app.include_router(search.router(node))
    app.include_router(schemas.router(node.app.modules))
    app.include_router(state.router(node.state_prover))
    app.include_router(pds.router(node))
    app.include_router(statuslists.router(node))
    app.include_router(offers.router(node))
    app.include_router(wallet.router(node))
    app.include_router(consortium.router(node))
    for router in module_routers(node.store.reader, node.app.modules):
        app.include_router(router, dependencies=[Depends(state.prove_flag)])
    app.add_middleware(state.ProvenQueries, prover=node.state_prover)
    openapi.install(app, node.app.modules)
    return app
