"""An asset's stored policy and an account's stored lots (docs/spec/assets.md §Policies)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from metrobloc.execution.messages import decode, record_to_wire
from metrobloc.execution.state_access import Reader, Writer, load_json, store_json
from metrobloc.modules.assets.keys import lots_key, policy_key
from metrobloc.modules.assets.lots import Holding
from metrobloc.modules.assets.msgs import Policy


@dataclass(frozen=True)
class StoredPolicy:
    """A policy in force, with its history counters.

    ``epoch`` counts the times lots were switched on: lots stored under an older epoch are stale
    (the asset ran without lots in between) and the account's balance counts as one never-expiring
    lot settled at ``epoch_since_ms``.
    """

    policy: Policy
    version: int
    since_ms: int
    epoch: int
    epoch_since_ms: int

    def to_json(self) -> dict[str, Any]:
        return {
            "policy": record_to_wire(Policy, self.policy),
            "version": self.version,
            "since_ms": self.since_ms,
            "epoch": self.epoch,
            "epoch_since_ms": self.epoch_since_ms,
        }

    @classmethod
    def from_json(cls, rec: dict[str, Any]) -> StoredPolicy:
        return cls(decode(Policy, rec["policy"]), rec["version"], rec["since_ms"], rec["epoch"], rec["epoch_since_ms"])

    def succeed(self, policy: Policy, now_ms: int) -> StoredPolicy:
        """The record after the issuer replaces the policy at ``now_ms``."""
        fresh_lots = policy.has_lots and not self.policy.has_lots
        return StoredPolicy(
            policy,
            self.version + 1,
            now_ms,
            self.epoch + 1 if fresh_lots else self.epoch,
            now_ms if fresh_lots else self.epoch_since_ms,
        )

    @classmethod
    def first(cls, policy: Policy, now_ms: int) -> StoredPolicy:
        return cls(policy, 1, now_ms, 1, now_ms)


def load_policy(state: Reader, asset: str) -> StoredPolicy | None:
    rec = load_json(state, policy_key(asset))
    return None if rec is None else StoredPolicy.from_json(rec)


def store_policy(state: Writer, asset: str, stored: StoredPolicy) -> None:
    store_json(state, policy_key(asset), stored.to_json())


def load_holding(state: Reader, asset: str, address: str, stored: StoredPolicy, balance: int) -> Holding:
    """The account's lots; stale or missing lots make its balance one never-expiring lot."""
    rec = load_json(state, lots_key(asset, address))
    if rec is None or rec["epoch"] != stored.epoch:
        return Holding(stored.epoch_since_ms, ((None, balance),) if balance else ())
    return Holding(rec["at_ms"], tuple((expiry, int(amount)) for expiry, amount in rec["lots"]))


def store_holding(state: Writer, asset: str, address: str, stored: StoredPolicy, holding: Holding) -> None:
    if not holding.lots:
        state.delete(lots_key(asset, address))
        return
    lots = [[expiry, str(amount)] for expiry, amount in holding.lots]
    store_json(state, lots_key(asset, address), {"epoch": stored.epoch, "at_ms": holding.at_ms, "lots": lots})
