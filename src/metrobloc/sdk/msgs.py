"""Builders for the messages of the built-in modules (amounts as decimal strings)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from metrobloc.codec import b64url_encode, canonical_json
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


# -- land ---------------------------------------------------------------------------------------------
# Amounts may be given as int or as a decimal string (passed through for the node to check).
Shares = Sequence[tuple[str, int]]
"""(address, share in basis points) pairs summing to 10,000."""


def _shares(shares: Shares) -> list[dict[str, Any]]:
    return [{"address": address, "share_bp": bp} for address, bp in shares]


def document_digest(document: bytes) -> str:
    """The on-ledger form of an off-ledger document (deed, survey, loan agreement): SHA-256 hex."""
    return hashlib.sha256(document).hexdigest()


def register_parcel(
    parcel: str, district: str, area_m2: int, owners: Shares, documents: Sequence[str]
) -> dict[str, Any]:
    return {
        "type": "land/register_parcel",
        "parcel": parcel,
        "district": district,
        "area_m2": area_m2,
        "owners": _shares(owners),
        "documents": list(documents),
    }


def registration_digest(msg: dict[str, Any]) -> str:
    """What oracles attest under ``parcel_registration`` for a ``register_parcel`` message:
    hex SHA-256 of the JCS of the message without its ``type``."""
    assert msg["type"] == "land/register_parcel"
    return hashlib.sha256(canonical_json({k: v for k, v in msg.items() if k != "type"})).hexdigest()


def transfer_parcel(
    parcel: str, to: Shares, deed_digest: str, price: tuple[str, int | str] | None = None
) -> dict[str, Any]:
    """A title transfer; ``price`` is the declared (asset, amount), recorded but not paid."""
    msg: dict[str, Any] = {"type": "land/transfer", "parcel": parcel, "to": _shares(to), "deed_digest": deed_digest}
    if price is not None:
        msg["price"] = {"asset": price[0], "amount": str(price[1])}
    return msg


def create_lien(parcel: str, lender: str, amount: int | str, asset: str, reference_digest: str) -> dict[str, Any]:
    return {
        "type": "land/create_lien",
        "parcel": parcel,
        "lender": lender,
        "amount": str(amount),
        "asset": asset,
        "reference_digest": reference_digest,
    }


def release_lien(parcel: str, lien_id: int) -> dict[str, Any]:
    return {"type": "land/release_lien", "parcel": parcel, "lien_id": lien_id}


def split_parcel(parcel: str, into: Sequence[tuple[str, int]]) -> dict[str, Any]:
    """Split into (parcel id, area in m2) parts whose areas add up to the parcel's."""
    return {"type": "land/split", "parcel": parcel, "into": [{"parcel": p, "area_m2": a} for p, a in into]}


def merge_parcels(parcels: Sequence[str], into: str) -> dict[str, Any]:
    return {"type": "land/merge", "parcels": list(parcels), "into": into}


def set_oracle_policy(claim: str, oracles: Sequence[str], threshold: int) -> dict[str, Any]:
    return {"type": "land/set_oracle_policy", "claim": claim, "oracles": list(oracles), "threshold": threshold}


def attest(claim: str, subject: str, value_digest: str) -> dict[str, Any]:
    return {"type": "land/attest", "claim": claim, "subject": subject, "value_digest": value_digest}


def issue_revenue_rights(parcel: str, asset: str, shares: int | str) -> dict[str, Any]:
    return {"type": "land/issue_revenue_rights", "parcel": parcel, "asset": asset, "shares": str(shares)}


def distribute_revenue(parcel: str, asset: str, amount: int | str) -> dict[str, Any]:
    """Pay ``amount`` of ``asset`` from the sender to the holders of the parcel's revenue rights."""
    return {"type": "land/distribute", "parcel": parcel, "asset": asset, "amount": str(amount)}
