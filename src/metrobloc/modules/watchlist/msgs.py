"""Messages of the watch-list module, each declared once (the parser, SDK, CLI and spec come from here)."""

from __future__ import annotations

import re
from typing import Annotated

from msgspec import Meta

from metrobloc.codec import is_address
from metrobloc.errors import InvalidInput
from metrobloc.execution.messages import Message, Text, field
from metrobloc.modules.watchlist import errors

MAX_TIME_MS = 2**53 - 1
LIST_REASONS = (
    "sanctions",
    "fraud",
    "money_laundering",
    "terrorist_financing",
    "corruption",
    "identity_theft",
    "court_order",
    "other",
)
"""Why a subject is listed (the legal basis itself stays off the ledger, by digest)."""
DELIST_REASONS = (
    "basis_lifted",
    "court_order",
    "appeal_granted",
    "listed_in_error",
    "identity_mismatch",
    "superseded",
    "other",
)
"""Why a subject is delisted."""


class ListId(Text):
    """A list id: a lower-case letter, then lower-case letters, digits, _ and -, up to 32 (e.g. sanctions)."""

    pattern = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
    code = "watchlist.bad_list"
    example = "sanctions"


class Subject(Text):
    """An mb1 address, or ``sha256:`` and 64 lower-case hex digits: SHA-256(salt ‖ identifier) of an
    identifier kept off the ledger (``sdk.watchlist.subject_hash``)."""

    pattern = re.compile(r"^(mb1[02-9ac-hj-np-z]{38}|sha256:[0-9a-f]{64})$")
    code = "watchlist.bad_subject"
    example = "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"


class ListReason(Text):
    """Why a subject is listed: one of sanctions, fraud, money_laundering, terrorist_financing,
    corruption, identity_theft, court_order, other."""

    pattern = re.compile(rf"^({'|'.join(LIST_REASONS)})$")
    code = "watchlist.bad_reason"
    example = "sanctions"


class DelistReason(Text):
    """Why a subject is delisted: one of basis_lifted, court_order, appeal_granted, listed_in_error,
    identity_mismatch, superseded, other."""

    pattern = re.compile(rf"^({'|'.join(DELIST_REASONS)})$")
    code = "watchlist.bad_reason"
    example = "basis_lifted"


class Digest(Text):
    """A SHA-256 digest in lower-case hex (of the legal basis, a document kept off the ledger)."""

    pattern = re.compile(r"^[0-9a-f]{64}$")
    code = "watchlist.bad_digest"
    example = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"


def check_subject(subject: str) -> None:
    """An mb1 subject must be a valid address (its checksum too); ``watchlist.bad_subject`` otherwise."""
    if subject.startswith("mb1") and not is_address(subject):
        raise InvalidInput("subject is an mb1 address with a bad checksum or length", errors.BAD_SUBJECT)


class ListSubject(Message, tag="watchlist/list", frozen=True):
    """List a subject on a watch-list until expires_ms, or amend its listing (role watchlist_authority)."""

    list: Annotated[ListId, field("The list's id, e.g. sanctions or fraud.")]
    subject: Annotated[Subject, field("An mb1 address or sha256:<hex> of a salted off-chain identifier.")]
    reason_code: Annotated[ListReason, field("Why: sanctions, fraud, money_laundering, ... (the module README).")]
    legal_basis_digest: Annotated[
        Digest, field("SHA-256 hex of the legal basis (an order, a decision), kept off the ledger.")
    ]
    expires_ms: Annotated[
        int, Meta(ge=1, le=MAX_TIME_MS), field("Block time (Unix ms) from which the listing lapses; in the future.")
    ]

    def __post_init__(self) -> None:
        check_subject(self.subject)


class DelistSubject(Message, tag="watchlist/delist", frozen=True):
    """Take a listed subject off a watch-list (role watchlist_authority)."""

    list: Annotated[ListId, field("The list's id.")]
    subject: Annotated[Subject, field("The listed subject.")]
    reason_code: Annotated[DelistReason, field("Why: basis_lifted, court_order, appeal_granted, ... (the README).")]

    def __post_init__(self) -> None:
        check_subject(self.subject)


MESSAGES = (ListSubject, DelistSubject)
