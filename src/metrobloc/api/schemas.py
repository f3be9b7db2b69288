"""The JSON Schema of every message the chain accepts, generated from the modules' declarations."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter
from starlette.responses import Response

from metrobloc.api.bodies import json_response
from metrobloc.api.openapi import errors_doc
from metrobloc.errors import NotFound
from metrobloc.execution import Module
from metrobloc.execution.messages import json_schema, summary, type_name


def message_schemas(modules: Sequence[Module]) -> dict[str, dict[str, Any]]:
    """Every message's JSON Schema, by wire type, in module order."""
    return {type_name(m): json_schema(m) for module in modules for m in module.messages}


def router(modules: Sequence[Module]) -> APIRouter:
    r = APIRouter(tags=["schemas"])
    schemas = message_schemas(modules)
    index = {
        "messages": [
            {
                "type": type_name(m),
                "module": module.name,
                "summary": summary(m),
                "schema": f"/v1/schemas/{type_name(m)}",
            }
            for module in modules
            for m in module.messages
        ]
    }

    @r.get("/v1/schemas", summary="Every message type the chain accepts, with a link to its JSON Schema")
    async def list_schemas() -> Response:
        return json_response(index)

    @r.get(
        "/v1/schemas/{module}/{name}",
        summary="The JSON Schema (2020-12) of one message type",
        responses=errors_doc({404: ["schemas.not_found"]}),
    )
    async def get_schema(module: str, name: str) -> Response:
        schema = schemas.get(f"{module}/{name}")
        if schema is None:
            raise NotFound(f"no message type {module}/{name}", "schemas.not_found")
        return json_response(schema)

    return r
