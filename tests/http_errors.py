"""The one shape of an HTTP error answer, checked: exactly ``{"error": {"code", "message"}}``, as JSON,
with a status (and, where the route lists them, a code) that the node's OpenAPI document declares."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import httpx


def check_error(response: httpx.Response, status: int, code: str) -> dict[str, str]:
    """The response is exactly ``{"error": {"code", "message"}}`` with this status and code; returns the error."""
    assert response.status_code == status, (response.status_code, str(response.request.url), response.text[:300])
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert set(error) == {"code", "message"}, error
    assert isinstance(error["message"], str) and error["message"].strip()
    assert error["code"] == code, (str(response.request.url), error)
    check_documented(response.request, status, code)
    return dict(error)


def check_documented(request: httpx.Request, status: int, code: str) -> None:
    """The route's operation in ``/openapi.json`` declares ``status``, and ``code`` among its codes."""
    base = f"{request.url.scheme}://{request.url.netloc.decode()}"
    operation = find_operation(document(base), request.method.lower(), request.url.path)
    if operation is None:
        return  # no such route (404) or method (405): answered by the framework, for any path
    answer = operation["responses"].get(str(status))
    assert answer is not None, f"{request.method} {request.url.path}: status {status} is not documented"
    listed = re.findall(r"`([^`]+)`", answer.get("description", ""))
    if listed:
        assert any(_matches(code, entry) for entry in listed), f"{code} is not among the documented {listed}"


def _matches(code: str, entry: str) -> bool:
    if entry.endswith(".*"):
        return code.startswith(entry[:-1])
    if entry.startswith("<module>"):
        return True
    return code == entry


@cache
def document(base: str) -> dict[str, Any]:
    return dict(httpx.get(f"{base}/openapi.json", timeout=10).json())


def find_operation(doc: dict[str, Any], method: str, path: str) -> dict[str, Any] | None:
    """The operation of ``path``: a literal path first, then the templates (``{name}`` segments)."""
    paths = doc["paths"]
    if path in paths:
        return paths[path].get(method)
    for template, operations in paths.items():
        if re.fullmatch(re.sub(r"\\\{[^/]+\\\}", "[^/]+", re.escape(template)), path):
            return operations.get(method)
    return None
