"""Stateful handlers of the accounts module: one method per message of ``msgs.py``."""

from __future__ import annotations

from metrobloc.crypto import verify_signature
from metrobloc.execution import Context
from metrobloc.ledger import rotation_statement
from metrobloc.modules.accounts import errors
from metrobloc.modules.accounts.keeper import ADMIN, COMPROMISED, Account, AccountsKeeper
from metrobloc.modules.accounts.msgs import GrantRole, RevokeRole, RotateKey


class AccountsHandlers:
    """The handlers, over the accounts keeper."""

    def __init__(self, keeper: AccountsKeeper) -> None:
        self.keeper = keeper

    def _require_admin(self, ctx: Context) -> None:
        if not self.keeper.has_role(ctx, ctx.sender, ADMIN):
            raise errors.MISSING_ROLE.error("only an admin can grant or revoke roles")

    def grant_role(self, ctx: Context, msg: GrantRole) -> None:
        self._require_admin(ctx)
        account = self.keeper.get(ctx, msg.address)
        self.keeper.put(ctx, Account(msg.address, account.public_key, (*account.roles, msg.role)))
        ctx.emit("accounts/grant_role", address=msg.address, role=msg.role)

    def revoke_role(self, ctx: Context, msg: RevokeRole) -> None:
        self._require_admin(ctx)
        if msg.address == ctx.sender and msg.role == ADMIN:
            raise errors.SELF_REVOKE.error("an admin cannot revoke their own admin role")
        account = self.keeper.get(ctx, msg.address)
        roles = tuple(r for r in account.roles if r != msg.role)
        self.keeper.put(ctx, Account(msg.address, account.public_key, roles))
        ctx.emit("accounts/revoke_role", address=msg.address, role=msg.role)

    def rotate_key(self, ctx: Context, msg: RotateKey) -> None:
        statement = rotation_statement(ctx.chain_id, ctx.sender, msg.public_key)
        if not verify_signature(msg.public_key, statement, msg.new_key_signature):
            raise errors.BAD_ROTATION.error("the new key did not sign the rotation statement")
        if any(
            e.public_key == msg.public_key and e.status == COMPROMISED for e in self.keeper.key_history(ctx, ctx.sender)
        ):
            raise errors.KEY_COMPROMISED.error("the new key was marked compromised (identity/mark_key_compromised)")
        account = self.keeper.get(ctx, ctx.sender)
        self.keeper.put(ctx, Account(ctx.sender, msg.public_key, account.roles))
        self.keeper.rotated(ctx, ctx.sender, msg.public_key, ctx.height, ctx.block_time_ms)
        ctx.emit("accounts/rotate_key", address=ctx.sender)
