"""Stateful handlers of the time-bank module: one method per message of ``msgs.py``.

Minutes are conserved: they enter a member's balance only from its bank (starter minutes) or from
another member (a service); a bank's book always holds
``bank balance + its members' balances = its clearing position`` (README, "Conservation").
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from metrobloc.execution import Context
from metrobloc.modules.timebank import errors, keys
from metrobloc.modules.timebank.expected import Accounts, Identity
from metrobloc.modules.timebank.keeper import MAX_BANKS_PER_MEMBER, Bank, Membership, TimebankKeeper, load, store
from metrobloc.modules.timebank.msgs import Admit, CloseListing, Offer, RecordService, RegisterBank, Request

ACCREDITATION = "TimeBankAccreditation"
"""The credential type an identity accreditation must cover for its holder to register banks."""
ROOT = "identity_root"
"""The identity module's root authority (an admin holds every role) may register banks too."""


class TimebankHandlers:
    """The handlers, over the time-bank keeper, the identity keeper and the accounts keeper."""

    def __init__(self, keeper: TimebankKeeper, identity: Identity, accounts: Accounts) -> None:
        self.keeper, self.identity, self.accounts = keeper, identity, accounts

    # -- banks and members -----------------------------------------------------------------------
    def register_bank(self, ctx: Context, msg: RegisterBank) -> None:
        accreditation = self._registrar(ctx)
        if msg.bank not in ctx.signers:
            raise errors.BANK_MUST_SIGN.error(f"the bank {msg.bank} must sign its registration")
        if self.keeper.bank(ctx, msg.bank) is not None:
            raise errors.BANK_EXISTS.error(f"{msg.bank} is a registered bank")
        bank = Bank(
            msg.bank,
            msg.name,
            msg.starter_minutes,
            msg.floor_minutes,
            ctx.sender,
            accreditation,
            ctx.height,
            ctx.block_time_ms,
        )
        self.keeper.put_bank(ctx, bank)
        ctx.emit("timebank/register_bank", bank=msg.bank, registered_by=ctx.sender)

    def _registrar(self, ctx: Context) -> int | None:
        """The sender's TimeBankAccreditation id in force now; None for the root authority."""
        found = self.identity.in_force_for(ctx, ctx.sender, ctx.block_time_ms, ACCREDITATION)
        if found is not None:
            return found.id
        if self.accounts.has_role(ctx, ctx.sender, ROOT):
            return None
        raise errors.NOT_ACCREDITED.error(f"{ctx.sender} holds no accreditation in force for {ACCREDITATION}")

    def _bank(self, ctx: Context, address: str) -> Bank:
        bank = self.keeper.bank(ctx, address)
        if bank is None:
            raise errors.UNKNOWN_BANK.error(f"no bank at {address}")
        return bank

    def admit(self, ctx: Context, msg: Admit) -> None:
        bank = self._bank(ctx, msg.bank)
        if msg.bank not in ctx.signers:
            raise errors.BANK_MUST_SIGN.error(f"the bank {msg.bank} must sign an admission")
        if self.keeper.membership(ctx, msg.bank, msg.member) is not None:
            raise errors.ALREADY_MEMBER.error(f"{msg.member} is a member of {msg.bank}")
        if len(self.keeper.banks_of(ctx, msg.member)) >= MAX_BANKS_PER_MEMBER:
            raise errors.TOO_MANY_BANKS.error(f"{msg.member} is a member of {MAX_BANKS_PER_MEMBER} banks")
        self.keeper.join(ctx, msg.member, msg.bank)
        member = Membership(msg.bank, msg.member, msg.residency_digest, ctx.height, ctx.block_time_ms)
        # The starter minutes come out of the bank's own balance: admission moves minutes, never makes them.
        self.keeper.add_entry(ctx, member, self._entry(ctx, "starter", bank.starter_minutes, msg.bank, msg.bank))
        self.keeper.put_bank(ctx, replace(bank, balance=bank.balance - bank.starter_minutes, members=bank.members + 1))
        ctx.emit("timebank/admit", bank=msg.bank, member=msg.member, starter_minutes=str(bank.starter_minutes))

    # -- offers and requests ------------------------------------------------------------------------
    def offer(self, ctx: Context, msg: Offer) -> None:
        self._list(ctx, "offer", msg)

    def request(self, ctx: Context, msg: Request) -> None:
        self._list(ctx, "request", msg)

    def _list(self, ctx: Context, kind: str, msg: Offer | Request) -> None:
        self._bank(ctx, msg.bank)
        if self.keeper.membership(ctx, msg.bank, ctx.sender) is None:
            raise errors.NOT_MEMBER.error(f"{ctx.sender} is not a member of {msg.bank}")
        key = keys.listing_key(msg.bank, msg.listing_id)
        if load(ctx, key) is not None:
            raise errors.LISTING_EXISTS.error(f"{msg.bank} has a listing {msg.listing_id}")
        listing = {
            "bank": msg.bank,
            "listing_id": msg.listing_id,
            "kind": kind,
            "author": ctx.sender,
            "category": msg.category,
            "minutes": msg.minutes,
            "description_digest": msg.description_digest,
            "height": ctx.height,
            "time_ms": ctx.block_time_ms,
            "closed_height": None,
        }
        store(ctx, key, listing)
        ctx.emit(f"timebank/{kind}", bank=msg.bank, listing_id=msg.listing_id, author=ctx.sender)

    def close_listing(self, ctx: Context, msg: CloseListing) -> None:
        key = keys.listing_key(msg.bank, msg.listing_id)
        listing = load(ctx, key)
        if listing is None:
            raise errors.UNKNOWN_LISTING.error(f"{msg.bank} has no listing {msg.listing_id}")
        if ctx.sender not in (listing["author"], msg.bank):
            raise errors.NOT_AUTHOR.error("only the listing's author or its bank may close it")
        if listing["closed_height"] is not None:
            raise errors.CLOSED.error(f"closed at height {listing['closed_height']}")
        store(ctx, key, {**listing, "closed_height": ctx.height})
        ctx.emit("timebank/close_listing", bank=msg.bank, listing_id=msg.listing_id)

    # -- services ---------------------------------------------------------------------------------
    def record_service(self, ctx: Context, msg: RecordService) -> None:
        missing = [who for who in (msg.provider, msg.receiver) if who not in ctx.signers]
        if missing:
            raise errors.NEEDS_BOTH.error(f"provider and receiver must both sign; missing: {', '.join(missing)}")
        provider = self._member(ctx, msg.provider, msg.provider_bank, "provider")
        receiver = self._member(ctx, msg.receiver, msg.receiver_bank, "receiver")
        floor = self._bank(ctx, receiver.bank).floor_minutes
        if receiver.balance - msg.minutes < -floor:
            raise errors.BELOW_FLOOR.error(
                f"{msg.receiver} has {receiver.balance} minutes at {receiver.bank}; the floor is -{floor}"
            )
        service_id = self.keeper.next_service_id(ctx)
        common = {"service": service_id, "service_digest": msg.service_digest}
        self.keeper.add_entry(
            ctx, provider, {**self._entry(ctx, "provided", msg.minutes, msg.receiver, receiver.bank), **common}
        )
        self.keeper.add_entry(
            ctx, receiver, {**self._entry(ctx, "received", -msg.minutes, msg.provider, provider.bank), **common}
        )
        if provider.bank != receiver.bank:
            # The provider's bank credited minutes its members did not pay: the receiver's bank owes them.
            self.keeper.clear(ctx, provider.bank, receiver.bank, msg.minutes)
        record = {
            "id": service_id,
            "provider": msg.provider,
            "provider_bank": provider.bank,
            "receiver": msg.receiver,
            "receiver_bank": receiver.bank,
            "minutes": msg.minutes,
            "service_digest": msg.service_digest,
            "height": ctx.height,
            "time_ms": ctx.block_time_ms,
        }
        store(ctx, keys.service_key(service_id), record)
        ctx.emit(
            "timebank/record_service",
            service=str(service_id),
            provider=msg.provider,
            receiver=msg.receiver,
            minutes=str(msg.minutes),
            provider_bank=provider.bank,
            receiver_bank=receiver.bank,
        )

    def _member(self, ctx: Context, who: str, bank: str | None, role: str) -> Membership:
        """``who``'s membership at ``bank``, or at their only bank when none is named."""
        if bank is None:
            banks = self.keeper.banks_of(ctx, who)
            if len(banks) > 1:
                raise errors.AMBIGUOUS_BANK.error(f"the {role} belongs to {len(banks)} banks: name one")
            bank = banks[0] if banks else None
        membership = None if bank is None else self.keeper.membership(ctx, bank, who)
        if membership is None:
            raise errors.NOT_MEMBER.error(f"the {role} {who} is not a member of {bank or 'any bank'}")
        return membership

    @staticmethod
    def _entry(ctx: Context, kind: str, minutes: int, counterparty: str, counterparty_bank: str) -> dict[str, Any]:
        return {
            "kind": kind,
            "minutes": minutes,
            "counterparty": counterparty,
            "counterparty_bank": counterparty_bank,
            "height": ctx.height,
            "time_ms": ctx.block_time_ms,
            "tx_hash": ctx.tx_hash,
            "service": None,
            "service_digest": None,
        }
