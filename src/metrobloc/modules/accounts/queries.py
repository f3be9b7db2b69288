"""Read-only queries of the accounts module."""

from __future__ import annotations

from typing import Any

from metrobloc.codec import decode_address
from metrobloc.modules.accounts.keeper import AccountsKeeper, Reader


def account(state: Reader, address: str) -> dict[str, Any]:
    """``GET /v1/accounts/{address}``: key and roles (an unused address has none)."""
    decode_address(address)
    return AccountsKeeper().get(state, address).to_json()
