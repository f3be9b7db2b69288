"""The tx envelope's stateless checks (parse_tx): shape, limits and the signer/signature pairing."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from metrobloc.codec import b64url_encode, canonical_json
from metrobloc.crypto import TX_TAG, PrivateKey, sha256
from metrobloc.errors import MetroblocError
from metrobloc.ledger import add_signature, build_body, limits, parse_tx, sign_body

ALICE, BOB, CAROL = (PrivateKey(bytes([n]) * 32) for n in (1, 2, 3))
ZERO_SIG = {"public_key": b64url_encode(bytes(32)), "signature": b64url_encode(bytes(64))}


def transfer(amount: str = "25") -> dict[str, Any]:
    return {"type": "assets/transfer", "asset": "CITY", "to": CAROL.address, "amount": amount}


def body(**changes: Any) -> dict[str, Any]:
    b = build_body("metrobloc-test", [ALICE.address], [transfer()], 100, bytes(16), "hello")
    b.update(changes)
    return b


def envelope(b: dict[str, Any] | None = None, keys: list[PrivateKey] | None = None) -> dict[str, Any]:
    b = body() if b is None else b
    return sign_body(b, keys or [ALICE]).to_json()


def refused(obj: Any) -> str:
    with pytest.raises(MetroblocError) as error:
        parse_tx(obj)
    return error.value.code


def test_a_valid_tx() -> None:
    tx = parse_tx(envelope())
    assert tx.hash == sha256(canonical_json(body())).hex()
    assert tx.sign_bytes == TX_TAG + canonical_json(body())
    assert tx.signers == [ALICE.address] and tx.valid_until == 100 and tx.chain_id == "metrobloc-test"
    tx.verify_signatures()
    assert parse_tx(tx.to_json()) == tx


def test_envelope_shape() -> None:
    good = envelope()
    assert refused([good]) == "tx.bad_shape"
    assert refused({"body": good["body"]}) == "tx.bad_shape"
    assert refused({**good, "extra": 1}) == "tx.bad_shape"
    assert refused({**good, "body": "not an object"}) == "tx.bad_shape"


@pytest.mark.parametrize("field", ["fee", "sequence", "Memo", "signatures"])
def test_unknown_body_fields_are_refused(field: str) -> None:
    good = envelope()
    assert refused({**good, "body": {**good["body"], field: 1}}) == "tx.unknown_field"


@pytest.mark.parametrize("field", ["chain_id", "nonce", "valid_until", "signers", "msgs"])
def test_missing_body_fields_are_refused(field: str) -> None:
    good = envelope()
    b = {k: v for k, v in good["body"].items() if k != field}
    assert refused({**good, "body": b}) == "tx.missing_field"


def test_memo_is_optional() -> None:
    b = body()
    del b["memo"]
    tx = parse_tx(envelope(b))
    assert "memo" not in tx.body
    assert tx.hash != parse_tx(envelope(body(memo=""))).hash


@pytest.mark.parametrize("count", [0, 2])
def test_signature_count_must_match_signers(count: int) -> None:
    good = envelope()
    sigs = (good["signatures"] * 2)[:count]
    assert refused({**good, "signatures": sigs}) == "tx.signature_count"


def test_signature_count_with_two_signers() -> None:
    good = envelope(body(signers=[ALICE.address, BOB.address]), [ALICE, BOB])
    parse_tx(good)
    assert refused({**good, "signatures": good["signatures"][:1]}) == "tx.signature_count"
    assert refused({**good, "signatures": "none"}) == "tx.signature_count"


@pytest.mark.parametrize("size", [0, 8, 15, 17, 32])
def test_nonce_must_be_16_bytes(size: int) -> None:
    good = envelope()
    bad = {**good, "body": {**good["body"], "nonce": b64url_encode(bytes(size))}}
    assert refused(bad) == "codec.bad_length"


@pytest.mark.parametrize("nonce", ["AAAAAAAAAAAAAAAAAAAAAA==", "AAAAAAAAAAAAAAAAAAAAAB", "AAAA AAAAAAAAAAAAAAAAA", 16])
def test_nonce_must_be_canonical_base64url(nonce: Any) -> None:
    good = envelope()
    assert refused({**good, "body": {**good["body"], "nonce": nonce}}) == "codec.bad_base64url"


def test_message_count_limits() -> None:
    most = body(msgs=[transfer(str(i)) for i in range(limits.MAX_MSGS_PER_TX)])
    assert len(parse_tx(envelope(most)).msgs) == limits.MAX_MSGS_PER_TX
    too_many = {**envelope(), "body": body(msgs=[transfer()] * (limits.MAX_MSGS_PER_TX + 1))}
    assert refused(too_many) == "tx.too_many_msgs"
    assert refused({**envelope(), "body": body(msgs=[])}) == "tx.bad_msgs"
    assert refused({**envelope(), "body": body(msgs={"type": "assets/transfer"})}) == "tx.bad_msgs"


@pytest.mark.parametrize(
    ("msg", "code"),
    [
        ("not an object", "tx.bad_msgs"),
        ({"asset": "CITY"}, "tx.bad_msgs"),
        ({"type": 5}, "tx.bad_msgs"),
        ({"type": "Assets/Transfer"}, "tx.unknown_msg"),
        ({"type": "transfer"}, "tx.unknown_msg"),
    ],
)
def test_message_type_shape(msg: Any, code: str) -> None:
    assert refused({**envelope(), "body": body(msgs=[msg])}) == code


def test_signer_limits() -> None:
    keys = [PrivateKey(bytes([10 + i]) * 32) for i in range(limits.MAX_SIGNERS + 1)]
    most = body(signers=[k.address for k in keys[: limits.MAX_SIGNERS]])
    assert len(parse_tx(envelope(most, keys[: limits.MAX_SIGNERS])).signatures) == limits.MAX_SIGNERS
    too_many = body(signers=[k.address for k in keys])
    assert refused({"body": too_many, "signatures": [ZERO_SIG] * len(keys)}) == "tx.bad_signers"
    assert refused({"body": body(signers=[]), "signatures": []}) == "tx.bad_signers"
    twice = body(signers=[ALICE.address, ALICE.address])
    assert refused({"body": twice, "signatures": [ZERO_SIG] * 2}) == "tx.bad_signers"
    assert refused({"body": body(signers=["mb1notanaddress"]), "signatures": [ZERO_SIG]}) == "tx.bad_signers"


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"chain_id": "Metrobloc"}, "tx.bad_chain_id"),
        ({"chain_id": ""}, "tx.bad_chain_id"),
        ({"chain_id": "a" * 65}, "tx.bad_chain_id"),
        ({"valid_until": 0}, "tx.bad_valid_until"),
        ({"valid_until": True}, "tx.bad_valid_until"),
        ({"valid_until": "100"}, "tx.bad_valid_until"),
        ({"valid_until": 2**53}, "codec.integer_out_of_range"),
        ({"memo": "x" * (limits.MAX_MEMO_CHARS + 1)}, "tx.bad_memo"),
        ({"memo": None}, "tx.bad_memo"),
        ({"msgs": [{**transfer(), "amount": 25.0}]}, "codec.float_not_allowed"),
        ({"msgs": [{**transfer(), "\U0001f600": "x", "\uffff": "y"}]}, "tx.bad_shape"),
    ],
)
def test_field_checks(changes: dict[str, Any], code: str) -> None:
    assert refused({**envelope(), "body": body(**changes)}) == code


def test_memo_at_the_limit() -> None:
    parse_tx(envelope(body(memo="é" * limits.MAX_MEMO_CHARS)))


def test_body_size_limit() -> None:
    filler = "x" * 1000
    big = body(msgs=[{**transfer(), "note": filler} for _ in range(40)])
    assert len(canonical_json(big)) > limits.MAX_TX_BYTES
    assert refused({"body": big, "signatures": [ZERO_SIG]}) == "tx.too_large"


@pytest.mark.parametrize(
    "sig",
    [
        {"public_key": ZERO_SIG["public_key"]},
        {**ZERO_SIG, "extra": "x"},
        "signature",
    ],
)
def test_signature_shape(sig: Any) -> None:
    assert refused({"body": body(), "signatures": [sig]}) == "tx.bad_signature"


def test_signature_encodings() -> None:
    assert refused({"body": body(), "signatures": [{**ZERO_SIG, "signature": b64url_encode(bytes(63))}]}) == (
        "codec.bad_length"
    )
    assert refused({"body": body(), "signatures": [{**ZERO_SIG, "public_key": ZERO_SIG["public_key"] + "="}]}) == (
        "codec.bad_base64url"
    )


def test_each_signature_is_checked_against_the_sign_bytes() -> None:
    two = body(signers=[ALICE.address, BOB.address])
    tx = sign_body(two, [ALICE, BOB])
    tx.verify_signatures()
    swapped = tx.to_json()
    swapped["signatures"].reverse()
    parse_tx(swapped).verify_signatures()  # order is checked against accounts, not here
    forged = copy.deepcopy(tx.to_json())
    forged["body"]["memo"] = "changed"
    with pytest.raises(MetroblocError) as error:
        parse_tx(forged).verify_signatures()
    assert error.value.code == "tx.bad_signature"


def test_co_signing() -> None:
    two = body(signers=[ALICE.address, BOB.address])
    partly = add_signature(parse_tx({"body": two, "signatures": [ZERO_SIG, ZERO_SIG]}), ALICE)
    with pytest.raises(MetroblocError):
        partly.verify_signatures()
    full = add_signature(partly, BOB)
    full.verify_signatures()
    assert full.hash == partly.hash
    assert full.to_json() == sign_body(two, [ALICE, BOB]).to_json()
    with pytest.raises(MetroblocError) as error:
        add_signature(full, CAROL)
    assert error.value.code == "tx.not_a_signer"
