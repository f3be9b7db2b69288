"""Accounts: public keys, key rotation and roles."""

from metrobloc.execution import EventSpec, Module, QuerySpec, error_codes
from metrobloc.modules.accounts import errors, genesis
from metrobloc.modules.accounts.handlers import AccountsHandlers
from metrobloc.modules.accounts.keeper import AccountsKeeper
from metrobloc.modules.accounts.msgs import MESSAGES, rotate_key

KEEPER = AccountsKeeper()

MODULE = Module(
    name="accounts",
    doc="Roles and key rotation.",
    package=__name__,
    messages=MESSAGES,
    handlers=lambda: AccountsHandlers(KEEPER),
    keeper=KEEPER,
    events=(
        EventSpec("accounts/grant_role", ("address", "role"), "A role was granted."),
        EventSpec("accounts/revoke_role", ("address", "role"), "A role was revoked."),
        EventSpec("accounts/rotate_key", ("address",), "An account moved to a new key."),
    ),
    errors=error_codes(vars(errors)),
    init_genesis=genesis.init_genesis,
    ante=KEEPER.check_signers,
    queries=(QuerySpec("account", "/v1/accounts/{address}", "An account's key and roles."),),
    sdk_helpers={"rotate_key": rotate_key},
)

__all__ = ["KEEPER", "MODULE", "AccountsKeeper"]
