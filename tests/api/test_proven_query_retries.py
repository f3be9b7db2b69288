"""``?prove=true`` when a block changes what a query read: the query runs again, and after
``ATTEMPTS`` changes the answer is 503 ``state.busy`` (an in-process app with a stand-in prover)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

import httpx
from fastapi import APIRouter, Depends, FastAPI

from metrobloc.api import state
from metrobloc.node.proofs import StateProver
from metrobloc.state import Reads


class MovingProver(StateProver):
    """A prover that finds the query's reads changed ``changes`` times (a block in between each time)."""

    def __init__(self, changes: int) -> None:
        self.changes, self.calls = changes, 0

    def prove(self, keys: Iterable[bytes], expect: Reads | None = None) -> dict[str, Any] | None:
        self.calls += 1
        if self.calls <= self.changes:
            return None
        return {"header": {}, "attestations": [], "reads": []}


def toy_app(prover: StateProver) -> FastAPI:
    app = FastAPI()
    r = APIRouter()

    @r.get("/v1/toy/thing")
    def thing() -> dict[str, Any]:
        return {"thing": 1}

    app.include_router(r, dependencies=[Depends(state.prove_flag)])
    app.add_middleware(state.ProvenQueries, prover=prover)
    return app


async def ask(app: FastAPI) -> tuple[httpx.Response, httpx.Response]:
    """The toy query with ``prove=true``, then without."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://toy") as c:
        return await c.get("/v1/toy/thing", params={"prove": "true"}), await c.get("/v1/toy/thing")


def test_a_query_runs_again_when_a_block_changed_its_reads() -> None:
    prover = MovingProver(changes=state.ATTEMPTS - 1)
    r, _ = asyncio.run(ask(toy_app(prover)))
    assert r.status_code == 200 and r.json() == {"thing": 1, "proofs": {"header": {}, "attestations": [], "reads": []}}
    assert prover.calls == state.ATTEMPTS


def test_a_query_whose_reads_keep_changing_is_busy() -> None:
    prover = MovingProver(changes=state.ATTEMPTS)
    r, plain = asyncio.run(ask(toy_app(prover)))
    assert plain.json() == {"thing": 1}
    assert (r.status_code, r.json()["error"]["code"]) == (503, "state.busy")
    assert prover.calls == state.ATTEMPTS


def test_a_route_that_is_no_module_query_passes_through_unproven() -> None:
    """Another route asked with ``prove=true`` answers as it would without (no empty ``proofs``)."""
    app = toy_app(MovingProver(changes=0))

    @app.get("/v1/other")
    def other() -> dict[str, Any]:
        return {"other": 2}

    async def fetch() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://toy") as c:
            return await c.get("/v1/other", params={"prove": "true"})

    assert asyncio.run(fetch()).json() == {"other": 2}
