"""The civic applications the chain runs, and ``MODULES``: which, in which order (the composition root).

Adding a module is a new package here exposing ``MODULE`` and one line below. The app, the API, the
CLI, the SDK namespaces, the JSON Schemas, the spec tables and the import rules all follow this list.
Order matters for genesis initialisation (a module's genesis may rely on those before it) and for
the ante checks; a module's handlers get the keepers it ``needs`` by module name, whatever the order.
"""

from metrobloc.execution import Module
from metrobloc.modules import (
    accounts,
    assets,
    ballots,
    budgeting,
    consortium,
    identity,
    land,
    orgs,
    timebank,
    watchlist,
)

MODULES: tuple[Module, ...] = (
    accounts.MODULE,  # first: keys and roles that every other module relies on; its ante check authenticates signers
    assets.MODULE,  # after accounts: the asset_issuer role check goes through the accounts keeper
    land.MODULE,  # after assets: revenue rights are issued and paid through the assets keeper
    identity.MODULE,  # after accounts: DIDs keep their key history through the accounts keeper
    watchlist.MODULE,  # after identity: its role check goes through the accounts keeper; assets get its keeper by name
    timebank.MODULE,  # after identity: banks are registered by TimeBankAccreditation holders (identity keeper)
    orgs.MODULE,  # a passed proposal's actions run other modules' messages; treasuries pay through assets
    consortium.MODULE,  # after orgs: the consortium is an org; set changes are its proposals' actions
    ballots.MODULE,  # after identity (its census) and orgs (an org's proposal creates an election)
    budgeting.MODULE,  # last: an org's process; census via identity, escrow via assets, secret votes via ballots
)

__all__ = ["MODULES"]
