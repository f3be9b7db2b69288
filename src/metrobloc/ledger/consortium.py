"""The consortium's node-key set over time: the genesis members, the set changes, and the fold that
says which keys are in force at a height (docs/spec/consortium.md, design §2.1).

One pure copy used by the ``consortium`` module, the node and every verifier: a header at height H
counts only attestations by ``KeyHistory.at(H)``, and a change executed in block h is in force from
h + 1 on, so the header that proves a change is always certified by the set before it.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from metrobloc.codec import b64url_decode, b64url_encode, canonical_json_checked, is_address
from metrobloc.crypto import CONSORTIUM_KEY_TAG, address_of
from metrobloc.errors import InvalidInput, VerificationFailed
from metrobloc.ledger.genesis import Genesis, quorum
from metrobloc.ledger.receipts import HEX32, Event

CONSORTIUM_COUNT_KEY = "consortium/count"
"""State key of the number of set changes so far (absent = 0); light clients prove it."""
CHANGE_EVENTS = ("consortium/add", "consortium/remove", "consortium/rotate")
"""Event types that change the key set, one per change, in ``seq`` order within a receipt."""

_KIND = {"consortium/add": "add", "consortium/remove": "remove", "consortium/rotate": "rotate"}
_ATTRIBUTES = {
    "add": {"seq", "org", "name", "node_key", "voter", "effective_height"},
    "remove": {"seq", "org", "node_key", "effective_height"},
    "rotate": {"seq", "org", "old_key", "node_key", "voter", "effective_height"},
}
_RECORD_FIELDS = {"seq", "kind", "org", "name", "node_key", "old_key", "voter", "height", "effective_height", "tx_hash"}
_ORG = re.compile(r"^[a-z][a-z0-9-]{2,47}$")
_NAME = re.compile(r"^[^\x00-\x1f\x7f]{1,80}$")
_DECIMAL = re.compile(r"^[1-9][0-9]{0,17}$")
_BAD = "verify.bad_set_change"


@dataclass(frozen=True)
class Member:
    """An organization of the consortium and the node key it certifies headers with."""

    org: str
    """Org id: ``org{i}`` for the i-th genesis organization, chosen by the vote for later ones."""
    name: str
    """Display name."""
    node_key: bytes
    """32-byte Ed25519 public key whose attestations count while the member is in force."""
    voter: str
    """Address that votes for this organization in the consortium org."""


def genesis_members(genesis: Genesis) -> tuple[Member, ...]:
    """The initial set, derived from ``genesis.organizations`` (never written to state, design §1.1).

    The voter is the node key's own address: the only key genesis ties to an organization.
    """
    return tuple(
        Member(f"org{i}", o.name, o.node_key, address_of(o.node_key)) for i, o in enumerate(genesis.organizations, 1)
    )


def key_statement(chain_id: str, org: str, node_key: bytes) -> bytes:
    """``"metrobloc/consortium_key/v1\\0" || JCS({chain_id, node_key, org})``: what a new node key
    signs, so that a vote can only put in force a key somebody holds."""
    body = {"chain_id": chain_id, "org": org, "node_key": b64url_encode(node_key)}
    return CONSORTIUM_KEY_TAG + canonical_json_checked(body)


@dataclass(frozen=True)
class SetChange:
    """One change of the key set, as its event (or its ``consortium/change/{seq}`` record) says."""

    seq: int
    """1 for the first change ever, then consecutive."""
    kind: str
    """``add``, ``remove`` or ``rotate``."""
    org: str
    """The member concerned."""
    name: str
    """The new member's name (``add``); "" otherwise."""
    node_key: bytes
    """``add``: the new key; ``remove``: the key leaving; ``rotate``: the key replacing ``old_key``."""
    old_key: bytes | None
    """``rotate``: the key being replaced; None otherwise."""
    voter: str
    """``add``: the voter; ``rotate``: the new voter; "" when unchanged or for ``remove``."""
    height: int
    """Block that executed the change."""
    effective_height: int
    """First height whose header the new set certifies: always ``height + 1``."""

    @classmethod
    def from_event(cls, event: Event, height: int) -> SetChange:
        """Read a ``consortium/add|remove|rotate`` event of a receipt at ``height``.

        The attribute set is exact per kind: a proven receipt must have one reading only.
        """
        kind = _KIND.get(event.type)
        if kind is None:
            raise InvalidInput(f"{event.type!r} is not a set change event", _BAD)
        attrs = event.attributes
        if set(attrs) != _ATTRIBUTES[kind]:
            raise InvalidInput(f"a {event.type} event has exactly the attributes {sorted(_ATTRIBUTES[kind])}", _BAD)
        record = {f: "" for f in _RECORD_FIELDS} | dict(attrs) | {"kind": kind, "height": str(height)}
        return cls._parse(record)

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> SetChange:
        """Read a ``consortium/change/{seq}`` state value: the event's attributes (unused ones ""),
        plus ``kind``, ``height`` and ``tx_hash``, every value a string."""
        if set(record) != _RECORD_FIELDS or not all(isinstance(v, str) for v in record.values()):
            raise InvalidInput(f"a change record has exactly the text fields {sorted(_RECORD_FIELDS)}", _BAD)
        if record["kind"] not in _ATTRIBUTES:
            raise InvalidInput(f"unknown change kind {record['kind']!r}", _BAD)
        unused = _RECORD_FIELDS - _ATTRIBUTES[record["kind"]] - {"kind", "height", "tx_hash"}
        if any(record[f] != "" for f in unused):
            raise InvalidInput(f"fields {sorted(unused)} of a {record['kind']} record must be empty", _BAD)
        if not HEX32.fullmatch(record["tx_hash"]):
            raise InvalidInput("a change record's tx_hash is 64 lower-case hex digits", _BAD)
        return cls._parse(record)

    @classmethod
    def _parse(cls, r: Mapping[str, str]) -> SetChange:
        kind = r["kind"]
        if not _ORG.fullmatch(r["org"]):
            raise InvalidInput(f"org id {r['org']!r} is not an org id", _BAD)
        if kind == "add" and not _NAME.fullmatch(r["name"]):
            raise InvalidInput("an added member's name is 1 to 80 printable characters", _BAD)
        voter_needed = kind == "add"
        if (r["voter"] or voter_needed) and not is_address(r["voter"]):
            raise InvalidInput(f"voter {r['voter']!r} is not an address", _BAD)
        return cls(
            seq=_decimal(r["seq"], "seq"),
            kind=kind,
            org=r["org"],
            name=r["name"],
            node_key=_key(r["node_key"], "node_key"),
            old_key=_key(r["old_key"], "old_key") if kind == "rotate" else None,
            voter=r["voter"],
            height=_decimal(r["height"], "height"),
            effective_height=_decimal(r["effective_height"], "effective_height"),
        )


def _decimal(text: str, what: str) -> int:
    if not _DECIMAL.fullmatch(text):
        raise InvalidInput(f"{what} {text!r} is not a positive decimal", _BAD)
    return int(text)


def _key(text: str, what: str) -> bytes:
    try:
        return b64url_decode(text, length=32, what=what)
    except InvalidInput as exc:
        raise InvalidInput(exc.message, _BAD) from exc


@dataclass(frozen=True)
class KeySet:
    """The members in force for every height from ``since`` until the next epoch's ``since``."""

    since: int
    """First height this set certifies."""
    members: tuple[Member, ...]
    """In force, in the order they joined (genesis order first)."""

    @property
    def quorum(self) -> int:
        """Distinct valid attestations a header at these heights needs: ``quorum(len(members))``."""
        return quorum(len(self.members))

    def __contains__(self, key: object) -> bool:
        return any(m.node_key == key for m in self.members)

    def name_of(self, key: bytes) -> str | None:
        """The name of the member whose node key this is, if it is in this set."""
        return next((m.name for m in self.members if m.node_key == key), None)


@dataclass(frozen=True)
class KeyHistory:
    """Every set from genesis on, folded from the set changes in ``seq`` order."""

    epochs: tuple[KeySet, ...]
    """``epochs[0].since == 1``; ``since`` strictly increasing."""
    count: int
    """Changes applied so far (the proven ``consortium/count``)."""
    spans: tuple[tuple[Member, int, int | None], ...] = ()
    """Every key ever put in force, with its member, ``since`` and ``until`` (None: still in force),
    in the order it was introduced. A key added and replaced in one block has ``since == until``."""

    @classmethod
    def from_genesis(cls, genesis: Genesis) -> KeyHistory:
        members = genesis_members(genesis)
        return cls((KeySet(1, members),), 0, tuple((m, 1, None) for m in members))

    def apply(self, change: SetChange) -> KeyHistory:
        """The history after ``change``; raises ``VerificationFailed`` when the change cannot follow.

        Codes: ``verify.set_gap`` (``seq`` is not ``count + 1``), ``verify.bad_set_change`` (any
        other rule: effective height, unknown or reused org, reused key, last member, stale key).
        """
        if change.seq != self.count + 1:
            raise VerificationFailed(f"set change {change.seq} follows change {self.count}", "verify.set_gap")
        current = self.epochs[-1]
        if change.effective_height != change.height + 1 or change.effective_height < current.since:
            raise VerificationFailed(
                f"set change {change.seq}: effective height {change.effective_height} is not its block "
                f"{change.height} + 1, or is before the last change's",
                _BAD,
            )
        members, spans = _changed(current.members, self.spans, change, self)
        if change.effective_height == current.since:
            epochs = (*self.epochs[:-1], KeySet(current.since, members))
        else:
            epochs = (*self.epochs, KeySet(change.effective_height, members))
        return KeyHistory(epochs, self.count + 1, spans)

    def at(self, height: int) -> KeySet:
        """The set in force at ``height`` (heights below 1 get the genesis set)."""
        index = bisect.bisect_right([e.since for e in self.epochs], height) - 1
        return self.epochs[max(index, 0)]

    def ever(self, key: bytes) -> bool:
        """Whether ``key`` was ever put in force (so it can never be added again)."""
        return any(m.node_key == key for m, _, _ in self.spans)

    def name_of(self, key: bytes) -> str | None:
        """The name of the member that held ``key`` at any time."""
        return next((m.name for m, _, _ in self.spans if m.node_key == key), None)

    def intervals(self) -> list[tuple[Member, int, int | None]]:
        """Each key's member, ``since`` and ``until`` (None: in force): the portal's "keys over time"."""
        return list(self.spans)


Spans = tuple[tuple[Member, int, int | None], ...]


def _changed(
    members: tuple[Member, ...], spans: Spans, change: SetChange, history: KeyHistory
) -> tuple[tuple[Member, ...], Spans]:
    """The members and key spans after one change; every refusal is ``verify.bad_set_change``."""
    at = change.effective_height
    current = next((m for m in members if m.org == change.org), None)

    def refuse(reason: str) -> VerificationFailed:
        return VerificationFailed(f"set change {change.seq} ({change.kind} {change.org}): {reason}", _BAD)

    if change.kind == "add":
        if any(m.org == change.org for m, _, _ in spans):
            raise refuse("the org id was already a member")
        if history.ever(change.node_key):
            raise refuse("the node key was already in force once")
        added = Member(change.org, change.name, change.node_key, change.voter)
        return (*members, added), (*spans, (added, at, None))
    if current is None:
        raise refuse("not a current member")
    if change.kind == "remove":
        if current.node_key != change.node_key:
            raise refuse("the node key is not the member's current key")
        if len(members) == 1:
            raise refuse("it would leave no member")
        return tuple(m for m in members if m.org != change.org), _closed(spans, current.node_key, at)
    if change.old_key != current.node_key:
        raise refuse("old_key is not the member's current key")
    if history.ever(change.node_key):
        raise refuse("the node key was already in force once")
    rotated = Member(current.org, current.name, change.node_key, change.voter or current.voter)
    new_members = tuple(rotated if m.org == change.org else m for m in members)
    return new_members, (*_closed(spans, current.node_key, at), (rotated, at, None))


def _closed(spans: Spans, key: bytes, until: int) -> Spans:
    return tuple((m, since, until if m.node_key == key and end is None else end) for m, since, end in spans)
