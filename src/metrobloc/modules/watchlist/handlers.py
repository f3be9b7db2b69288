"""Stateful handlers of the watch-list module: one method per message of ``msgs.py``."""

from __future__ import annotations

from metrobloc.execution import Context
from metrobloc.modules.watchlist import errors
from metrobloc.modules.watchlist.expected import Accounts
from metrobloc.modules.watchlist.keeper import Listing, WatchlistKeeper
from metrobloc.modules.watchlist.msgs import DelistSubject, ListSubject

AUTHORITY = "watchlist_authority"
"""An agency that lists and delists subjects (an admin holds every role)."""


class WatchlistHandlers:
    """The handlers, over the watch-list keeper and the accounts keeper."""

    def __init__(self, keeper: WatchlistKeeper, accounts: Accounts) -> None:
        self.keeper, self.accounts = keeper, accounts

    def _require_authority(self, ctx: Context) -> None:
        if not self.accounts.has_role(ctx, ctx.sender, AUTHORITY):
            raise errors.MISSING_ROLE.error(f"{ctx.sender} does not hold the role {AUTHORITY}")

    def list(self, ctx: Context, msg: ListSubject) -> None:
        """List the subject, or amend its listing: ``since`` stays when the listing was still in force."""
        self._require_authority(ctx)
        if msg.expires_ms <= ctx.block_time_ms:
            raise errors.EXPIRY_IN_PAST.error(f"expires_ms {msg.expires_ms} is not after the block time")
        old = self.keeper.listing(ctx, msg.list, msg.subject)
        amend = old is not None and old.in_force(ctx.block_time_ms)
        h, t = ctx.height, ctx.block_time_ms
        since_height, since_ms = (old.since_height, old.since_ms) if amend and old is not None else (h, t)
        listing = Listing(
            msg.list,
            msg.subject,
            ctx.sender,
            msg.reason_code,
            msg.legal_basis_digest,
            msg.expires_ms,
            since_height,
            since_ms,
            h,
            t,
            ctx.tx_hash,
        )
        self.keeper.note_list(ctx, msg.list, h, t)
        self.keeper.put_listing(ctx, listing)
        action = "amend" if amend else "list"
        event = {
            "action": action,
            "authority": ctx.sender,
            "reason_code": msg.reason_code,
            "legal_basis_digest": msg.legal_basis_digest,
            "expires_ms": msg.expires_ms,
            "height": h,
            "time_ms": t,
            "tx_hash": ctx.tx_hash,
        }
        self.keeper.append_history(ctx, msg.list, msg.subject, event)
        ctx.emit(
            f"watchlist/{action}",
            list=msg.list,
            subject=msg.subject,
            authority=ctx.sender,
            reason_code=msg.reason_code,
            expires_ms=str(msg.expires_ms),
        )

    def delist(self, ctx: Context, msg: DelistSubject) -> None:
        self._require_authority(ctx)
        if self.keeper.listing(ctx, msg.list, msg.subject) is None:
            raise errors.NOT_LISTED.error(f"{msg.subject} is not on the list {msg.list}")
        self.keeper.remove_listing(ctx, msg.list, msg.subject)
        event = {
            "action": "delist",
            "authority": ctx.sender,
            "reason_code": msg.reason_code,
            "legal_basis_digest": None,
            "expires_ms": None,
            "height": ctx.height,
            "time_ms": ctx.block_time_ms,
            "tx_hash": ctx.tx_hash,
        }
        self.keeper.append_history(ctx, msg.list, msg.subject, event)
        ctx.emit(
            "watchlist/delist", list=msg.list, subject=msg.subject, authority=ctx.sender, reason_code=msg.reason_code
        )
