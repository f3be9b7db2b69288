"""The headers every portal response carries: a strict Content-Security-Policy and its companions.

The portal has no inline script, style or handler: scripts and styles are files under ``/static``
(vendored ones with subresource integrity), data reaches scripts through the page's own tables and
``data-`` attributes, and htmx is configured not to evaluate code or inject styles.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


class PortalHeaders:
    """ASGI middleware adding ``HEADERS`` to the portal's responses (the API's are left as they are)."""

    def __init__(self, app: ASGIApp, is_portal: Callable[[str], bool]) -> None:
        self.app = app
        self.is_portal = is_portal

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.is_portal(scope["path"]):
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name for name, _ in HEADERS}
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
                message = {**message, "headers": kept + HEADERS}
            await send(message)

        await self.app(scope, receive, send_with_headers)
