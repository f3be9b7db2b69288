"""State access of the ballots module: elections, their guardians' key generation, the running encrypted
total and each voter's current ballot. ``tally`` and ``voters`` are what other modules use (budgeting)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from metrobloc.execution.state_access import Reader, Scanner, Writer
from metrobloc.execution.state_access import load_json as load
from metrobloc.execution.state_access import store_json as store
from metrobloc.modules.ballots import keys

KEYGEN, READY, CLOSED, DECIDED, ABORTED = "keygen", "ready", "closed", "decided", "aborted"
"""An election's status: its key being generated; its key fixed (casting by time window); closed (the
final total frozen, decryption shares coming); decided (the result accepted); aborted (a complaint in
key generation, or no joint key by the end of casting)."""


def _record(record: Any) -> dict[str, Any]:
    """A record's fields as a dict for ``store_json``, without ``asdict``'s deep copy of every value
    (a cast's ballot is a few hundred strings; the copies took a third of a cast's execution)."""
    return {f.name: getattr(record, f.name) for f in fields(record)}


@dataclass(frozen=True)
class Election:
    """An election (docs/spec/ballots.md, "Module")."""

    election: str
    census: dict[str, Any]
    """``{credential_type, issuers}``: who may vote."""
    guardians: list[str]
    """Guardian i (from 1) is ``guardians[i-1]``: its index is its x in the key's polynomial."""
    threshold: int
    questions: list[dict[str, Any]]
    """As created: ``{question, options: [{id, weight}], min_selections, max_selections, weight_min, weight_max}``."""
    shapes: list[dict[str, Any]]
    """What a ballot's proofs depend on, per question (the ``Shape`` records a cast carries)."""
    keygen_end_ms: int
    cast_start_ms: int
    cast_end_ms: int
    decrypt_end_ms: int | None
    created_by: str
    via: list[str] | None
    """``[org, proposal]`` when an org's passed proposal created it."""
    height: int
    time_ms: int
    tx_hash: str
    status: str = KEYGEN
    committed: int = 0
    """Guardians that committed."""
    dealt: int = 0
    """Guardians that sent their sealed shares."""
    acks: int = 0
    """Acknowledged shares (the key is fixed at n·(n-1))."""
    joint_key: str | None = None
    guardian_keys: list[str] | None = None
    """Each guardian's public share s_i·G, derived from all commitments (decryption shares are proved against it)."""
    key_height: int | None = None
    voters: int = 0
    """Distinct voters with a ballot in the total."""
    casts: int = 0
    """Accepted cast messages (re-votes included)."""
    closed_height: int | None = None
    shares: int = 0
    """Guardians whose decryption share was accepted."""
    counts: list[list[int]] | None = None
    result_height: int | None = None
    result_tx: str | None = None
    abort_reason: str | None = None

    def index(self, guardian: str) -> int | None:
        """The guardian's index (from 1), or None."""
        return self.guardians.index(guardian) + 1 if guardian in self.guardians else None

    def to_json(self) -> dict[str, Any]:
        return _record(self)

    @classmethod
    def from_json(cls, rec: dict[str, Any]) -> Election:
        return cls(**rec)


@dataclass(frozen=True)
class Guardian:
    """A guardian's part of key generation and decryption."""

    address: str
    index: int
    commitments: list[str] = field(default_factory=list)
    proofs: list[list[str]] = field(default_factory=list)
    """A Schnorr proof ``[challenge, response]`` per commitment."""
    encryption_key: str | None = None
    sealed: list[dict[str, str]] | None = None
    """Its sealed shares ``{to, sealed}``, in guardian order (None until it deals)."""
    acked_by: list[str] = field(default_factory=list)
    """Guardians that acknowledged its share, in order of acknowledgement."""
    complaint: dict[str, str] | None = None
    """``{by, reason_digest}`` of a complaint against its share."""
    decryption_share: dict[str, Any] | None = None
    share_height: int | None = None

    def to_json(self) -> dict[str, Any]:
        return _record(self)

    @classmethod
    def from_json(cls, rec: dict[str, Any]) -> Guardian:
        return cls(**rec)


@dataclass(frozen=True)
class CastBallot:
    """A voter's current ballot (what the total holds for it) and the tx that cast it."""

    voter: str
    ballot: list[dict[str, Any]]
    digest: str
    """SHA-256 of JCS(ballot), in the cast's event: a receipt proves which ballot the tx cast."""
    tx_hash: str
    height: int
    time_ms: int
    replaced: int
    """How many earlier ballots of the voter this one replaced."""

    def to_json(self) -> dict[str, Any]:
        return _record(self)

    @classmethod
    def from_json(cls, rec: dict[str, Any]) -> CastBallot:
        return cls(**rec)


class BallotsKeeper:
    """Reads and writes ballots records."""

    def election(self, state: Reader, election: str) -> Election | None:
        rec = load(state, keys.election_key(election))
        return None if rec is None else Election.from_json(rec)

    def put_election(self, state: Writer, election: Election) -> None:
        store(state, keys.election_key(election.election), election.to_json())

    def guardian(self, state: Reader, election: str, address: str) -> Guardian | None:
        rec = load(state, keys.guardian_key(election, address))
        return None if rec is None else Guardian.from_json(rec)

    def guardians(self, state: Reader, election: Election) -> list[Guardian]:
        """Every guardian's record, in index order."""
        out = []
        for address in election.guardians:
            found = self.guardian(state, election.election, address)
            assert found is not None, "create stores every guardian"
            out.append(found)
        return out

    def put_guardian(self, state: Writer, election: str, guardian: Guardian) -> None:
        store(state, keys.guardian_key(election, guardian.address), guardian.to_json())

    def total(self, state: Reader, election: str) -> list[list[list[str]]]:
        """The running (after close: final) encrypted total: per question, per option, ``[A, B]``."""
        found = load(state, keys.total_key(election))
        assert found is not None, "create stores the empty total"
        return list(found)

    def put_total(self, state: Writer, election: str, total: list[list[list[str]]]) -> None:
        store(state, keys.total_key(election), total)

    def ballot(self, state: Reader, election: str, voter: str) -> CastBallot | None:
        rec = load(state, keys.ballot_key(election, voter))
        return None if rec is None else CastBallot.from_json(rec)

    def put_ballot(self, state: Writer, election: str, ballot: CastBallot) -> None:
        store(state, keys.ballot_key(election, ballot.voter), ballot.to_json())

    # -- for other modules (expected.py of budgeting) ----------------------------------------------
    def tally(self, state: Reader, election: str) -> list[list[tuple[str, int]]] | None:
        """Per question, ``(option id, count)`` in option order; None until the result is accepted."""
        found = self.election(state, election)
        if found is None or found.counts is None:
            return None
        return [
            [(o["id"], n) for o, n in zip(q["options"], counts, strict=True)]
            for q, counts in zip(found.questions, found.counts, strict=True)
        ]

    def voters(self, state: Reader, election: str) -> int:
        """How many distinct voters have a ballot in the total (0 for an unknown election)."""
        found = self.election(state, election)
        return 0 if found is None else found.voters


__all__ = [
    "ABORTED",
    "CLOSED",
    "DECIDED",
    "KEYGEN",
    "READY",
    "BallotsKeeper",
    "CastBallot",
    "Election",
    "Guardian",
    "Reader",
    "Scanner",
    "Writer",
]
