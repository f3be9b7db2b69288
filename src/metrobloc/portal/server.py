"""The portal on a node's FastAPI app: its pages at ``/``, its static files at ``/static``, the
modules' pages (``pages.py`` and ``templates/`` in a module's package), HTML error pages and the
security headers; the API under ``/v1`` keeps its JSON errors and its OpenAPI document."""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.routing import Route
from starlette.staticfiles import StaticFiles

from metrobloc.api.errors import status_of
from metrobloc.errors import MetroblocError
from metrobloc.execution import Module
from metrobloc.node import Node
from metrobloc.portal import accounts, assets, blocks, home, live, search, txs, verify, wallet
from metrobloc.portal.integrity import STATIC
from metrobloc.portal.security import PortalHeaders
from metrobloc.portal.site import Site

log = logging.getLogger("metrobloc.portal")
TEMPLATES = Path(__file__).parent / "templates"
CORE_LINKS = {"asset": "/assets/{}", "price_asset": "/assets/{}", "rights_asset": "/assets/{}"}
"""Field and attribute names whose values link to a portal page (modules add theirs: ``LINKS``)."""
API_VERSION = re.compile(r"^/(v[0-9]+|[0-9]+\.[0-9]+)(/|$)")
"""Paths of the API's versions: their errors stay JSON."""
Handler = Callable[[Request, Any], Awaitable[Response]]


def page_modules(modules: Sequence[Module]) -> list[ModuleType]:
    """The ``pages.py`` of each module that has one, in module order."""
    return [pages for m in modules if (pages := m.companion("pages")) is not None]


def page_routers(modules: Sequence[Module], state: Any, site: Site) -> list[Any]:
    """The routers of the modules' ``pages.py``: ``router(state, site)``, plus the keepers the module
    ``needs`` that its ``router`` names (``router(state, site, accounts)``), as the API's routes get them."""
    keepers = {m.name: m.keeper for m in modules}
    routers = []
    for module in modules:
        pages = module.companion("pages")
        if pages is not None:
            wanted = inspect.signature(pages.router).parameters
            given = {p: keepers[n] for p, n in module.needs.items() if n in keepers and p in wanted}
            routers.append(pages.router(state, site, **given))
    return routers


def template_dirs(modules: Sequence[Module]) -> list[Path]:
    """The portal's templates, then each module's ``templates/`` folder."""
    dirs = [TEMPLATES]
    for module in modules:
        spec = importlib.util.find_spec(module.package)
        if spec is not None and spec.origin is not None:
            folder = Path(spec.origin).parent / "templates"
            if folder.is_dir():
                dirs.append(folder)
    return dirs


def api_paths(app: FastAPI) -> Callable[[str], bool]:
    """Whether a request path belongs to the portal: not under an API version (``/v1``, and ``/v2``...
    that does not exist yet), none of the API's documented paths (``/health``, ``/metrics``) and none
    of its own pages (``/openapi.json``, ``/docs``)."""
    own = set(app.openapi()["paths"]) | {route.path for route in app.routes if isinstance(route, Route)}

    def is_portal(path: str) -> bool:
        return not (API_VERSION.match(path) or path in own)

    return is_portal


def install(app: FastAPI, node: Node) -> Site:
    """Mount the portal on ``app`` (the node's API); call it after the API's routes are in place."""
    modules = node.app.modules
    is_portal = api_paths(app)
    site = Site(node, template_dirs(modules))
    extras = page_modules(modules)
    links = {**CORE_LINKS, **{k: v for m in extras for k, v in getattr(m, "LINKS", {}).items()}}
    search_pages = {k: v for m in extras for k, v in getattr(m, "SEARCH_PAGES", {}).items()}
    account_links = [m.account_links for m in extras if hasattr(m, "account_links")]
    site.env.globals["module_nav"] = [link for m in extras for link in getattr(m, "NAV", ())]
    for router in (
        home.router(site),
        live.router(site),
        search.router(site, search_pages),
        blocks.router(site),
        txs.router(site, links),
        accounts.router(site, account_links),
        wallet.router(site),
        assets.router(site),
        verify.router(site),
        *page_routers(modules, node.store.reader, site),
    ):
        app.include_router(router, include_in_schema=False)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    _error_pages(app, site, is_portal)
    app.add_middleware(PortalHeaders, is_portal=is_portal)
    return site


def _error_pages(app: FastAPI, site: Site, is_portal: Callable[[str], bool]) -> None:
    """Errors on the portal's paths answer an HTML page; the API's keep their JSON handlers."""

    def page_for(api: Handler | None, status_and_message: Callable[[Any], tuple[int, str]]) -> Handler:
        async def handler(request: Request, exc: Any) -> Response:
            if not is_portal(request.url.path) and api is not None:
                return await api(request, exc)
            status, message = status_and_message(exc)
            if status >= 500:
                log.error("portal page %s failed", request.url.path, exc_info=exc)
            titles = {404: "Page not found", 405: "Not allowed", 400: "Bad request", 500: "Something went wrong"}
            page = site.error_page(status, titles.get(status, "Error"), message)
            if isinstance(exc, HTTPException) and exc.headers:
                page.headers.update(exc.headers)  # a 405 names the methods it allows (RFC 9110)
            return page

        return handler

    pages: dict[type[Exception], Callable[[Any], tuple[int, str]]] = {
        HTTPException: lambda e: (
            e.status_code,
            "There is no page at this address." if e.status_code == 404 else str(e.detail),
        ),
        RequestValidationError: lambda e: (400, "This address has a value the page cannot read."),
        MetroblocError: lambda e: (status_of(e), e.message),
        Exception: lambda e: (500, "The node could not show this page; its log says why."),
    }
    for cls, describe in pages.items():
        app.exception_handlers[cls] = page_for(app.exception_handlers.get(cls), describe)  # type: ignore[arg-type]
