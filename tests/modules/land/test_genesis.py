"""The land genesis section: a registry migrated from its previous system."""

from __future__ import annotations

import pytest
from tests.modules.land.conftest import DEED, DictReader

from metrobloc.crypto import PrivateKey
from metrobloc.errors import InvalidInput
from metrobloc.execution import Executor
from metrobloc.modules.land import queries
from metrobloc.node.app import build_app

OWNER = PrivateKey(b"\x31" * 32).address
ORACLE = PrivateKey(b"\x32" * 32).address
SECTION = {
    "policies": [{"claim": "survey", "oracles": [ORACLE], "threshold": 1}],
    "parcels": [
        {"parcel": "OLD-1", "district": "old-town", "area_m2": 250, "owners": [{"address": OWNER, "share_bp": 10_000}],
         "documents": [DEED]},
    ],
}  # fmt: skip


def genesis_state(section: object) -> dict[bytes, bytes]:
    state: dict[bytes, bytes] = {}
    writes = Executor(build_app(), "genesis-test").init_genesis(state.get, {"land": section}, 1_700_000_000_000)
    return {k: v for k, v in writes.items() if v is not None}


def test_imported_parcels_and_policies_are_queryable_with_a_genesis_history() -> None:
    reader = DictReader(genesis_state(SECTION))
    parcel = queries.parcel(reader, "OLD-1")
    assert parcel["owners"] == [{"address": OWNER, "share_bp": 10_000}] and parcel["registered_height"] == 0
    assert [p["parcel"] for p in queries.parcels_by_owner(reader, OWNER)["parcels"]] == ["OLD-1"]
    [entry] = queries.history(reader, "OLD-1")["events"]
    assert (entry["height"], entry["tx_hash"], entry["proof"]) == (0, "", None)
    assert entry["details"]["authority"] == "genesis"
    assert queries.policy(reader, "survey")["oracles"] == [ORACLE]


@pytest.mark.parametrize(
    "section",
    [
        {"parcels": [{**SECTION["parcels"][0], "owners": [{"address": OWNER, "share_bp": 9_000}]}]},
        {"parcels": [SECTION["parcels"][0], SECTION["parcels"][0]]},
        {"policies": [{"claim": "survey", "oracles": [ORACLE], "threshold": 2}]},
        {"parcels": ["OLD-1"]},
    ],
)
def test_a_bad_section_is_refused(section: object) -> None:
    with pytest.raises(InvalidInput) as err:
        genesis_state(section)
    assert err.value.code == "genesis.bad_land"
