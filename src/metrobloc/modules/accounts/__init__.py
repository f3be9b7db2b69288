"""Accounts: public keys, key rotation and roles."""

from metrobloc.modules.accounts.keeper import AccountsKeeper
from metrobloc.modules.accounts.module import module

__all__ = ["AccountsKeeper", "module"]
