"""The app every node of a chain runs: the modules of ``metrobloc.modules.MODULES``, wired together."""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Sequence
from typing import Any

from metrobloc.execution import App, Module
from metrobloc.modules import MODULES


def build_app(modules: Sequence[Module] = MODULES) -> App:
    """The app: handlers wired to the keepers they need, messages routed by type."""
    return App(modules)


def module_routers(state: Any, modules: Sequence[Module] = MODULES) -> list[Any]:
    """The HTTP routers of the modules that have a ``routes.py`` (``router(state)``), in module order."""
    return [routes.router(state) for m in modules if (routes := m.companion("routes")) is not None]


def load_modules(packages: Sequence[str]) -> tuple[Module, ...]:
    """The ``MODULE`` of each package, in order (how a check worker rebuilds its node's app)."""
    return tuple(importlib.import_module(package).MODULE for package in packages)
