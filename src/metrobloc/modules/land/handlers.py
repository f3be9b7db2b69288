"""Stateful handlers of the land module: titles, liens, lineage, oracle claims and revenue rights.

Each handler checks parties and state, then writes through the keeper, appends to the parcel's
history and emits an event. A raised error fails the whole tx and rolls back every write.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from metrobloc.errors import Conflict, NotFound, Unauthorized
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
    MergeParcels,
    RegisterParcel,
    ReleaseLien,
    SetOraclePolicy,
    Share,
    SplitParcel,
    TransferParcel,
    registration_digest,
)
from metrobloc.modules.land.parties import LENDER, MODULE_ADDRESS, ORACLE, Parties
from metrobloc.modules.land.payouts import allocate_by_shares, pro_rata
from metrobloc.modules.land.records import (
    ACTIVE,
    RELEASED,
    Attestation,
    Claim,
    Lien,
    Parcel,
    Policy,
    Settlement,
)

Handler = Callable[[Context, Any], None]


def shares_text(shares: tuple[Share, ...]) -> str:
    """Event attribute form of an owner list: ``addr:bp,addr:bp``."""
    return ",".join(f"{s.address}:{s.share_bp}" for s in shares)


def shares_json(shares: tuple[Share, ...]) -> list[dict[str, Any]]:
    return [s.to_json() for s in shares]


class LandHandlers:
    """The land module's handlers, over the keepers the app hands in."""

    def __init__(self, keeper: LandKeeper, roles: RoleChecker, assets: AssetLedger) -> None:
        self.keeper = keeper
        self.roles = roles
        self.assets = assets
        self.parties = Parties(roles)

    def by_type(self) -> dict[str, Handler]:
        """Handlers by message name (``register_parcel`` for ``land/register_parcel``)."""
        return {
            "register_parcel": self.register_parcel,
            "transfer": self.transfer,
            "create_lien": self.create_lien,
            "release_lien": self.release_lien,
            "split": self.split,
            "merge": self.merge,
            "set_oracle_policy": self.set_oracle_policy,
            "attest": self.attest,
            "issue_revenue_rights": self.issue_revenue_rights,
            "distribute": self.distribute,
        }

    def register_parcel(self, ctx: Context, msg: RegisterParcel) -> None:
        self.keeper.require_new(ctx, msg.parcel)
        authority = "registrar"
        if not self.parties.has_registrar(ctx):
            claim = self.keeper.claim(ctx, REGISTRATION_CLAIM, msg.parcel)
            if claim.settled is None or claim.settled.value_digest != registration_digest(msg):
                raise Unauthorized(
                    f"registering {msg.parcel} needs a land_registrar co-signer, or a settled "
                    f"{REGISTRATION_CLAIM} claim for exactly this content",
                    errors.REGISTRAR_REQUIRED,
                )
            authority = "oracles"
        self.keeper.register(ctx, msg, authority)
        ctx.emit(
            "land/register_parcel",
            parcel=msg.parcel,
            district=msg.district,
            area_m2=str(msg.area_m2),
            owners=shares_text(msg.owners),
            authority=authority,
        )

    def transfer(self, ctx: Context, msg: TransferParcel) -> None:
        parcel = self.keeper.active_parcel(ctx, msg.parcel)
        self.parties.require_signed(
            ctx, [*parcel.owner_addresses(), *(s.address for s in msg.to)], "every current and every new owner"
        )
        self.parties.require_registrar(ctx, "a transfer")
        unsigned = [lien for lien in self.keeper.active_liens(ctx, parcel) if lien.lender not in ctx.signers]
        if unsigned:
            listed = ", ".join(f"lien {lien.lien_id} held by {lien.lender}" for lien in unsigned)
            raise Conflict(f"{msg.parcel} has active liens whose holders did not co-sign: {listed}", errors.LIEN_ACTIVE)
        previous = parcel.owners
        parcel = self.keeper.change_owners(ctx, parcel, msg.to, msg.deed_digest)
        price = None if msg.price is None else msg.price.to_json()
        self.keeper.record(
            ctx,
            msg.parcel,
            "land/transfer",
            **{"from": shares_json(previous)},
            to=shares_json(msg.to),
            deed_digest=msg.deed_digest,
            price=price,
            liens=list(parcel.liens),
        )
        attrs = {"from": shares_text(previous), "to": shares_text(msg.to), "deed_digest": msg.deed_digest}
        if msg.price is not None:
            attrs |= {"price_asset": msg.price.asset, "price_amount": str(msg.price.amount)}
        ctx.emit("land/transfer", parcel=msg.parcel, **attrs)

    def create_lien(self, ctx: Context, msg: CreateLien) -> None:
        parcel = self.keeper.active_parcel(ctx, msg.parcel)
        self.parties.require_role(ctx, msg.lender, LENDER, errors.NOT_LENDER)
        self.parties.require_signed(ctx, [*parcel.owner_addresses(), msg.lender], "every owner and the lender")
        if not self.assets.exists(ctx, msg.asset):
            raise NotFound(f"no asset {msg.asset} to denominate the lien in", errors.UNKNOWN_ASSET)
        prior = self.keeper.active_liens(ctx, parcel)
        lien = Lien(
            msg.parcel,
            parcel.next_lien_id,
            msg.lender,
            msg.amount,
            msg.asset,
            msg.reference_digest,
            ctx.height,
            ctx.tx_hash,
        )
        self.keeper.add_lien(ctx, parcel, lien)
        rank = len(prior) + 1
        prior_json = [
            {"lien_id": p.lien_id, "lender": p.lender, "amount": str(p.amount), "asset": p.asset, "rank": i + 1}
            for i, p in enumerate(prior)
        ]
        self.keeper.record(
            ctx,
            msg.parcel,
            "land/create_lien",
            lien_id=lien.lien_id,
            lender=msg.lender,
            amount=str(msg.amount),
            asset=msg.asset,
            reference_digest=msg.reference_digest,
            rank=rank,
            prior_liens=prior_json,
        )
        ctx.emit(
            "land/create_lien",
            parcel=msg.parcel,
            lien_id=str(lien.lien_id),
            lender=msg.lender,
            amount=str(msg.amount),
            asset=msg.asset,
            rank=str(rank),
            prior_liens=",".join(str(p.lien_id) for p in prior),
        )

    def release_lien(self, ctx: Context, msg: ReleaseLien) -> None:
        parcel = self.keeper.parcel(ctx, msg.parcel)
        lien = self.keeper.lien(ctx, msg.parcel, msg.lien_id)
        if lien.status != ACTIVE:
            raise Conflict(f"lien {msg.lien_id} on {msg.parcel} was already released", errors.LIEN_RELEASED)
        if lien.lender not in ctx.signers:
            raise Unauthorized(
                f"only {lien.lender}, the lienholder, can release lien {lien.lien_id}", errors.NOT_LIENHOLDER
            )
        released = replace(lien, status=RELEASED, released_height=ctx.height, released_tx=ctx.tx_hash)
        self.keeper.release_lien(ctx, parcel, released)
        self.keeper.record(ctx, msg.parcel, "land/release_lien", lien_id=lien.lien_id, lender=lien.lender)
        ctx.emit("land/release_lien", parcel=msg.parcel, lien_id=str(lien.lien_id), lender=lien.lender)

    def check_restructuring(self, ctx: Context, parcels: list[Parcel], action: str) -> None:
        """Splits and merges: owners and a registrar sign; no liens or revenue rights in the way."""
        self.parties.require_signed(ctx, [a for p in parcels for a in p.owner_addresses()], "every owner")
        self.parties.require_registrar(ctx, action)
        for p in parcels:
            if p.liens:
                raise Conflict(f"{p.parcel} has active liens {list(p.liens)}; release them first", errors.LIEN_ACTIVE)
            if p.revenue_rights is not None:
                raise Conflict(f"{p.parcel} has revenue rights {p.revenue_rights}", errors.RIGHTS_EXIST)

    def split(self, ctx: Context, msg: SplitParcel) -> None:
        parent = self.keeper.active_parcel(ctx, msg.parcel)
        self.check_restructuring(ctx, [parent], "a split")
        total = sum(part.area_m2 for part in msg.into)
        if total != parent.area_m2:
            raise Conflict(f"parts add up to {total} m2, {msg.parcel} has {parent.area_m2} m2", errors.BAD_AREA_TOTAL)
        for part in msg.into:
            self.keeper.require_new(ctx, part.parcel)
        children = tuple(part.parcel for part in msg.into)
        self.keeper.retire(ctx, parent, children)
        for part in msg.into:
            self.keeper.add_parcel(
                ctx,
                Parcel(
                    part.parcel,
                    parent.district,
                    part.area_m2,
                    parent.owners,
                    (),
                    ACTIVE,
                    ctx.height,
                    parents=(parent.parcel,),
                ),
            )
            self.keeper.record(
                ctx,
                part.parcel,
                "land/split",
                parent=parent.parcel,
                area_m2=part.area_m2,
                owners=shares_json(parent.owners),
            )
        self.keeper.record(
            ctx, msg.parcel, "land/split", children=[{"parcel": p.parcel, "area_m2": p.area_m2} for p in msg.into]
        )
        ctx.emit("land/split", parcel=msg.parcel, into=",".join(children))

    def merge(self, ctx: Context, msg: MergeParcels) -> None:
        parents = [self.keeper.active_parcel(ctx, p) for p in msg.parcels]
        self.keeper.require_new(ctx, msg.into)
        first = parents[0]
        for p in parents[1:]:
            if p.district != first.district:
                raise Conflict(
                    f"{p.parcel} lies in {p.district}, {first.parcel} in {first.district}", errors.DISTRICT_MISMATCH
                )
            if sorted(p.owners, key=_share_key) != sorted(first.owners, key=_share_key):
                raise Conflict(f"{p.parcel} and {first.parcel} have different owners or shares", errors.OWNERS_MISMATCH)
        self.check_restructuring(ctx, parents, "a merge")
        area = sum(p.area_m2 for p in parents)
        if area > MAX_AREA_M2:
            raise Conflict(f"the merged area {area} m2 exceeds {MAX_AREA_M2}", errors.BAD_AREA_TOTAL)
        for p in parents:
            self.keeper.retire(ctx, p, (msg.into,))
            self.keeper.record(ctx, p.parcel, "land/merge", into=msg.into, area_m2=p.area_m2)
        self.keeper.add_parcel(
            ctx, Parcel(msg.into, first.district, area, first.owners, (), ACTIVE, ctx.height, parents=msg.parcels)
        )
        self.keeper.record(
            ctx, msg.into, "land/merge", parents=list(msg.parcels), area_m2=area, owners=shares_json(first.owners)
        )
        ctx.emit("land/merge", parcels=",".join(msg.parcels), into=msg.into, area_m2=str(area))

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
        ``land.already_attested`` otherwise.
        """
        policy = self.keeper.policy(ctx, msg.claim)
        oracle = ctx.sender
        if oracle not in policy.oracles or not self.roles.has_role(ctx, oracle, ORACLE):
            raise Unauthorized(f"{oracle} is not an oracle of the {msg.claim} policy", errors.NOT_ORACLE)
        claim = self.keeper.claim(ctx, msg.claim, msg.subject)
        if claim.settled is not None:
            raise Conflict(f"{msg.claim} for {msg.subject} is already settled", errors.CLAIM_SETTLED)
        earlier = next((a for a in claim.attestations if a.oracle == oracle), None)
        if earlier is None:
            vote = Attestation(oracle, msg.value_digest, ctx.height, ctx.tx_hash)
            claim = replace(claim, attestations=(*claim.attestations, vote))
        elif earlier.value_digest != msg.value_digest:
            raise Conflict(
                f"{oracle} already attested {earlier.value_digest} as {msg.claim} of {msg.subject}",
                errors.ALREADY_ATTESTED,
            )
        agreeing = self.counted_votes(ctx, policy, claim, msg.value_digest)
        settles = len(agreeing) >= policy.threshold
        if earlier is not None and not settles:
            raise Conflict(
                f"{oracle} already attested {msg.claim} of {msg.subject}; a recount finds {len(agreeing)} of the "
                f"{policy.threshold} votes needed",
                errors.ALREADY_ATTESTED,
            )
        if settles:
            claim = replace(claim, settled=Settlement(msg.value_digest, ctx.height, ctx.tx_hash, agreeing))
        self.keeper.put_claim(ctx, claim)
        if earlier is None:
            self.announce_vote(ctx, msg, claim, len(agreeing), policy.threshold)
        if settles:
            self.announce_settlement(ctx, msg, agreeing)

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

    def announce_vote(self, ctx: Context, msg: Attest, claim: Claim, agreeing: int, threshold: int) -> None:
        ctx.emit(
            "land/attest",
            claim=msg.claim,
            subject=msg.subject,
            oracle=ctx.sender,
            value_digest=msg.value_digest,
            agreeing=str(agreeing),
            threshold=str(threshold),
            disagreement="true" if len(claim.values()) > 1 else "false",
        )
        if PARCEL.fullmatch(msg.subject):
            self.keeper.record(
                ctx, msg.subject, "land/attest", claim=msg.claim, oracle=ctx.sender, value_digest=msg.value_digest
            )

    def announce_settlement(self, ctx: Context, msg: Attest, agreeing: tuple[str, ...]) -> None:
        ctx.emit(
            "land/claim_settled",
            claim=msg.claim,
            subject=msg.subject,
            value_digest=msg.value_digest,
            oracles=",".join(agreeing),
        )
        if PARCEL.fullmatch(msg.subject):
            self.keeper.record(
                ctx,
                msg.subject,
                "land/claim_settled",
                claim=msg.claim,
                value_digest=msg.value_digest,
                oracles=list(agreeing),
            )

    def issue_revenue_rights(self, ctx: Context, msg: IssueRevenueRights) -> None:
        parcel = self.keeper.active_parcel(ctx, msg.parcel)
        if parcel.revenue_rights is not None:
            raise Conflict(f"{msg.parcel} already has revenue rights {parcel.revenue_rights}", errors.RIGHTS_EXIST)
        self.parties.require_signed(ctx, parcel.owner_addresses(), "every owner")
        self.parties.require_registrar(ctx, "issuing revenue rights")
        allocations = allocate_by_shares(msg.shares, parcel.owners)
        self.assets.issue_fixed(ctx, msg.asset, f"Revenue rights {msg.parcel}", MODULE_ADDRESS, allocations)
        self.keeper.set_rights(ctx, parcel, msg.asset)
        held = [{"address": a, "amount": str(n)} for a, n in allocations]
        self.keeper.record(
            ctx, msg.parcel, "land/issue_revenue_rights", asset=msg.asset, shares=str(msg.shares), holders=held
        )
        ctx.emit(
            "land/issue_revenue_rights",
            parcel=msg.parcel,
            asset=msg.asset,
            shares=str(msg.shares),
            holders=",".join(f"{a}:{n}" for a, n in allocations),
        )

    def distribute(self, ctx: Context, msg: Distribute) -> None:
        parcel = self.keeper.parcel(ctx, msg.parcel)
        rights = parcel.revenue_rights
        if rights is None:
            raise NotFound(f"{msg.parcel} has no revenue rights", errors.NO_RIGHTS)
        assert self.keeper.rights_parcel(ctx, rights) == parcel.parcel
        paid_in_rights_of = self.keeper.rights_parcel(ctx, msg.asset)
        if paid_in_rights_of is not None:
            raise Conflict(
                f"{msg.asset} is the revenue rights of {paid_in_rights_of}; revenue is paid in another asset",
                errors.BAD_PAYMENT_ASSET,
            )
        holders = self.assets.holders(ctx, rights)
        if not any(balance for _, balance in holders):
            raise Conflict(f"nobody holds {rights} any more", errors.NO_HOLDERS)
        payouts = pro_rata(msg.amount, holders)
        for address, amount in payouts:
            self.assets.transfer(ctx, msg.asset, ctx.sender, address, amount)
            ctx.emit("land/payout", parcel=msg.parcel, asset=msg.asset, to=address, amount=str(amount))
        self.keeper.record(
            ctx,
            msg.parcel,
            "land/distribute",
            asset=msg.asset,
            amount=str(msg.amount),
            rights_asset=rights,
            payer=ctx.sender,
            payees=len(payouts),
        )
        ctx.emit(
            "land/distribute",
            parcel=msg.parcel,
            asset=msg.asset,
            amount=str(msg.amount),
            rights_asset=rights,
            payer=ctx.sender,
            payees=str(len(payouts)),
        )


def _share_key(share: Share) -> tuple[str, int]:
    return (share.address, share.share_bp)
