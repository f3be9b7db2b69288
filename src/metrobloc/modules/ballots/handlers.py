"""Stateful handlers of the ballots module: one method per message of ``msgs.py``.

The state machine (docs/spec/ballots.md, "Module"): ``keygen`` (guardians commit, deal sealed shares,
acknowledge them; the joint key is fixed when every share is acknowledged) -> ``ready`` (casting
between cast_start_ms and cast_end_ms) -> ``closed`` (the final total frozen; guardians send decryption
shares of it) -> ``decided`` (counts checked against threshold shares). A complaint in key generation,
or a close with no joint key, ends in ``aborted``.

A ballot's proofs were checked at admission (``msgs.Cast``); here a cast is compared with the stored
election and folded into the running total, replacing the voter's previous ballot.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import msgspec

from metrobloc.codec import canonical_json_checked
from metrobloc.execution import Context
from metrobloc.modules.ballots import errors, group
from metrobloc.modules.ballots.expected import Census
from metrobloc.modules.ballots.keeper import (
    ABORTED,
    CLOSED,
    DECIDED,
    KEYGEN,
    READY,
    BallotsKeeper,
    CastBallot,
    Election,
    Guardian,
)
from metrobloc.modules.ballots.msgs import (
    Ack,
    Cast,
    Close,
    Commit,
    Complain,
    Create,
    Deal,
    DecryptionShare,
    Result,
)


def _json(record: Any) -> Any:
    """A record as plain JSON values, lists and all (what the election stores and compares)."""
    return msgspec.json.decode(msgspec.json.encode(record))


class BallotsHandlers:
    """The handlers, over the ballots keeper and the census (the identity keeper)."""

    def __init__(self, keeper: BallotsKeeper, census: Census) -> None:
        self.keeper, self.census = keeper, census

    # -- lookups ------------------------------------------------------------------------------------
    def _election(self, ctx: Context, election: str) -> Election:
        found = self.keeper.election(ctx, election)
        if found is None:
            raise errors.UNKNOWN_ELECTION.error(f"no election {election}")
        return found

    def _guardian(self, ctx: Context, e: Election) -> Guardian:
        found = self.keeper.guardian(ctx, e.election, ctx.sender)
        if found is None:
            raise errors.NOT_GUARDIAN.error(f"{ctx.sender} is not a guardian of {e.election}")
        return found

    def _in_keygen(self, ctx: Context, election: str) -> tuple[Election, Guardian]:
        e = self._election(ctx, election)
        g = self._guardian(ctx, e)
        if e.status != KEYGEN or ctx.block_time_ms >= e.keygen_end_ms:
            raise errors.KEYGEN_OVER.error(f"key generation of {election} is over (status {e.status})")
        return e, g

    # -- creation -----------------------------------------------------------------------------------
    def create(self, ctx: Context, msg: Create) -> None:
        if self.keeper.election(ctx, msg.election) is not None:
            raise errors.ELECTION_EXISTS.error(f"an election {msg.election} exists")
        if msg.keygen_end_ms <= ctx.block_time_ms:
            raise errors.TOO_LATE_TO_CREATE.error(f"keygen_end_ms {msg.keygen_end_ms} is not after this block")
        shapes = [q.shape() for q in msg.questions]
        e = Election(
            election=msg.election,
            census=_json(msg.census),
            guardians=list(msg.guardians),
            threshold=msg.t,
            questions=[_json(q) for q in msg.questions],
            shapes=[_json(s) for s in shapes],
            keygen_end_ms=msg.keygen_end_ms,
            cast_start_ms=msg.cast_start_ms,
            cast_end_ms=msg.cast_end_ms,
            decrypt_end_ms=msg.decrypt_end_ms,
            created_by=ctx.sender,
            via=None if ctx.via is None else list(ctx.via),
            height=ctx.height,
            time_ms=ctx.block_time_ms,
            tx_hash=ctx.tx_hash,
        )
        self.keeper.put_election(ctx, e)
        for i, address in enumerate(msg.guardians, 1):
            self.keeper.put_guardian(ctx, msg.election, Guardian(address, i))
        self.keeper.put_total(ctx, msg.election, group.empty_total(e.shapes))
        ctx.emit(
            "ballots/create",
            election=msg.election,
            created_by=ctx.sender,
            guardians=str(len(msg.guardians)),
            threshold=str(msg.t),
            cast_start_ms=str(msg.cast_start_ms),
            cast_end_ms=str(msg.cast_end_ms),
        )

    # -- key generation -----------------------------------------------------------------------------
    def commit(self, ctx: Context, msg: Commit) -> None:
        e, g = self._in_keygen(ctx, msg.election)
        if g.commitments:
            raise errors.ALREADY_SENT.error(f"{ctx.sender} committed already")
        if len(msg.commitments) != e.threshold:
            raise errors.BAD_COMMITMENT.error(f"commit {e.threshold} coefficients (the threshold)")
        proofs = [[str(p.challenge), str(p.response)] for p in msg.proofs]
        problem = group.check_commitment(msg.commitments, proofs, e.threshold, ctx.chain_id, e.election, g.index)
        if problem is not None:
            raise errors.BAD_COMMITMENT.error(problem)
        g = replace(g, commitments=list(msg.commitments), proofs=proofs, encryption_key=msg.encryption_key)
        self.keeper.put_guardian(ctx, e.election, g)
        self.keeper.put_election(ctx, replace(e, committed=e.committed + 1))
        ctx.emit("ballots/commit", election=e.election, guardian=ctx.sender, index=str(g.index))

    def deal(self, ctx: Context, msg: Deal) -> None:
        e, g = self._in_keygen(ctx, msg.election)
        if e.committed < len(e.guardians):
            raise errors.NOT_ALL_COMMITTED.error(f"{e.committed} of {len(e.guardians)} guardians committed")
        if g.sealed is not None:
            raise errors.ALREADY_SENT.error(f"{ctx.sender} dealt its shares already")
        others = [a for a in e.guardians if a != ctx.sender]
        by_to = {str(s.to): s.sealed for s in msg.shares}
        if sorted(by_to) != sorted(others):
            raise errors.BAD_SHARES.error("deal exactly one sealed share to every other guardian")
        sealed = [{"to": a, "sealed": by_to[a]} for a in others]
        self.keeper.put_guardian(ctx, e.election, replace(g, sealed=sealed))
        self.keeper.put_election(ctx, replace(e, dealt=e.dealt + 1))
        ctx.emit("ballots/deal", election=e.election, guardian=ctx.sender, shares=str(len(sealed)))

    def _dealer(self, ctx: Context, e: Election, dealer: str) -> Guardian:
        found = self.keeper.guardian(ctx, e.election, dealer)
        if found is None:
            raise errors.NOT_GUARDIAN.error(f"{dealer} is not a guardian of {e.election}")
        if found.sealed is None or dealer == ctx.sender:
            raise errors.NO_SHARE.error(f"{dealer} dealt no share to {ctx.sender}")
        return found

    def ack(self, ctx: Context, msg: Ack) -> None:
        e, _ = self._in_keygen(ctx, msg.election)
        d = self._dealer(ctx, e, msg.dealer)
        if ctx.sender in d.acked_by:
            raise errors.ALREADY_SENT.error(f"{ctx.sender} acknowledged {msg.dealer}'s share already")
        self.keeper.put_guardian(ctx, e.election, replace(d, acked_by=[*d.acked_by, ctx.sender]))
        e = replace(e, acks=e.acks + 1)
        ctx.emit("ballots/ack", election=e.election, guardian=ctx.sender, dealer=msg.dealer)
        n = len(e.guardians)
        if e.acks == n * (n - 1):
            e = self._fix_key(ctx, e)
        self.keeper.put_election(ctx, e)

    def _fix_key(self, ctx: Context, e: Election) -> Election:
        """Every share acknowledged: the joint key and each guardian's public share, from the commitments."""
        rows = [{"commitments": g.commitments, "proofs": g.proofs} for g in self.keeper.guardians(ctx, e)]
        joint = group.joint_key(rows, e.threshold)
        guardian_keys = group.guardian_keys(rows, e.threshold)
        ctx.emit("ballots/key", election=e.election, joint_key=joint)
        return replace(e, status=READY, joint_key=joint, guardian_keys=guardian_keys, key_height=ctx.height)

    def complain(self, ctx: Context, msg: Complain) -> None:
        e, _ = self._in_keygen(ctx, msg.election)
        d = self._dealer(ctx, e, msg.dealer)
        self.keeper.put_guardian(
            ctx, e.election, replace(d, complaint={"by": ctx.sender, "reason_digest": msg.reason_digest})
        )
        reason = f"{ctx.sender} complained about {msg.dealer}'s share"
        self.keeper.put_election(ctx, replace(e, status=ABORTED, abort_reason=reason))
        ctx.emit("ballots/abort", election=e.election, reason=reason)

    # -- casting ------------------------------------------------------------------------------------
    def cast(self, ctx: Context, msg: Cast) -> None:
        e = self._election(ctx, msg.election)
        now = ctx.block_time_ms
        if msg.voter != ctx.sender or msg.chain_id != ctx.chain_id:
            raise errors.WRONG_VOTER.error(f"the ballot is for {msg.voter} on {msg.chain_id}, not {ctx.sender}")
        if now >= e.cast_end_ms or e.status in (CLOSED, DECIDED):
            raise errors.WINDOW_CLOSED.error(f"casting in {e.election} closed at {e.cast_end_ms}")
        if e.status != READY or now < e.cast_start_ms:
            raise errors.NOT_OPEN.error(f"casting in {e.election} opens at {e.cast_start_ms} (status {e.status})")
        if msg.joint_key != e.joint_key or [_json(s) for s in msg.shapes] != e.shapes:
            raise errors.STALE_BALLOT.error("the ballot was made for another joint key or other questions")
        census = e.census
        if not self.census.holds(ctx, ctx.sender, census["credential_type"], census["issuers"], now):
            raise errors.NOT_IN_CENSUS.error(f"{ctx.sender} holds no {census['credential_type']} of the census")
        previous = self.keeper.ballot(ctx, e.election, ctx.sender)
        ballot = [dict(answer) for answer in msg.ballot]
        total = group.replace_ballot(
            self.keeper.total(ctx, e.election), e.shapes, None if previous is None else previous.ballot, ballot
        )
        digest = group.digest(canonical_json_checked(ballot))
        replaced = 0 if previous is None else previous.replaced + 1
        self.keeper.put_total(ctx, e.election, total)
        self.keeper.put_ballot(
            ctx, e.election, CastBallot(ctx.sender, ballot, digest, ctx.tx_hash, ctx.height, now, replaced)
        )
        voters = e.voters + (1 if previous is None else 0)
        self.keeper.put_election(ctx, replace(e, voters=voters, casts=e.casts + 1))
        ctx.emit("ballots/cast", election=e.election, voter=ctx.sender, ballot_digest=digest, replaced=str(replaced))

    def close(self, ctx: Context, msg: Close) -> None:
        e = self._election(ctx, msg.election)
        if e.status not in (KEYGEN, READY):
            raise errors.WRONG_PHASE.error(f"{e.election} is {e.status} already")
        if ctx.block_time_ms < e.cast_end_ms:
            raise errors.TOO_EARLY.error(f"casting in {e.election} is open until {e.cast_end_ms}")
        if e.status == KEYGEN:
            reason = "no joint key by the end of casting"
            self.keeper.put_election(ctx, replace(e, status=ABORTED, abort_reason=reason, closed_height=ctx.height))
            ctx.emit("ballots/abort", election=e.election, reason=reason)
            return
        total = self.keeper.total(ctx, e.election)
        self.keeper.put_election(ctx, replace(e, status=CLOSED, closed_height=ctx.height))
        ctx.emit(
            "ballots/close",
            election=e.election,
            voters=str(e.voters),
            total_digest=group.digest(canonical_json_checked(total)),
        )

    # -- decryption and result ----------------------------------------------------------------------
    def decryption_share(self, ctx: Context, msg: DecryptionShare) -> None:
        e = self._election(ctx, msg.election)
        g = self._guardian(ctx, e)
        if e.status != CLOSED:
            raise errors.WRONG_PHASE.error(f"shares decrypt the final total of a closed election ({e.status})")
        if e.decrypt_end_ms is not None and ctx.block_time_ms >= e.decrypt_end_ms:
            raise errors.DECRYPTION_OVER.error(f"decryption shares were due before {e.decrypt_end_ms}")
        if g.decryption_share is not None:
            raise errors.ALREADY_SENT.error(f"{ctx.sender} sent its decryption share already")
        assert e.guardian_keys is not None, "a closed election has its key"
        total = self.keeper.total(ctx, e.election)
        public = e.guardian_keys[g.index - 1]
        problem = group.check_decryption_share(msg.share, total, e.shapes, public, g.index, ctx.chain_id, e.election)
        if problem is not None:
            raise errors.BAD_DECRYPTION_SHARE.error(problem)
        self.keeper.put_guardian(ctx, e.election, replace(g, decryption_share=msg.share, share_height=ctx.height))
        self.keeper.put_election(ctx, replace(e, shares=e.shares + 1))
        ctx.emit("ballots/decryption_share", election=e.election, guardian=ctx.sender, index=str(g.index))

    def result(self, ctx: Context, msg: Result) -> None:
        e = self._election(ctx, msg.election)
        if e.status != CLOSED:
            raise errors.WRONG_PHASE.error(f"a result is for a closed election ({e.status})")
        if len(msg.counts) != sum(s["options"] for s in e.shapes):
            raise errors.BAD_COUNTS.error("give one count per option of every question")
        if max(msg.counts) > e.voters:
            raise errors.BAD_COUNTS.error(f"a count is at most the number of voters, {e.voters}")
        shared = [g for g in self.keeper.guardians(ctx, e) if g.decryption_share is not None]
        if len(shared) < e.threshold:
            raise errors.TOO_FEW_SHARES.error(f"{len(shared)} of the {e.threshold} decryption shares needed")
        chosen = shared[: e.threshold]  # the first t by index: every node picks the same
        total = self.keeper.total(ctx, e.election)
        counts, i = [], 0
        for s in e.shapes:  # per question
            counts.append(list(msg.counts[i : i + s["options"]]))
            i += s["options"]
        if not group.check_counts(counts, total, e.shapes, [g.decryption_share or {} for g in chosen]):
            raise errors.WRONG_RESULT.error("the counts do not match the decrypted total")
        self.keeper.put_election(
            ctx, replace(e, status=DECIDED, counts=counts, result_height=ctx.height, result_tx=ctx.tx_hash)
        )
        ctx.emit(
            "ballots/result",
            election=e.election,
            counts=canonical_json_checked(counts).decode(),
            guardians=",".join(str(g.index) for g in chosen),
        )
