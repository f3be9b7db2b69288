"""Titles and liens through the real executor: registration, multi-party transfers, ranked liens."""

from __future__ import annotations

from typing import Any

import pytest
from tests.modules.land.conftest import DEED, LOAN, LOAN2, SALE, SURVEY, Registry

from metrobloc import sdk
from metrobloc.errors import InvalidInput
from metrobloc.modules.land import queries


def owners(registry: Registry, parcel: str = "P-1") -> list[dict[str, Any]]:
    return list(queries.parcel(registry.reader, parcel)["owners"])


def sale(registry: Registry, to: list[tuple[str, int]] | None = None, parcel: str = "P-1") -> dict[str, Any]:
    return sdk.land.transfer(parcel, to or [(registry.bob.address, 10_000)], SALE, ("CITY", 250_000))


# -- registration ----------------------------------------------------------------------------------


def test_a_registrar_registers_a_parcel_and_it_is_indexed(registry: Registry) -> None:
    receipt = registry.register(owners=[(registry.alice, 6000), (registry.bob, 4000)])
    [event] = receipt.events
    assert event.type == "land/register_parcel"
    assert event.attributes == {
        "parcel": "P-1",
        "district": "north",
        "area_m2": "1000",
        "owners": f"{registry.alice.address}:6000,{registry.bob.address}:4000",
        "authority": "registrar",
    }
    parcel = queries.parcel(registry.reader, "P-1")
    assert parcel["status"] == "active" and parcel["area_m2"] == 1000 and parcel["documents"] == [DEED, SURVEY]
    assert parcel["liens"] == [] and parcel["claims"] == [] and parcel["parents"] == []
    for who in (registry.alice, registry.bob):
        assert [p["parcel"] for p in queries.parcels_by_owner(registry.reader, who.address)["parcels"]] == ["P-1"]
    assert [p["parcel"] for p in queries.parcels_by_district(registry.reader, "north")["parcels"]] == ["P-1"]
    assert queries.parcels_by_district(registry.reader, "south")["parcels"] == []


def test_only_a_registrar_registers_and_a_parcel_is_registered_once(registry: Registry) -> None:
    msg = sdk.land.register_parcel("P-1", "north", 1000, [(registry.alice.address, 10_000)], [DEED])
    registry.fails("land.registrar_required", [registry.alice], [msg])
    registry.fails("land.registrar_required", [registry.bank], [msg])  # another role is not enough
    registry.ok([registry.admin], [msg])  # admin implies every role
    registry.fails("land.parcel_exists", [registry.registrar], [msg])


@pytest.mark.parametrize(
    "owners, code",
    [
        ([("A", 6000), ("B", 3000)], "land.bad_share_total"),
        ([("A", 6000), ("B", 5000)], "land.bad_share_total"),
        ([("A", 10_000), ("B", 0)], "land.bad_share_total"),
        ([("A", 5000), ("A", 5000)], "land.duplicate_owner"),
        ([], "land.bad_owners"),
    ],
)
def test_shares_are_basis_points_of_distinct_owners_summing_to_10000(
    registry: Registry, owners: list[tuple[str, int]], code: str
) -> None:
    addresses = {"A": registry.alice.address, "B": registry.bob.address}
    shares = [(addresses[a], bp) for a, bp in owners]
    with pytest.raises(InvalidInput) as err:
        registry.ledger.tx([registry.registrar], [sdk.land.register_parcel("P-1", "north", 10, shares, [DEED])])
    assert err.value.code == code
    with pytest.raises(InvalidInput) as err:
        registry.ledger.tx([registry.registrar], [sdk.land.transfer("P-1", shares, SALE)])
    assert err.value.code == code


@pytest.mark.parametrize(
    "field, value, code",
    [
        ("parcel", "p-1", "land.bad_parcel"),
        ("parcel", "P/1", "land.bad_parcel"),
        ("district", "North", "msg.bad_string"),
        ("area_m2", 0, "msg.bad_integer"),
        ("area_m2", "1000", "msg.bad_integer"),
        ("documents", [], "land.bad_documents"),
        ("documents", ["John Smith, 12 Main St"], "land.bad_documents"),  # no personal data: digests only
        ("documents", [DEED, DEED], "land.bad_documents"),
    ],
)
def test_registration_format_is_checked_at_admission(registry: Registry, field: str, value: Any, code: str) -> None:
    msg = {**sdk.land.register_parcel("P-1", "north", 1000, [(registry.alice.address, 10_000)], [DEED]), field: value}
    with pytest.raises(InvalidInput) as err:
        registry.ledger.tx([registry.registrar], [msg])
    assert err.value.code == code


def test_prices_ids_and_digests_are_checked_in_full_at_admission(registry: Registry) -> None:
    alice = registry.alice.address
    cases = [
        ({**sdk.land.transfer("P-1", [(alice, 10_000)], SALE), "price": "250000"}, "land.bad_price"),
        ({**sdk.land.transfer("P-1", [(alice, 10_000)], SALE), "price": ["CITY", "1"]}, "land.bad_price"),
        (sdk.land.transfer("p-1", [(alice, 10_000)], SALE), "land.bad_parcel"),
        (sdk.land.create_lien("P 1", alice, 1, "CITY", LOAN), "land.bad_parcel"),
        (sdk.land.release_lien("", 1), "land.bad_parcel"),
        # A final newline would pass re.match with "$": "P-1\n" is not "P-1", nor "RENT\n" a symbol.
        (sdk.land.transfer("P-1\n", [(alice, 10_000)], SALE), "land.bad_parcel"),
        (sdk.land.register_parcel("P-1", "north\n", 1, [(alice, 10_000)], [DEED]), "msg.bad_string"),
        ({**sdk.land.transfer("P-1", [(alice, 10_000)], SALE), "deed_digest": SALE + "\n"}, "land.bad_digest"),
        (sdk.land.issue_revenue_rights("P-1", "RENT\n", 5), "msg.bad_string"),
    ]
    for msg, code in cases:
        with pytest.raises(InvalidInput) as err:
            registry.ledger.tx([registry.registrar], [msg])
        assert err.value.code == code, msg


# -- transfers -------------------------------------------------------------------------------------


def test_transfer_needs_every_old_and_new_owner_and_a_registrar(registry: Registry) -> None:
    r = registry
    r.register(owners=[(r.alice, 6000), (r.carol, 4000)])
    to = [(r.bob.address, 7000), (r.dave.address, 3000)]
    everyone = [r.alice, r.carol, r.bob, r.dave, r.registrar]
    for missing in (r.alice, r.carol, r.bob, r.dave):
        signers = [k for k in everyone if k is not missing]
        receipt = r.fails("land.missing_cosigner", signers, [sale(r, to)])
        assert missing.address in receipt.error["message"]  # type: ignore[index]
    r.fails("land.registrar_required", everyone[:-1], [sale(r, to)])
    receipt = r.ok(everyone, [sale(r, to)])
    assert receipt.events[0].attributes["to"] == f"{r.bob.address}:7000,{r.dave.address}:3000"
    assert receipt.events[0].attributes["price_amount"] == "250000"
    assert owners(r) == [{"address": r.bob.address, "share_bp": 7000}, {"address": r.dave.address, "share_bp": 3000}]
    assert queries.parcels_by_owner(r.reader, r.alice.address)["parcels"] == []
    assert [p["parcel"] for p in queries.parcels_by_owner(r.reader, r.dave.address)["parcels"]] == ["P-1"]
    assert queries.parcel(r.reader, "P-1")["deed_digest"] == SALE


def test_transfer_of_an_unknown_parcel(registry: Registry) -> None:
    r = registry
    r.fails("land.unknown_parcel", [r.alice, r.bob, r.registrar], [sale(r, parcel="NOPE-1")])


def test_a_seller_cannot_sell_twice(registry: Registry) -> None:
    r = registry
    r.register()
    r.ok([r.alice, r.bob, r.registrar], [sale(r)])
    # Alice no longer owns it: a second sale (to carol) lacks the current owner's signature.
    r.fails("land.missing_cosigner", [r.alice, r.carol, r.registrar], [sale(r, [(r.carol.address, 10_000)])])
    assert owners(r) == [{"address": r.bob.address, "share_bp": 10_000}]


def test_two_sales_of_one_title_in_one_block_only_the_first_executes(registry: Registry) -> None:
    r = registry
    r.register()
    first = r.ledger.tx([r.alice, r.bob, r.registrar], [sale(r)])
    second = r.ledger.tx([r.alice, r.carol, r.registrar], [sale(r, [(r.carol.address, 10_000)])])
    result = r.ledger.block(first, second)
    assert [x.status for x in result.receipts] == ["ok", "failed"]
    assert result.receipts[1].error == {
        "code": "land.missing_cosigner",
        "message": f"every current and every new owner must co-sign; missing: {r.bob.address}",
    }


# -- liens ------------------------------------------------------------------------------------------


def lien(r: Registry, bank: Any = None, amount: int = 500_000, reference: str = LOAN) -> dict[str, Any]:
    return sdk.land.create_lien("P-1", (bank or r.bank).address, amount, "CITY", reference)


def test_a_lien_needs_the_owners_and_a_lender(registry: Registry) -> None:
    r = registry
    r.register(owners=[(r.alice, 5000), (r.carol, 5000)])
    r.fails("land.missing_cosigner", [r.alice, r.bank], [lien(r)])
    r.fails("land.missing_cosigner", [r.alice, r.carol], [lien(r)])
    r.fails(
        "land.not_lender", [r.alice, r.carol, r.dave], [sdk.land.create_lien("P-1", r.dave.address, 5, "CITY", LOAN)]
    )
    r.fails(
        "land.unknown_asset", [r.alice, r.carol, r.bank], [sdk.land.create_lien("P-1", r.bank.address, 5, "NOPE", LOAN)]
    )
    r.fails(
        "land.unknown_parcel",
        [r.alice, r.carol, r.bank],
        [sdk.land.create_lien("P-9", r.bank.address, 5, "CITY", LOAN)],
    )
    receipt = r.ok([r.alice, r.carol, r.bank], [lien(r)])
    assert receipt.events[0].attributes == {
        "parcel": "P-1",
        "lien_id": "1",
        "lender": r.bank.address,
        "amount": "500000",
        "asset": "CITY",
        "rank": "1",
        "prior_liens": "",
    }


def test_double_pledging_cannot_be_hidden(registry: Registry) -> None:
    r = registry
    r.register()
    r.ok([r.alice, r.bank], [lien(r)])
    receipt = r.ok([r.alice, r.bank2], [lien(r, r.bank2, 200_000, LOAN2)])
    assert receipt.events[0].attributes["rank"] == "2" and receipt.events[0].attributes["prior_liens"] == "1"

    ranked = queries.parcel(r.reader, "P-1")["liens"]
    assert [(x["lien_id"], x["rank"], x["lender"]) for x in ranked] == [(1, 1, r.bank.address), (2, 2, r.bank2.address)]
    # The first lender sees the second lien on the parcel; the second sees the first ranked ahead of it.
    [first] = queries.liens_by_lender(r.reader, r.bank.address)["liens"]
    assert (first["lien_id"], first["rank"], first["prior_liens"]) == (1, 1, [])
    [second] = queries.liens_by_lender(r.reader, r.bank2.address)["liens"]
    assert (second["lien_id"], second["rank"], second["amount"]) == (2, 2, "200000")
    assert [(p["lien_id"], p["lender"], p["amount"]) for p in second["prior_liens"]] == [(1, r.bank.address, "500000")]
    history = queries.history(r.reader, "P-1")["events"]
    assert history[-1]["details"]["prior_liens"] == [
        {"lien_id": 1, "lender": r.bank.address, "amount": "500000", "asset": "CITY", "rank": 1}
    ]


def test_release_by_the_lienholder_only_and_ranks_close_up(registry: Registry) -> None:
    r = registry
    r.register()
    r.ok([r.alice, r.bank], [lien(r)])
    r.ok([r.alice, r.bank2], [lien(r, r.bank2, reference=LOAN2)])
    r.fails("land.not_lienholder", [r.alice], [sdk.land.release_lien("P-1", 1)])
    r.fails("land.not_lienholder", [r.bank2], [sdk.land.release_lien("P-1", 1)])
    r.fails("land.unknown_lien", [r.bank], [sdk.land.release_lien("P-1", 9)])
    r.ok([r.bank], [sdk.land.release_lien("P-1", 1)])
    r.fails("land.lien_released", [r.bank], [sdk.land.release_lien("P-1", 1)])
    [only] = queries.parcel(r.reader, "P-1")["liens"]
    assert (only["lien_id"], only["rank"]) == (2, 1)
    assert queries.liens_by_lender(r.reader, r.bank.address)["liens"] == []
    # A new lien gets a fresh id, never a reused one, and ranks last.
    receipt = r.ok([r.alice, r.bank], [lien(r)])
    assert receipt.events[0].attributes["lien_id"] == "3" and receipt.events[0].attributes["rank"] == "2"


def test_a_sale_under_lien_needs_every_lienholder(registry: Registry) -> None:
    r = registry
    r.register()
    r.ok([r.alice, r.bank], [lien(r)])
    r.ok([r.alice, r.bank2], [lien(r, r.bank2, reference=LOAN2)])
    receipt = r.fails("land.lien_active", [r.alice, r.bob, r.registrar], [sale(r)])
    assert "lien 1" in receipt.error["message"] and "lien 2" in receipt.error["message"]  # type: ignore[index]
    r.fails("land.lien_active", [r.alice, r.bob, r.registrar, r.bank], [sale(r)])
    # With every lienholder co-signing the liens run with the land: the buyer takes them over.
    r.ok([r.alice, r.bob, r.registrar, r.bank, r.bank2], [sale(r)])
    parcel = queries.parcel(r.reader, "P-1")
    assert parcel["owners"] == [{"address": r.bob.address, "share_bp": 10_000}]
    assert [x["lien_id"] for x in parcel["liens"]] == [1, 2]


def test_free_and_clear_sale_releases_and_transfers_in_one_tx(registry: Registry) -> None:
    r = registry
    r.register()
    r.ok([r.alice, r.bank], [lien(r)])
    receipt = r.ok([r.alice, r.bob, r.registrar, r.bank], [sdk.land.release_lien("P-1", 1), sale(r)])
    assert [e.type for e in receipt.events] == ["land/release_lien", "land/transfer"]
    assert queries.parcel(r.reader, "P-1")["liens"] == []


def test_history_records_every_step_with_tx_hash_and_height(registry: Registry) -> None:
    r = registry
    registered = r.register()
    pledged = r.ok([r.alice, r.bank], [lien(r)])
    r.fails("land.lien_active", [r.alice, r.bob, r.registrar], [sale(r)])
    released = r.ok([r.bank], [sdk.land.release_lien("P-1", 1)])
    sold = r.ok([r.alice, r.bob, r.registrar], [sale(r)])
    events = queries.history(r.reader, "P-1")["events"]
    assert [e["type"] for e in events] == [
        "land/register_parcel",
        "land/create_lien",
        "land/release_lien",
        "land/transfer",
    ]
    assert [(e["seq"], e["tx_hash"], e["height"]) for e in events] == [
        (i + 1, x.tx_hash, x.height) for i, x in enumerate([registered, pledged, released, sold])
    ]
    assert all(e["proof"] == f"/v1/txs/{e['tx_hash']}/proof" for e in events)
    assert events[-1]["details"]["price"] == {"asset": "CITY", "amount": "250000"}
    # Pages: two at a time, following ``next``.
    page = queries.history(r.reader, "P-1", limit=2)
    assert [e["seq"] for e in page["events"]] == [1, 2] and page["next"] == 2
    page = queries.history(r.reader, "P-1", after=2, limit=2)
    assert [e["seq"] for e in page["events"]] == [3, 4]


def test_query_errors(registry: Registry) -> None:
    from metrobloc.errors import NotFound

    with pytest.raises(NotFound) as nf:
        queries.parcel(registry.reader, "P-404")
    assert nf.value.code == "land.unknown_parcel"
    with pytest.raises(NotFound):
        queries.history(registry.reader, "P-404")
    for bad_parcel in (
        lambda: queries.parcel(registry.reader, "p 1"),
        lambda: queries.history(registry.reader, "P/1"),
    ):
        with pytest.raises(InvalidInput) as err:
            bad_parcel()
        assert err.value.code == "land.bad_parcel"  # the code a message with that id gets
    with pytest.raises(InvalidInput) as err:
        queries.parcels_by_district(registry.reader, "X")
    assert err.value.code == "land.bad_query"
    with pytest.raises(InvalidInput) as err:
        queries.parcels_by_owner(registry.reader, registry.alice.address, limit=0)
    assert err.value.code == "land.bad_query"
