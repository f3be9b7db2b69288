"""State access of the consortium module: the member records, the node keys ever in force, the current
voters and the append-only change records (docs/spec/consortium.md §2).

Until the first change, state holds nothing of the consortium and its members are those derived from
the genesis (``genesis_members``); the first change writes their records (``materialise``) so that from
then on state alone says who is in force.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

from metrobloc.codec import b64url_decode, b64url_encode
from metrobloc.execution.state_access import Reader, Writer
from metrobloc.execution.state_access import load_json as load
from metrobloc.execution.state_access import store_json as store
from metrobloc.ledger import Genesis
from metrobloc.ledger.consortium import Member, genesis_members
from metrobloc.modules.consortium import keys


@dataclass(frozen=True)
class Seat:
    """A member's record (``consortium/member/{org}``): kept after its removal, with ``until`` set."""

    org: str
    name: str
    voter: str
    """The address that votes for it in the consortium org."""
    node_key: str
    """Its node key in force now (or last, once removed), base64url."""
    since: int
    """First height its first key certified (1 for a genesis member)."""
    until: int | None
    """First height it no longer certifies (removal block + 1); None while a member."""

    @property
    def member(self) -> Member:
        return Member(self.org, self.name, b64url_decode(self.node_key, length=32), self.voter)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class KeySpan:
    """A node key ever in force (``consortium/key/{key}``): whose, and the heights it certifies."""

    org: str
    since: int
    until: int | None


class ConsortiumKeeper:
    """Reads and writes consortium records."""

    def count(self, state: Reader) -> int:
        """Set changes so far (``consortium/count``; absent = 0)."""
        raw = state.get(keys.COUNT)
        return 0 if raw is None else int(raw)

    def change(self, state: Reader, seq: int) -> dict[str, str] | None:
        """The record of change ``seq`` (from 1), or None."""
        found: dict[str, str] | None = load(state, keys.change_key(seq))
        return found

    def record_change(self, state: Writer, record: dict[str, str]) -> None:
        """Append a change record; its ``seq`` must be the next one."""
        seq = int(record["seq"])
        assert seq == self.count(state) + 1, (seq, self.count(state))
        store(state, keys.change_key(seq), record)
        state.set(keys.COUNT, str(seq).encode())

    def orgs(self, state: Reader) -> list[str]:
        """Every org id that was ever a member since the first change, in joining order."""
        found = load(state, keys.ORGS)
        return [] if found is None else [str(o) for o in found]

    def seat(self, state: Reader, org: str) -> Seat | None:
        rec = load(state, keys.member_key(org))
        return None if rec is None else Seat(**rec)

    def put_seat(self, state: Writer, seat: Seat) -> None:
        if self.seat(state, seat.org) is None:
            store(state, keys.ORGS, [*self.orgs(state), seat.org])
        store(state, keys.member_key(seat.org), seat.to_json())

    def key_span(self, state: Reader, node_key: bytes) -> KeySpan | None:
        rec = load(state, keys.key_key(node_key))
        return None if rec is None else KeySpan(**rec)

    def put_key_span(self, state: Writer, node_key: bytes, span: KeySpan) -> None:
        store(state, keys.key_key(node_key), asdict(span))

    def voter(self, state: Reader, address: str) -> str | None:
        """The org ``address`` votes for, if it is a current voter."""
        found = load(state, keys.voter_key(address))
        return None if found is None else str(found)

    def set_voter(self, state: Writer, address: str, org: str | None) -> None:
        if org is None:
            state.delete(keys.voter_key(address))
        else:
            store(state, keys.voter_key(address), org)

    def members(self, state: Reader, genesis: Genesis) -> list[Member]:
        """The members in force after the writes seen so far, in joining order (genesis order first)."""
        if self.count(state) == 0:
            return list(genesis_members(genesis))
        seats = (self.seat(state, org) for org in self.orgs(state))
        return [s.member for s in seats if s is not None and s.until is None]

    def member(self, state: Reader, genesis: Genesis, org: str) -> Seat | None:
        """The current member ``org`` (None if it is not one, or no longer)."""
        if self.count(state) == 0:
            found = next((m for m in genesis_members(genesis) if m.org == org), None)
            return None if found is None else _genesis_seat(found)
        seat = self.seat(state, org)
        return seat if seat is not None and seat.until is None else None

    def materialise(self, state: Writer, genesis: Genesis) -> None:
        """Before the first change: write the genesis members' records, keys and voters (once)."""
        if self.count(state) != 0:
            return
        for m in genesis_members(genesis):
            self.put_seat(state, _genesis_seat(m))
            self.put_key_span(state, m.node_key, KeySpan(m.org, 1, None))
            self.set_voter(state, m.voter, m.org)

    def close_key(self, state: Writer, node_key: bytes, until: int) -> None:
        span = self.key_span(state, node_key)
        assert span is not None and span.until is None, node_key
        self.put_key_span(state, node_key, replace(span, until=until))


def _genesis_seat(m: Member) -> Seat:
    return Seat(m.org, m.name, m.voter, b64url_encode(m.node_key), 1, None)


__all__ = ["ConsortiumKeeper", "KeySpan", "Reader", "Seat", "Writer"]
