"""The toy module's HTTP route, found by convention."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from metrobloc.errors import InvalidInput
from toy import Name, read_counter


def router(state: Any) -> APIRouter:
    r = APIRouter(tags=["toy"])

    @r.get("/v1/toy/counters/{name}", summary="A counter's value")
    def get_counter(name: str) -> dict[str, Any]:
        if not Name.pattern.fullmatch(name):
            raise InvalidInput("a counter name is 1 to 16 lower-case letters", "toy.bad_name")
        return {"name": name, "value": read_counter(state, name)}

    return r
