"""Multikey: the W3C Ed25519 and P-256 key pairs decode to their keys, encoding round-trips, and
every other text (multibase, alphabet, canonical form, multicodec, length, point) is refused."""

from __future__ import annotations

import json
from pathlib import Path

import base58
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import given, settings
from hypothesis import strategies as st

from metrobloc.credentials.multikey import decode_ed25519, decode_multikey, encode_ed25519, encode_p256
from metrobloc.crypto import PrivateKey
from metrobloc.errors import InvalidInput

VECTORS = Path(__file__).parents[1] / "vectors"
ED25519_PAIR = json.loads((VECTORS / "w3c-vc-di-eddsa" / "keyPair.json").read_text())
P256_PAIR = json.loads((VECTORS / "w3c-vc-di-ecdsa" / "p256KeyPair.json").read_text())


def compressed(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint)


def test_the_w3c_ed25519_key_pair() -> None:
    secret = base58.b58decode(ED25519_PAIR["privateKeyMultibase"][1:])
    assert secret[:2] == b"\x80\x26"  # ed25519-priv
    public = PrivateKey(secret[2:]).public_key.raw
    assert decode_multikey(ED25519_PAIR["publicKeyMultibase"]) == ("Ed25519", public)
    assert encode_ed25519(public) == ED25519_PAIR["publicKeyMultibase"]
    assert ED25519_PAIR["publicKeyMultibase"].startswith("z6Mk")


def test_the_w3c_p256_key_pair() -> None:
    secret = base58.b58decode(P256_PAIR["secretKeyMultibase"][1:])
    assert secret[:2] == b"\x86\x26"  # p256-priv
    public = compressed(ec.derive_private_key(int.from_bytes(secret[2:], "big"), ec.SECP256R1()))
    assert decode_multikey(P256_PAIR["publicKeyMultibase"]) == ("P-256", public)
    assert encode_p256(public) == P256_PAIR["publicKeyMultibase"]
    assert P256_PAIR["publicKeyMultibase"].startswith("zDn")


@settings(max_examples=200)
@given(st.binary(min_size=32, max_size=32))
def test_ed25519_round_trip(seed: bytes) -> None:
    public = PrivateKey(seed).public_key.raw
    text = encode_ed25519(public)
    assert decode_multikey(text) == ("Ed25519", public)
    assert decode_ed25519(text) == public


@settings(max_examples=50)
@given(st.integers(1, 2**255))
def test_p256_round_trip(scalar: int) -> None:
    public = compressed(ec.derive_private_key(scalar, ec.SECP256R1()))
    assert decode_multikey(encode_p256(public)) == ("P-256", public)


def multikey(prefix: bytes, key: bytes) -> str:
    return "z" + base58.b58encode(prefix + key).decode()


ED = base58.b58decode(ED25519_PAIR["publicKeyMultibase"][1:])[2:]
P256 = base58.b58decode(P256_PAIR["publicKeyMultibase"][1:])[2:]
GOOD = ED25519_PAIR["publicKeyMultibase"]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "z",
        GOOD[1:],  # no multibase prefix
        "u" + GOOD[1:],
        "Z" + GOOD[1:],
        GOOD + " ",  # the base58 package strips trailing whitespace
        " " + GOOD,
        GOOD[:-1] + "0",  # 0, O, I and l are not base58
        GOOD[:-1] + "l",
        "z1" + GOOD[1:],  # a leading zero byte: another multicodec
        GOOD[:-1],  # 33 bytes: wrong length
        multikey(b"\xed\x01", ED[:31]),
        multikey(b"\xed\x01", ED + b"\x00"),
        multikey(b"\xec\x01", ED),  # x25519-pub
        multikey(b"\xe7\x01", P256),  # secp256k1-pub
        multikey(b"\x80\x26", ED),  # ed25519-priv: a secret key is never a public Multikey
        multikey(b"\xed", ED),
        multikey(b"\xed\x01", bytes(32)),  # small order
        multikey(b"\xed\x01", b"\x01" + bytes(31)),  # the identity point
        multikey(b"\xed\x01", b"\xff" * 32),  # not canonical
        multikey(b"\x80\x24", P256[:32]),
        multikey(b"\x80\x24", b"\x04" + P256[1:]),  # neither 02 nor 03
        multikey(b"\x80\x24", b"\x02" + b"\xff" * 32),  # x beyond the field
        multikey(b"\x80\x24", b"\x04" + bytes(64)),  # uncompressed, and not a point
        "z" + "2" * 200,
    ],
)
def test_everything_else_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        decode_multikey(text)
    assert caught.value.code == "identity.bad_multikey"


def test_non_strings_are_refused() -> None:
    for value in (None, b"z6Mk", 7):
        with pytest.raises(InvalidInput) as caught:
            decode_multikey(value)  # type: ignore[arg-type]
        assert caught.value.code == "identity.bad_multikey"


def test_a_p256_key_is_not_an_ed25519_key() -> None:
    with pytest.raises(InvalidInput) as caught:
        decode_ed25519(P256_PAIR["publicKeyMultibase"])
    assert caught.value.code == "identity.bad_multikey"


def test_encoders_refuse_wrong_keys() -> None:
    for bad in (bytes(31), bytes(33)):
        with pytest.raises(InvalidInput):
            encode_ed25519(bad)
    for bad in (P256[:32], b"\x04" + P256[1:], b"\x04" + bytes(64)):
        with pytest.raises(InvalidInput):
            encode_p256(bad)
