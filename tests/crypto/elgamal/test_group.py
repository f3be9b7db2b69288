"""ristretto255 through libsodium: RFC 9496 vectors, canonical encodings, scalars, hashing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from metrobloc.crypto.elgamal import IDENTITY, ElGamalError, G, L, Point, Scalar, base_mul, hash_to_scalar

VECTORS = json.loads((Path(__file__).parents[2] / "vectors" / "rfc9496" / "ristretto255.json").read_text())
INVALID = [h for group in VECTORS["invalid_encodings"].values() for h in group]
scalars = st.integers(min_value=0, max_value=L - 1).map(Scalar)


@pytest.mark.parametrize("k", range(16))
def test_multiples_of_the_generator_match_rfc_9496_a1(k: int) -> None:
    expected = bytes.fromhex(VECTORS["multiples_of_generator"][k])
    assert base_mul(k).data == expected
    assert Point.decode(expected) == base_mul(k)
    assert (G * Scalar(k)).data == expected


@pytest.mark.parametrize("hex_encoding", INVALID)
def test_every_invalid_encoding_of_rfc_9496_a2_is_refused(hex_encoding: str) -> None:
    with pytest.raises(ElGamalError) as info:
        Point.decode(bytes.fromhex(hex_encoding))
    assert info.value.code == "elgamal.bad_point"


@pytest.mark.parametrize(("uniform", "expected"), VECTORS["from_uniform_bytes"])
def test_from_uniform_bytes_matches_rfc_9496_a3(uniform: str, expected: str) -> None:
    assert Point.from_uniform_bytes(bytes.fromhex(uniform)).data == bytes.fromhex(expected)


def test_identity_is_refused_where_a_caller_forbids_it() -> None:
    assert Point.decode(bytes(32)) == IDENTITY
    with pytest.raises(ElGamalError):
        Point.decode(bytes(32), allow_identity=False)
    with pytest.raises(ElGamalError):
        Point.from_b64(IDENTITY.to_b64(), allow_identity=False)


def test_scalars_at_or_above_the_order_are_refused() -> None:
    assert Scalar.decode((L - 1).to_bytes(32, "little")) == Scalar(L - 1)
    for bad in (L, L + 1, 2**256 - 1):
        with pytest.raises(ElGamalError):
            Scalar.decode(bad.to_bytes(32, "little"))
    with pytest.raises(ElGamalError):
        Scalar.decode(b"\x01" * 31)


@given(scalars, scalars)
def test_group_operations_agree_with_scalar_arithmetic(a: Scalar, b: Scalar) -> None:
    assert base_mul(a) + base_mul(b) == base_mul(a + b)
    assert base_mul(a) - base_mul(b) == base_mul(a - b)
    assert base_mul(a) * b == base_mul(a * b)
    assert -base_mul(a) == base_mul(-a)
    assert (base_mul(a) - base_mul(a)).is_identity()


@given(scalars)
def test_json_encodings_round_trip(a: Scalar) -> None:
    assert Scalar.from_b64(a.to_b64()) == a
    p = base_mul(a)
    assert Point.from_b64(p.to_b64()) == p
    assert len(p.to_b64()) == 43


def test_hash_to_scalar_separates_tags_contexts_and_item_boundaries() -> None:
    tag = b"metrobloc/test/v1\x00"
    base = hash_to_scalar(tag, b"ctx", b"ab", b"c")
    assert base == hash_to_scalar(tag, b"ctx", b"ab", b"c")
    assert base != hash_to_scalar(b"metrobloc/other/v1\x00", b"ctx", b"ab", b"c")
    assert base != hash_to_scalar(tag, b"ctx2", b"ab", b"c")
    assert base != hash_to_scalar(tag, b"ctx", b"a", b"bc")
    assert hash_to_scalar(tag, b"c", b"tx") != hash_to_scalar(tag, b"ct", b"x")
