"""The app every node of a chain runs: the modules of ``metrobloc.modules.MODULES``, wired together."""

from __future__ import annotations

import importlib
import importlib.util
import inspect
from collections.abc import Sequence
from typing import Any

from metrobloc.execution import App, Module
from metrobloc.modules import MODULES


def build_app(modules: Sequence[Module] = MODULES) -> App:
    """The app: handlers wired to the keepers they need, messages routed by type."""
    return App(modules)


def module_routers(state: Any, modules: Sequence[Module] = MODULES) -> list[Any]:
    """The HTTP routers of the modules that have a ``routes.py``, in module order.

    ``router(state)`` gets the committed state; a module that ``needs`` other modules gets their
    keepers too, by the same parameter names as its handlers (``router(state, accounts=...)``).
    """
    keepers = {m.name: m.keeper for m in modules}
    return [
        routes.router(state, **{param: keepers[needed] for param, needed in m.needs.items() if needed in keepers})
        if m.needs and _takes_keepers(routes.router)
        else routes.router(state)
        for m in modules
        if (routes := m.companion("routes")) is not None
    ]


def _takes_keepers(router: Any) -> bool:
    return len(inspect.signature(router).parameters) > 1


def load_modules(packages: Sequence[str]) -> tuple[Module, ...]:
    """The ``MODULE`` of each package, in order (how a check worker rebuilds its node's app)."""
    return tuple(importlib.import_module(package).MODULE for package in packages)
