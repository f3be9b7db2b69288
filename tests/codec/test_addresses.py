"""bech32 ``mb`` addresses agree with the reference ``bech32`` package and refuse everything else."""

from __future__ import annotations

import hashlib

import bech32
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metrobloc.codec import decode_address, encode_address, is_address
from metrobloc.crypto import address_of
from metrobloc.errors import InvalidInput


def reference_address(raw: bytes) -> str:
    return str(bech32.bech32_encode("mb", bech32.convertbits(raw, 8, 5, True)))


def bech32m(hrp: str, data: list[int]) -> str:
    """BIP-350 encoding: the same characters under another checksum constant."""
    polymod = bech32.bech32_polymod(bech32.bech32_hrp_expand(hrp) + data + [0] * 6) ^ 0x2BC830A3
    checksum = [(polymod >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(bech32.CHARSET[d] for d in data + checksum)


@settings(max_examples=300)
@given(st.binary(min_size=20, max_size=20))
def test_round_trip_and_reference(raw: bytes) -> None:
    text = encode_address(raw)
    assert text == reference_address(raw)
    assert text.startswith("mb1") and len(text) == 41
    assert decode_address(text) == raw
    hrp, data = bech32.bech32_decode(text)
    assert hrp == "mb" and bytes(bech32.convertbits(data, 5, 8, False)) == raw
    assert is_address(text)


@settings(max_examples=200)
@given(st.binary(min_size=32, max_size=32))
def test_address_of_a_key(public_key: bytes) -> None:
    assert address_of(public_key) == reference_address(hashlib.sha256(public_key).digest()[:20])


@settings(max_examples=300)
@given(st.binary(min_size=20, max_size=20), st.integers(3, 40), st.sampled_from(bech32.CHARSET))
def test_any_changed_character_is_refused(raw: bytes, at: int, char: str) -> None:
    text = encode_address(raw)
    forged = text[:at] + char + text[at + 1 :]
    if forged == text:
        return
    assert not is_address(forged)
    with pytest.raises(InvalidInput) as refused:
        decode_address(forged)
    assert refused.value.code == "codec.bad_address"


def test_other_forms_are_refused() -> None:
    raw = bytes(range(20))
    text = encode_address(raw)
    data = bech32.convertbits(raw, 8, 5, True)
    refused = [
        text.upper(),  # BIP-173 allows all upper case; MetroBloc keeps one form per address
        text[:5] + text[5].upper() + text[6:],
        reference_address(raw).replace("mb1", "mc1", 1),
        str(bech32.bech32_encode("bc", data)),
        str(bech32.bech32_encode("mb", bech32.convertbits(bytes(32), 8, 5, True))),
        str(bech32.bech32_encode("mb", bech32.convertbits(bytes(19), 8, 5, True))),
        bech32m("mb", data),
        text + "\n",
        " " + text,
        "",
        "mb1",
        "x" * 91,
    ]
    for bad in refused:
        assert not is_address(bad), bad
        with pytest.raises(InvalidInput):
            decode_address(bad)
    assert not is_address(None)
    assert not is_address(b"mb1")


def test_encode_needs_20_bytes() -> None:
    with pytest.raises(ValueError):
        encode_address(bytes(32))
