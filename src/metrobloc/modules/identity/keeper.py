"""State access of the identity module: DID records and their versions, accreditations, schemas,
status-list anchors, and the personal-data access and erasure log."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from metrobloc.execution.state_access import Reader, Scanner, Writer
from metrobloc.execution.state_access import load_json as load
from metrobloc.execution.state_access import store_json as store
from metrobloc.modules.identity import errors, keys


@dataclass(frozen=True)
class DidRecord:
    """A DID's state besides its keys (which the accounts keeper's key history holds)."""

    created_height: int
    created_ms: int
    updated_height: int
    updated_ms: int
    services: list[dict[str, str]]
    """``{"id", "type", "endpoint"}`` in the order given."""
    deactivated: bool = False

    @classmethod
    def from_json(cls, rec: dict[str, Any]) -> DidRecord:
        return cls(**rec)


@dataclass(frozen=True)
class Accreditation:
    """An issuer's accreditation for credential types within a window (docs/spec/state.md §identity)."""

    id: int
    subject: str
    accreditor: str
    parent: int | None
    """The accreditor's own accreditation that allowed this one; None when the root authority granted it."""
    types: list[str]
    valid_from_ms: int
    valid_until_ms: int
    may_accredit: bool
    height: int
    time_ms: int
    revoked_height: int | None = None
    revoked_ms: int | None = None

    def in_force(self, at_ms: int, credential_type: str | None = None) -> bool:
        """Within its window and not revoked at ``at_ms``, and covering the type if one is given."""
        if not self.valid_from_ms <= at_ms < self.valid_until_ms:
            return False
        if self.revoked_ms is not None and self.revoked_ms <= at_ms:
            return False
        return credential_type is None or credential_type in self.types

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, rec: dict[str, Any]) -> Accreditation:
        return cls(**rec)


@dataclass(frozen=True)
class Enrolment:
    """An issuer's latest enrolment of a holder in the census of a credential type (docs/spec/state.md §identity)."""

    accreditation: int
    """The issuer's accreditation for the type in force when it last enrolled the holder."""
    enrolled_ms: int
    """Block time of that last enrol message (the accreditation was in force then)."""
    from_ms: int
    """Since when the holder is enrolled without a break (a renewal in force keeps it)."""
    until_ms: int | None
    """The enrolment ends then (exclusive); None: no end."""
    ended_ms: int | None
    """Block time of the unenrol that ended it; None while not unenrolled."""
    height: int
    """Block height of the last enrol or unenrol."""

    def in_force(self, at_ms: int) -> bool:
        """Begun, not past its end, not unenrolled at ``at_ms``."""
        if at_ms < self.from_ms or (self.until_ms is not None and at_ms >= self.until_ms):
            return False
        return self.ended_ms is None or at_ms < self.ended_ms

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, rec: dict[str, Any]) -> Enrolment:
        return cls(**rec)


class IdentityKeeper:
    """Reads and writes identity records."""

    def did(self, state: Reader, address: str) -> DidRecord | None:
        rec = load(state, keys.did_key(address))
        return None if rec is None else DidRecord.from_json(rec)

    def put_did(self, state: Writer, address: str, record: DidRecord) -> None:
        """Store the DID record and the version this block leaves."""
        store(state, keys.did_key(address), asdict(record))
        store(state, keys.did_version_key(address, record.updated_height), asdict(record))

    def accreditation(self, state: Reader, acc_id: int) -> Accreditation | None:
        rec = load(state, keys.accreditation_key(acc_id))
        return None if rec is None else Accreditation.from_json(rec)

    def put_accreditation(self, state: Writer, acc: Accreditation) -> None:
        store(state, keys.accreditation_key(acc.id), acc.to_json())
        ids = self.accreditation_ids(state, acc.subject)
        if acc.id not in ids:
            if len(ids) >= MAX_PER_ISSUER:
                raise errors.TOO_MANY.error(f"{acc.subject} holds {MAX_PER_ISSUER} accreditations already")
            store(state, keys.issuer_key(acc.subject), [*ids, acc.id])

    def accreditation_ids(self, state: Reader, subject: str) -> list[int]:
        """Ids of the accreditations granted to ``subject``, oldest first."""
        ids = load(state, keys.issuer_key(subject))
        return [] if ids is None else [int(i) for i in ids]

    def in_force_for(
        self, state: Reader, subject: str, at_ms: int, credential_type: str | None
    ) -> Accreditation | None:
        """An accreditation of ``subject`` in force at ``at_ms`` for the type (any type if None)."""
        for acc_id in self.accreditation_ids(state, subject):
            acc = self.accreditation(state, acc_id)
            if acc is not None and self.accredited(state, acc, at_ms, credential_type):
                return acc
        return None

    def next_accreditation_id(self, state: Writer) -> int:
        raw = state.get(keys.next_accreditation_key())
        acc_id = 1 if raw is None else int(raw)
        state.set(keys.next_accreditation_key(), str(acc_id + 1).encode())
        return acc_id

    def accredited(self, state: Reader, acc: Accreditation, at_ms: int, credential_type: str | None) -> bool:
        """``acc`` is in force at ``at_ms`` for the type, and so is every accreditation above it."""
        for _ in range(MAX_CHAIN):
            if not acc.in_force(at_ms, credential_type):
                return False
            if acc.parent is None:
                return True
            parent = self.accreditation(state, acc.parent)
            if parent is None or not parent.may_accredit:
                return False
            acc = parent
        return False

    # -- the census ------------------------------------------------------------------------------
    def enrolment(self, state: Reader, credential_type: str, holder: str, issuer: str) -> Enrolment | None:
        rec = load(state, keys.enrolment_key(credential_type, holder, issuer))
        return None if rec is None else Enrolment.from_json(rec)

    def enrolling_issuers(self, state: Reader, credential_type: str, holder: str) -> list[str]:
        """The issuers that ever enrolled ``holder`` for the type, first enrolment first."""
        found = load(state, keys.enrolled_by_key(credential_type, holder))
        return [] if found is None else [str(a) for a in found]

    def put_enrolment(self, state: Writer, credential_type: str, holder: str, issuer: str, rec: Enrolment) -> None:
        store(state, keys.enrolment_key(credential_type, holder, issuer), rec.to_json())
        issuers = self.enrolling_issuers(state, credential_type, holder)
        if issuer not in issuers:
            if len(issuers) >= MAX_ENROLLING_ISSUERS:
                raise errors.TOO_MANY_ISSUERS.error(f"{holder} is enrolled for {credential_type} by 64 issuers")
            store(state, keys.enrolled_by_key(credential_type, holder), [*issuers, issuer])

    def holds(self, state: Reader, address: str, credential_type: str, issuers: Sequence[str], at_ms: int) -> bool:
        """Whether ``address`` is in the census of ``credential_type`` at ``at_ms``.

        True iff some enrolment of it for the type by one of ``issuers`` (by any issuer if empty) is in
        force at ``at_ms``, the enrolling issuer's accreditation for the type was in force when it
        enrolled, and neither that accreditation nor any above it was revoked at or before ``at_ms``.
        """
        candidates = list(issuers) if issuers else self.enrolling_issuers(state, credential_type, address)
        for issuer in candidates:
            rec = self.enrolment(state, credential_type, address, issuer)
            if rec is None or not rec.in_force(at_ms):
                continue
            acc = self.accreditation(state, rec.accreditation)
            if acc is None or acc.subject != issuer:
                continue
            if self.accredited(state, acc, rec.enrolled_ms, credential_type) and not self._revoked_by(
                state, acc, at_ms
            ):
                return True
        return False

    def _revoked_by(self, state: Reader, acc: Accreditation, at_ms: int) -> bool:
        """``acc`` or an accreditation above it was revoked at or before ``at_ms``."""
        for _ in range(MAX_CHAIN):
            if acc.revoked_ms is not None and acc.revoked_ms <= at_ms:
                return True
            if acc.parent is None:
                return False
            parent = self.accreditation(state, acc.parent)
            if parent is None:
                return True
            acc = parent
        return True

    def depth(self, state: Reader, acc: Accreditation) -> int:
        """How many accreditations the chain from ``acc`` up to the root's holds (``MAX_CHAIN + 1`` at most)."""
        n = 1
        while acc.parent is not None and n <= MAX_CHAIN and (parent := self.accreditation(state, acc.parent)):
            acc, n = parent, n + 1
        return n


MAX_CHAIN = 8
"""Accreditation chains are at most this deep (root → authority → ... → issuer)."""
MAX_PER_ISSUER = 64
"""Accreditations one issuer may hold, revoked ones included."""
MAX_ENROLLING_ISSUERS = 64
"""Issuers that may enrol one holder for one credential type (unenrolled ones included)."""

__all__ = [
    "Accreditation",
    "DidRecord",
    "Enrolment",
    "IdentityKeeper",
    "MAX_CHAIN",
    "MAX_ENROLLING_ISSUERS",
    "MAX_PER_ISSUER",
    "Reader",
    "Scanner",
    "Writer",
    "load",
    "store",
]
