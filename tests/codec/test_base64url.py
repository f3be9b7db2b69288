"""Base64url without padding: a round trip, and exactly one accepted text per byte string."""

from __future__ import annotations

import base64
import binascii

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metrobloc.codec import b64url_decode, b64url_encode
from metrobloc.errors import InvalidInput

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def reference_decode(text: str) -> bytes | None:
    """RFC 4648 section 5 by the stdlib in strict mode, plus the canonical-form rule."""
    if len(text) % 4 == 1:
        return None
    padded = text.translate(str.maketrans("-_", "+/")) + "=" * (-len(text) % 4)
    try:
        data = binascii.a2b_base64(padded, strict_mode=True)
    except binascii.Error:
        return None
    return data if base64.urlsafe_b64encode(data).rstrip(b"=").decode() == text else None


@settings(max_examples=300)
@given(st.binary(max_size=100))
def test_round_trip(data: bytes) -> None:
    text = b64url_encode(data)
    assert "=" not in text and set(text) <= set(ALPHABET)
    assert b64url_decode(text) == data
    assert b64url_decode(text, length=len(data)) == data


@settings(max_examples=500)
@given(st.text(st.sampled_from(ALPHABET), max_size=24))
def test_accepts_exactly_the_canonical_texts(text: str) -> None:
    expected = reference_decode(text)
    if expected is None:
        with pytest.raises(InvalidInput) as refused:
            b64url_decode(text)
        assert refused.value.code == "codec.bad_base64url"
    else:
        assert b64url_decode(text) == expected


@settings(max_examples=200)
@given(st.binary(min_size=1, max_size=40).filter(lambda d: len(d) % 3 != 0), st.integers(1, 15))
def test_non_zero_trailing_bits_are_refused(data: bytes, bits: int) -> None:
    text = b64url_encode(data)
    unused = 4 if len(data) % 3 == 1 else 2  # bits of the last character that carry no data
    last = ALPHABET.index(text[-1]) | (bits % (1 << unused) or 1)
    forged = text[:-1] + ALPHABET[last]
    with pytest.raises(InvalidInput) as refused:
        b64url_decode(forged)
    assert refused.value.code == "codec.bad_base64url"


@settings(max_examples=200)
@given(st.binary(min_size=1, max_size=40).filter(lambda d: len(d) % 3 != 0))
def test_padding_is_refused(data: bytes) -> None:
    padded = base64.urlsafe_b64encode(data).decode()
    assert padded.endswith("=")
    with pytest.raises(InvalidInput):
        b64url_decode(padded)


@pytest.mark.parametrize(
    "text",
    ["A", "AAAAA", "+/8", "ab/c", "AA==", "AA=", "AB", "AAB", " AA", "AA ", "AA\n", "AAA\n", "QQ%3D", "Zm9v\u00e9"],
)
def test_malformed_texts_are_refused(text: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        b64url_decode(text)
    assert refused.value.code == "codec.bad_base64url"


def test_wrong_length_is_refused() -> None:
    with pytest.raises(InvalidInput) as refused:
        b64url_decode(b64url_encode(bytes(31)), length=32)
    assert refused.value.code == "codec.bad_length"


@pytest.mark.parametrize("value", [None, 5, b"AAAA", ["AAAA"]])
def test_non_strings_are_refused(value: object) -> None:
    with pytest.raises(InvalidInput):
        b64url_decode(value)  # type: ignore[arg-type]
