"""Stateful handlers of the accounts module."""

from __future__ import annotations

from metrobloc.crypto import verify_signature
from metrobloc.errors import InvalidTx, Unauthorized
from metrobloc.execution import Context
from metrobloc.ledger import rotation_statement
from metrobloc.modules.accounts import errors
from metrobloc.modules.accounts.keeper import ADMIN, Account, AccountsKeeper
from metrobloc.modules.accounts.msgs import GrantRole, RevokeRole, RotateKey

keeper = AccountsKeeper()


def _require_admin(ctx: Context) -> None:
    if not keeper.has_role(ctx, ctx.sender, ADMIN):
        raise Unauthorized("only an admin can grant or revoke roles", errors.MISSING_ROLE)


def grant_role(ctx: Context, msg: GrantRole) -> None:
    _require_admin(ctx)
    account = keeper.get(ctx, msg.address)
    keeper.put(ctx, Account(msg.address, account.public_key, (*account.roles, msg.role)))
    ctx.emit("accounts/grant_role", address=msg.address, role=msg.role)


def revoke_role(ctx: Context, msg: RevokeRole) -> None:
    _require_admin(ctx)
    if msg.address == ctx.sender and msg.role == ADMIN:
        raise InvalidTx("an admin cannot revoke their own admin role", errors.SELF_REVOKE)
    account = keeper.get(ctx, msg.address)
    keeper.put(ctx, Account(msg.address, account.public_key, tuple(r for r in account.roles if r != msg.role)))
    ctx.emit("accounts/revoke_role", address=msg.address, role=msg.role)


def rotate_key(ctx: Context, msg: RotateKey) -> None:
    statement = rotation_statement(ctx.chain_id, ctx.sender, msg.public_key)
    if not verify_signature(msg.public_key, statement, msg.new_key_signature):
        raise Unauthorized("the new key did not sign the rotation statement", errors.BAD_ROTATION)
    account = keeper.get(ctx, ctx.sender)
    keeper.put(ctx, Account(ctx.sender, msg.public_key, account.roles))
    ctx.emit("accounts/rotate_key", address=ctx.sender)
