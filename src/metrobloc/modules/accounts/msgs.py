"""Messages of the accounts module, each declared once (the parser, SDK, CLI and spec come from here)."""

from __future__ import annotations

import re
from typing import Annotated, ClassVar

from metrobloc.codec import b64url_encode
from metrobloc.crypto import PrivateKey
from metrobloc.execution.messages import Address, Key32, Message, Signature64, Text, field
from metrobloc.ledger import rotation_statement


class Role(Text):
    """A role name: a lower-case letter, then 1 to 31 lower-case letters, digits or underscores."""

    pattern = re.compile(r"^[a-z][a-z0-9_]{1,31}$")
    example = "asset_issuer"


ROLE = Role.pattern


class GrantRole(Message, tag="accounts/grant_role", frozen=True):
    """Give an account a role (admin only)."""

    address: Annotated[Address, field("The account.")]
    role: Annotated[Role, field("The role, e.g. asset_issuer or land_registrar.")]


class RevokeRole(Message, tag="accounts/revoke_role", frozen=True):
    """Take a role from an account (admin only; an admin cannot revoke their own admin role)."""

    address: Annotated[Address, field("The account.")]
    role: Annotated[Role, field("The role, e.g. asset_issuer.")]


class RotateKey(Message, tag="accounts/rotate_key", frozen=True):
    """Move the sender's account to a new key; the address stays, the old key stops working."""

    cli_name: ClassVar[str] = "rotate-key"
    public_key: Annotated[Key32, field("The new 32-byte Ed25519 public key.")]
    new_key_signature: Annotated[
        Signature64, field("The new key's signature of the rotation statement (docs/spec/transactions.md).")
    ]


MESSAGES = (GrantRole, RevokeRole, RotateKey)


def rotate_key(chain_id: str, address: str, new_key: PrivateKey) -> dict[str, str]:
    """The ``accounts/rotate_key`` message moving ``address`` to ``new_key``, with the new key's consent."""
    statement = rotation_statement(chain_id, address, new_key.public_key.raw)
    return {
        "type": "accounts/rotate_key",
        "public_key": new_key.public_key.to_b64(),
        "new_key_signature": b64url_encode(new_key.sign(statement)),
    }
