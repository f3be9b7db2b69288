"""Messages of the land module, each declared once (the parser, SDK, CLI and spec come from here).

Formats and sizes are checked while a message is decoded (``validate_basic``); cross-field rules
(share totals, repeated owners, parcels or oracles, the threshold) in ``__post_init__``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, ClassVar

from msgspec import Meta

from metrobloc.codec import canonical_json
from metrobloc.execution import ErrorCode
from metrobloc.execution.messages import (
    Address,
    Amount,
    Message,
    Quantity,
    Record,
    Symbol,
    Text,
    field,
    record_to_wire,
    type_name,
)
from metrobloc.modules.land import errors

TOTAL_BP = 10_000
"""Shares are basis points: the owners of a parcel hold 10,000 in all."""
MAX_OWNERS = 7
"""Owners of one parcel: with a registrar or a lender they still fit the 8 signers of one tx."""
MAX_DOCUMENTS = 16
MAX_PARTS = 16
"""Most parcels a split produces or a merge joins."""
MAX_ORACLES = 16
MAX_AREA_M2 = 10**15
"""Largest area in square metres (above the land area of the Earth, below 2^53)."""
MAX_LIEN_ID = 10**10 - 1
REGISTRATION_CLAIM = "parcel_registration"
"""The claim whose settlement lets anyone register a parcel (see ``registration_digest``)."""


# -- formats ----------------------------------------------------------------------------------------


class ParcelId(Text):
    """A parcel id: upper-case letters, digits, - and :, 1 to 48 characters (e.g. KUNGSHOLMEN-1:23)."""

    pattern = re.compile(r"^[A-Z0-9][A-Z0-9:-]{0,47}$")
    code = errors.BAD_PARCEL
    example = "KUNGSHOLMEN-1:23"


class District(Text):
    """A district slug: lower-case letters, digits and -, 1 to 64 characters (e.g. kungsholmen)."""

    pattern = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
    example = "kungsholmen"


class ClaimName(Text):
    """A claim name: a lower-case letter, then lower-case letters, digits or _ (e.g. survey)."""

    pattern = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
    example = "parcel_registration"


class Subject(Text):
    """What a claim is about, usually a parcel id: letters, digits and : . _ -, 1 to 128 characters."""

    pattern = re.compile(r"^[A-Za-z0-9][A-Za-z0-9:._-]{0,127}$")
    example = "KUNGSHOLMEN-1:23"


class Digest(Text):
    """The SHA-256 digest of a document kept off the ledger, in lower-case hex."""

    pattern = re.compile(r"^[0-9a-f]{64}$")
    code = errors.BAD_DIGEST
    example = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"


class DocumentDigest(Digest):
    """The SHA-256 digest of a deed or survey kept off the ledger, in lower-case hex."""

    code = errors.BAD_DOCUMENTS


PARCEL = ParcelId.pattern
DISTRICT = District.pattern
CLAIM = ClaimName.pattern
SUBJECT = Subject.pattern
DIGEST = Digest.pattern
SYMBOL = Symbol.pattern


# -- records ----------------------------------------------------------------------------------------


class Share(Record, frozen=True):
    """One owner's part of a parcel."""

    address: Annotated[Address, field("The owner.")]
    share_bp: Annotated[
        int,
        Meta(ge=1, le=TOTAL_BP),
        field("Basis points, 1 to 10000; a parcel's add up to 10000.", code=errors.BAD_SHARE_TOTAL),
    ]


class Price(Record, frozen=True):
    """The declared consideration of a sale (recorded, not paid: pay with ``assets/transfer``)."""

    asset: Annotated[Symbol, field("The asset the price is declared in, e.g. SEK.")]
    amount: Annotated[Quantity, field("The price, a decimal integer.")]


class Part(Record, frozen=True):
    """One parcel a split produces."""

    parcel: Annotated[ParcelId, field("The new parcel's id.")]
    area_m2: Annotated[int, Meta(ge=1, le=MAX_AREA_M2), field("Its area in whole square metres.")]


# -- messages ---------------------------------------------------------------------------------------

Owners = Annotated[tuple[Share, ...], Meta(min_length=1, max_length=MAX_OWNERS)]


class RegisterParcel(Message, tag="land/register_parcel", frozen=True):
    """Register a parcel (a land_registrar co-signs, or oracles settled its parcel_registration)."""

    cli_name: ClassVar[str] = "register"
    parcel: Annotated[ParcelId, field("Parcel id, e.g. KUNGSHOLMEN-1:23.")]
    district: Annotated[District, field("District slug, e.g. kungsholmen.")]
    area_m2: Annotated[int, Meta(ge=1, le=MAX_AREA_M2), field("Area in whole square metres.")]
    owners: Annotated[
        Owners,
        field(
            "The owners and their shares in basis points (1 to 7; shares sum to 10000).",
            code=errors.BAD_OWNERS,
            cli="owner",
        ),
    ]
    documents: Annotated[
        tuple[DocumentDigest, ...],
        Meta(min_length=1, max_length=MAX_DOCUMENTS),
        field(
            "SHA-256 hex digests of the deeds and surveys, kept off-chain (1 to 16, distinct).",
            code=errors.BAD_DOCUMENTS,
            cli="document",
        ),
    ]

    def __post_init__(self) -> None:
        check_owners(self.owners, "owners")
        if len(set(self.documents)) != len(self.documents):
            raise errors.BAD_DOCUMENTS.error("documents repeats an entry")


class Transfer(Message, tag="land/transfer", frozen=True):
    """Transfer a title: every current and new owner, a registrar and every lienholder sign."""

    parcel: Annotated[ParcelId, field("Parcel id.")]
    to: Annotated[
        Owners,
        field(
            "The new owners and their shares in basis points (1 to 7; shares sum to 10000).",
            code=errors.BAD_OWNERS,
        ),
    ]
    deed_digest: Annotated[Digest, field("SHA-256 hex digest of the deed of sale.")]
    price: Annotated[
        Price | None, field("Declared price (recorded, not paid); absent for none.", code=errors.BAD_PRICE)
    ] = None

    def __post_init__(self) -> None:
        check_owners(self.to, "to")


class CreateLien(Message, tag="land/create_lien", frozen=True):
    """Register a lien, ranked after every active one; the owners and the lender sign."""

    parcel: Annotated[ParcelId, field("Parcel id.")]
    lender: Annotated[Address, field("The lender (role lender); must co-sign.")]
    amount: Annotated[Amount, field("Amount secured, a decimal integer.")]
    asset: Annotated[Symbol, field("Asset the amount is in, e.g. SEK.")]
    reference_digest: Annotated[Digest, field("SHA-256 hex digest of the loan agreement.")]


class ReleaseLien(Message, tag="land/release_lien", frozen=True):
    """Release a lien (the lienholder)."""

    parcel: Annotated[ParcelId, field("Parcel id.")]
    lien_id: Annotated[int, Meta(ge=1, le=MAX_LIEN_ID), field("The lien's id (see `metrobloc query land parcel`).")]


class Split(Message, tag="land/split", frozen=True):
    """Split a parcel into new ones whose areas add up to its own (owners and a registrar sign)."""

    parcel: Annotated[ParcelId, field("The parcel to split.")]
    into: Annotated[
        tuple[Part, ...],
        Meta(min_length=2, max_length=MAX_PARTS),
        field("The new parcels and their areas (2 to 16).", code=errors.BAD_PARCELS),
    ]

    def __post_init__(self) -> None:
        check_distinct([self.parcel, *(part.parcel for part in self.into)], "parcel and into", errors.BAD_PARCELS)


class Merge(Message, tag="land/merge", frozen=True):
    """Merge parcels of one district and the same owners into a new one (owners and a registrar sign)."""

    parcels: Annotated[
        tuple[ParcelId, ...],
        Meta(min_length=2, max_length=MAX_PARTS),
        field("The parcels to merge (2 to 16).", code=errors.BAD_PARCELS, cli="parcel"),
    ]
    into: Annotated[ParcelId, field("Id of the merged parcel.")]

    def __post_init__(self) -> None:
        check_distinct([*self.parcels, self.into], "parcels and into", errors.BAD_PARCELS)


class SetOraclePolicy(Message, tag="land/set_oracle_policy", frozen=True):
    """Set who attests a claim and how many must agree (a registrar)."""

    claim: Annotated[ClaimName, field("Claim name, e.g. parcel_registration or survey.")]
    oracles: Annotated[
        tuple[Address, ...],
        Meta(min_length=1, max_length=MAX_ORACLES),
        field("The oracles' addresses, each holding the role oracle (1 to 16).", code=errors.BAD_POLICY, cli="oracle"),
    ]
    threshold: Annotated[
        int, Meta(ge=1, le=MAX_ORACLES), field("How many distinct oracles must agree.", code=errors.BAD_POLICY)
    ]

    def __post_init__(self) -> None:
        if self.threshold > len(self.oracles):
            raise errors.BAD_POLICY.error(f"threshold must be an integer in 1..{len(self.oracles)}")
        check_distinct(self.oracles, "oracles", errors.BAD_POLICY)


class Attest(Message, tag="land/attest", frozen=True):
    """Attest a value for a claim about a subject (an oracle of the claim's policy)."""

    claim: Annotated[ClaimName, field("Claim name.")]
    subject: Annotated[Subject, field("What the claim is about, usually a parcel id.")]
    value_digest: Annotated[Digest, field("SHA-256 hex digest of the attested value.")]


class IssueRevenueRights(Message, tag="land/issue_revenue_rights", frozen=True):
    """Tokenize a parcel's revenue: a fixed-supply asset for the owners (owners and a registrar sign)."""

    parcel: Annotated[ParcelId, field("Parcel id.")]
    asset: Annotated[Symbol, field("Symbol of the new rights asset.")]
    shares: Annotated[Amount, field("Units to issue, a decimal integer, split by ownership share.")]


class Distribute(Message, tag="land/distribute", frozen=True):
    """Pay an amount to the holders of the parcel's revenue rights, pro rata (the sender pays)."""

    parcel: Annotated[ParcelId, field("Parcel id.")]
    asset: Annotated[Symbol, field("Asset to pay in, e.g. SEK.")]
    amount: Annotated[Amount, field("Amount to pay out, a decimal integer.")]


MESSAGES = (
    RegisterParcel,
    Transfer,
    CreateLien,
    ReleaseLien,
    Split,
    Merge,
    SetOraclePolicy,
    Attest,
    IssueRevenueRights,
    Distribute,
)


# -- cross-field rules ------------------------------------------------------------------------------


def check_owners(shares: Sequence[Share], name: str) -> None:
    """Distinct addresses whose basis points add up to exactly 10000."""
    if len({s.address for s in shares}) != len(shares):
        raise errors.DUPLICATE_OWNER.error(f"{name} names an owner twice")
    total = sum(s.share_bp for s in shares)
    if total != TOTAL_BP:
        raise errors.BAD_SHARE_TOTAL.error(f"{name}: shares add up to {total} basis points, not {TOTAL_BP}")


def check_distinct(values: Sequence[str], name: str, code: ErrorCode) -> None:
    if len(set(values)) != len(values):
        raise code.error(f"{name} repeats an entry")


# -- digests (also SDK helpers: they take the wire form the SDK builds) ------------------------------


def document_digest(document: bytes) -> str:
    """The on-ledger form of an off-ledger document (deed, survey, loan agreement): SHA-256 hex."""
    return hashlib.sha256(document).hexdigest()


def registration_digest(msg: RegisterParcel | Mapping[str, Any]) -> str:
    """The value oracles attest under ``parcel_registration`` for a ``land/register_parcel`` message.

    hex(SHA-256(JCS({"parcel", "district", "area_m2", "owners": [{"address", "share_bp"}],
    "documents"}))): the message without its ``type``, lists in message order. ``msg`` is the
    decoded message or its wire form (a dict, as the SDK builds it).
    """
    if not isinstance(msg, Mapping):
        return _sha256_jcs(record_to_wire(RegisterParcel, msg))
    if msg.get("type") != type_name(RegisterParcel):
        raise ValueError(f"a registration digest is of a land/register_parcel message, not {msg.get('type')!r}")
    return _sha256_jcs({k: v for k, v in msg.items() if k != "type"})


def _sha256_jcs(content: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical_json(dict(content))).hexdigest()
