"""Headers, attestations, receipts and genesis: wire forms round-trip and malformed ones are refused."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metrobloc.codec import MAX_SAFE_INTEGER, b64url_encode, canonical_json, parse_json
from metrobloc.crypto import HEADER_TAG, PrivateKey
from metrobloc.errors import InvalidInput
from metrobloc.ledger import Attestation, Event, Genesis, Header, Receipt, attest, tx_root
from metrobloc.merkle import leaf_hash, root_of

NODE = PrivateKey(bytes([0x11]) * 32)
ADMIN = PrivateKey(bytes([0x01]) * 32)
hex32 = st.binary(min_size=32, max_size=32).map(bytes.hex)
heights = st.integers(0, MAX_SAFE_INTEGER)
names = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)
chain_ids = st.from_regex(r"[a-z0-9][a-z0-9._-]{0,63}", fullmatch=True)


@st.composite
def headers(draw: st.DrawFn) -> Header:
    return Header(
        chain_id=draw(chain_ids),
        height=draw(heights),
        time_ms=draw(heights),
        prev_hash=draw(hex32),
        tx_root=draw(hex32),
        tx_count=draw(heights),
        log_size=draw(heights),
        log_root=draw(hex32),
        app_hash=draw(hex32),
    )


@st.composite
def receipts(draw: st.DrawFn) -> Receipt:
    failed = draw(st.booleans())
    events = draw(st.lists(st.builds(Event, names, st.dictionaries(names, names, max_size=4)), max_size=3))
    return Receipt(
        tx_hash=draw(hex32),
        height=draw(heights),
        index=draw(st.integers(0, 100_000)),
        status="failed" if failed else "ok",
        error={"code": draw(names), "message": draw(names)} if failed else None,
        events=() if failed else tuple(events),
    )


@settings(max_examples=150)
@given(headers())
def test_header_round_trip(header: Header) -> None:
    wire = parse_json(canonical_json(header.to_json()))
    assert Header.from_json(wire) == header
    assert header.signed_bytes() == HEADER_TAG + canonical_json(wire)
    assert header.block_hash == hashlib.sha256(header.signed_bytes()).hexdigest()


@settings(max_examples=150)
@given(receipts())
def test_receipt_round_trip(receipt: Receipt) -> None:
    wire = parse_json(canonical_json(receipt.to_json()))
    assert Receipt.from_json(wire) == receipt
    assert receipt.leaf() == canonical_json(wire)
    assert receipt.leaf_hash() == leaf_hash(canonical_json(wire))


@settings(max_examples=50)
@given(headers())
def test_attestation_round_trip(header: Header) -> None:
    attestation = attest(header, NODE)
    assert Attestation.from_json(attestation.to_json()) == attestation
    assert attestation.verifies(header)
    other = Header(**{**header.to_json(), "height": header.height + 1})
    assert not attestation.verifies(other)


def header_json() -> dict[str, Any]:
    return {
        "chain_id": "metrobloc-test",
        "height": 1,
        "time_ms": 1,
        "prev_hash": "00" * 32,
        "tx_root": "11" * 32,
        "tx_count": 1,
        "log_size": 1,
        "log_root": "22" * 32,
        "app_hash": "33" * 32,
    }


@pytest.mark.parametrize(
    "change",
    [
        {"extra": 1},
        {"height": -1},
        {"height": "1"},
        {"height": True},
        {"tx_count": None},
        {"prev_hash": "AA" * 32},
        {"tx_root": "11" * 31},
        {"log_root": "zz" * 32},
        {"chain_id": 5},
    ],
)
def test_malformed_headers(change: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput) as refused:
        Header.from_json({**header_json(), **change})
    assert refused.value.code == "header.bad_shape"


def test_header_missing_field() -> None:
    obj = header_json()
    del obj["app_hash"]
    with pytest.raises(InvalidInput):
        Header.from_json(obj)
    with pytest.raises(InvalidInput):
        Header.from_json([obj])


def receipt_json() -> dict[str, Any]:
    return {"tx_hash": "ab" * 32, "height": 1, "index": 0, "status": "ok", "error": None, "events": []}


@pytest.mark.parametrize(
    "change",
    [
        {"extra": 1},
        {"status": "pending"},
        {"tx_hash": "AB" * 32},
        {"height": "1"},
        {"index": None},
        {"events": {}},
        {"events": [{"type": "x"}]},
        {"events": [{"type": "x", "attributes": [], "extra": 1}]},
        {"error": "failed"},
    ],
)
def test_malformed_receipts(change: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput) as refused:
        Receipt.from_json({**receipt_json(), **change})
    assert refused.value.code == "receipt.bad_shape"


@pytest.mark.parametrize(
    "obj",
    [{"public_key": "AA"}, {"public_key": b64url_encode(bytes(32)), "signature": "AA"}, "sig"],
)
def test_malformed_attestations(obj: Any) -> None:
    with pytest.raises(InvalidInput):
        Attestation.from_json(obj)


def test_tx_root_leaves_are_raw_hashes() -> None:
    hashes = [hashlib.sha256(bytes([i])).hexdigest() for i in range(5)]
    assert tx_root(hashes) == root_of([leaf_hash(bytes.fromhex(h)) for h in hashes]).hex()
    assert tx_root(hashes[:1]) == hashlib.sha256(b"\x00" + bytes.fromhex(hashes[0])).hexdigest()


# -- genesis ------------------------------------------------------------------------------------
def genesis_json(orgs: int = 1) -> dict[str, Any]:
    return {
        "chain_id": "metrobloc-test",
        "genesis_time_ms": 0,
        "organizations": [
            {"name": f"org {i}", "node_key": PrivateKey(bytes([0x11 + i]) * 32).public_key.to_b64()}
            for i in range(orgs)
        ],
        "admin": {"address": ADMIN.address, "public_key": ADMIN.public_key.to_b64()},
    }


def test_genesis_hash_is_jcs_of_the_document() -> None:
    doc = genesis_json(3)
    doc["app_state"] = {"x": {"\U0001f600": 1, "\uffff": 2}}
    genesis = Genesis.from_json(doc)
    assert genesis.hash == hashlib.sha256(canonical_json(doc)).hexdigest()
    assert [o.name for o in genesis.organizations] == ["org 0", "org 1", "org 2"]
    assert len(genesis.node_keys) == 3
    assert Genesis.load(canonical_json(doc)).hash == genesis.hash


@pytest.mark.parametrize(
    "change",
    [
        {"chain_id": "Bad Chain"},
        {"genesis_time_ms": -1},
        {"organizations": []},
        {"organizations": [{"name": "x"}]},
        {"admin": {"address": PrivateKey(bytes(32)).address, "public_key": ADMIN.public_key.to_b64()}},
        {"app_state": []},
        {"unknown": 1},
    ],
)
def test_malformed_genesis(change: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput) as refused:
        Genesis.from_json({**genesis_json(), **change})
    assert refused.value.code == "genesis.bad_shape"


def test_genesis_node_keys_are_distinct() -> None:
    doc = genesis_json(2)
    doc["organizations"][1]["node_key"] = doc["organizations"][0]["node_key"]
    with pytest.raises(InvalidInput):
        Genesis.from_json(doc)
