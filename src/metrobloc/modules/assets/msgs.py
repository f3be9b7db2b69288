"""Messages of the assets module and their stateless checks."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from metrobloc.errors import InvalidInput
from metrobloc.execution import fields

SYMBOL = re.compile(r"^[A-Z][A-Z0-9]{1,15}$")
MAX_DECIMALS = 18


@dataclass(frozen=True)
class Create:
    """``assets/create``: a new asset; the sender (role ``asset_issuer``) becomes its issuer."""

    asset: str
    name: str
    decimals: int
    max_supply: int | None
    """None: no cap."""
    transferable: bool
    """False: citizens cannot move it among themselves (only to or from the issuer)."""


@dataclass(frozen=True)
class Mint:
    """``assets/mint``: the issuer creates ``amount`` units for ``to``."""

    asset: str
    to: str
    amount: int


@dataclass(frozen=True)
class Transfer:
    """``assets/transfer``: the sender moves ``amount`` to ``to``."""

    asset: str
    to: str
    amount: int


@dataclass(frozen=True)
class Burn:
    """``assets/burn``: the sender destroys ``amount`` of their own units."""

    asset: str
    amount: int


def _symbol(msg: Mapping[str, Any]) -> str:
    return fields.string(msg, "asset", pattern=SYMBOL)


def parse_create(msg: Mapping[str, Any]) -> Create:
    fields.exact_fields(msg, {"asset", "name", "decimals", "max_supply", "transferable"})
    max_supply = None if msg["max_supply"] is None else fields.amount(msg, "max_supply")
    name = fields.string(msg, "name", max_chars=64)
    if not name.strip():
        raise InvalidInput("name must not be empty", "msg.bad_string")
    return Create(
        _symbol(msg),
        name,
        fields.integer(msg, "decimals", low=0, high=MAX_DECIMALS),
        max_supply,
        fields.boolean(msg, "transferable"),
    )


def parse_mint(msg: Mapping[str, Any]) -> Mint:
    fields.exact_fields(msg, {"asset", "to", "amount"})
    return Mint(_symbol(msg), fields.address(msg, "to"), fields.amount(msg, "amount"))


def parse_transfer(msg: Mapping[str, Any]) -> Transfer:
    fields.exact_fields(msg, {"asset", "to", "amount"})
    return Transfer(_symbol(msg), fields.address(msg, "to"), fields.amount(msg, "amount"))


def parse_burn(msg: Mapping[str, Any]) -> Burn:
    fields.exact_fields(msg, {"asset", "amount"})
    return Burn(_symbol(msg), fields.amount(msg, "amount"))
