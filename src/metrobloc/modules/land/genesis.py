"""Genesis section of the land module: a registry migrated from its previous system.

``{"policies": [{claim, oracles, threshold}], "parcels": [{parcel, district, area_m2, owners,
documents}]}``: the entries are ``land/set_oracle_policy`` and ``land/register_parcel`` messages'
fields. Imported parcels start their history with a ``land/register_parcel`` entry at height 0
with an empty tx hash (genesis has no tx to prove).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from metrobloc.errors import InvalidInput, MetroblocError
from metrobloc.execution import Context
from metrobloc.execution.messages import Message, decode, type_name
from metrobloc.modules.land.keeper import LandKeeper
from metrobloc.modules.land.msgs import RegisterParcel, SetOraclePolicy
from metrobloc.modules.land.records import Policy


def init_genesis(ctx: Context, section: Mapping[str, Any]) -> None:
    keeper = LandKeeper()
    try:
        for entry in section.get("policies", []):
            policy = _entry(SetOraclePolicy, entry)
            keeper.put_policy(ctx, Policy(policy.claim, policy.oracles, policy.threshold, 0))
        for entry in section.get("parcels", []):
            msg = _entry(RegisterParcel, entry)
            keeper.require_new(ctx, msg.parcel)
            keeper.register(ctx, msg, "genesis")  # at height 0
    except (MetroblocError, KeyError, TypeError, AttributeError) as exc:
        raise InvalidInput(f"genesis land section: {exc}", "genesis.bad_land") from exc


def _entry(cls: type[Message], entry: Any) -> Any:
    """A genesis entry decoded as the message whose fields it has."""
    if not isinstance(entry, Mapping):
        raise InvalidInput(f"an entry is an object of {type_name(cls)} fields, not {type(entry).__name__}")
    return decode(cls, {"type": type_name(cls), **entry})
