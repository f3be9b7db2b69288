"""Browser fixtures: Debian's Chromium driven by Playwright, and the portal's static files on 127.0.0.1.

``make test`` installs Chromium when /usr/bin/chromium is missing (the ``browser`` target); Playwright's
own browser download is not used. The fixtures:

- ``browser`` (module): a headless Chromium ``playwright.sync_api.Browser``. Per test module, not per
  session: Playwright's sync API keeps an event loop running in the main thread while it is open, and
  the tests that drive a node with ``asyncio.run`` (tests/node, tests/ordering) must not find one,
  whatever order the tests run in.
- ``page_factory`` (per test): ``page_factory(**context_options)`` opens a page in a fresh browser
  context, e.g. ``page_factory(viewport={"width": 375, "height": 800})`` or
  ``page_factory(java_script_enabled=False)``; every context is closed after the test.
- ``page`` (per test): ``page_factory()`` with the defaults.
- ``js_errors`` (per test): uncaught page errors, ``console.error`` lines and CSP violations of every
  page the test opened. A test fails at teardown when it is not empty; a test that provokes errors
  on purpose reads and clears it.
- ``static_server`` (session): a tiny HTTP server on a free 127.0.0.1 port serving
  ``src/metrobloc/portal/static`` at ``/static/``, a blank page at ``/harness.html`` and any page a
  test adds with ``static_server.add_page("/name.html", html)`` (returns its URL). Every response
  carries the portal's strict CSP (no inline script, no eval), so what passes here passes on a node.
  ``static_server.url`` is its base URL; it is stopped at the end of the session.
- ``js_module`` (per test): ``js_module("js/verify.js")`` opens the harness page and returns a
  ``JsModule``; ``mod.call("(m, arg) => m.jcs(arg).length", arg)`` imports the module in the page and
  runs the JavaScript function with it and one JSON-serialisable argument (awaited when async).
- ``verify_js`` (per test): ``js_module("js/verify.js")``.

The portal pages themselves are served by a real node: use ``shared_node`` or ``node`` from
tests/conftest.py with ``page.goto(f"{shared_node.url}/...")``.
"""

from __future__ import annotations

import json
import mimetypes
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
STATIC_ROOT = Path(__file__).parents[2] / "src" / "metrobloc" / "portal" / "static"
CSP = "; ".join(
    ["default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "connect-src 'self'"]
)
HARNESS = b"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>MetroBloc browser tests</title></head>
<body><main><h1>MetroBloc browser tests</h1></main></body></html>
"""
TYPES = {".js": "text/javascript", ".css": "text/css", ".json": "application/json", ".html": "text/html"}


@dataclass
class StaticServer:
    """The static files and test pages on 127.0.0.1 (see the module docstring)."""

    root: Path
    pages: dict[str, bytes] = field(default_factory=lambda: {"/harness.html": HARNESS})
    httpd: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.httpd is not None
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def add_page(self, path: str, html: str) -> str:
        """Serve ``html`` at ``path`` (e.g. ``/chart.html``); returns its URL."""
        self.pages[path] = html.encode("utf-8")
        return self.url + path

    def body(self, path: str) -> tuple[bytes, str] | None:
        """The bytes and content type at a URL path, or None."""
        if path in self.pages:
            return self.pages[path], "text/html; charset=utf-8"
        if path == "/favicon.ico":  # asked for by every page; an empty icon keeps the console clean
            return b"", "image/x-icon"
        if not path.startswith("/static/"):
            return None
        file = (self.root / path.removeprefix("/static/")).resolve()
        if not file.is_file() or not file.is_relative_to(self.root.resolve()):
            return None
        kind = TYPES.get(file.suffix) or mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        return file.read_bytes(), kind + ("; charset=utf-8" if kind.startswith("text/") else "")

    def start(self) -> StaticServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the http.server hook name
                found = server.body(self.path.split("?")[0])
                body, kind = found or (b"not found", "text/plain; charset=utf-8")
                self.send_response(200 if found else 404)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Content-Security-Policy", CSP)
                self.send_header("X-Content-Type-Options", "nosniff")
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the hook's signature
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, name="static-server", daemon=True).start()
        return self

    def stop(self) -> None:
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()


@dataclass
class JsModule:
    """An ES module imported into a test page, whose exports a test calls through JavaScript."""

    page: Page
    url: str

    def call(self, function: str, arg: Any = None) -> Any:
        """Run ``function`` (JavaScript source of ``(module, arg) => ...``) in the page; its result."""
        load = f"await import({json.dumps(self.url)})"
        source = f"async (arg) => {{ const m = {load}; return await ({function})(m, arg); }}"
        return self.page.evaluate(source, arg)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make browser` installs Debian's chromium")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def static_server() -> Iterator[StaticServer]:
    server = StaticServer(STATIC_ROOT).start()
    yield server
    server.stop()


@pytest.fixture
def js_errors() -> list[str]:
    return []


@pytest.fixture
def page_factory(browser: Browser, js_errors: list[str]) -> Iterator[Callable[..., Page]]:
    contexts = []

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":
            js_errors.append(f"console: {message.text}")

    def open_page(**context_options: Any) -> Page:
        context = browser.new_context(**context_options)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: js_errors.append(f"uncaught: {error}"))
        page.on("console", console)
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert not js_errors, "errors in the page: " + "; ".join(js_errors)


@pytest.fixture
def page(page_factory: Callable[..., Page]) -> Page:
    return page_factory()


@pytest.fixture
def js_module(page: Page, static_server: StaticServer) -> Callable[[str], JsModule]:
    def load(path: str) -> JsModule:
        if page.url != static_server.url + "/harness.html":
            page.goto(static_server.url + "/harness.html")
        return JsModule(page, f"{static_server.url}/static/{path}")

    return load


@pytest.fixture
def verify_js(js_module: Callable[[str], JsModule]) -> JsModule:
    return js_module("js/verify.js")
