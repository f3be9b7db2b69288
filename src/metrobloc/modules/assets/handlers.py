"""Stateful handlers of the assets module: one method per message of ``msgs.py``."""

from __future__ import annotations

from collections.abc import Mapping

from metrobloc.execution import Context
from metrobloc.execution.state_access import load_json, store_json
from metrobloc.modules.assets import errors
from metrobloc.modules.assets.expected import CivicActions, RoleChecker
from metrobloc.modules.assets.keeper import Asset, AssetsKeeper, Losses
from metrobloc.modules.assets.keys import rewarded_key
from metrobloc.modules.assets.msgs import Burn, Create, Mint, Redeem, Reward, SetMerchant, SetPolicy, Sweep, Transfer

ISSUER_ROLE = "asset_issuer"


class AssetsHandlers:
    """The handlers, over the assets keeper, the role checker (accounts) and the modules whose actions may be
    rewarded (by module name)."""

    def __init__(self, keeper: AssetsKeeper, roles: RoleChecker, civic: Mapping[str, CivicActions]) -> None:
        self.keeper = keeper
        self.roles = roles
        self.civic = civic

    def create(self, ctx: Context, msg: Create) -> None:
        if not self.roles.has_role(ctx, ctx.sender, ISSUER_ROLE):
            raise errors.MISSING_ROLE.error(f"creating an asset needs the role {ISSUER_ROLE}")
        asset = Asset(msg.asset, msg.name, msg.decimals, msg.max_supply, msg.transferable, ctx.sender, 0)
        self.keeper.create(ctx, asset)
        ctx.emit("assets/create", asset=msg.asset, issuer=ctx.sender)
        if msg.policy is not None:
            self._set_policy(ctx, SetPolicy(msg.asset, msg.policy))

    def mint(self, ctx: Context, msg: Mint) -> None:
        losses = self.keeper.mint(ctx, msg.asset, msg.to, msg.amount, by=ctx.sender, at_ms=ctx.block_time_ms)
        _emit_losses(ctx, msg.asset, losses)
        ctx.emit("assets/mint", asset=msg.asset, to=msg.to, amount=str(msg.amount))

    def transfer(self, ctx: Context, msg: Transfer) -> None:
        losses = self.keeper.transfer(ctx, msg.asset, ctx.sender, msg.to, msg.amount, at_ms=ctx.block_time_ms)
        _emit_losses(ctx, msg.asset, losses)
        ctx.emit("assets/transfer", asset=msg.asset, **{"from": ctx.sender}, to=msg.to, amount=str(msg.amount))

    def burn(self, ctx: Context, msg: Burn) -> None:
        losses = self.keeper.burn(ctx, msg.asset, ctx.sender, msg.amount, at_ms=ctx.block_time_ms)
        _emit_losses(ctx, msg.asset, losses)
        ctx.emit("assets/burn", asset=msg.asset, holder=ctx.sender, amount=str(msg.amount))

    def set_policy(self, ctx: Context, msg: SetPolicy) -> None:
        self._set_policy(ctx, msg)

    def _set_policy(self, ctx: Context, msg: SetPolicy) -> None:
        stored = self.keeper.set_policy(ctx, msg.asset, msg.policy, by=ctx.sender, at_ms=ctx.block_time_ms)
        ctx.emit("assets/set_policy", asset=msg.asset, version=str(stored.version))

    def set_merchant(self, ctx: Context, msg: SetMerchant) -> None:
        self.keeper.set_merchant(ctx, msg.asset, msg.merchant, msg.allowed, by=ctx.sender)
        ctx.emit("assets/set_merchant", asset=msg.asset, merchant=msg.merchant, allowed=str(msg.allowed).lower())

    def redeem(self, ctx: Context, msg: Redeem) -> None:
        fee, programme, losses = self.keeper.redeem(ctx, msg.asset, ctx.sender, msg.amount, at_ms=ctx.block_time_ms)
        _emit_losses(ctx, msg.asset, losses)
        ctx.emit(
            "assets/redeem",
            asset=msg.asset,
            holder=ctx.sender,
            amount=str(msg.amount),
            fee=str(fee),
            programme=programme or "",
        )

    def sweep(self, ctx: Context, msg: Sweep) -> None:
        _emit_losses(ctx, msg.asset, self.keeper.sweep(ctx, msg.asset, msg.holders, at_ms=ctx.block_time_ms))

    def reward(self, ctx: Context, msg: Reward) -> None:
        record = self.keeper.get(ctx, msg.asset)
        if ctx.sender != record.issuer:
            raise errors.NOT_ISSUER.error(f"only the issuer of {msg.asset} can reward in it")
        stored = self.keeper.policy(ctx, msg.asset)
        rule = next((r for r in stored.policy.rewards if r.action == msg.action), None) if stored else None
        if rule is None:
            raise errors.NOT_REWARDED.error(f"the policy of {msg.asset} does not reward {msg.action}")
        module, _, message = msg.action.partition("/")
        source = self.civic.get(module)
        actors = None if source is None else source.civic_actors(ctx, message, msg.ref)
        if actors is None:
            raise errors.NO_SUCH_ACTION.error(f"no {msg.action} with id {msg.ref} is on record")
        if msg.to not in actors:
            raise errors.NOT_ACTOR.error(f"{msg.to} did not perform {msg.action} {msg.ref}")
        key = rewarded_key(msg.asset, msg.action, msg.ref)
        if load_json(ctx, key) is not None:
            raise errors.ALREADY_REWARDED.error(f"{msg.action} {msg.ref} was already rewarded in {msg.asset}")
        losses = self.keeper.mint(ctx, msg.asset, msg.to, rule.amount, by=ctx.sender, at_ms=ctx.block_time_ms)
        store_json(ctx, key, {"to": msg.to, "amount": str(rule.amount), "height": ctx.height, "tx_hash": ctx.tx_hash})
        _emit_losses(ctx, msg.asset, losses)
        ctx.emit("assets/reward", asset=msg.asset, to=msg.to, amount=str(rule.amount), action=msg.action, ref=msg.ref)


def _emit_losses(ctx: Context, asset: str, losses: Losses) -> None:
    for loss in losses:
        ctx.emit(
            "assets/settle",
            asset=asset,
            holder=loss.address,
            expired=str(loss.expired),
            demurrage=str(loss.demurrage),
        )
