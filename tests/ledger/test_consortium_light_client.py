"""The key-set fold (ledger/consortium.py): genesis members, every change kind, every refusal, and a
property that folding any prefix of a history agrees with ``at()`` and with a plain model."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.ledger.consortium_chain import KEYS, add, make_genesis, remove, rotate

from metrobloc.codec import b64url_encode, canonical_json
from metrobloc.crypto import CONSORTIUM_KEY_TAG, PrivateKey, address_of
from metrobloc.errors import InvalidInput, VerificationFailed
from metrobloc.ledger import Event, KeyHistory, Member, SetChange, genesis_members, key_statement

GENESIS = make_genesis(4)
G = genesis_members(GENESIS)


def change(event: Event, height: int) -> SetChange:
    return SetChange.from_event(event, height)


def fold(*changes: SetChange) -> KeyHistory:
    history = KeyHistory.from_genesis(GENESIS)
    for c in changes:
        history = history.apply(c)
    return history


def refused(history: KeyHistory, c: SetChange) -> str:
    with pytest.raises(VerificationFailed) as exc:
        history.apply(c)
    return exc.value.code


def keys(history: KeyHistory, height: int) -> list[bytes]:
    return [m.node_key for m in history.at(height).members]


def raw(i: int) -> bytes:
    return KEYS[i].public_key.raw


def test_genesis_members_are_derived_in_genesis_order() -> None:
    assert [m.org for m in G] == ["org1", "org2", "org3", "org4"]
    assert G[0] == Member("org1", "Org 1", raw(0), address_of(raw(0)))
    history = KeyHistory.from_genesis(GENESIS)
    assert history.count == 0 and len(history.epochs) == 1 and history.epochs[0].since == 1
    assert history.at(1).members == G == history.at(10**9).members
    assert history.at(1).quorum == 3 and raw(3) in history.at(5) and raw(4) not in history.at(5)


def test_key_statement_is_tag_and_canonical_json() -> None:
    body = {"chain_id": "c", "org": "org5", "node_key": b64url_encode(raw(4))}
    assert key_statement("c", "org5", raw(4)) == CONSORTIUM_KEY_TAG + canonical_json(body)
    assert CONSORTIUM_KEY_TAG == b"metrobloc/consortium_key/v1\x00"


def test_a_change_in_block_h_is_in_force_from_h_plus_1() -> None:
    history = fold(change(add(1, "org5", KEYS[4], 7), 7))
    assert keys(history, 7) == [raw(i) for i in range(4)]
    assert keys(history, 8) == [raw(i) for i in range(5)]
    assert history.at(8).quorum == 4 and history.at(8).since == 8
    assert history.at(8).name_of(raw(4)) == "Name of org5"


def test_add_rotate_remove() -> None:
    history = fold(
        change(add(1, "org5", KEYS[4], 3), 3),
        change(rotate(2, "org2", KEYS[1], KEYS[5], 4), 4),
        change(remove(3, "org1", KEYS[0], 5), 5),
    )
    assert history.count == 3 and [e.since for e in history.epochs] == [1, 4, 5, 6]
    assert keys(history, 5) == [raw(0), raw(5), raw(2), raw(3), raw(4)]
    assert keys(history, 6) == [raw(5), raw(2), raw(3), raw(4)]
    rotated = history.at(5).members[1]
    assert (rotated.org, rotated.name, rotated.voter) == ("org2", "Org 2", G[1].voter), "rotation keeps name, voter"
    assert history.ever(raw(0)) and history.ever(raw(1)) and not history.ever(raw(9))
    assert history.name_of(raw(0)) == "Org 1" and history.name_of(raw(9)) is None
    assert [(m.org, since, until) for m, since, until in history.intervals()] == [
        ("org1", 1, 6), ("org2", 1, 5), ("org3", 1, None), ("org4", 1, None), ("org5", 4, None), ("org2", 5, None),
    ]  # fmt: skip


def test_rotation_may_move_the_voter() -> None:
    event = rotate(1, "org2", KEYS[1], KEYS[5], 4)
    event.attributes["voter"] = KEYS[5].address
    assert fold(change(event, 4)).at(5).members[1].voter == KEYS[5].address


def test_changes_of_one_block_share_an_epoch_and_may_leave_an_empty_interval() -> None:
    history = fold(
        change(add(1, "org5", KEYS[4], 3), 3),
        change(rotate(2, "org5", KEYS[4], KEYS[5], 3), 3),
    )
    assert [e.since for e in history.epochs] == [1, 4]
    assert keys(history, 4)[-1] == raw(5)
    assert (history.intervals()[4][1], history.intervals()[4][2]) == (4, 4), "never in force"
    assert history.ever(raw(4)) and raw(4) not in history.at(4)


def test_every_refusal_of_apply() -> None:
    base = fold(change(add(1, "org5", KEYS[4], 3), 3), change(remove(2, "org1", KEYS[0], 4), 4))
    genesis = KeyHistory.from_genesis(GENESIS)
    cases = {
        "first change is not seq 1": (genesis, add(2, "org5", KEYS[4], 3), 3, "verify.set_gap"),
        "a change repeated": (base, remove(2, "org1", KEYS[0], 4), 4, "verify.set_gap"),
        "a change skipped": (base, add(4, "org6", KEYS[6], 6), 6, "verify.set_gap"),
        "effective is not height + 1": (base, add(3, "org6", KEYS[6], 6), 5, "verify.bad_set_change"),
        "before the last change": (base, add(3, "org6", KEYS[6], 2), 2, "verify.bad_set_change"),
        "add a current org": (base, add(3, "org2", KEYS[6], 6), 6, "verify.bad_set_change"),
        "add a removed org": (base, add(3, "org1", KEYS[6], 6), 6, "verify.bad_set_change"),
        "add a current key": (base, add(3, "org6", KEYS[2], 6), 6, "verify.bad_set_change"),
        "add a removed key": (base, add(3, "org6", KEYS[0], 6), 6, "verify.bad_set_change"),
        "remove a non-member": (base, remove(3, "org1", KEYS[0], 6), 6, "verify.bad_set_change"),
        "remove with another key": (base, remove(3, "org2", KEYS[2], 6), 6, "verify.bad_set_change"),
        "rotate a non-member": (base, rotate(3, "org9", KEYS[1], KEYS[6], 6), 6, "verify.bad_set_change"),
        "rotate a stale key": (base, rotate(3, "org2", KEYS[2], KEYS[6], 6), 6, "verify.bad_set_change"),
        "rotate to a used key": (base, rotate(3, "org2", KEYS[1], KEYS[0], 6), 6, "verify.bad_set_change"),
        "rotate to its own key": (base, rotate(3, "org2", KEYS[1], KEYS[1], 6), 6, "verify.bad_set_change"),
    }
    for name, (history, event, height, code) in cases.items():
        assert refused(history, change(event, height)) == code, name


def test_the_last_member_cannot_be_removed() -> None:
    history = KeyHistory.from_genesis(make_genesis(2))
    history = history.apply(change(remove(1, "org1", KEYS[0], 3), 3))
    assert refused(history, change(remove(2, "org2", KEYS[1], 4), 4)) == "verify.bad_set_change"


@pytest.mark.parametrize(
    ("kind", "attrs"),
    [
        ("consortium/rename", {}),
        ("consortium/add", {"extra": "1"}),
        ("consortium/add", {"seq": "01"}),
        ("consortium/add", {"seq": "0"}),
        ("consortium/add", {"seq": "1e3"}),
        ("consortium/add", {"seq": "1" * 19}),
        ("consortium/add", {"org": "Org5"}),
        ("consortium/add", {"org": "o5"}),
        ("consortium/add", {"name": ""}),
        ("consortium/add", {"name": "a\nb"}),
        ("consortium/add", {"voter": ""}),
        ("consortium/add", {"voter": "mb1nope"}),
        ("consortium/add", {"node_key": "AAAA"}),
        ("consortium/add", {"node_key": b64url_encode(raw(4)) + "="}),
        ("consortium/add", {"effective_height": "-4"}),
        ("consortium/rotate", {"old_key": ""}),
        ("consortium/rotate", {"voter": "x"}),
    ],
)
def test_malformed_events_are_refused(kind: str, attrs: dict[str, str]) -> None:
    base = {
        "consortium/add": add(1, "org5", KEYS[4], 3),
        "consortium/rename": add(1, "org5", KEYS[4], 3),
        "consortium/rotate": rotate(1, "org2", KEYS[1], KEYS[5], 3),
    }[kind]
    with pytest.raises(InvalidInput) as exc:
        SetChange.from_event(Event(kind, base.attributes | attrs), 3)
    assert exc.value.code == "verify.bad_set_change"


def test_missing_attributes_are_refused() -> None:
    attributes = dict(remove(1, "org1", KEYS[0], 3).attributes)
    del attributes["node_key"]
    with pytest.raises(InvalidInput):
        SetChange.from_event(Event("consortium/remove", attributes), 3)


def record_of(event: Event, height: int) -> dict[str, str]:
    kind = event.type.split("/")[1]
    empty = {f: "" for f in ("name", "node_key", "old_key", "voter")}
    return empty | dict(event.attributes) | {"kind": kind, "height": str(height), "tx_hash": "ab" * 32}


@pytest.mark.parametrize(
    "event", [add(1, "org5", KEYS[4], 3), remove(1, "org1", KEYS[0], 3), rotate(1, "org2", KEYS[1], KEYS[5], 3)]
)
def test_a_change_record_reads_like_its_event(event: Event) -> None:
    assert SetChange.from_record(record_of(event, 3)) == SetChange.from_event(event, 3)


def test_bad_change_records_are_refused() -> None:
    good = record_of(remove(1, "org1", KEYS[0], 3), 3)
    for bad in (
        good | {"seq": 1},
        good | {"name": "leftover"},
        good | {"kind": "rename"},
        good | {"tx_hash": "AB" * 32},
        {k: v for k, v in good.items() if k != "tx_hash"},
    ):
        with pytest.raises(InvalidInput) as exc:
            SetChange.from_record(bad)
        assert exc.value.code == "verify.bad_set_change"


# A plain model: a list of (org, key index) per height, changed directly by the generated operations.


@st.composite
def histories(draw: st.DrawFn) -> tuple[list[SetChange], dict[int, list[bytes]]]:
    """Valid random changes (add / remove / rotate) with the model's set at every effective height."""
    members = [(f"org{i + 1}", i) for i in range(4)]
    unused = list(range(4, len(KEYS)))
    model: dict[int, list[bytes]] = {1: [raw(i) for _, i in members]}
    changes: list[SetChange] = []
    height, next_org = 1, 5
    for seq in range(1, draw(st.integers(0, 12)) + 1):
        height += draw(st.integers(0, 3))
        ops = ["remove"] * (len(members) > 1) + ["add", "rotate"] * bool(unused)
        if not ops:
            break
        op = draw(st.sampled_from(ops))
        if op == "add":
            org, key = f"org{next_org}", unused.pop(0)
            next_org += 1
            event = add(seq, org, KEYS[key], height)
            members.append((org, key))
        else:
            pos = draw(st.integers(0, len(members) - 1))
            org, key = members[pos]
            if op == "remove":
                event = remove(seq, org, KEYS[key], height)
                del members[pos]
            else:
                new = unused.pop(0)
                event = rotate(seq, org, KEYS[key], KEYS[new], height)
                members[pos] = (org, new)
        changes.append(change(event, height))
        model[height + 1] = [raw(i) for _, i in members]
    return changes, model


@settings(max_examples=150, deadline=None)
@given(histories(), st.data())
def test_folding_any_prefix_agrees_with_at_and_the_model(
    generated: tuple[list[SetChange], dict[int, list[bytes]]], data: st.DataObject
) -> None:
    changes, model = generated
    full = fold(*changes)
    assert full.count == len(changes)
    top = max(model) + 2
    for height in range(1, top):
        expected = model[max(h for h in model if h <= height)]
        assert keys(full, height) == expected
    cut = data.draw(st.integers(0, len(changes)))
    prefix = fold(*changes[:cut])
    # Every height before the next change's effective height is already final in the prefix.
    final_below = changes[cut].effective_height if cut < len(changes) else top
    for height in range(1, final_below):
        assert prefix.at(height) == full.at(height)


def test_a_key_of_a_stranger_is_never_known() -> None:
    stranger = PrivateKey(bytes([0x7F]) * 32).public_key.raw
    history = fold(change(add(1, "org5", KEYS[4], 3), 3))
    assert not history.ever(stranger) and history.name_of(stranger) is None
