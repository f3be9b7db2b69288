"""State access of the land module: records, their indexes and the per-parcel history.

Every write of a parcel, lien or claim goes through here, so the indexes that queries range-scan
(parcels by owner and district, liens by lender, claims by status and subject) never drift from the
records they point at; and ``report`` writes a fact once into both the history and the event.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from metrobloc.execution import Context
from metrobloc.execution.state_access import Reader, Writer
from metrobloc.execution.state_access import load_json as load
from metrobloc.execution.state_access import store_json as store
from metrobloc.modules.land import errors, keys
from metrobloc.modules.land.msgs import RegisterParcel, Share
from metrobloc.modules.land.records import (
    ACTIVE,
    PENDING,
    RETIRED,
    SETTLED,
    Claim,
    HistoryEntry,
    Lien,
    Parcel,
    Policy,
    event_attributes,
    json_form,
)


class LandKeeper:
    """Reads and writes land records and keeps their indexes."""

    # -- parcels ------------------------------------------------------------------------------------
    def find_parcel(self, state: Reader, parcel: str) -> Parcel | None:
        rec = load(state, keys.parcel_key(parcel))
        return None if rec is None else Parcel.from_json(rec)

    def parcel(self, state: Reader, parcel: str) -> Parcel:
        found = self.find_parcel(state, parcel)
        if found is None:
            raise errors.UNKNOWN_PARCEL.error(f"no parcel {parcel}")
        return found

    def active_parcel(self, state: Reader, parcel: str) -> Parcel:
        found = self.parcel(state, parcel)
        if not found.active:
            raise errors.PARCEL_RETIRED.error(f"parcel {parcel} was retired into {', '.join(found.children)}")
        return found

    def require_new(self, state: Reader, parcel: str) -> None:
        if state.get(keys.parcel_key(parcel)) is not None:
            raise errors.PARCEL_EXISTS.error(f"parcel {parcel} is already registered")

    def add_parcel(self, state: Writer, parcel: Parcel) -> None:
        """Store a new active parcel and index it by district and owners."""
        assert parcel.active
        self.put_parcel(state, parcel)
        state.set(keys.district_index(parcel.district, parcel.parcel), keys.MARK)
        self._index_owners(state, parcel.parcel, parcel.owners, add=True)

    def register(self, ctx: Context, msg: RegisterParcel, authority: str) -> None:
        """A parcel's first registration: the record, its indexes, its history entry and its event.

        ``authority`` says what allowed it: "registrar", "oracles" or "genesis" (whose events are dropped).
        """
        self.add_parcel(
            ctx, Parcel(msg.parcel, msg.district, msg.area_m2, msg.owners, msg.documents, ACTIVE, ctx.height)
        )
        facts = {"district": msg.district, "area_m2": msg.area_m2, "owners": msg.owners, "authority": authority}
        self.report(ctx, "land/register_parcel", msg.parcel, facts, history={"documents": msg.documents})

    def put_parcel(self, state: Writer, parcel: Parcel) -> None:
        store(state, keys.parcel_key(parcel.parcel), parcel.to_json())

    def change_owners(self, state: Writer, parcel: Parcel, owners: tuple[Share, ...], deed_digest: str) -> Parcel:
        self._index_owners(state, parcel.parcel, parcel.owners, add=False)
        self._index_owners(state, parcel.parcel, owners, add=True)
        updated = parcel.evolve(owners=owners, deed_digest=deed_digest)
        self.put_parcel(state, updated)
        return updated

    def retire(self, state: Writer, parcel: Parcel, children: tuple[str, ...]) -> None:
        """Mark a parcel split or merged away; it leaves the owner and district indexes."""
        self._index_owners(state, parcel.parcel, parcel.owners, add=False)
        state.delete(keys.district_index(parcel.district, parcel.parcel))
        self.put_parcel(state, parcel.evolve(status=RETIRED, children=children))

    @staticmethod
    def _index_owners(state: Writer, parcel: str, owners: tuple[Share, ...], *, add: bool) -> None:
        for owner in owners:
            key = keys.owner_index(owner.address, parcel)
            if add:
                state.set(key, keys.MARK)
            else:
                state.delete(key)

    # -- liens --------------------------------------------------------------------------------------
    def lien(self, state: Reader, parcel: str, lien_id: int) -> Lien:
        rec = load(state, keys.lien_key(parcel, lien_id))
        if rec is None:
            raise errors.UNKNOWN_LIEN.error(f"parcel {parcel} has no lien {lien_id}")
        return Lien.from_json(rec)

    def active_liens(self, state: Reader, parcel: Parcel) -> list[Lien]:
        """The parcel's active liens in rank order."""
        return [self.lien(state, parcel.parcel, i) for i in parcel.liens]

    def add_lien(self, state: Writer, parcel: Parcel, lien: Lien) -> Parcel:
        assert lien.lien_id == parcel.next_lien_id and lien.status == ACTIVE
        store(state, keys.lien_key(parcel.parcel, lien.lien_id), lien.to_json())
        state.set(keys.lender_index(lien.lender, parcel.parcel, lien.lien_id), keys.MARK)
        updated = parcel.evolve(liens=(*parcel.liens, lien.lien_id), next_lien_id=lien.lien_id + 1)
        self.put_parcel(state, updated)
        return updated

    def release_lien(self, state: Writer, parcel: Parcel, released: Lien) -> Parcel:
        store(state, keys.lien_key(parcel.parcel, released.lien_id), released.to_json())
        state.delete(keys.lender_index(released.lender, parcel.parcel, released.lien_id))
        updated = parcel.evolve(liens=tuple(i for i in parcel.liens if i != released.lien_id))
        self.put_parcel(state, updated)
        return updated

    # -- oracle policies and claims --------------------------------------------------------------
    def policy(self, state: Reader, claim: str) -> Policy:
        rec = load(state, keys.policy_key(claim))
        if rec is None:
            raise errors.UNKNOWN_POLICY.error(f"no oracle policy for claim {claim}")
        return Policy.from_json(rec)

    def put_policy(self, state: Writer, policy: Policy) -> None:
        store(state, keys.policy_key(policy.claim), policy.to_json())

    def claim(self, state: Reader, claim: str, subject: str) -> Claim:
        """The claim's record; a claim nobody attested yet is an empty pending one."""
        rec = load(state, keys.claim_key(claim, subject))
        return Claim(claim, subject) if rec is None else Claim.from_json(rec)

    def put_claim(self, state: Writer, claim: Claim) -> None:
        store(state, keys.claim_key(claim.claim, claim.subject), claim.to_json())
        if claim.status == SETTLED:
            state.delete(keys.claim_index(PENDING, claim.claim, claim.subject))
            state.set(keys.claim_index(SETTLED, claim.claim, claim.subject), keys.MARK)
            state.set(keys.subject_index(claim.subject, claim.claim), keys.MARK)
        else:
            state.set(keys.claim_index(PENDING, claim.claim, claim.subject), keys.MARK)

    # -- revenue rights ---------------------------------------------------------------------------
    def rights_parcel(self, state: Reader, asset: str) -> str | None:
        raw = state.get(keys.rights_key(asset))
        return None if raw is None else raw.decode()

    def set_rights(self, state: Writer, parcel: Parcel, asset: str) -> Parcel:
        state.set(keys.rights_key(asset), parcel.parcel.encode())
        updated = parcel.evolve(revenue_rights=asset)
        self.put_parcel(state, updated)
        return updated

    # -- history and events -----------------------------------------------------------------------
    def report(
        self,
        ctx: Context,
        type_: str,
        parcel: str,
        facts: Mapping[str, Any],
        *,
        key: str = "parcel",
        event: Mapping[str, str] | None = None,
        history: Mapping[str, Any] | None = None,
        recorded: bool = True,
    ) -> None:
        """Emit the event ``type_`` and append it to ``parcel``'s history, each fact written once.

        ``facts`` go in both forms (``records.json_form`` in the history, ``records.event_attributes``
        in the event, which names the parcel under ``key``); ``event`` and ``history`` hold what only
        one form carries. ``recorded=False`` emits the event only (a claim about a non-parcel subject).
        """
        attributes = {key: parcel}
        for name, value in facts.items():
            attributes |= event_attributes(name, value)
        ctx.emit(type_, **{**attributes, **(event or {})})
        if recorded:
            self.record(ctx, parcel, type_, **facts, **(history or {}))

    def record(self, ctx: Context, parcel: str, type_: str, **details: Any) -> None:
        """Append an entry to ``parcel``'s history, stamped with the tx hash, height and block time.

        ``details`` are written in ``records.json_form`` (records as objects, tuples as lists).
        """
        length_key = keys.history_length_key(parcel)
        raw = ctx.get(length_key)
        seq = (0 if raw is None else int(raw)) + 1
        entry = HistoryEntry(
            seq, type_, ctx.height, ctx.block_time_ms, ctx.tx_hash, {k: json_form(v) for k, v in details.items()}
        )
        store(ctx, keys.history_key(parcel, seq), entry.to_json())
        ctx.set(length_key, str(seq).encode())
