"""The OpenAPI document: what FastAPI derives from the routes, completed with what it cannot know.

- every error answer, with the ``{"error": {"code", "message"}}`` schema and the codes it carries:
  core routes declare theirs (``errors_doc``); a module's routes (tagged with the module's name) get
  400 and 404 with the module's codes of those classes;
- the tx envelope down to each message: ``msgs`` items are a union, discriminated by ``type``, of the
  JSON Schemas the module contract generates (the same as ``GET /v1/schemas``).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from metrobloc.api.errors import STATUS
from metrobloc.execution import Module
from metrobloc.execution.messages import json_schema, type_name
from metrobloc.ledger.limits import MAX_MEMO_CHARS, MAX_MSGS_PER_TX, MAX_SIGNERS

ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "description": "Stable machine-readable code, e.g. txs.bad_hash."},
                "message": {"type": "string", "description": "For people; the wording may change."},
            },
        }
    },
}
B64URL_32 = {"type": "string", "pattern": "^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$", "description": "32 bytes, base64url"}
TX_BODY = {
    "type": "object",
    "required": ["chain_id", "nonce", "valid_until", "signers", "msgs"],
    "additionalProperties": False,
    "properties": {
        "chain_id": {"type": "string", "pattern": "^[a-z0-9][a-z0-9._-]{0,63}$"},
        "nonce": {
            "type": "string",
            "pattern": "^[A-Za-z0-9_-]{21}[AQgw]$",
            "description": "16 random bytes, base64url",
        },
        "valid_until": {"type": "integer", "minimum": 1, "maximum": 2**53 - 1},
        "signers": {
            "type": "array",
            "minItems": 1,
            "maxItems": MAX_SIGNERS,
            "uniqueItems": True,
            "items": {"type": "string", "format": "mb1-address"},
        },
        "msgs": {
            "type": "array",
            "minItems": 1,
            "maxItems": MAX_MSGS_PER_TX,
            "items": {"$ref": "#/components/schemas/Msg"},
        },
        "memo": {"type": "string", "maxLength": MAX_MEMO_CHARS},
    },
}
TX = {
    "type": "object",
    "required": ["body", "signatures"],
    "additionalProperties": False,
    "properties": {
        "body": {"$ref": "#/components/schemas/TxBody"},
        "signatures": {
            "type": "array",
            "minItems": 1,
            "maxItems": MAX_SIGNERS,
            "items": {
                "type": "object",
                "required": ["public_key", "signature"],
                "additionalProperties": False,
                "properties": {
                    "public_key": B64URL_32,
                    "signature": {
                        "type": "string",
                        "pattern": "^[A-Za-z0-9_-]{85}[AQgw]$",
                        "description": "64 bytes, base64url",
                    },
                },
            },
        },
    },
}


def errors_doc(answers: Mapping[int, Sequence[str]]) -> dict[int | str, dict[str, Any]]:
    """A route's ``responses``: each error status with the error schema and the codes it carries."""
    return {status: _error_response(codes) for status, codes in answers.items()}


def _error_response(codes: Sequence[str]) -> dict[str, Any]:
    listed = ", ".join(f"`{c}`" for c in codes)
    return {
        "description": f"Refused: {listed}." if codes else "Refused.",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def message_components(modules: Sequence[Module]) -> dict[str, Any]:
    """Each message's schema as a component (``msg.<module>.<name>``), its records beside it."""
    components: dict[str, Any] = {}
    for module in modules:
        for schema in module.messages:
            body = copy.deepcopy(json_schema(schema))
            for key in ("$schema", "$id"):
                body.pop(key, None)
            for name, record in body.pop("$defs", {}).items():
                components[f"{module.name}.{name}"] = _rebase(record, module.name)
            components[_component(type_name(schema))] = _rebase(body, module.name)
    return components


def _component(wire_type: str) -> str:
    return "msg." + wire_type.replace("/", ".")


def _rebase(node: Any, module: str) -> Any:
    """Point ``#/$defs/X`` references at the components (``#/components/schemas/<module>.X``)."""
    if isinstance(node, dict):
        out = {k: _rebase(v, module) for k, v in node.items()}
        ref = out.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            out["$ref"] = f"#/components/schemas/{module}.{ref.removeprefix('#/$defs/')}"
        return out
    if isinstance(node, list):
        return [_rebase(v, module) for v in node]
    return node


def message_union(modules: Sequence[Module]) -> dict[str, Any]:
    refs = {type_name(s): f"#/components/schemas/{_component(type_name(s))}" for m in modules for s in m.messages}
    return {
        "oneOf": [{"$ref": ref} for ref in refs.values()],
        "discriminator": {"propertyName": "type", "mapping": refs},
        "description": "A message of one of the chain's modules, selected by `type`.",
    }


def module_answers(module: Module) -> dict[int, list[str]]:
    """The codes a module's routes can answer: 400 and 404 with the module's codes of those classes,
    and what ``?prove=true`` adds (no v2 header yet: 404; the reads kept changing: 503)."""
    answers: dict[int, list[str]] = {
        400: ["request.invalid", "codec.*"],
        404: ["request.not_found", "state.no_state_root"],
        503: ["state.busy"],
    }
    for code in module.errors:
        status = STATUS.get(code.cls)
        if status in (400, 404):
            answers[status].append(str(code))
    return answers


def document(app: FastAPI, modules: Sequence[Module]) -> dict[str, Any]:
    """The whole document."""
    doc = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    schemas.update({"Error": ERROR, "Tx": TX, "TxBody": TX_BODY, "Msg": message_union(modules)})
    schemas.update(message_components(modules))
    by_tag = {m.name: module_answers(m) for m in modules}
    for operations in doc["paths"].values():
        for operation in operations.values():
            for tag in operation.get("tags", ()):
                for status, codes in by_tag.get(tag, {}).items():
                    operation["responses"].setdefault(str(status), _error_response(codes))
            operation["responses"].pop("422", None)  # FastAPI's default; this node answers 400 instead
    return doc


def install(app: FastAPI, modules: Sequence[Module]) -> None:
    """Serve ``document`` at ``/openapi.json`` (built once, on first request)."""
    built: dict[str, Any] = {}

    def openapi() -> dict[str, Any]:
        if not built:
            built.update(document(app, modules))
        return built

    app.openapi = openapi  # type: ignore[method-assign]
