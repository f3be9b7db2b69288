"""An asset's stored policy and an account's stored lots (docs/spec/assets.md §Policies)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import orjson

from metrobloc.execution.messages import decode, record_to_wire
from metrobloc.execution.state_access import Reader, Writer, load_json, store_json
from metrobloc.modules.assets import errors
from metrobloc.modules.assets.keys import lots_key, policy_key
from metrobloc.modules.assets.lots import DemurrageRule, Holding
from metrobloc.modules.assets.msgs import Policy

MAX_DEMURRAGE_RULES = 64
"""How many times an asset's demurrage rule may change (each change is kept: holdings settle through them all)."""


@dataclass(frozen=True)
class StoredPolicy:
    """A policy in force, with what earlier policies left behind.

    - ``lots``: the asset keeps its units in lots. Once true it stays true, whatever later policies
      say: lots keep the expiry they were minted with.
    - ``epoch``: counts the times lots were switched on (0 before, 1 after; a holding stored under
      another epoch is stale) and ``epoch_since_ms`` when: a stale or missing holding reads as the
      account's balance in one never-expiring lot settled then.
    - ``demurrage``: every demurrage rule since lots were switched on, oldest first, so that a rate
      changed by the issuer applies from its change on, never before (docs/spec/assets.md §4).
    """

    policy: Policy
    version: int
    since_ms: int
    lots: bool
    epoch: int
    epoch_since_ms: int
    demurrage: tuple[DemurrageRule, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "policy": record_to_wire(Policy, self.policy),
            "version": self.version,
            "since_ms": self.since_ms,
            "lots": self.lots,
            "epoch": self.epoch,
            "epoch_since_ms": self.epoch_since_ms,
            "demurrage": [[r.since_ms, r.rate_bp, r.period_ms] for r in self.demurrage],
        }

    @classmethod
    def from_json(cls, rec: dict[str, Any]) -> StoredPolicy:
        return cls(
            decode(Policy, rec["policy"]),
            rec["version"],
            rec["since_ms"],
            rec["lots"],
            rec["epoch"],
            rec["epoch_since_ms"],
            tuple(DemurrageRule(*rule) for rule in rec["demurrage"]),
        )

    @classmethod
    def first(cls, policy: Policy, now_ms: int) -> StoredPolicy:
        return cls(policy, 0, now_ms, False, 0, now_ms, ()).succeed(policy, now_ms)

    def succeed(self, policy: Policy, now_ms: int) -> StoredPolicy:
        """The record after the issuer sets ``policy`` at ``now_ms``."""
        lots = self.lots or policy.has_lots
        switched_on = lots and not self.lots
        rules = self.demurrage
        rule = (policy.demurrage_bp, policy.demurrage_period_ms) if policy.demurrage_bp else (0, None)
        if rule != ((rules[-1].rate_bp, rules[-1].period_ms) if rules else (0, None)):
            if len(rules) >= MAX_DEMURRAGE_RULES:
                raise errors.BAD_POLICY.error(
                    f"an asset's demurrage rule changes at most {MAX_DEMURRAGE_RULES} times; issue a new asset"
                )
            rules = (*rules, DemurrageRule(now_ms, *rule))
        return StoredPolicy(
            policy,
            self.version + 1,
            now_ms,
            lots,
            self.epoch + 1 if switched_on else self.epoch,
            now_ms if switched_on else self.epoch_since_ms,
            rules,
        )


def load_policy(state: Reader, asset: str) -> StoredPolicy | None:
    raw = state.get(policy_key(asset))
    return None if raw is None else _decoded_policy(raw)


@lru_cache(maxsize=1024)
def _decoded_policy(raw: bytes) -> StoredPolicy:
    """The stored record decoded once per distinct bytes (records are immutable values).

    Every transfer of a policy asset reads its policy; decoding it each time (JSON, the ``Policy``
    schema and its ``__post_init__`` checks) took 11% of the chain thread (bench/README.md).
    """
    return StoredPolicy.from_json(orjson.loads(raw))


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
