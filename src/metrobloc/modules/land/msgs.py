"""Messages of the land module and their stateless checks (formats, sizes, share totals)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from metrobloc.codec import canonical_json, is_address
from metrobloc.errors import InvalidInput
from metrobloc.execution import fields
from metrobloc.modules.land import errors

PARCEL = re.compile(r"^[A-Z0-9][A-Z0-9:-]{0,47}$")
"""Parcel ids: upper-case letters, digits, ``-`` and ``:``, 1..48 characters (e.g. ``KUNGSHOLMEN-1:23``)."""
DISTRICT = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
"""District slugs, e.g. ``kungsholmen``."""
CLAIM = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
"""Claim names, e.g. ``parcel_registration``, ``survey``."""
SUBJECT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9:._-]{0,127}$")
"""What a claim is about: usually a parcel id."""
DIGEST = re.compile(r"^[0-9a-f]{64}$")
"""SHA-256 digests of documents kept off the ledger, in lower-case hex."""
SYMBOL = re.compile(r"^[A-Z][A-Z0-9]{1,15}$")
"""Asset symbols (the assets module's format)."""

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


@dataclass(frozen=True)
class Share:
    """One owner's part of a parcel."""

    address: str
    share_bp: int
    """Basis points, 1..10000."""

    def to_json(self) -> dict[str, Any]:
        return {"address": self.address, "share_bp": self.share_bp}


@dataclass(frozen=True)
class RegisterParcel:
    """``land/register_parcel``: a parcel's first registration (a registrar, or a settled claim)."""

    parcel: str
    district: str
    area_m2: int
    owners: tuple[Share, ...]
    documents: tuple[str, ...]
    """Digests of the deeds and surveys, kept off-chain."""


@dataclass(frozen=True)
class Price:
    """The declared consideration of a sale (recorded, not paid: pay with ``assets/transfer``)."""

    asset: str
    amount: int

    def to_json(self) -> dict[str, str]:
        return {"asset": self.asset, "amount": str(self.amount)}


@dataclass(frozen=True)
class TransferParcel:
    """``land/transfer``: new owners; co-signed by old and new owners, a registrar and lienholders."""

    parcel: str
    to: tuple[Share, ...]
    price: Price | None
    deed_digest: str


@dataclass(frozen=True)
class CreateLien:
    """``land/create_lien``: a mortgage or other charge, ranked after every earlier active lien."""

    parcel: str
    lender: str
    amount: int
    asset: str
    reference_digest: str
    """Digest of the loan agreement."""


@dataclass(frozen=True)
class ReleaseLien:
    """``land/release_lien``: the lienholder discharges a lien."""

    parcel: str
    lien_id: int


@dataclass(frozen=True)
class Part:
    """One parcel a split produces."""

    parcel: str
    area_m2: int


@dataclass(frozen=True)
class SplitParcel:
    """``land/split``: ``parcel`` is retired and replaced by ``into`` (areas add up exactly)."""

    parcel: str
    into: tuple[Part, ...]


@dataclass(frozen=True)
class MergeParcels:
    """``land/merge``: ``parcels`` are retired and replaced by ``into`` (their areas summed)."""

    parcels: tuple[str, ...]
    into: str


@dataclass(frozen=True)
class SetOraclePolicy:
    """``land/set_oracle_policy``: who attests ``claim`` and how many must agree (a registrar)."""

    claim: str
    oracles: tuple[str, ...]
    threshold: int


@dataclass(frozen=True)
class Attest:
    """``land/attest``: the sender, an oracle of the claim's policy, attests a value for a subject."""

    claim: str
    subject: str
    value_digest: str


@dataclass(frozen=True)
class IssueRevenueRights:
    """``land/issue_revenue_rights``: ``shares`` units of a new fixed-supply asset for the owners."""

    parcel: str
    asset: str
    shares: int


@dataclass(frozen=True)
class Distribute:
    """``land/distribute``: the sender pays ``amount`` of ``asset`` to the rights holders pro rata."""

    parcel: str
    asset: str
    amount: int


def registration_digest(msg: RegisterParcel) -> str:
    """The value oracles attest under ``parcel_registration`` for ``msg.parcel``.

    hex(SHA-256(JCS({"parcel", "district", "area_m2", "owners": [{"address", "share_bp"}],
    "documents"}))): the message's content without ``type``, lists in message order.
    """
    content = {
        "parcel": msg.parcel,
        "district": msg.district,
        "area_m2": msg.area_m2,
        "owners": [s.to_json() for s in msg.owners],
        "documents": list(msg.documents),
    }
    return hashlib.sha256(canonical_json(content)).hexdigest()


# -- field checks -----------------------------------------------------------------------------------


def _text(msg: Mapping[str, Any], name: str, pattern: re.Pattern[str], code: str = "msg.bad_string") -> str:
    """A string field matching ``pattern`` in full (``re.match`` with ``$`` would let a final newline in)."""
    value = msg[name]
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise InvalidInput(f"{name} must be a string matching {pattern.pattern}", code)
    return value


def parcel_id(value: Any, name: str = "parcel") -> str:
    """A parcel id; ``land.bad_parcel`` otherwise, in a message as in a query."""
    return _text({name: value}, name, PARCEL, errors.BAD_PARCEL)


def _parcel(msg: Mapping[str, Any], name: str = "parcel") -> str:
    return parcel_id(msg[name], name)


def _digest(msg: Mapping[str, Any], name: str) -> str:
    return _text(msg, name, DIGEST, errors.BAD_DIGEST)


def _area(msg: Mapping[str, Any]) -> int:
    return fields.integer(msg, "area_m2", low=1, high=MAX_AREA_M2)


def _list(msg: Mapping[str, Any], name: str, low: int, high: int, code: str) -> list[Any]:
    value = msg[name]
    if not isinstance(value, list) or not low <= len(value) <= high:
        raise InvalidInput(f"{name} must be a list of {low} to {high} entries", code)
    return value


def parse_shares(msg: Mapping[str, Any], name: str) -> tuple[Share, ...]:
    """Owners with basis-point shares: 1..7 distinct addresses, each 1..10000, summing to 10000."""
    shares = []
    for entry in _list(msg, name, 1, MAX_OWNERS, errors.BAD_OWNERS):
        if not isinstance(entry, dict):
            raise InvalidInput(f"{name} entries are {{address, share_bp}} objects", errors.BAD_OWNERS)
        fields.exact_fields(entry, {"address", "share_bp"})
        bp = entry["share_bp"]
        if type(bp) is not int or not 1 <= bp <= TOTAL_BP:
            raise InvalidInput(f"{name}: share_bp must be an integer in 1..{TOTAL_BP}", errors.BAD_SHARE_TOTAL)
        shares.append(Share(fields.address(entry, "address"), bp))
    if len({s.address for s in shares}) != len(shares):
        raise InvalidInput(f"{name} names an owner twice", errors.DUPLICATE_OWNER)
    total = sum(s.share_bp for s in shares)
    if total != TOTAL_BP:
        raise InvalidInput(f"{name}: shares add up to {total} basis points, not {TOTAL_BP}", errors.BAD_SHARE_TOTAL)
    return tuple(shares)


def _distinct(values: list[str], name: str, code: str) -> tuple[str, ...]:
    if len(set(values)) != len(values):
        raise InvalidInput(f"{name} repeats an entry", code)
    return tuple(values)


# -- parsers ----------------------------------------------------------------------------------------


def parse_register_parcel(msg: Mapping[str, Any]) -> RegisterParcel:
    fields.exact_fields(msg, {"parcel", "district", "area_m2", "owners", "documents"})
    documents = _list(msg, "documents", 1, MAX_DOCUMENTS, errors.BAD_DOCUMENTS)
    if not all(isinstance(d, str) and DIGEST.fullmatch(d) for d in documents):
        raise InvalidInput("documents must be SHA-256 digests in lower-case hex", errors.BAD_DOCUMENTS)
    return RegisterParcel(
        _parcel(msg),
        _text(msg, "district", DISTRICT),
        _area(msg),
        parse_shares(msg, "owners"),
        _distinct(documents, "documents", errors.BAD_DOCUMENTS),
    )


def parse_transfer(msg: Mapping[str, Any]) -> TransferParcel:
    fields.exact_fields(msg, {"parcel", "to", "deed_digest"}, frozenset({"price"}))
    price = None
    if msg.get("price") is not None:
        raw = msg["price"]
        if not isinstance(raw, dict):
            raise InvalidInput("price must be {asset, amount} or null", errors.BAD_PRICE)
        fields.exact_fields(raw, {"asset", "amount"})
        price = Price(_text(raw, "asset", SYMBOL), fields.amount(raw, "amount", positive=False))
    return TransferParcel(_parcel(msg), parse_shares(msg, "to"), price, _digest(msg, "deed_digest"))


def parse_create_lien(msg: Mapping[str, Any]) -> CreateLien:
    fields.exact_fields(msg, {"parcel", "lender", "amount", "asset", "reference_digest"})
    return CreateLien(
        _parcel(msg),
        fields.address(msg, "lender"),
        fields.amount(msg, "amount"),
        _text(msg, "asset", SYMBOL),
        _digest(msg, "reference_digest"),
    )


def parse_release_lien(msg: Mapping[str, Any]) -> ReleaseLien:
    fields.exact_fields(msg, {"parcel", "lien_id"})
    return ReleaseLien(_parcel(msg), fields.integer(msg, "lien_id", low=1, high=MAX_LIEN_ID))


def parse_split(msg: Mapping[str, Any]) -> SplitParcel:
    fields.exact_fields(msg, {"parcel", "into"})
    parcel = _parcel(msg)
    parts = []
    for entry in _list(msg, "into", 2, MAX_PARTS, errors.BAD_PARCELS):
        if not isinstance(entry, dict):
            raise InvalidInput("into entries are {parcel, area_m2} objects", errors.BAD_PARCELS)
        fields.exact_fields(entry, {"parcel", "area_m2"})
        parts.append(Part(_parcel(entry), _area(entry)))
    _distinct([parcel, *(p.parcel for p in parts)], "parcel and into", errors.BAD_PARCELS)
    return SplitParcel(parcel, tuple(parts))


def parse_merge(msg: Mapping[str, Any]) -> MergeParcels:
    fields.exact_fields(msg, {"parcels", "into"})
    parcels = [parcel_id(p, "parcels") for p in _list(msg, "parcels", 2, MAX_PARTS, errors.BAD_PARCELS)]
    into = _parcel(msg, "into")
    _distinct([*parcels, into], "parcels and into", errors.BAD_PARCELS)
    return MergeParcels(tuple(parcels), into)


def parse_set_oracle_policy(msg: Mapping[str, Any]) -> SetOraclePolicy:
    fields.exact_fields(msg, {"claim", "oracles", "threshold"})
    addresses = _list(msg, "oracles", 1, MAX_ORACLES, errors.BAD_POLICY)
    if not all(is_address(a) for a in addresses):
        raise InvalidInput("oracles must be mb1 addresses", "msg.bad_address")
    threshold = msg["threshold"]
    if type(threshold) is not int or not 1 <= threshold <= len(addresses):
        raise InvalidInput(f"threshold must be an integer in 1..{len(addresses)}", errors.BAD_POLICY)
    return SetOraclePolicy(_text(msg, "claim", CLAIM), _distinct(addresses, "oracles", errors.BAD_POLICY), threshold)


def parse_attest(msg: Mapping[str, Any]) -> Attest:
    fields.exact_fields(msg, {"claim", "subject", "value_digest"})
    return Attest(
        _text(msg, "claim", CLAIM),
        _text(msg, "subject", SUBJECT),
        _digest(msg, "value_digest"),
    )


def parse_issue_revenue_rights(msg: Mapping[str, Any]) -> IssueRevenueRights:
    fields.exact_fields(msg, {"parcel", "asset", "shares"})
    return IssueRevenueRights(_parcel(msg), _text(msg, "asset", SYMBOL), fields.amount(msg, "shares"))


def parse_distribute(msg: Mapping[str, Any]) -> Distribute:
    fields.exact_fields(msg, {"parcel", "asset", "amount"})
    return Distribute(_parcel(msg), _text(msg, "asset", SYMBOL), fields.amount(msg, "amount"))
