"""Splits and merges: areas add up exactly, lineage links both ways, retired parcels stay retired."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.modules.land.conftest import LOAN, SALE, Registry, make_registry

from metrobloc import sdk
from metrobloc.errors import InvalidInput
from metrobloc.modules.land import queries


def parcel(r: Registry, parcel_id: str) -> dict[str, Any]:
    return queries.parcel(r.reader, parcel_id)


def active_ids(r: Registry, district: str = "north") -> list[str]:
    return [p["parcel"] for p in queries.parcels_by_district(r.reader, district)["parcels"]]


def test_split_retires_the_parent_and_links_the_children(registry: Registry) -> None:
    r = registry
    r.register(owners=[(r.alice, 7000), (r.bob, 3000)])
    msg = sdk.land.split("P-1", [("P-1A", 600), ("P-1B", 400)])
    r.fails("land.missing_cosigner", [r.alice, r.registrar], [msg])
    r.fails("land.registrar_required", [r.alice, r.bob], [msg])
    r.fails(
        "land.bad_area_total", [r.alice, r.bob, r.registrar], [sdk.land.split("P-1", [("P-1A", 600), ("P-1B", 401)])]
    )
    receipt = r.ok([r.alice, r.bob, r.registrar], [msg])
    assert receipt.events[0].attributes == {"parcel": "P-1", "into": "P-1A,P-1B"}
    assert parcel(r, "P-1")["status"] == "retired" and parcel(r, "P-1")["children"] == ["P-1A", "P-1B"]
    for child, area in (("P-1A", 600), ("P-1B", 400)):
        record = parcel(r, child)
        assert (record["parents"], record["area_m2"], record["district"]) == (["P-1"], area, "north")
        assert record["owners"] == parcel(r, "P-1")["owners"]
        assert queries.history(r.reader, child)["events"][0]["details"]["parent"] == "P-1"
    assert active_ids(r) == ["P-1A", "P-1B"]
    assert [p["parcel"] for p in queries.parcels_by_owner(r.reader, r.bob.address)["parcels"]] == ["P-1A", "P-1B"]
    # A retired parcel can be neither sold nor split again, and its id is never reused.
    sale = sdk.land.transfer("P-1", [(r.carol.address, 10_000)], SALE)
    r.fails("land.parcel_retired", [r.alice, r.bob, r.carol, r.registrar], [sale])
    r.fails("land.parcel_retired", [r.alice, r.bob, r.registrar], [msg])
    r.fails(
        "land.parcel_exists", [r.alice, r.bob, r.registrar], [sdk.land.split("P-1A", [("P-1", 300), ("P-1C", 300)])]
    )


@pytest.mark.parametrize(
    "msg",
    [
        sdk.land.split("P-1", [("P-1A", 1000)]),
        sdk.land.split("P-1", [("P-1A", 500), ("P-1A", 500)]),
        sdk.land.split("P-1", [("P-1", 500), ("P-1A", 500)]),
        sdk.land.merge(["P-1"], "P-3"),
        sdk.land.merge(["P-1", "P-1"], "P-3"),
        sdk.land.merge(["P-1", "P-2"], "P-2"),
    ],
)
def test_split_and_merge_shapes(registry: Registry, msg: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput) as err:
        registry.ledger.tx([registry.registrar], [msg])
    assert err.value.code == "land.bad_parcels"


@pytest.mark.parametrize(
    "msg",
    [
        sdk.land.split("P-1", [("P-1A", 500), ("p-1b", 500)]),
        sdk.land.merge(["P-1", "P 2"], "P-3"),
        sdk.land.merge(["P-1", "P-2"], "P/3"),
    ],
)
def test_a_malformed_parcel_id_in_a_split_or_merge_is_bad_parcel(registry: Registry, msg: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput) as err:
        registry.ledger.tx([registry.registrar], [msg])
    assert err.value.code == "land.bad_parcel"


def test_liens_block_restructuring_until_released(registry: Registry) -> None:
    r = registry
    r.register()
    r.ok([r.alice, r.bank], [sdk.land.create_lien("P-1", r.bank.address, 9, "CITY", LOAN)])
    msg = sdk.land.split("P-1", [("P-1A", 500), ("P-1B", 500)])
    r.fails("land.lien_active", [r.alice, r.registrar], [msg])
    r.ok([r.bank], [sdk.land.release_lien("P-1", 1)])
    r.ok([r.alice, r.registrar], [msg])


def test_merge_joins_parcels_of_one_district_and_the_same_owners(registry: Registry) -> None:
    r = registry
    r.register("P-1", [(r.alice, 5000), (r.bob, 5000)], area_m2=300)
    r.register("P-2", [(r.bob, 5000), (r.alice, 5000)], area_m2=200)  # same owners, other order
    r.register("P-3", [(r.alice, 6000), (r.bob, 4000)], area_m2=100)
    r.register("S-1", [(r.alice, 5000), (r.bob, 5000)], district="south", area_m2=100)
    signers = [r.alice, r.bob, r.registrar]
    r.fails("land.owners_mismatch", signers, [sdk.land.merge(["P-1", "P-3"], "P-9")])
    r.fails("land.district_mismatch", signers, [sdk.land.merge(["P-1", "S-1"], "P-9")])
    r.fails("land.parcel_exists", signers, [sdk.land.merge(["P-1", "P-2"], "P-3")])
    r.fails("land.unknown_parcel", signers, [sdk.land.merge(["P-1", "P-8"], "P-9")])
    r.fails("land.registrar_required", [r.alice, r.bob], [sdk.land.merge(["P-1", "P-2"], "P-9")])
    receipt = r.ok(signers, [sdk.land.merge(["P-1", "P-2"], "P-9")])
    assert receipt.events[0].attributes == {"parcels": "P-1,P-2", "into": "P-9", "area_m2": "500"}
    merged = parcel(r, "P-9")
    assert (merged["area_m2"], merged["parents"], merged["status"]) == (500, ["P-1", "P-2"], "active")
    assert parcel(r, "P-1")["children"] == ["P-9"] == parcel(r, "P-2")["children"]
    assert active_ids(r) == ["P-3", "P-9"]


# -- property: any sequence of splits and merges -------------------------------------------------


@st.composite
def operations(draw: st.DrawFn) -> list[tuple[Any, ...]]:
    """("split", pick, parts (fractions)) or ("merge", picks): picks index into the active parcels."""
    ops: list[tuple[Any, ...]] = []
    for _ in range(draw(st.integers(1, 8))):
        if draw(st.booleans()):
            weights = draw(st.lists(st.integers(1, 1000), min_size=2, max_size=4))
            ops.append(("split", draw(st.integers(0, 99)), weights))
        else:
            ops.append(("merge", draw(st.lists(st.integers(0, 99), min_size=2, max_size=3))))
    return ops


def split_areas(area: int, weights: list[int]) -> list[int] | None:
    """Integer areas in proportion to ``weights`` summing to ``area``, each >= 1 (None if impossible)."""
    if area < len(weights):
        return None
    areas = [max(1, area * w // sum(weights)) for w in weights]
    areas[0] += area - sum(areas)
    return areas if all(a >= 1 for a in areas) else None


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(areas=st.lists(st.integers(1, 10**12), min_size=1, max_size=3), ops=operations())
def test_splits_and_merges_keep_area_and_lineage_consistent(areas: list[int], ops: list[tuple[Any, ...]]) -> None:
    r = make_registry()
    owners = [(r.alice, 2500), (r.bob, 7500)]
    for i, area in enumerate(areas):
        r.register(f"L-{i}", owners, area_m2=area)
    total = sum(areas)
    active = [f"L-{i}" for i in range(len(areas))]
    made = 0
    for op in ops:
        if op[0] == "split":
            target = active[op[1] % len(active)]
            parts = split_areas(parcel(r, target)["area_m2"], op[2])
            if parts is None:
                continue
            children = [f"L-{len(areas) + made + j}" for j in range(len(parts))]
            made += len(parts)
            r.ok([r.alice, r.bob, r.registrar], [sdk.land.split(target, list(zip(children, parts, strict=True)))])
            active = [p for p in active if p != target] + children
        else:
            picks = list(dict.fromkeys(active[i % len(active)] for i in op[1]))
            if len(picks) < 2:
                continue
            into = f"L-{len(areas) + made}"
            made += 1
            r.ok([r.alice, r.bob, r.registrar], [sdk.land.merge(picks, into)])
            active = [p for p in active if p not in picks] + [into]

        # Area: the active parcels always cover exactly the original total.
        assert sorted(active_ids(r)) == sorted(active)
        assert sum(parcel(r, p)["area_m2"] for p in active) == total
    # Lineage: every retired parcel's children name it as a parent, and areas match across each step.
    everything = [f"L-{i}" for i in range(len(areas) + made)]
    for pid in everything:
        record = parcel(r, pid)
        assert (record["status"] == "active") == (pid in active)
        for child in record["children"]:
            assert pid in parcel(r, child)["parents"]
        for parent in record["parents"]:
            assert pid in parcel(r, parent)["children"]
        if len(record["children"]) > 1:  # a split
            assert sum(parcel(r, c)["area_m2"] for c in record["children"]) == record["area_m2"]
        if len(record["parents"]) > 1:  # a merge
            assert sum(parcel(r, p)["area_m2"] for p in record["parents"]) == record["area_m2"]
        if record["status"] == "retired":
            sale = sdk.land.transfer(pid, [(r.carol.address, 10_000)], SALE)
            r.fails("land.parcel_retired", [r.alice, r.bob, r.carol, r.registrar], [sale])
