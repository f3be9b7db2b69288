"""Messages of the time-bank module, each declared once (the parser, SDK, CLI and spec come from here)."""

from __future__ import annotations

import re
from typing import Annotated

from msgspec import Meta

from metrobloc.errors import InvalidInput
from metrobloc.execution.messages import Address, Message, Text, field

MAX_STARTER = 6_000
"""Starter minutes a bank may give a new member: at most 100 hours."""
MAX_FLOOR = 60_000
"""The deepest negative balance a bank may allow: 1,000 hours."""
MAX_SERVICE = 10_080
"""One service is at most a week of minutes."""
MAX_LISTING = 60_000


class BankName(Text):
    """A bank's public name: 1 to 80 printable characters, no control characters, not blank at the ends."""

    pattern = re.compile(r"^[^\s\x00-\x1f\x7f](?:[^\x00-\x1f\x7f]{0,78}[^\s\x00-\x1f\x7f])?$")
    code = "timebank.bad_name"
    example = "Riverside Time Bank"


class ListingId(Text):
    """A listing id, unique within its bank: lower-case letters, digits, . _ and -, 1 to 64 characters."""

    pattern = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
    code = "timebank.bad_listing_id"
    example = "garden-help-1"


class Category(Text):
    """A service category: a lower-case letter, then lower-case letters, digits and -, at most 32 (e.g. gardening)."""

    pattern = re.compile(r"^[a-z][a-z0-9-]{0,31}$")
    code = "timebank.bad_category"
    example = "gardening"


class Digest(Text):
    """A SHA-256 digest in lower-case hex (of a document kept off the ledger)."""

    pattern = re.compile(r"^[0-9a-f]{64}$")
    code = "timebank.bad_digest"
    example = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"


class RegisterBank(Message, tag="timebank/register_bank", frozen=True):
    """Register a time bank (by a TimeBankAccreditation holder or the root authority; the bank signs too)."""

    bank: Annotated[Address, field("The bank's own account (it signs the tx, as sender or co-signer).")]
    name: Annotated[BankName, field("Its public name.")]
    starter_minutes: Annotated[
        int, Meta(ge=0, le=MAX_STARTER), field("Minutes each new member receives from the bank.")
    ]
    floor_minutes: Annotated[
        int, Meta(ge=0, le=MAX_FLOOR), field("How far below zero a member's balance may go (0: never negative).")
    ]


class Admit(Message, tag="timebank/admit", frozen=True):
    """Admit a resident: the bank (signing) states it checked their residency credential off the ledger."""

    bank: Annotated[Address, field("The bank (it signs the tx).")]
    member: Annotated[Address, field("The new member's account.")]
    residency_digest: Annotated[Digest, field("SHA-256 of the residency credential presentation the bank checked.")]


class Offer(Message, tag="timebank/offer", frozen=True):
    """A member offers a service to the members of their bank."""

    bank: Annotated[Address, field("The bank the sender is a member of.")]
    listing_id: Annotated[ListingId, field("An id unique within the bank.")]
    category: Annotated[Category, field("What kind of service.")]
    minutes: Annotated[int, Meta(ge=1, le=MAX_LISTING), field("How long it takes, in minutes.")]
    description_digest: Annotated[Digest, field("SHA-256 of the description kept off the ledger.")]


class Request(Message, tag="timebank/request", frozen=True):
    """A member asks the members of their bank for a service."""

    bank: Annotated[Address, field("The bank the sender is a member of.")]
    listing_id: Annotated[ListingId, field("An id unique within the bank.")]
    category: Annotated[Category, field("What kind of service.")]
    minutes: Annotated[int, Meta(ge=1, le=MAX_LISTING), field("How long it should take, in minutes.")]
    description_digest: Annotated[Digest, field("SHA-256 of the description kept off the ledger.")]


class CloseListing(Message, tag="timebank/close_listing", frozen=True):
    """Close an offer or a request (its author, or the bank)."""

    bank: Annotated[Address, field("The listing's bank.")]
    listing_id: Annotated[ListingId, field("The listing's id.")]


class RecordService(Message, tag="timebank/record_service", frozen=True):
    """Record a service, signed by provider and receiver both: its minutes move 1:1 from receiver to provider."""

    provider: Annotated[Address, field("Who gave the service (a signer).")]
    receiver: Annotated[Address, field("Who received it (a signer).")]
    minutes: Annotated[int, Meta(ge=1, le=MAX_SERVICE), field("Its length in minutes.")]
    service_digest: Annotated[Digest, field("SHA-256 of the service record kept off the ledger.")]
    provider_bank: Annotated[
        Address | None, field("The provider's bank (needed only when the provider belongs to several).")
    ] = None
    receiver_bank: Annotated[
        Address | None, field("The receiver's bank (needed only when the receiver belongs to several).")
    ] = None

    def __post_init__(self) -> None:
        if self.provider == self.receiver:
            raise InvalidInput("provider and receiver must be different accounts", "timebank.self_service")


MESSAGES = (RegisterBank, Admit, Offer, Request, CloseListing, RecordService)
