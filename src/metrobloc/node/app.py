"""The composition root: which modules the chain runs, in which order, and how they are wired.

Order matters only for genesis initialisation (accounts first, so that later modules' genesis
sections may refer to accounts and roles) and is otherwise a list of names. Modules never import
each other: a module that needs another declares the interface in its ``expected.py`` and gets the
other module's keeper here.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from metrobloc.execution import App, Context
from metrobloc.ledger import Tx
from metrobloc.modules import accounts, assets, land
from metrobloc.modules.accounts import routes as accounts_routes
from metrobloc.modules.assets import routes as assets_routes
from metrobloc.modules.land import routes as land_routes
from metrobloc.state import StateReader

ACCOUNTS = accounts.AccountsKeeper()
ASSETS = assets.AssetsKeeper()


def _authenticate(ctx: Context, tx: Any) -> None:
    assert isinstance(tx, Tx)
    ACCOUNTS.check_signers(ctx, tx)


def build_app() -> App:
    """The app every node of a chain must run identically."""
    return App(
        modules=(
            accounts.module,  # first: roles and keys that every other module relies on
            assets.make_module(roles=ACCOUNTS),  # role checks through the accounts keeper
            # after assets: revenue rights and payouts go through the assets keeper, roles through accounts
            land.make_module(roles=ACCOUNTS, assets=ASSETS),
        ),
        authenticate=_authenticate,
    )


def module_routers(state: StateReader) -> list[APIRouter]:
    """The HTTP routes each module offers, over committed state."""
    return [accounts_routes.router(state), assets_routes.router(state), land_routes.router(state)]
