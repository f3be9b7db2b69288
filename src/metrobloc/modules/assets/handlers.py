"""Stateful handlers of the assets module: one method per message of ``msgs.py``."""

from __future__ import annotations

from metrobloc.execution import Context
from metrobloc.modules.assets import errors
from metrobloc.modules.assets.expected import RoleChecker
from metrobloc.modules.assets.keeper import Asset, AssetsKeeper
from metrobloc.modules.assets.msgs import Burn, Create, Mint, Transfer

ISSUER_ROLE = "asset_issuer"


class AssetsHandlers:
    """The handlers, over the assets keeper and the role checker the app hands in (accounts)."""

    def __init__(self, keeper: AssetsKeeper, roles: RoleChecker) -> None:
        self.keeper = keeper
        self.roles = roles

    def create(self, ctx: Context, msg: Create) -> None:
        if not self.roles.has_role(ctx, ctx.sender, ISSUER_ROLE):
            raise errors.MISSING_ROLE.error(f"creating an asset needs the role {ISSUER_ROLE}")
        asset = Asset(msg.asset, msg.name, msg.decimals, msg.max_supply, msg.transferable, ctx.sender, 0)
        self.keeper.create(ctx, asset)
        ctx.emit("assets/create", asset=msg.asset, issuer=ctx.sender)

    def mint(self, ctx: Context, msg: Mint) -> None:
        self.keeper.mint(ctx, msg.asset, msg.to, msg.amount, by=ctx.sender)
        ctx.emit("assets/mint", asset=msg.asset, to=msg.to, amount=str(msg.amount))

    def transfer(self, ctx: Context, msg: Transfer) -> None:
        self.keeper.transfer(ctx, msg.asset, ctx.sender, msg.to, msg.amount)
        ctx.emit("assets/transfer", asset=msg.asset, **{"from": ctx.sender}, to=msg.to, amount=str(msg.amount))

    def burn(self, ctx: Context, msg: Burn) -> None:
        self.keeper.burn(ctx, msg.asset, ctx.sender, msg.amount)
        ctx.emit("assets/burn", asset=msg.asset, holder=ctx.sender, amount=str(msg.amount))
