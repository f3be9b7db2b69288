"""Stateful handlers of the land module: one method per message of ``msgs.py``.

Each handler checks parties and state, then writes through the keeper, which appends the fact to
the parcel's history and emits its event in one step (``LandKeeper.report``). A raised error fails
the whole tx and rolls back every write.
"""

from __future__ import annotations

from dataclasses import replace

from metrobloc.execution import Context
from metrobloc.modules.land import errors
from metrobloc.modules.land.expected import AssetLedger, RoleChecker
from metrobloc.modules.land.keeper import LandKeeper
from metrobloc.modules.land.msgs import (
    MAX_AREA_M2,
    PARCEL,
    REGISTRATION_CLAIM,
    Attest,
    CreateLien,
    Distribute,
    IssueRevenueRights,
    Merge,
    RegisterParcel,
    ReleaseLien,
    SetOraclePolicy,
    Share,
    Split,
    Transfer,
    registration_digest,
)
from metrobloc.modules.land.parties import LENDER, MODULE_ADDRESS, ORACLE, Parties
from metrobloc.modules.land.payouts import allocate_by_shares, pro_rata
from metrobloc.modules.land.records import ACTIVE, RELEASED, Attestation, Claim, Lien, Parcel, Policy, Settlement


class LandHandlers:
    """The land module's handlers, over the keepers the app hands in."""

    def __init__(self, keeper: LandKeeper, roles: RoleChecker, assets: AssetLedger) -> None:
        self.keeper = keeper
        self.roles = roles
        self.assets = assets
        self.parties = Parties(roles)

    def register_parcel(self, ctx: Context, msg: RegisterParcel) -> None:
        self.keeper.require_new(ctx, msg.parcel)
        authority = "registrar"
        if not self.parties.has_registrar(ctx):
            claim = self.keeper.claim(ctx, REGISTRATION_CLAIM, msg.parcel)
            if claim.settled is None or claim.settled.value_digest != registration_digest(msg):
                raise errors.REGISTRAR_REQUIRED.error(
                    f"registering {msg.parcel} needs a land_registrar co-signer, or a settled "
                    f"{REGISTRATION_CLAIM} claim for exactly this content"
                )
            authority = "oracles"
        self.keeper.register(ctx, msg, authority)

    def transfer(self, ctx: Context, msg: Transfer) -> None:
        parcel = self.keeper.active_parcel(ctx, msg.parcel)
        self.parties.require_signed(
            ctx, [*parcel.owner_addresses(), *(s.address for s in msg.to)], "every current and every new owner"
        )
        self.parties.require_registrar(ctx, "a transfer")
        unsigned = [lien for lien in self.keeper.active_liens(ctx, parcel) if lien.lender not in ctx.signers]
        if unsigned:
            listed = ", ".join(f"lien {lien.lien_id} held by {lien.lender}" for lien in unsigned)
            raise errors.LIEN_ACTIVE.error(f"{msg.parcel} has active liens whose holders did not co-sign: {listed}")
        previous = parcel.owners
        parcel = self.keeper.change_owners(ctx, parcel, msg.to, msg.deed_digest)
        facts = {"from": previous, "to": msg.to, "deed_digest": msg.deed_digest, "price": msg.price}
        self.keeper.report(ctx, "land/transfer", msg.parcel, facts, history={"liens": parcel.liens})

    def create_lien(self, ctx: Context, msg: CreateLien) -> None:
        parcel = self.keeper.active_parcel(ctx, msg.parcel)
        self.parties.require_role(ctx, msg.lender, LENDER, errors.NOT_LENDER)
        self.parties.require_signed(ctx, [*parcel.owner_addresses(), msg.lender], "every owner and the lender")
        if not self.assets.exists(ctx, msg.asset):
            raise errors.UNKNOWN_ASSET.error(f"no asset {msg.asset} to denominate the lien in")
        prior = self.keeper.active_liens(ctx, parcel)
        lien_id = parcel.next_lien_id
        lien = Lien(
            msg.parcel, lien_id, msg.lender, msg.amount, msg.asset, msg.reference_digest, ctx.height, ctx.tx_hash
        )
        self.keeper.add_lien(ctx, parcel, lien)
        facts = {"lien_id": lien_id, "lender": msg.lender, "amount": str(msg.amount), "asset": msg.asset}
        self.keeper.report(
            ctx,
            "land/create_lien",
            msg.parcel,
            {**facts, "rank": len(prior) + 1},
            event={"prior_liens": ",".join(str(p.lien_id) for p in prior)},
            history={
                "reference_digest": msg.reference_digest,
                "prior_liens": [
                    {"lien_id": p.lien_id, "lender": p.lender, "amount": str(p.amount), "asset": p.asset, "rank": i + 1}
                    for i, p in enumerate(prior)
                ],
            },
        )

    def release_lien(self, ctx: Context, msg: ReleaseLien) -> None:
        parcel = self.keeper.parcel(ctx, msg.parcel)
        lien = self.keeper.lien(ctx, msg.parcel, msg.lien_id)
        if lien.status != ACTIVE:
            raise errors.LIEN_RELEASED.error(f"lien {msg.lien_id} on {msg.parcel} was already released")
        if lien.lender not in ctx.signers:
            raise errors.NOT_LIENHOLDER.error(f"only {lien.lender}, the lienholder, can release lien {lien.lien_id}")
        released = replace(lien, status=RELEASED, released_height=ctx.height, released_tx=ctx.tx_hash)
        self.keeper.release_lien(ctx, parcel, released)
        self.keeper.report(ctx, "land/release_lien", msg.parcel, {"lien_id": lien.lien_id, "lender": lien.lender})

    def check_restructuring(self, ctx: Context, parcels: list[Parcel], action: str) -> None:
        """Splits and merges: owners and a registrar sign; no liens or revenue rights in the way."""
        self.parties.require_signed(ctx, [a for p in parcels for a in p.owner_addresses()], "every owner")
        self.parties.require_registrar(ctx, action)
        for p in parcels:
            if p.liens:
                raise errors.LIEN_ACTIVE.error(f"{p.parcel} has active liens {list(p.liens)}; release them first")
            if p.revenue_rights is not None:
                raise errors.RIGHTS_EXIST.error(f"{p.parcel} has revenue rights {p.revenue_rights}")

    def split(self, ctx: Context, msg: Split) -> None:
        parent = self.keeper.active_parcel(ctx, msg.parcel)
        self.check_restructuring(ctx, [parent], "a split")
        total = sum(part.area_m2 for part in msg.into)
        if total != parent.area_m2:
            raise errors.BAD_AREA_TOTAL.error(f"parts add up to {total} m2, {msg.parcel} has {parent.area_m2} m2")
        for part in msg.into:
            self.keeper.require_new(ctx, part.parcel)
        children = tuple(part.parcel for part in msg.into)
        self.keeper.retire(ctx, parent, children)
        for part in msg.into:
            child = Parcel(
                part.parcel, parent.district, part.area_m2, parent.owners, (), ACTIVE, ctx.height, parents=(msg.parcel,)
            )
            self.keeper.add_parcel(ctx, child)
            self.keeper.record(
                ctx, part.parcel, "land/split", parent=msg.parcel, area_m2=part.area_m2, owners=parent.owners
            )
        self.keeper.report(
            ctx, "land/split", msg.parcel, {}, event={"into": ",".join(children)}, history={"children": msg.into}
        )

    def merge(self, ctx: Context, msg: Merge) -> None:
        parents = [self.keeper.active_parcel(ctx, p) for p in msg.parcels]
        self.keeper.require_new(ctx, msg.into)
        first = parents[0]
        for p in parents[1:]:
            if p.district != first.district:
                raise errors.DISTRICT_MISMATCH.error(
                    f"{p.parcel} lies in {p.district}, {first.parcel} in {first.district}"
                )
            if sorted(p.owners, key=_share_key) != sorted(first.owners, key=_share_key):
                raise errors.OWNERS_MISMATCH.error(f"{p.parcel} and {first.parcel} have different owners or shares")
        self.check_restructuring(ctx, parents, "a merge")
        area = sum(p.area_m2 for p in parents)
        if area > MAX_AREA_M2:
            raise errors.BAD_AREA_TOTAL.error(f"the merged area {area} m2 exceeds {MAX_AREA_M2}")
        for p in parents:
            self.keeper.retire(ctx, p, (msg.into,))
            self.keeper.record(ctx, p.parcel, "land/merge", into=msg.into, area_m2=p.area_m2)
        merged = Parcel(msg.into, first.district, area, first.owners, (), ACTIVE, ctx.height, parents=msg.parcels)
        self.keeper.add_parcel(ctx, merged)
        self.keeper.report(
            ctx,
            "land/merge",
            msg.into,
            {"area_m2": area},
            key="into",
            event={"parcels": ",".join(msg.parcels)},
            history={"parents": msg.parcels, "owners": first.owners},
        )

    def set_oracle_policy(self, ctx: Context, msg: SetOraclePolicy) -> None:
        self.parties.require_registrar(ctx, "setting an oracle policy")
        for oracle in msg.oracles:
            self.parties.require_role(ctx, oracle, ORACLE, errors.NOT_ORACLE)
        self.keeper.put_policy(ctx, Policy(msg.claim, msg.oracles, msg.threshold, ctx.height))
        ctx.emit("land/set_oracle_policy", claim=msg.claim, oracles=",".join(msg.oracles), threshold=str(msg.threshold))

    def attest(self, ctx: Context, msg: Attest) -> None:
        """Record the sender's vote and settle the claim if its value now has enough counted votes.

        An oracle votes once per (claim, subject). Re-sending its identical attestation asks for a
        recount: it settles the claim when the count has reached the threshold without a new vote
        (threshold lowered, oracle put back in the policy, role granted again), and is refused with
        ``land.already_attested`` otherwise. Attestations about a parcel id go into its history.
        """
        policy = self.keeper.policy(ctx, msg.claim)
        oracle = ctx.sender
        if oracle not in policy.oracles or not self.roles.has_role(ctx, oracle, ORACLE):
            raise errors.NOT_ORACLE.error(f"{oracle} is not an oracle of the {msg.claim} policy")
        claim = self.keeper.claim(ctx, msg.claim, msg.subject)
        if claim.settled is not None:
            raise errors.CLAIM_SETTLED.error(f"{msg.claim} for {msg.subject} is already settled")
        earlier = next((a for a in claim.attestations if a.oracle == oracle), None)
        if earlier is None:
            vote = Attestation(oracle, msg.value_digest, ctx.height, ctx.tx_hash)
            claim = replace(claim, attestations=(*claim.attestations, vote))
        elif earlier.value_digest != msg.value_digest:
            raise errors.ALREADY_ATTESTED.error(
                f"{oracle} already attested {earlier.value_digest} as {msg.claim} of {msg.subject}"
            )
        agreeing = self.counted_votes(ctx, policy, claim, msg.value_digest)
        settles = len(agreeing) >= policy.threshold
        if earlier is not None and not settles:
            raise errors.ALREADY_ATTESTED.error(
                f"{oracle} already attested {msg.claim} of {msg.subject}; a recount finds {len(agreeing)} of the "
                f"{policy.threshold} votes needed"
            )
        if settles:
            claim = replace(claim, settled=Settlement(msg.value_digest, ctx.height, ctx.tx_hash, agreeing))
        self.keeper.put_claim(ctx, claim)
        self.announce(ctx, msg, claim, len(agreeing), policy.threshold, voted=earlier is None)

    def announce(self, ctx: Context, msg: Attest, claim: Claim, agreeing: int, threshold: int, *, voted: bool) -> None:
        """``land/attest`` for a new vote, ``land/claim_settled`` if it settled; both in the history of a
        subject that is a parcel id."""
        about_parcel = PARCEL.fullmatch(msg.subject) is not None
        if voted:
            facts = {"claim": msg.claim, "oracle": ctx.sender, "value_digest": msg.value_digest}
            tally = {
                "agreeing": str(agreeing),
                "threshold": str(threshold),
                "disagreement": "true" if len(claim.values()) > 1 else "false",
            }
            self.keeper.report(
                ctx, "land/attest", msg.subject, facts, key="subject", event=tally, recorded=about_parcel
            )
        if claim.settled is not None:
            settled = {"claim": msg.claim, "value_digest": msg.value_digest, "oracles": claim.settled.oracles}
            self.keeper.report(ctx, "land/claim_settled", msg.subject, settled, key="subject", recorded=about_parcel)

    def counted_votes(self, ctx: Context, policy: Policy, claim: Claim, value_digest: str) -> tuple[str, ...]:
        """The oracles whose vote for ``value_digest`` counts now, in attestation order.

        Votes are counted when the claim settles, not when they are cast: a vote counts while its
        oracle is in the current policy and holds the ``oracle`` role.
        """
        return tuple(
            a.oracle
            for a in claim.attestations
            if a.value_digest == value_digest
            and a.oracle in policy.oracles
            and self.roles.has_role(ctx, a.oracle, ORACLE)
        )

    def issue_revenue_rights(self, ctx: Context, msg: IssueRevenueRights) -> None:
        parcel = self.keeper.active_parcel(ctx, msg.parcel)
        if parcel.revenue_rights is not None:
            raise errors.RIGHTS_EXIST.error(f"{msg.parcel} already has revenue rights {parcel.revenue_rights}")
        self.parties.require_signed(ctx, parcel.owner_addresses(), "every owner")
        self.parties.require_registrar(ctx, "issuing revenue rights")
        allocations = allocate_by_shares(msg.shares, parcel.owners)
        self.assets.issue_fixed(ctx, msg.asset, f"Revenue rights {msg.parcel}", MODULE_ADDRESS, allocations)
        self.keeper.set_rights(ctx, parcel, msg.asset)
        self.keeper.report(
            ctx,
            "land/issue_revenue_rights",
            msg.parcel,
            {"asset": msg.asset, "shares": str(msg.shares)},
            event={"holders": ",".join(f"{a}:{n}" for a, n in allocations)},
            history={"holders": [{"address": a, "amount": str(n)} for a, n in allocations]},
        )

    def distribute(self, ctx: Context, msg: Distribute) -> None:
        parcel = self.keeper.parcel(ctx, msg.parcel)
        rights = parcel.revenue_rights
        if rights is None:
            raise errors.NO_RIGHTS.error(f"{msg.parcel} has no revenue rights")
        assert self.keeper.rights_parcel(ctx, rights) == parcel.parcel
        paid_in_rights_of = self.keeper.rights_parcel(ctx, msg.asset)
        if paid_in_rights_of is not None:
            raise errors.BAD_PAYMENT_ASSET.error(
                f"{msg.asset} is the revenue rights of {paid_in_rights_of}; revenue is paid in another asset"
            )
        holders = self.assets.holders(ctx, rights)
        if not any(balance for _, balance in holders):
            raise errors.NO_HOLDERS.error(f"nobody holds {rights} any more")
        payouts = pro_rata(msg.amount, holders)
        for address, amount in payouts:
            self.assets.transfer(ctx, msg.asset, ctx.sender, address, amount, at_ms=ctx.block_time_ms)
            ctx.emit("land/payout", parcel=msg.parcel, asset=msg.asset, to=address, amount=str(amount))
        facts = {"asset": msg.asset, "amount": str(msg.amount), "rights_asset": rights, "payer": ctx.sender}
        self.keeper.report(ctx, "land/distribute", msg.parcel, {**facts, "payees": len(payouts)})


def _share_key(share: Share) -> tuple[str, int]:
    return (share.address, share.share_bp)
