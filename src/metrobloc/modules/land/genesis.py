"""Genesis section of the land module: a registry migrated from its previous system.

``{"policies": [{claim, oracles, threshold}], "parcels": [{parcel, district, area_m2, owners,
documents}]}``: the entries have the shape of ``land/set_oracle_policy`` and
``land/register_parcel`` messages. Imported parcels start their history with a
``land/register_parcel`` entry at height 0 with an empty tx hash (genesis has no tx to prove).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from metrobloc.errors import InvalidInput, MetroblocError
from metrobloc.execution import Context
from metrobloc.modules.land.keeper import LandKeeper
from metrobloc.modules.land.msgs import parse_register_parcel, parse_set_oracle_policy
from metrobloc.modules.land.records import Policy


def init_genesis(ctx: Context, section: Mapping[str, Any]) -> None:
    keeper = LandKeeper()
    try:
        for entry in section.get("policies", []):
            policy = parse_set_oracle_policy(entry)
            keeper.put_policy(ctx, Policy(policy.claim, policy.oracles, policy.threshold, 0))
        for entry in section.get("parcels", []):
            msg = parse_register_parcel(entry)
            keeper.require_new(ctx, msg.parcel)
            keeper.register(ctx, msg, "genesis")  # at height 0
    except (MetroblocError, KeyError, TypeError, AttributeError) as exc:
        raise InvalidInput(f"genesis land section: {exc}", "genesis.bad_land") from exc
