"""The composition root: which modules the chain runs, in which order, and how they are wired.

Order matters only for genesis initialisation (accounts first, so that later modules' genesis
sections may refer to accounts and roles) and is otherwise a list of names.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from metrobloc.execution import App, Context
from metrobloc.ledger import Tx
from metrobloc.modules import accounts, assets
from metrobloc.modules.accounts import routes as accounts_routes
from metrobloc.modules.assets import routes as assets_routes
from metrobloc.state import StateReader

ACCOUNTS = accounts.AccountsKeeper()


def _authenticate(ctx: Context, tx: Any) -> None:
    assert isinstance(tx, Tx)
    ACCOUNTS.check_signers(ctx, tx)


def build_app() -> App:
    """The app every node of a chain must run identically."""
    return App(
        modules=(
            accounts.module,  # first: roles and keys that every other module relies on
            assets.make_module(roles=ACCOUNTS),  # role checks through the accounts keeper
        ),
        authenticate=_authenticate,
    )


def module_routers(state: StateReader) -> list[APIRouter]:
    """The HTTP routes each module offers, over committed state."""
    return [accounts_routes.router(state), assets_routes.router(state)]
