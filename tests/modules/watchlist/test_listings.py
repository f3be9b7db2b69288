"""Listing and delisting through the real executor: roles, subjects, expiry, amendments, the public
history, the keeper interface other modules use (``is_listed``, ``listing``) and the queries."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.modules.conftest import GENESIS_TIME_MS, Ledger
from tests.modules.watchlist.conftest import BASIS, DAY_MS, Desk, block_time

from metrobloc import sdk
from metrobloc.crypto import PrivateKey
from metrobloc.errors import InvalidInput
from metrobloc.modules.watchlist import KEEPER, queries
from metrobloc.modules.watchlist.subjects import subject_hash

SALT = bytes(range(16))
HASHED = subject_hash(SALT, "UTO:L898902C")
YEAR = GENESIS_TIME_MS + 365 * DAY_MS


def test_an_authority_lists_a_subject_and_everyone_can_see_by_whom_since_when_why_until_when(desk: Desk) -> None:
    alice = desk.ledger.alice.address
    receipt = desk.list(desk.fiu, alice)
    assert receipt.status == "ok", receipt.error
    assert [(e.type, e.attributes) for e in receipt.events] == [
        (
            "watchlist/list",
            {
                "list": "sanctions",
                "subject": alice,
                "authority": desk.fiu.address,
                "reason_code": "sanctions",
                "expires_ms": str(YEAR),
            },
        )
    ]
    h, t = receipt.height, block_time(receipt.height)
    answer = desk.query(alice, at_ms=t)
    assert answer == {
        "list": "sanctions",
        "subject": alice,
        "listed": True,
        "at_ms": t,
        "in_force": True,
        "listing": {
            "list": "sanctions",
            "subject": alice,
            "authority": desk.fiu.address,
            "reason_code": "sanctions",
            "legal_basis_digest": BASIS,
            "expires_ms": YEAR,
            "since_height": h,
            "since_ms": t,
            "updated_height": h,
            "updated_ms": t,
            "tx_hash": receipt.tx_hash,
        },
    }
    assert desk.listed(alice, t) and not desk.listed(alice, t, "fraud")
    assert not desk.listed(desk.ledger.bob.address, t)
    listing = KEEPER.listing(desk.ledger.state, "sanctions", alice)
    assert listing is not None and listing.authority == desk.fiu.address


def test_listing_needs_the_role_and_an_admin_holds_it(desk: Desk) -> None:
    bob = desk.ledger.bob.address
    desk.ledger.fails(
        "watchlist.missing_role", [desk.ledger.alice], [sdk.watchlist.list("fraud", bob, "fraud", BASIS, YEAR)]
    )
    desk.list(desk.fiu, bob)
    desk.ledger.fails("watchlist.missing_role", [desk.ledger.alice], [sdk.watchlist.delist("sanctions", bob, "other")])
    assert desk.delist(desk.ledger.admin, bob).status == "ok"


def test_expiry_must_be_in_the_future_and_a_listing_lapses_at_it(desk: Desk) -> None:
    carol = desk.ledger.carol.address
    now = block_time(desk.ledger.height + 1)
    desk.ledger.fails(
        "watchlist.expiry_in_past", [desk.fiu], [sdk.watchlist.list("sanctions", carol, "fraud", BASIS, now)]
    )
    receipt = desk.list(desk.fiu, carol, expires_ms=now + 1500)  # the next block still sees it, not the one after
    assert receipt.status == "ok"
    assert desk.listed(carol, now) and desk.listed(carol, now + 1499) and not desk.listed(carol, now + 1500)
    assert desk.query(carol, at_ms=now + 1500) | {"listing": None} == {
        "list": "sanctions",
        "subject": carol,
        "listed": True,
        "at_ms": now + 1500,
        "in_force": False,
        "listing": None,
    }
    assert desk.query(carol)["listed"] and "in_force" not in desk.query(carol)


def test_relisting_a_listed_subject_amends_it_and_keeps_since(desk: Desk) -> None:
    first = desk.list(desk.fiu, HASHED, list_id="fraud", reason_code="fraud")
    second = desk.list(desk.bank, HASHED, list_id="fraud", reason_code="identity_theft", expires_ms=YEAR + DAY_MS)
    assert second.events[0].type == "watchlist/amend"
    listing = desk.query(HASHED, "fraud")["listing"]
    assert (listing["since_height"], listing["updated_height"]) == (first.height, second.height)
    assert (listing["authority"], listing["reason_code"], listing["expires_ms"]) == (
        desk.bank.address,
        "identity_theft",
        YEAR + DAY_MS,
    )
    assert [e["action"] for e in desk.history(HASHED, "fraud")] == ["list", "amend"]


def test_relisting_after_expiry_is_a_new_listing(desk: Desk) -> None:
    bob = desk.ledger.bob.address
    desk.list(desk.fiu, bob, expires_ms=block_time(desk.ledger.height + 1) + 1)
    again = desk.list(desk.fiu, bob)
    assert again.events[0].type == "watchlist/list"
    assert desk.query(bob)["listing"]["since_height"] == again.height


def test_delisting_needs_a_listing_and_the_history_keeps_everything(desk: Desk) -> None:
    alice = desk.ledger.alice.address
    desk.ledger.fails("watchlist.not_listed", [desk.fiu], [sdk.watchlist.delist("sanctions", alice, "other")])
    listed = desk.list(desk.fiu, alice)
    delisted = desk.delist(desk.bank, alice, "appeal_granted")
    assert delisted.events[0].attributes == {
        "list": "sanctions",
        "subject": alice,
        "authority": desk.bank.address,
        "reason_code": "appeal_granted",
    }
    assert desk.query(alice) == {"list": "sanctions", "subject": alice, "listed": False, "listing": None}
    assert not desk.listed(alice, block_time(delisted.height))
    desk.ledger.fails("watchlist.not_listed", [desk.fiu], [sdk.watchlist.delist("sanctions", alice, "other")])
    assert desk.history(alice) == [
        {
            "seq": 0,
            "action": "list",
            "authority": desk.fiu.address,
            "reason_code": "sanctions",
            "legal_basis_digest": BASIS,
            "expires_ms": YEAR,
            "height": listed.height,
            "time_ms": block_time(listed.height),
            "tx_hash": listed.tx_hash,
        },
        {
            "seq": 1,
            "action": "delist",
            "authority": desk.bank.address,
            "reason_code": "appeal_granted",
            "legal_basis_digest": None,
            "expires_ms": None,
            "height": delisted.height,
            "time_ms": block_time(delisted.height),
            "tx_hash": delisted.tx_hash,
        },
    ]


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"subject": "mb1notanaddress"}, "watchlist.bad_subject"),
        ({"subject": "mb1qyqszqgpqyqszqgpqyqszqgpqyqszqgp5rmz6m"}, "watchlist.bad_subject"),  # bad checksum
        ({"subject": "sha256:" + "A" * 64}, "watchlist.bad_subject"),
        ({"subject": "alice@example.org"}, "watchlist.bad_subject"),
        ({"list": "Sanctions"}, "watchlist.bad_list"),
        ({"reason_code": "gossip"}, "watchlist.bad_reason"),
        ({"legal_basis_digest": "xyz"}, "watchlist.bad_digest"),
        ({"expires_ms": 0}, "msg.out_of_range"),
    ],
)
def test_bad_input_is_refused_at_admission(ledger: Ledger, change: dict[str, object], code: str) -> None:
    msg = {**sdk.watchlist.list("sanctions", HASHED, "sanctions", BASIS, YEAR), **change}
    with pytest.raises(InvalidInput) as err:
        ledger.app.parse_msgs([msg])
    assert err.value.code.startswith(code.split(".")[0]) and (code.startswith("msg.") or err.value.code == code)


def test_a_delisting_reason_is_from_its_own_vocabulary(ledger: Ledger) -> None:
    with pytest.raises(InvalidInput) as err:
        ledger.app.parse_msgs([sdk.watchlist.delist("sanctions", HASHED, "sanctions")])
    assert err.value.code == "watchlist.bad_reason"


def test_a_lists_entries_page_by_subject(desk: Desk) -> None:
    subjects = sorted(subject_hash(SALT, f"customer {n}") for n in range(5))
    for s in subjects:
        desk.list(desk.bank, s, list_id="fraud", reason_code="fraud")
    desk.delist(desk.bank, subjects[2], "listed_in_error", "fraud")
    first = queries.entries(desk.reader, "fraud", limit=2)
    second = queries.entries(desk.reader, "fraud", after=first["next"], limit=2)
    assert [e["subject"] for e in first["entries"] + second["entries"]] == [s for s in subjects if s != subjects[2]]
    assert second["next"] is not None and queries.entries(desk.reader, "fraud", after=second["next"])["entries"] == []
    assert queries.lists(desk.reader)["lists"][0]["list"] == "fraud"
    for bad in ({"limit": 0}, {"after": "../x"}):
        with pytest.raises(InvalidInput, match="1..100|after"):
            queries.entries(desk.reader, "fraud", **bad)  # type: ignore[arg-type]


def test_the_history_pages_by_seq(desk: Desk) -> None:
    for _ in range(3):
        desk.list(desk.fiu, HASHED)
    assert [e["seq"] for e in desk.history(HASHED, limit=2)] == [0, 1]
    page = queries.history(desk.reader, "sanctions", HASHED, limit=2)
    assert [e["seq"] for e in desk.history(HASHED, after=page["next"])] == [2]


def test_the_subject_hash_is_sha256_of_salt_then_the_nfc_identifier() -> None:
    assert "sha256:" + hashlib.sha256(SALT + b"UTO:L898902C").hexdigest() == HASHED
    assert (
        subject_hash(SALT, "Z\u00fcrich") == subject_hash(SALT, "Zu\u0308rich") == subject_hash(SALT, "Zürich".encode())
    )
    assert subject_hash(SALT, "a") != subject_hash(bytes(16), "a")
    for salt, ident in ((b"short", "a"), (SALT, "")):
        with pytest.raises(ValueError):
            subject_hash(salt, ident)


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(["list", "delist", "wait"]), st.integers(0, 2), st.integers(1, 4)), max_size=12)
)
def test_is_listed_agrees_with_a_model_of_listings(steps: list[tuple[str, int, int]]) -> None:
    """Random list / delist / wait steps over three subjects: the keeper agrees with a plain model,
    a failed step changes nothing, and the history has one event per successful step."""
    desk = Desk(Ledger(), fiu=PrivateKey(b"\x41" * 32), bank=PrivateKey(b"\x42" * 32))
    desk.ledger.ok([desk.ledger.admin], [sdk.accounts.grant_role(desk.fiu.address, "watchlist_authority")])
    subjects = [subject_hash(SALT, f"s{n}") for n in range(3)]
    model: dict[str, int] = {}  # subject -> expires_ms
    events = dict.fromkeys(subjects, 0)
    for action, n, blocks in steps:
        s = subjects[n]
        now = block_time(desk.ledger.height + 1)
        if action == "list":
            assert desk.list(desk.fiu, s, expires_ms=now + blocks * 1000).status == "ok"
            model[s], events[s] = now + blocks * 1000, events[s] + 1
        elif action == "delist":
            receipt = desk.delist(desk.fiu, s)
            assert (receipt.status == "ok") == (s in model)
            events[s] += s in model
            model.pop(s, None)
        else:
            desk.ledger.ok([desk.ledger.admin], [sdk.accounts.grant_role(desk.ledger.bob.address, "clerk")])
        at = block_time(desk.ledger.height)
        for s in subjects:
            assert desk.listed(s, at) == (s in model and at < model[s])
            assert len(desk.history(s)) == events[s]
