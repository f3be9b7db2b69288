"""Stateful handlers of the consortium module: one method per message of ``msgs.py``.

A set change executed in block h is in force from h + 1 (``effective_height``), so that the header
proving it, h, is certified by the set before it. Each change appends a record and an event with the
same fields, which the node and the light clients fold (``metrobloc.ledger.consortium``). The
consortium org's membership follows the set: a change runs ``orgs/set_member`` as the org's treasury.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace

from metrobloc.codec import b64url_encode
from metrobloc.crypto import verify_signature
from metrobloc.execution import Context, module_authority
from metrobloc.ledger import Genesis
from metrobloc.ledger.consortium import Member, key_statement
from metrobloc.modules.consortium import errors
from metrobloc.modules.consortium.expected import Orgs
from metrobloc.modules.consortium.keeper import ConsortiumKeeper, KeySpan, Seat
from metrobloc.modules.consortium.msgs import MAX_MEMBERS, AddMember, Init, RemoveMember, RotateKey

ORG = "consortium"
"""The id of the consortium's org (orgs reserves it for ``AUTHORITY``)."""
AUTHORITY = module_authority(ORG)
"""The module's own address, which creates the org: no key controls it."""
CHARTER_DIGEST = hashlib.sha256(b"metrobloc consortium charter v1").hexdigest()
VOTING = {
    "support_bp": 6666,
    "quorum_bp": 6666,
    "period_ms": 604_800_000,
    "exec_delay_ms": 0,
    "early_execution": True,
}
"""The org's rules: with early execution, ``yes·10⁴ ≥ 6666·n`` executes at once, which is exactly
``3·yes ≥ 2·n`` for every n ≤ 4999; the handlers check ``3·yes ≥ 2·n`` themselves on every path."""


class ConsortiumHandlers:
    """The handlers, over the consortium keeper and the orgs keeper."""

    def __init__(self, keeper: ConsortiumKeeper, orgs: Orgs) -> None:
        self.keeper, self.orgs = keeper, orgs

    def init(self, ctx: Context, msg: Init) -> None:
        genesis = _genesis(ctx)
        if self.orgs.org(ctx, ORG) is not None:
            raise errors.ALREADY_INITIALISED.error(f"the org {ORG} exists")
        members = [{"address": m.voter, "weight": 1} for m in self.keeper.members(ctx, genesis)]
        create = {"type": "orgs/create", "org": ORG, "charter_digest": CHARTER_DIGEST, "members": members}
        ctx.run_as(AUTHORITY, [{**create, "voting": VOTING}])
        ctx.emit("consortium/init", org=ORG)

    def add_member(self, ctx: Context, msg: AddMember) -> None:
        genesis, members = self._decided(ctx)
        self.keeper.materialise(ctx, genesis)
        if self.keeper.seat(ctx, msg.org) is not None:
            raise errors.ORG_EXISTS.error(f"{msg.org} is or was a member")
        self._fresh_key(ctx, msg.org, msg.node_key, msg.key_signature)
        self._free_voter(ctx, msg.voter)
        if len(members) >= MAX_MEMBERS:
            raise errors.TOO_MANY.error(f"the consortium has {len(members)} members, the most it may have")
        since = ctx.height + 1
        self.keeper.put_seat(ctx, Seat(msg.org, msg.name, msg.voter, b64url_encode(msg.node_key), since, None))
        self.keeper.put_key_span(ctx, msg.node_key, KeySpan(msg.org, since, None))
        self.keeper.set_voter(ctx, msg.voter, msg.org)
        self._set_votes(ctx, [(msg.voter, 1)])
        node_key = b64url_encode(msg.node_key)
        self._changed(ctx, "consortium/add", org=msg.org, name=msg.name, node_key=node_key, voter=msg.voter)

    def remove_member(self, ctx: Context, msg: RemoveMember) -> None:
        genesis, members = self._decided(ctx)
        self.keeper.materialise(ctx, genesis)
        seat = self._current(ctx, genesis, msg.org)
        if len(members) <= 1:
            raise errors.LAST_MEMBER.error(f"{msg.org} is the last member: no node key would certify headers")
        until = ctx.height + 1
        self.keeper.put_seat(ctx, replace(seat, until=until))
        self.keeper.close_key(ctx, seat.member.node_key, until)
        self.keeper.set_voter(ctx, seat.voter, None)
        self._set_votes(ctx, [(seat.voter, 0)])
        self._changed(ctx, "consortium/remove", org=msg.org, node_key=seat.node_key)

    def rotate_key(self, ctx: Context, msg: RotateKey) -> None:
        genesis, _ = self._decided(ctx)
        self.keeper.materialise(ctx, genesis)
        seat = self._current(ctx, genesis, msg.org)
        self._fresh_key(ctx, msg.org, msg.node_key, msg.key_signature)
        voter = seat.voter if msg.voter is None else msg.voter
        if voter != seat.voter:
            self._free_voter(ctx, voter)
        since = ctx.height + 1
        self.keeper.close_key(ctx, seat.member.node_key, since)
        self.keeper.put_key_span(ctx, msg.node_key, KeySpan(msg.org, since, None))
        node_key = b64url_encode(msg.node_key)
        self.keeper.put_seat(ctx, replace(seat, node_key=node_key, voter=voter))
        if voter != seat.voter:
            self.keeper.set_voter(ctx, seat.voter, None)
            self.keeper.set_voter(ctx, voter, msg.org)
            self._set_votes(ctx, [(voter, 1), (seat.voter, 0)])  # the new one first: the org never empties
        new_voter = voter if voter != seat.voter else ""
        self._changed(ctx, "consortium/rotate", org=msg.org, old_key=seat.node_key, node_key=node_key, voter=new_voter)

    # -- the decision ---------------------------------------------------------------------------------
    def _decided(self, ctx: Context) -> tuple[Genesis, list[Member]]:
        """The genesis and the current members, when a passed proposal of the consortium org on which
        at least two thirds of them voted yes is sending this message; refuses it otherwise."""
        genesis = _genesis(ctx)
        if ctx.sender != self.orgs.treasury(ORG) or ctx.via is None or ctx.via[0] != ORG:
            raise errors.NOT_AUTHORITY.error(f"only a passed proposal of the {ORG} org changes the consortium")
        if self.orgs.org(ctx, ORG) is None:
            raise errors.NOT_INITIALISED.error(f"the {ORG} org does not exist: send consortium/init first")
        proposal = ctx.via[1]
        members = self.keeper.members(ctx, genesis)
        yes = sum(1 for m in members if _option(self.orgs, ctx, proposal, m.voter) == "yes")
        if 3 * yes < 2 * len(members):
            raise errors.NO_SUPERMAJORITY.error(
                f"{yes} of {len(members)} member organizations voted yes on {proposal}; two thirds are needed"
            )
        return genesis, members

    # -- checks and writes ------------------------------------------------------------------------------
    def _current(self, ctx: Context, genesis: Genesis, org: str) -> Seat:
        seat = self.keeper.member(ctx, genesis, org)
        if seat is None:
            raise errors.NOT_MEMBER.error(f"{org} is not a member of the consortium")
        return seat

    def _fresh_key(self, ctx: Context, org: str, node_key: bytes, signature: bytes) -> None:
        if self.keeper.key_span(ctx, node_key) is not None:
            raise errors.KEY_USED.error(f"the node key {b64url_encode(node_key)} was in force once")
        if not verify_signature(node_key, key_statement(ctx.chain_id, org, node_key), signature):
            raise errors.BAD_KEY_SIGNATURE.error(f"the node key did not sign the key statement for {org}")

    def _free_voter(self, ctx: Context, voter: str) -> None:
        holder = self.keeper.voter(ctx, voter)
        if holder is not None:
            raise errors.VOTER_USED.error(f"{voter} votes for {holder} already")

    def _set_votes(self, ctx: Context, changes: list[tuple[str, int]]) -> None:
        """Keep the consortium org's members the current voters, one vote each (0 removes)."""
        msgs = [{"type": "orgs/set_member", "org": ORG, "address": a, "weight": w} for a, w in changes]
        ctx.run_as(self.orgs.treasury(ORG), msgs)

    def _changed(self, ctx: Context, event: str, **attributes: str) -> None:
        """Append the change record and emit its event: the same fields, every value a string."""
        seq = str(self.keeper.count(ctx) + 1)
        effective = str(ctx.height + 1)
        fields = {"seq": seq, **attributes, "effective_height": effective}
        record = {"name": "", "old_key": "", "voter": "", **fields}
        kind = event.partition("/")[2]
        self.keeper.record_change(ctx, {**record, "kind": kind, "height": str(ctx.height), "tx_hash": ctx.tx_hash})
        ctx.emit(event, **fields)


def _genesis(ctx: Context) -> Genesis:
    if ctx.genesis is None:
        raise errors.NO_GENESIS.error("this executor has no genesis: the consortium's first members are unknown")
    return ctx.genesis


def _option(orgs: Orgs, ctx: Context, proposal: str, voter: str) -> str | None:
    ballot = orgs.ballot(ctx, ORG, proposal, voter)
    return None if ballot is None else ballot.option
