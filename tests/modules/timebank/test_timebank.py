"""The time-bank module through the real executor: registration by accredited registrars, admission
with starter minutes, listings, co-signed services with the floor, and clearing between banks
(must-hold 4 of issue 12)."""

from __future__ import annotations

from tests.modules.timebank.conftest import Town, digest

from metrobloc import sdk
from metrobloc.crypto import PrivateKey
from metrobloc.modules.timebank import queries


def test_only_an_accredited_registrar_or_the_root_registers_a_bank_and_the_bank_signs(town: Town) -> None:
    alice = town.residents[0]
    msg = sdk.timebank.register_bank(town.north.address, "North Time Bank", 120, 600)
    town.fails("timebank.not_accredited", [alice, town.north], [msg])
    town.fails("timebank.bank_must_sign", [town.registrar], [msg])
    town.register(town.north, "North Time Bank")
    town.fails("timebank.bank_exists", [town.registrar, town.north], [msg])
    town.ok([town.ledger.admin, town.south], [sdk.timebank.register_bank(town.south.address, "South", 60, 0)])
    registry = queries.banks(town.reader)["banks"]
    by_bank = {b["bank"]: b for b in registry}
    assert by_bank[town.north.address]["accreditation"] == 1
    assert by_bank[town.south.address]["accreditation"] is None  # the root authority


def test_a_revoked_accreditation_registers_no_bank(town: Town) -> None:
    town.ok([town.ledger.admin], [sdk.identity.revoke_accreditation(1)])
    msg = sdk.timebank.register_bank(town.north.address, "North", 120, 600)
    town.fails("timebank.not_accredited", [town.registrar, town.north], [msg])


def test_admission_gives_starter_minutes_out_of_the_banks_own_balance(town: Town) -> None:
    alice, bob = town.residents[:2]
    town.register(town.north, "North", starter=120)
    town.admit(town.north, alice)
    town.admit(town.north, bob)
    bank = queries.bank(town.reader, town.north.address)
    assert bank["balance"] == -240 and bank["members"] == 2
    assert bank["book"] == {"bank_balance": -240, "members_balance": 240, "clearing_net": 0}
    assert queries.member(town.reader, alice.address)["banks"][0]["balance"] == 120
    msg = sdk.timebank.admit(town.north.address, alice.address, digest("again"))
    town.fails("timebank.already_member", [town.north], [msg])
    town.fails("timebank.bank_must_sign", [alice], [msg])
    stranger = PrivateKey(b"\x77" * 32)
    town.fails("timebank.unknown_bank", [stranger], [sdk.timebank.admit(stranger.address, alice.address, digest("x"))])


def test_a_service_needs_both_signatures_and_moves_minutes_one_to_one(town: Town) -> None:
    alice, bob, carol = town.residents[:3]
    town.register(town.north, "North", starter=60, floor=100)
    for who in (alice, bob):
        town.admit(town.north, who)
    msg = town.service(alice, bob, 90)
    town.fails("timebank.needs_both_signatures", [alice], [msg])
    town.fails("timebank.needs_both_signatures", [bob], [msg])
    town.fails("timebank.needs_both_signatures", [alice, carol], [msg])
    receipt = town.ok([alice, bob], [msg])
    assert receipt.events[0].attributes["minutes"] == "90"
    assert queries.member(town.reader, alice.address)["total_minutes"] == 150
    assert queries.member(town.reader, bob.address)["banks"][0]["balance"] == -30
    town.fails("timebank.below_floor", [alice, bob], [town.service(alice, bob, 71)])  # -30 - 71 < -100
    town.ok([bob, alice], [town.service(alice, bob, 70)])  # exactly the floor; either may send
    town.fails("timebank.not_member", [alice, carol], [town.service(alice, carol, 10)])
    history = queries.history(town.reader, bob.address)["histories"][0]
    assert [(e["kind"], e["minutes"]) for e in history["entries"]] == [
        ("starter", 60),
        ("received", -90),
        ("received", -70),
    ]
    assert history["balance"] == -100


def test_services_between_banks_clear_between_them(town: Town) -> None:
    alice, bob, carol = town.residents[:3]
    town.register(town.north, "North", starter=60)
    town.register(town.south, "South", starter=30)
    town.admit(town.north, alice)
    town.admit(town.south, bob)
    town.admit(town.south, carol)
    town.ok([alice, bob], [town.service(alice, bob, 45)])  # north's alice helps south's bob
    town.ok([carol, alice], [town.service(carol, alice, 15)])
    north = queries.clearing(town.reader, town.north.address)
    south = queries.clearing(town.reader, town.south.address)
    assert north["positions"] == [{"bank": town.south.address, "minutes": 30}]  # south owes north 30
    assert south["positions"] == [{"bank": town.north.address, "minutes": -30}]
    for bank in (town.north, town.south):
        book = queries.bank(town.reader, bank.address)["book"]
        assert book["bank_balance"] + book["members_balance"] == book["clearing_net"]


def test_a_member_of_two_banks_names_the_bank(town: Town) -> None:
    alice, bob = town.residents[:2]
    town.register(town.north, "North")
    town.register(town.south, "South")
    town.admit(town.north, alice)
    town.admit(town.south, alice)
    town.admit(town.north, bob)
    town.fails("timebank.ambiguous_bank", [alice, bob], [town.service(alice, bob, 10)])
    town.ok([alice, bob], [town.service(alice, bob, 10, provider_bank=town.south.address)])
    wallet = queries.member(town.reader, alice.address)
    assert {b["bank"]: b["balance"] for b in wallet["banks"]} == {town.north.address: 120, town.south.address: 130}
    assert wallet["total_minutes"] == 250


def test_offers_and_requests_open_and_close(town: Town) -> None:
    alice, bob = town.residents[:2]
    town.register(town.north, "North")
    town.admit(town.north, alice)
    offer = sdk.timebank.offer(town.north.address, "garden-1", "gardening", 60, digest("I can weed"))
    town.fails("timebank.not_member", [bob], [offer])
    town.ok([alice], [offer])
    town.fails("timebank.listing_exists", [alice], [offer])
    town.ok([alice], [sdk.timebank.request(town.north.address, "ride-1", "transport", 30, digest("ride"))])
    assert [x["listing_id"] for x in queries.listings(town.reader, town.north.address, "offer")["listings"]] == [
        "garden-1"
    ]
    close = sdk.timebank.close_listing(town.north.address, "garden-1")
    town.fails("timebank.not_author", [bob], [close])
    town.ok([town.north], [close])  # the bank may close it
    town.fails("timebank.listing_closed", [alice], [close])
    assert [x["listing_id"] for x in queries.listings(town.reader, town.north.address, open_only=True)["listings"]] == [
        "ride-1"
    ]
