"""Builders for the messages of the built-in modules (amounts as decimal strings)."""

from __future__ import annotations

from typing import Any

from metrobloc.codec import b64url_encode
from metrobloc.crypto import PrivateKey
from metrobloc.ledger import rotation_statement


def transfer(asset: str, to: str, amount: int) -> dict[str, Any]:
    return {"type": "assets/transfer", "asset": asset, "to": to, "amount": str(amount)}


def mint(asset: str, to: str, amount: int) -> dict[str, Any]:
    return {"type": "assets/mint", "asset": asset, "to": to, "amount": str(amount)}


def burn(asset: str, amount: int) -> dict[str, Any]:
    return {"type": "assets/burn", "asset": asset, "amount": str(amount)}


def create_asset(
    asset: str, name: str, decimals: int = 0, max_supply: int | None = None, transferable: bool = True
) -> dict[str, Any]:
    return {
        "type": "assets/create",
        "asset": asset,
        "name": name,
        "decimals": decimals,
        "max_supply": None if max_supply is None else str(max_supply),
        "transferable": transferable,
    }


def grant_role(address: str, role: str) -> dict[str, Any]:
    return {"type": "accounts/grant_role", "address": address, "role": role}


def revoke_role(address: str, role: str) -> dict[str, Any]:
    return {"type": "accounts/revoke_role", "address": address, "role": role}


def rotate_key(chain_id: str, address: str, new_key: PrivateKey) -> dict[str, Any]:
    """The rotation message, with the new key's consent signature."""
    pk = new_key.public_key.to_b64()
    statement = rotation_statement(chain_id, address, new_key.public_key.raw)
    return {
        "type": "accounts/rotate_key",
        "public_key": pk,
        "new_key_signature": b64url_encode(new_key.sign(statement)),
    }
