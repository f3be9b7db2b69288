"""The one shape of an HTTP error answer, checked: exactly ``{"error": {"code", "message"}}``, as JSON."""

from __future__ import annotations

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
    return dict(error)
