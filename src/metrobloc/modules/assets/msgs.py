"""Messages of the assets module, each declared once (the parser, SDK, CLI and spec come from here)."""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta

from metrobloc.errors import InvalidInput
from metrobloc.execution.messages import Address, Amount, Message, Symbol, field

MAX_DECIMALS = 18


SYMBOL = Symbol.pattern


class Create(Message, tag="assets/create", frozen=True):
    """Create an asset; the sender (role asset_issuer) becomes its issuer."""

    asset: Annotated[Symbol, field("Its symbol, e.g. CITY.")]
    name: Annotated[str, Meta(max_length=64), field("Display name (not blank).")]
    decimals: Annotated[int, Meta(ge=0, le=MAX_DECIMALS), field("Digits wallets show after the point.", default=0)]
    max_supply: Annotated[Amount | None, field("Cap on supply; null for none.", default=None)]
    transferable: Annotated[
        bool,
        field(
            "False: holders cannot move it among themselves, only to or from the issuer.",
            default=True,
            cli="transferable/--non-transferable",
        ),
    ]

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise InvalidInput("name must not be empty", "msg.bad_string")


class Mint(Message, tag="assets/mint", frozen=True):
    """Mint new units for an account (the issuer only)."""

    asset: Annotated[Symbol, field("The asset's symbol.")]
    to: Annotated[Address, field("The recipient.")]
    amount: Annotated[Amount, field("Units to create.")]


class Transfer(Message, tag="assets/transfer", frozen=True):
    """Move units from the sender to another account."""

    asset: Annotated[Symbol, field("The asset's symbol.")]
    to: Annotated[Address, field("The recipient.")]
    amount: Annotated[Amount, field("Units to move.")]


class Burn(Message, tag="assets/burn", frozen=True):
    """Destroy units the sender holds."""

    asset: Annotated[Symbol, field("The asset's symbol.")]
    amount: Annotated[Amount, field("Units to destroy.")]


MESSAGES = (Create, Mint, Transfer, Burn)
