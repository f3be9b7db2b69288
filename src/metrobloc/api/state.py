"""Authenticated reads: ``GET /v1/state/proof`` and ``?prove=true`` on every module query.

A proven query runs as usual while the state reader records every key it reads; the node then
proves those keys under the tip's header. If a block changed one of the values in between, the
query runs again (a few times at most), so the answer and its proofs always agree.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import parse_qs

import orjson
from fastapi import APIRouter, Query, Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from metrobloc.api.bodies import json_response
from metrobloc.api.errors import error_response
from metrobloc.api.openapi import errors_doc
from metrobloc.errors import InvalidInput, MetroblocError, Unavailable
from metrobloc.node.proofs import StateProver
from metrobloc.state import recording_reads

KEY_PATTERN = "^[!-~]{1,512}$"
"""A state key: 1 to 512 printable ASCII characters (docs/spec/state.md fixes every layout)."""
ATTEMPTS = 4
"""Times a proven query runs before giving up on a chain that keeps changing what it reads."""
MODULE_QUERY = "metrobloc.module_query"
"""Scope mark set by ``prove_flag``: the route is a module query, so its answer can be proven."""
PROVE = Query(
    False,
    description="Also return `proofs`: a state proof of every record read, under the tip's attested header "
    "(docs/spec/state-proofs.md §4).",
)


def _key(key: str) -> bytes:
    if not 1 <= len(key) <= 512 or not key.isascii() or not key.isprintable() or " " in key:
        raise InvalidInput("a state key is 1 to 512 printable ASCII characters without spaces", "state.bad_key")
    return key.encode()


def router(prover: StateProver) -> APIRouter:
    r = APIRouter(tags=["proofs"])

    @r.get(
        "/v1/state/proof",
        summary="A state key's current value (or its absence) with a state proof under the tip's attested header",
        responses=errors_doc({400: ["state.bad_key", "request.invalid"], 404: ["state.no_state_root"]}),
    )
    async def get_state_proof(
        key: str = Query(
            ...,
            description="A state key, e.g. `assets/bal/CITY/mb1...` (docs/spec/state.md).",
            json_schema_extra={"pattern": KEY_PATTERN},
        ),
    ) -> Response:
        return json_response(await asyncio.to_thread(prover.bundle, _key(key)))

    return r


def prove_flag(request: Request, prove: bool = PROVE) -> bool:
    """Declares ``prove`` on the module routes and marks the request as a module query
    (``ProvenQueries`` does the proving; another route under a module's prefix is not proven)."""
    request.scope[MODULE_QUERY] = True
    return prove


class ProvenQueries:
    """ASGI middleware: answers module queries asked with ``prove=true`` with their proofs."""

    def __init__(self, app: ASGIApp, prover: StateProver) -> None:
        self.app, self.prover = app, prover

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self._proving(scope):
            await self.app(scope, receive, send)
            return
        for _ in range(ATTEMPTS):
            with recording_reads() as reads:
                answered = await self._run(scope, receive, send)
            if answered is None:  # not a module query, or a refusal: already sent as it was
                return
            start, body = answered
            try:
                proofs = await asyncio.to_thread(self.prover.prove, list(reads), reads)
            except MetroblocError as exc:
                await error_response(exc)(scope, receive, send)
                return
            if proofs is not None:
                answer: dict[str, Any] = orjson.loads(body)
                answer["proofs"] = proofs
                media_type = dict(start.get("headers", [])).get(b"content-type", b"application/json").decode()
                await Response(orjson.dumps(answer), media_type=media_type)(scope, receive, send)
                return
        busy = Unavailable("the state this query reads kept changing; ask again", "state.busy")
        await error_response(busy)(scope, receive, send)

    def _proving(self, scope: Scope) -> bool:
        query = scope.get("query_string", b"")
        if scope["type"] != "http" or scope["method"] != "GET" or b"prove" not in query:
            return False  # every request passes here: most leave without parsing their query
        values = parse_qs(query.decode("latin-1")).get("prove", [])
        return any(v.lower() in ("true", "1", "yes", "on") for v in values)

    async def _run(self, scope: Scope, receive: Receive, send: Send) -> tuple[Message, bytes] | None:
        """Run the route once: a module query's 200 start message and whole body, held back; any
        other answer (another route, a refusal, a stream) goes straight to ``send`` and gives None."""
        start: Message = {}
        chunks: list[bytes] = []
        passing = False

        async def held(message: Message) -> None:
            nonlocal start, passing
            if message["type"] == "http.response.start":
                passing = message["status"] != 200 or not scope.get(MODULE_QUERY)
                start = message
            if passing:
                await send(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, held)
        return None if passing else (start, b"".join(chunks))
