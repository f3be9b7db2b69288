"""Messages of the accounts module and their stateless checks."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from metrobloc.codec import b64url_decode
from metrobloc.execution import fields

ROLE = re.compile(r"^[a-z][a-z0-9_]{1,31}$")


@dataclass(frozen=True)
class GrantRole:
    """``accounts/grant_role``: give ``address`` the ``role`` (admin only)."""

    address: str
    role: str


@dataclass(frozen=True)
class RevokeRole:
    """``accounts/revoke_role``: take ``role`` from ``address`` (admin only)."""

    address: str
    role: str


@dataclass(frozen=True)
class RotateKey:
    """``accounts/rotate_key``: the sender's account moves to ``public_key``; the address stays."""

    public_key: bytes
    """The new 32-byte key."""
    new_key_signature: bytes
    """The new key's signature of the rotation statement (docs/spec/transactions.md)."""


def parse_grant_role(msg: Mapping[str, Any]) -> GrantRole:
    fields.exact_fields(msg, {"address", "role"})
    return GrantRole(fields.address(msg, "address"), fields.string(msg, "role", pattern=ROLE))


def parse_revoke_role(msg: Mapping[str, Any]) -> RevokeRole:
    fields.exact_fields(msg, {"address", "role"})
    return RevokeRole(fields.address(msg, "address"), fields.string(msg, "role", pattern=ROLE))


def parse_rotate_key(msg: Mapping[str, Any]) -> RotateKey:
    fields.exact_fields(msg, {"public_key", "new_key_signature"})
    return RotateKey(
        b64url_decode(msg["public_key"], length=32, what="public_key"),
        b64url_decode(msg["new_key_signature"], length=64, what="new_key_signature"),
    )
