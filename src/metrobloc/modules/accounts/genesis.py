"""Genesis section of the accounts module: ``{"accounts": [{"address", "public_key", "roles"}]}``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from metrobloc.codec import b64url_decode, is_address
from metrobloc.crypto import address_of
from metrobloc.errors import InvalidInput
from metrobloc.execution import Context
from metrobloc.modules.accounts.keeper import Account, AccountsKeeper
from metrobloc.modules.accounts.msgs import ROLE


def init_genesis(ctx: Context, section: Mapping[str, Any]) -> None:
    keeper = AccountsKeeper()
    for entry in section.get("accounts", []):
        address, roles = entry.get("address"), entry.get("roles", [])
        key = b64url_decode(entry["public_key"], length=32) if entry.get("public_key") else None
        if not is_address(address) or (key is not None and address_of(key) != address):
            raise InvalidInput(f"genesis account {address!r} is not valid", "genesis.bad_account")
        if not all(isinstance(r, str) and ROLE.fullmatch(r) for r in roles):
            raise InvalidInput(f"genesis account {address} has a bad role", "genesis.bad_account")
        keeper.put(ctx, Account(address, key, tuple(roles)))
