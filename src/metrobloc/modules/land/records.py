"""The land module's ledger records: parcels, liens, oracle policies, claims and history entries.

Each record is stored as the JCS of ``to_json()``; integers that stay below 2^53 (areas, heights,
ids) are JSON numbers, amounts are decimal strings. ``json_form`` and ``event_attributes`` give the
two forms of a fact a handler reports: in a parcel's history (JSON) and in an event (strings).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from metrobloc.execution.messages import Record, record_to_wire
from metrobloc.modules.land.msgs import Share

ACTIVE = "active"
RETIRED = "retired"
RELEASED = "released"
PENDING = "pending"
SETTLED = "settled"


@dataclass(frozen=True)
class Parcel:
    """A registered parcel and its title."""

    parcel: str
    district: str
    area_m2: int
    owners: tuple[Share, ...]
    """In the order of the deed; the first owner takes rounding remainders."""
    documents: tuple[str, ...]
    """Digests of the deeds and surveys of its registration (children of a split or merge have none)."""
    status: str
    """``active``, or ``retired`` once split or merged away."""
    registered_height: int
    parents: tuple[str, ...] = ()
    """The parcels it was split or merged from."""
    children: tuple[str, ...] = ()
    """The parcels it was split or merged into (then it is retired)."""
    liens: tuple[int, ...] = ()
    """Ids of its active liens in rank order (registration order)."""
    next_lien_id: int = 1
    revenue_rights: str | None = None
    """Symbol of its revenue-rights asset, once issued."""
    deed_digest: str | None = None
    """Digest of the deed of the last transfer."""

    @property
    def active(self) -> bool:
        return self.status == ACTIVE

    def owner_addresses(self) -> tuple[str, ...]:
        return tuple(s.address for s in self.owners)

    def evolve(self, **changes: Any) -> Parcel:
        return replace(self, **changes)

    def to_json(self) -> dict[str, Any]:
        return {
            "parcel": self.parcel,
            "district": self.district,
            "area_m2": self.area_m2,
            "owners": json_form(self.owners),
            "documents": list(self.documents),
            "status": self.status,
            "registered_height": self.registered_height,
            "parents": list(self.parents),
            "children": list(self.children),
            "liens": list(self.liens),
            "next_lien_id": self.next_lien_id,
            "revenue_rights": self.revenue_rights,
            "deed_digest": self.deed_digest,
        }

    @classmethod
    def from_json(cls, rec: dict[str, Any]) -> Parcel:
        return cls(
            rec["parcel"],
            rec["district"],
            rec["area_m2"],
            tuple(Share(o["address"], o["share_bp"]) for o in rec["owners"]),
            tuple(rec["documents"]),
            rec["status"],
            rec["registered_height"],
            tuple(rec["parents"]),
            tuple(rec["children"]),
            tuple(rec["liens"]),
            rec["next_lien_id"],
            rec["revenue_rights"],
            rec["deed_digest"],
        )


@dataclass(frozen=True)
class Lien:
    """A charge on a parcel held by a lender."""

    parcel: str
    lien_id: int
    """Per parcel, from 1, never reused: registration order."""
    lender: str
    amount: int
    asset: str
    reference_digest: str
    """Digest of the loan agreement, kept off-chain."""
    created_height: int
    created_tx: str
    status: str = ACTIVE
    """``active`` or ``released``."""
    released_height: int | None = None
    released_tx: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "parcel": self.parcel,
            "lien_id": self.lien_id,
            "lender": self.lender,
            "amount": str(self.amount),
            "asset": self.asset,
            "reference_digest": self.reference_digest,
            "created_height": self.created_height,
            "created_tx": self.created_tx,
            "status": self.status,
            "released_height": self.released_height,
            "released_tx": self.released_tx,
        }

    @classmethod
    def from_json(cls, rec: dict[str, Any]) -> Lien:
        return cls(
            rec["parcel"],
            rec["lien_id"],
            rec["lender"],
            int(rec["amount"]),
            rec["asset"],
            rec["reference_digest"],
            rec["created_height"],
            rec["created_tx"],
            rec["status"],
            rec["released_height"],
            rec["released_tx"],
        )


@dataclass(frozen=True)
class Policy:
    """Which oracles attest a claim and how many of them must agree."""

    claim: str
    oracles: tuple[str, ...]
    threshold: int
    set_height: int

    def to_json(self) -> dict[str, Any]:
        return {
            "claim": self.claim,
            "oracles": list(self.oracles),
            "threshold": self.threshold,
            "set_height": self.set_height,
        }

    @classmethod
    def from_json(cls, rec: dict[str, Any]) -> Policy:
        return cls(rec["claim"], tuple(rec["oracles"]), rec["threshold"], rec["set_height"])


@dataclass(frozen=True)
class Attestation:
    """One oracle's statement of a value for a (claim, subject)."""

    oracle: str
    value_digest: str
    height: int
    tx_hash: str

    def to_json(self) -> dict[str, Any]:
        return {
            "oracle": self.oracle,
            "value_digest": self.value_digest,
            "height": self.height,
            "tx_hash": self.tx_hash,
        }


@dataclass(frozen=True)
class Settlement:
    """The value a claim settled on, and when."""

    value_digest: str
    height: int
    tx_hash: str
    oracles: tuple[str, ...]
    """The agreeing oracles, in attestation order."""

    def to_json(self) -> dict[str, Any]:
        return {
            "value_digest": self.value_digest,
            "height": self.height,
            "tx_hash": self.tx_hash,
            "oracles": list(self.oracles),
        }


@dataclass(frozen=True)
class Claim:
    """Every attestation of one (claim, subject), agreeing or not, and its settlement."""

    claim: str
    subject: str
    attestations: tuple[Attestation, ...] = ()
    """In attestation order."""
    settled: Settlement | None = None

    @property
    def status(self) -> str:
        return PENDING if self.settled is None else SETTLED

    def values(self) -> list[str]:
        """The distinct values attested, in order of first attestation."""
        return list(dict.fromkeys(a.value_digest for a in self.attestations))

    def to_json(self) -> dict[str, Any]:
        return {
            "claim": self.claim,
            "subject": self.subject,
            "attestations": [a.to_json() for a in self.attestations],
            "settled": None if self.settled is None else self.settled.to_json(),
        }

    @classmethod
    def from_json(cls, rec: dict[str, Any]) -> Claim:
        s = rec["settled"]
        return cls(
            rec["claim"],
            rec["subject"],
            tuple(Attestation(a["oracle"], a["value_digest"], a["height"], a["tx_hash"]) for a in rec["attestations"]),
            None if s is None else Settlement(s["value_digest"], s["height"], s["tx_hash"], tuple(s["oracles"])),
        )


@dataclass(frozen=True)
class HistoryEntry:
    """One event in the life of a parcel id, with where to find its proof."""

    seq: int
    """Position in the parcel's history, from 1."""
    type: str
    """The event type, e.g. ``land/transfer``."""
    height: int
    """Block height; 0 for records imported at genesis."""
    time_ms: int
    """Block time."""
    tx_hash: str
    """The tx that caused it; empty for genesis records."""
    details: dict[str, Any]
    """What changed (owners, lien id, children...), JSON."""

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "type": self.type,
            "height": self.height,
            "time_ms": self.time_ms,
            "tx_hash": self.tx_hash,
            "details": self.details,
        }

    @classmethod
    def from_json(cls, rec: dict[str, Any]) -> HistoryEntry:
        return cls(rec["seq"], rec["type"], rec["height"], rec["time_ms"], rec["tx_hash"], rec["details"])


# -- the two forms of a reported fact ---------------------------------------------------------------


def json_form(value: Any) -> Any:
    """A fact in a history entry: a record (an owner's share, a price) as its wire object, a tuple as a
    list, anything else (strings, integers, null, JSON already) as it is."""
    if isinstance(value, Record):
        return record_to_wire(type(value), value)
    if isinstance(value, tuple):
        return [json_form(v) for v in value]
    return value


def event_attributes(name: str, value: Any) -> dict[str, str]:
    """A fact as event attributes: ``name`` with its text, a lone record (a price) as one attribute per
    field (``price_asset``, ``price_amount``), None as nothing."""
    if value is None:
        return {}
    if isinstance(value, Record):
        return {f"{name}_{key}": _text(v) for key, v in json_form(value).items()}
    return {name: _text(value)}


def _text(value: Any) -> str:
    """Numbers in decimal, a tuple comma-joined, a record in a tuple (an owner) as its values joined by
    ``:`` (``address:share_bp``)."""
    if isinstance(value, tuple):
        return ",".join(_text(v) for v in value)
    if isinstance(value, Record):
        return ":".join(_text(v) for v in json_form(value).values())
    assert isinstance(value, str | int) and not isinstance(value, bool), value
    return str(value)
