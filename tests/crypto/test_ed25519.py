"""Ed25519 of metrobloc.crypto interoperates with the ``cryptography`` package and verifies strictly."""

from __future__ import annotations

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from hypothesis import given, settings
from hypothesis import strategies as st

from metrobloc.crypto import (
    APP_TAG,
    HEADER_TAG,
    ROTATE_TAG,
    TX_TAG,
    PrivateKey,
    PublicKey,
    sha256,
    tagged,
    verify_signature,
)

L = 2**252 + 27742317777372353535851937790883648493
"""The order of the Ed25519 base point."""
IDENTITY = (1).to_bytes(32, "little")
"""The encoding of the neutral point (0, 1), a small-order point."""

seeds = st.binary(min_size=32, max_size=32)
messages = st.binary(max_size=200)


def reference_verifies(public_key: bytes, message: bytes, signature: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except InvalidSignature:
        return False
    return True


@settings(max_examples=150)
@given(seeds, messages)
def test_ours_and_the_reference_agree(seed: bytes, message: bytes) -> None:
    ours = PrivateKey(seed)
    reference = Ed25519PrivateKey.from_private_bytes(seed)
    assert ours.public_key.raw == reference.public_key().public_bytes_raw()
    signature = ours.sign(message)
    assert signature == reference.sign(message), "Ed25519 is deterministic"
    assert reference_verifies(ours.public_key.raw, message, signature)
    assert verify_signature(ours.public_key.raw, message, reference.sign(message))
    assert ours.public_key.verify(message, signature)


@settings(max_examples=150)
@given(seeds, messages, st.integers(0, 63), st.integers(0, 7))
def test_a_flipped_bit_fails(seed: bytes, message: bytes, at: int, bit: int) -> None:
    key = PrivateKey(seed)
    signature = bytearray(key.sign(message))
    signature[at] ^= 1 << bit
    assert not verify_signature(key.public_key.raw, message, bytes(signature))
    assert not verify_signature(key.public_key.raw, message + b"x", key.sign(message))


@settings(max_examples=100)
@given(seeds, messages)
def test_s_plus_l_is_refused(seed: bytes, message: bytes) -> None:
    """The malleable twin (R, S + L) satisfies the group equation; strict verification refuses it."""
    key = PrivateKey(seed)
    signature = key.sign(message)
    s = int.from_bytes(signature[32:], "little")
    twin = signature[:32] + (s + L).to_bytes(32, "little")
    assert s + L < 2**256
    assert not verify_signature(key.public_key.raw, message, twin)
    assert not reference_verifies(key.public_key.raw, message, twin)


@pytest.mark.parametrize("message", [b"", b"any message", TX_TAG + b"{}"])
def test_small_order_key_and_identity_signature_are_refused(message: bytes) -> None:
    # With A = R = identity and S = 0 the cofactorless equation holds for every message.
    assert not verify_signature(IDENTITY, message, IDENTITY + bytes(32))


def test_wrong_lengths_are_refused() -> None:
    key = PrivateKey(bytes(range(32)))
    signature = key.sign(b"m")
    assert not verify_signature(key.public_key.raw[:31], b"m", signature)
    assert not verify_signature(key.public_key.raw, b"m", signature[:63])
    assert not verify_signature(key.public_key.raw, b"m", signature + b"\x00")
    with pytest.raises(ValueError):
        PrivateKey(bytes(31))


def test_key_text_forms() -> None:
    key = PrivateKey(bytes([7]) * 32)
    assert PrivateKey.from_b64(key.to_b64()).seed == key.seed
    assert PublicKey.from_b64(key.public_key.to_b64()) == key.public_key
    assert key.address == key.public_key.address
    assert key.to_b64() not in repr(key), "the seed never shows in a repr"


def test_domain_tags_are_distinct_and_nul_terminated() -> None:
    tags = [TX_TAG, HEADER_TAG, ROTATE_TAG, APP_TAG]
    assert len(set(tags)) == len(tags)
    assert all(t.endswith(b"\x00") and b"\x00" not in t[:-1] for t in tags)
    assert tagged(TX_TAG, b"{}") == b"metrobloc/tx/v1\x00{}"
    assert sha256(b"").hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
