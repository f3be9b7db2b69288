"""One table from error class to HTTP status, and the ``{"error": {"code", "message"}}`` body."""

from __future__ import annotations

import logging

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import Response

from metrobloc.errors import (
    Conflict,
    InvalidInput,
    InvalidTx,
    MetroblocError,
    NotFound,
    TooLarge,
    Unauthorized,
    Unavailable,
    VerificationFailed,
)

log = logging.getLogger("metrobloc.api")

STATUS: dict[type[MetroblocError], int] = {
    InvalidInput: 400,
    InvalidTx: 400,
    VerificationFailed: 400,
    Unauthorized: 401,
    NotFound: 404,
    Conflict: 409,
    TooLarge: 413,
    Unavailable: 503,
}
"""HTTP status of each error class; anything else in the tree is a 400."""

HTTP_CODES = {404: "request.not_found", 405: "request.method_not_allowed", 413: "request.too_large"}


def status_of(error: MetroblocError) -> int:
    for cls in type(error).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


def error_body(code: str, message: str) -> bytes:
    return orjson.dumps({"error": {"code": code, "message": message}})


def error_response(error: MetroblocError) -> Response:
    return Response(error_body(error.code, error.message), status_code=status_of(error), media_type="application/json")


def install(app: FastAPI) -> None:
    """Route every failure through the one error format."""

    @app.exception_handler(MetroblocError)
    async def _metrobloc(_: Request, exc: MetroblocError) -> Response:
        return error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        return Response(
            error_body("request.invalid", f"{where}: {first.get('msg', 'invalid request')}"),
            status_code=400,
            media_type="application/json",
        )

    @app.exception_handler(HTTPException)
    async def _http(_: Request, exc: HTTPException) -> Response:
        code = HTTP_CODES.get(exc.status_code, f"request.http_{exc.status_code}")
        return Response(  # keeps the framework's headers: a 405 names the methods it allows (RFC 9110)
            error_body(code, str(exc.detail)),
            status_code=exc.status_code,
            media_type="application/json",
            headers=exc.headers,
        )

    @app.exception_handler(Exception)
    async def _bug(_: Request, exc: Exception) -> Response:
        log.exception("internal error")
        return Response(
            error_body("node.internal", "internal error; see the node's log"),
            status_code=500,
            media_type="application/json",
        )
