"""Status lists: the W3C Bitstring Status List example and the IETF Token Status List vectors
reproduce byte for byte, compression is deterministic, decoding is strict and bounded, entries are
checked with specific codes, and encode -> decode round-trips (hypothesis)."""

from __future__ import annotations

import base64
import gzip
import json
import re
import zlib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metrobloc.codec import b64url_encode
from metrobloc.credentials.status import (
    MAX_LIST_BYTES,
    MIN_BITSTRING_BITS,
    TOKEN_INVALID,
    TOKEN_SUSPENDED,
    TOKEN_VALID,
    check_status_entry,
    decode_list,
    decode_token_list,
    encode_list,
    encode_token_list,
    get_status,
    new_bitstring,
    pack_token_statuses,
    parse_status_entry,
    set_status,
    status_list_credential,
    status_of,
    token_status_of,
)
from metrobloc.errors import InvalidInput, VerificationFailed

VECTORS = Path(__file__).parents[1] / "vectors"
W3C = VECTORS / "w3c-vc-bitstring-status-list"
IETF = VECTORS / "ietf-oauth-status-list"
LIST_URL = "https://example.com/credentials/status/3"


def w3c_list() -> dict[str, Any]:
    return dict(json.loads((W3C / "status_list_credential.json").read_text()))


def w3c_entry() -> dict[str, Any]:
    return dict(json.loads((W3C / "revocable_credential.json").read_text())["credentialStatus"])


def refused(code: str, call: Any, *args: Any, **kwargs: Any) -> None:
    with pytest.raises((VerificationFailed, InvalidInput)) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code, caught.value.message


# W3C Bitstring Status List.


def test_the_w3c_example_list_is_reproduced_byte_for_byte() -> None:
    encoded = w3c_list()["credentialSubject"]["encodedList"]
    assert encode_list(new_bitstring()) == encoded
    assert decode_list(encoded) == bytes(MIN_BITSTRING_BITS // 8)


def test_the_w3c_example_credential_is_what_we_build() -> None:
    example = w3c_list()
    built = status_list_credential(
        list_id=LIST_URL,
        issuer="did:example:12345",
        purpose="revocation",
        encoded_list=encode_list(new_bitstring()),
        valid_from="2021-04-05T14:27:40Z",
        subject_id="https://example.com/status/3#list",
    )
    example["@context"].remove("https://www.w3.org/ns/credentials/examples/v2")  # ours names v2 only
    assert json.dumps(built) == json.dumps(example)  # members in the same order too


def test_the_w3c_example_entry_is_valid_then_revoked() -> None:
    result = check_status_entry(w3c_entry(), w3c_list())
    assert (result.entry.purpose, result.entry.index, result.entry.list_credential) == ("revocation", 94567, LIST_URL)
    assert result.valid and result.status == 0
    result.require_valid()
    bits = new_bitstring()
    set_status(bits, 94567)
    revoked = w3c_list()
    revoked["credentialSubject"]["encodedList"] = encode_list(bits)
    result = check_status_entry(w3c_entry(), revoked)
    assert not result.valid and result.status == 1
    refused("credential.revoked", result.require_valid)
    suspension = w3c_entry() | {"statusPurpose": "suspension"}
    revoked["credentialSubject"]["statusPurpose"] = ["revocation", "suspension"]
    refused("credential.suspended", check_status_entry(suspension, revoked).require_valid)


def test_index_zero_is_the_left_most_bit() -> None:
    bits = new_bitstring()
    set_status(bits, 0)
    set_status(bits, 9)
    set_status(bits, MIN_BITSTRING_BITS - 1)
    assert (bits[0], bits[1], bits[-1]) == (0x80, 0x40, 0x01)
    assert [get_status(bits, i) for i in (0, 1, 8, 9, MIN_BITSTRING_BITS - 1)] == [1, 0, 0, 1, 1]
    set_status(bits, 0, 0)
    assert bits[0] == 0


def test_multi_bit_entries_are_read_most_significant_bit_first() -> None:
    bits = new_bitstring()
    set_status(bits, 1, 0b10, status_size=2)
    set_status(bits, 3, 0b0110, status_size=4)
    assert bits[0] == 0b0010_0000 and bits[1] == 0b0000_0110
    assert get_status(bits, 1, status_size=2) == 2 and get_status(bits, 3, status_size=4) == 6
    refused("credential.bad_status_value", set_status, bits, 0, 4, status_size=2)


def test_compression_is_deterministic_with_a_fixed_header() -> None:
    bits = new_bitstring()
    set_status(bits, 42)
    first, second = encode_list(bits), encode_list(bytearray(bits))
    assert first == second
    data = decode_list_bytes(first)
    assert data[:10] == b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03"  # no name, mtime 0, XFL 0, Unix
    assert gzip.decompress(data) == bytes(bits)


def decode_list_bytes(encoded: str) -> bytes:
    body = encoded[1:]
    return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))


def test_other_issuers_gzip_is_accepted() -> None:
    bits = new_bitstring()
    set_status(bits, 7)
    for data in (gzip.compress(bytes(bits), mtime=1_700_000_000), gzip.compress(bytes(bits), compresslevel=1)):
        assert decode_list("u" + b64url_encode(data)) == bytes(bits)


def gz(data: bytes) -> str:
    return "u" + b64url_encode(gzip.compress(data, mtime=0))


BITS = bytes(new_bitstring())
GOOD = encode_list(BITS)
BOMB = gz(bytes(MAX_LIST_BYTES + 1))


@pytest.mark.parametrize(
    ("encoded", "code"),
    [
        (GOOD[1:], "credential.bad_status_list"),  # no multibase prefix
        ("z" + GOOD[1:], "credential.bad_status_list"),  # another multibase
        (GOOD + "=", "credential.bad_status_list"),  # padding
        ("u" + b64url_encode(zlib.compress(BITS)), "credential.bad_status_list"),  # ZLIB, not GZIP
        (GOOD[:-4], "credential.bad_status_list"),  # truncated
        ("u" + b64url_encode(gzip.compress(BITS, mtime=0) * 2), "credential.bad_status_list"),  # two members
        ("u" + b64url_encode(gzip.compress(BITS, mtime=0) + b"\x00"), "credential.bad_status_list"),
        ("u", "credential.bad_status_list"),
        (BOMB, "credential.status_list_too_large"),
    ],
)
def test_bad_encoded_lists_are_refused(encoded: str, code: str) -> None:
    refused(code, decode_list, encoded)


def test_a_corrupted_checksum_is_refused() -> None:
    data = bytearray(gzip.compress(BITS, mtime=0))
    data[-8] ^= 1  # CRC-32
    refused("credential.bad_status_list", decode_list, "u" + b64url_encode(bytes(data)))
    data[-8] ^= 1
    data[-1] ^= 1  # ISIZE
    refused("credential.bad_status_list", decode_list, "u" + b64url_encode(bytes(data)))


def test_short_lists_and_indexes_outside_are_refused() -> None:
    short = gz(bytes(MIN_BITSTRING_BITS // 8 - 1))
    refused("credential.status_list_too_short", status_of, short, 0)
    assert status_of(short, 0, min_entries=8) == 0
    refused("credential.status_list_too_short", status_of, GOOD, 0, status_size=2)
    refused("credential.status_index_out_of_range", status_of, GOOD, MIN_BITSTRING_BITS)
    refused("credential.status_index_out_of_range", status_of, GOOD, -1)
    refused("credential.status_index_out_of_range", set_status, bytearray(BITS), MIN_BITSTRING_BITS)
    for size in (0, 8, MIN_BITSTRING_BITS - 8, MIN_BITSTRING_BITS + 1):
        refused("credential.bad_status_list", new_bitstring, size)


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"type": "StatusList2021Entry"}, "credential.bad_status_entry"),
        ({"statusPurpose": "message"}, "credential.unsupported_status_purpose"),
        ({"statusPurpose": "refresh"}, "credential.unsupported_status_purpose"),
        ({"statusPurpose": ["revocation"]}, "credential.bad_status_entry"),
        ({"statusListIndex": 94567}, "credential.bad_status_entry"),
        ({"statusListIndex": "094567"}, "credential.bad_status_entry"),
        ({"statusListIndex": "-1"}, "credential.bad_status_entry"),
        ({"statusListIndex": "9.5"}, "credential.bad_status_entry"),
        ({"statusListIndex": " 94567"}, "credential.bad_status_entry"),
        ({"statusListCredential": "not a url"}, "credential.bad_status_entry"),
        ({"statusListCredential": None}, "credential.bad_status_entry"),
        ({"statusSize": 2}, "credential.bad_status_entry"),
        ({"statusSize": True}, "credential.bad_status_entry"),
        ({"statusListCredential": LIST_URL + "4"}, "credential.status_list_mismatch"),
        ({"statusPurpose": "suspension"}, "credential.status_purpose_mismatch"),
        ({"statusListIndex": str(MIN_BITSTRING_BITS)}, "credential.status_index_out_of_range"),
    ],
)
def test_bad_entries_are_refused(change: dict[str, Any], code: str) -> None:
    refused(code, check_status_entry, w3c_entry() | change, w3c_list())


def test_a_missing_entry_member_is_refused() -> None:
    for name in ("type", "statusPurpose", "statusListIndex", "statusListCredential"):
        entry = w3c_entry()
        del entry[name]
        refused("credential.bad_status_entry", parse_status_entry, entry)
    refused("credential.bad_status_entry", parse_status_entry, [w3c_entry()])


@pytest.mark.parametrize(
    ("path", "value", "code"),
    [
        (("id",), LIST_URL + "/other", "credential.status_list_mismatch"),
        (("type",), ["VerifiableCredential"], "credential.bad_status_list"),
        (("type",), "BitstringStatusListCredential", "credential.bad_status_list"),
        (("credentialSubject", "type"), "StatusList2021", "credential.bad_status_list"),
        (("credentialSubject", "statusPurpose"), 1, "credential.status_purpose_mismatch"),
        (("credentialSubject", "encodedList"), None, "credential.bad_status_list"),
        (("credentialSubject", "encodedList"), "uAAAA", "credential.bad_status_list"),
    ],
)
def test_bad_list_credentials_are_refused(path: tuple[str, ...], value: Any, code: str) -> None:
    credential = w3c_list()
    target = credential
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    refused(code, check_status_entry, w3c_entry(), credential)


@settings(max_examples=60, deadline=None)
@given(
    indexes=st.lists(st.integers(0, MIN_BITSTRING_BITS * 2 - 1), max_size=40),
    size=st.sampled_from([MIN_BITSTRING_BITS, MIN_BITSTRING_BITS * 2]),
)
def test_bitstring_round_trip(indexes: list[int], size: int) -> None:
    bits = new_bitstring(size)
    chosen = {i for i in indexes if i < size}
    for index in chosen:
        set_status(bits, index)
    encoded = encode_list(bits)
    assert encode_list(decode_list(encoded)) == encoded
    assert decode_list(encoded) == bytes(bits)
    for index in list(chosen) + [i + 1 for i in chosen if i + 1 < size]:
        assert status_of(encoded, index) == (index in chosen)


@settings(max_examples=40, deadline=None)
@given(
    values=st.dictionaries(st.integers(0, MIN_BITSTRING_BITS // 4 - 1), st.integers(0, 15), max_size=30),
    status_size=st.sampled_from([1, 2, 3, 4]),
)
def test_multi_bit_round_trip(values: dict[int, int], status_size: int) -> None:
    bits = new_bitstring(MIN_BITSTRING_BITS * 4)
    expected = {index: value % (1 << status_size) for index, value in values.items()}
    for index, value in expected.items():
        set_status(bits, index, value, status_size=status_size)
    decoded = decode_list(encode_list(bits))
    for index, value in expected.items():
        assert get_status(decoded, index, status_size=status_size) == value


# IETF Token Status List.


def example_json(name: str) -> dict[str, Any]:
    """The JSON of an examples/*.md file; long ``lst`` values are wrapped with two-space indents."""
    text = (IETF / "examples" / f"{name}.md").read_text()
    bits = re.search(r'"bits": (\d+)', text)
    lst = re.search(r'"lst": "([^"]*)"', text)
    assert bits and lst
    return {"bits": int(bits.group(1)), "lst": re.sub(r"\s+", "", lst.group(1))}


def section_statuses(text: str) -> dict[int, int]:
    return {int(i): int(v, 2) for i, v in re.findall(r"status\[(\d+)\]\s*=\s*0b([01]+)", text)}


def long_vectors() -> dict[int, dict[int, int]]:
    """The statuses of each '## N-bit Status List' section of the draft's test vectors."""
    text = (IETF / "test_vectors_section.md").read_text()
    parts = re.split(r"^## (\d)-bit Status List$", text, flags=re.M)
    return {int(parts[i]): section_statuses(parts[i + 1]) for i in range(1, len(parts), 2)}


LONG_SIZE = 2**20
LONG_FILES = {1: "status_list_encoding1_long_json", 2: "status_list_encoding2_long_json",
              4: "status_list_encoding4_json", 8: "status_list_encoding8_json"}  # fmt: skip


def test_the_draft_byte_array_examples() -> None:
    text = (IETF / "byte_array_section.md").read_text()
    blocks = text.split("compressed array (hex):")
    one, two = section_statuses(blocks[0]), section_statuses(blocks[1])
    hexes = re.findall(r"compressed array \(hex\): ([0-9a-f]+)", text)
    for bits, statuses, array, name in ((1, one, hexes[0], "status_list_encoding_json"),
                                        (2, two, hexes[1], "status_list_encoding2_json")):  # fmt: skip
        values = [statuses[i] for i in range(len(statuses))]
        packed = pack_token_statuses(values, bits)
        assert zlib.compress(packed, 9).hex() == array
        assert encode_token_list(values, bits) == example_json(name)
        decoded = decode_token_list(example_json(name))
        assert [decoded.status(i) for i in range(len(values))] == values
    assert pack_token_statuses([one[i] for i in range(16)], 1) == bytes([0xB9, 0xA3])
    assert pack_token_statuses([two[i] for i in range(12)], 2) == bytes([0xC9, 0x44, 0xF9])


@pytest.mark.parametrize("bits", [1, 2, 4, 8])
def test_the_draft_long_vectors(bits: int) -> None:
    statuses = long_vectors()[bits]
    assert len(statuses) >= 11
    example = example_json(LONG_FILES[bits])
    assert example["bits"] == bits
    decoded = decode_token_list(example)
    assert len(decoded.data) * 8 // bits == LONG_SIZE
    for index, value in statuses.items():
        assert decoded.status(index) == value == token_status_of(example, index)
    nonzero = {i for i, v in statuses.items() if v}
    per_byte = 8 // bits
    set_bytes = {i for i, b in enumerate(decoded.data) if b}
    assert set_bytes == {i // per_byte for i in nonzero}  # nothing else is set
    values = [0] * LONG_SIZE
    for index, value in statuses.items():
        values[index] = value
    assert encode_token_list(values, bits) == example  # byte for byte (zlib level 9)


def test_token_status_values() -> None:
    assert (TOKEN_VALID, TOKEN_INVALID, TOKEN_SUSPENDED) == (0, 1, 2)
    status_list = encode_token_list([TOKEN_VALID, TOKEN_INVALID, TOKEN_SUSPENDED, 3], 2)
    assert [token_status_of(status_list, i) for i in range(4)] == [0, 1, 2, 3]
    assert base64.urlsafe_b64decode(status_list["lst"] + "==")[:2] == b"\x78\xda"  # ZLIB at level 9


@pytest.mark.parametrize(
    ("status_list", "code"),
    [
        ({"bits": 3, "lst": "eNrbuRgAAhcBXQ"}, "credential.bad_status_list"),
        ({"bits": "1", "lst": "eNrbuRgAAhcBXQ"}, "credential.bad_status_list"),
        ({"bits": True, "lst": "eNrbuRgAAhcBXQ"}, "credential.bad_status_list"),
        ({"lst": "eNrbuRgAAhcBXQ"}, "credential.bad_status_list"),
        ({"bits": 1}, "credential.bad_status_list"),
        ({"bits": 1, "lst": "eNrbuRgAAhcBXQ=="}, "credential.bad_status_list"),
        ({"bits": 1, "lst": "eNrbuRgAAhcBX"}, "credential.bad_status_list"),
        ({"bits": 1, "lst": b64url_encode(gzip.compress(b"\xb9\xa3"))}, "credential.bad_status_list"),
        ({"bits": 1, "lst": b64url_encode(zlib.compress(b"\xb9\xa3") + b"x")}, "credential.bad_status_list"),
        (
            {"bits": 1, "lst": b64url_encode(zlib.compress(bytes(MAX_LIST_BYTES + 1)))},
            "credential.status_list_too_large",
        ),
        ([1, "eNrbuRgAAhcBXQ"], "credential.bad_status_list"),
    ],
)
def test_bad_token_lists_are_refused(status_list: Any, code: str) -> None:
    refused(code, decode_token_list, status_list)


def test_token_indexes_outside_the_list_are_refused() -> None:
    status_list = {"bits": 1, "lst": "eNrbuRgAAhcBXQ"}
    assert token_status_of(status_list, 15) == 1
    refused("credential.status_index_out_of_range", token_status_of, status_list, 16)
    refused("credential.status_index_out_of_range", token_status_of, status_list, -1)
    refused("credential.bad_status_value", encode_token_list, [2], 1)
    refused("credential.bad_status_value", encode_token_list, [-1], 1)
    refused("credential.bad_status_list", encode_token_list, [0], 3)


@settings(max_examples=100, deadline=None)
@given(bits=st.sampled_from([1, 2, 4, 8]), data=st.data())
def test_token_list_round_trip(bits: int, data: st.DataObject) -> None:
    values = data.draw(st.lists(st.integers(0, (1 << bits) - 1), max_size=300))
    status_list = encode_token_list(values, bits)
    assert encode_token_list(values, bits) == status_list  # deterministic
    decoded = decode_token_list(status_list)
    assert decoded.bits == bits
    assert [decoded.status(i) for i in range(len(values))] == values
    padding = len(decoded.data) * (8 // bits) - len(values)
    assert 0 <= padding < 8 // bits and all(decoded.status(len(values) + i) == 0 for i in range(padding))
