"""Status lists: W3C Bitstring Status List v1.0 (for VC-DI credentials) and the IETF Token Status
List (draft-ietf-oauth-status-list, for SD-JWT VCs).

Compression is deterministic, so one list has one encoding and one digest to anchor on chain: GZIP
with a fixed header (no name, mtime 0, XFL 0, OS 3: what zlib writes on Unix) around DEFLATE level
6 for bitstrings, ZLIB at level 9 (the draft's recommendation) for token lists. Decoding accepts any
conforming stream, bounded to ``MAX_LIST_BYTES`` so that a small list cannot expand without limit.
"""

from __future__ import annotations

import re
import struct
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from metrobloc.codec import b64url_decode, b64url_encode
from metrobloc.credentials.di import VC_V2_CONTEXT
from metrobloc.errors import InvalidInput, MetroblocError, VerificationFailed

MIN_BITSTRING_BITS = 131_072
"""The W3C minimum list length (16 KiB of bits), also the default size of a new list."""
MAX_LIST_BYTES = 1 << 24
"""The largest uncompressed list accepted (16 MiB: 134 million one-bit entries)."""
BITSTRING_PURPOSES = frozenset({"revocation", "suspension"})
"""The ``statusPurpose`` values this code checks; both use one bit per credential."""

TOKEN_VALID = 0x00
TOKEN_INVALID = 0x01
TOKEN_SUSPENDED = 0x02
TOKEN_BITS = (1, 2, 4, 8)

_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03"  # magic, DEFLATE, no flags, mtime 0, XFL 0, Unix
_GZIP_LEVEL = 6
_ZLIB_LEVEL = 9
_INDEX = re.compile(r"0|[1-9][0-9]{0,15}")
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s]+")


# W3C Bitstring Status List: index 0 is the most significant bit of the first byte.


def new_bitstring(size: int = MIN_BITSTRING_BITS) -> bytearray:
    """An all-zero bitstring of ``size`` bits (a multiple of 8, at least the W3C minimum)."""
    if size < MIN_BITSTRING_BITS or size % 8 or size > MAX_LIST_BYTES * 8:
        raise InvalidInput(
            f"a bitstring has 8k bits, {MIN_BITSTRING_BITS} to {MAX_LIST_BYTES * 8}", "credential.bad_status_list"
        )
    return bytearray(size // 8)


def set_status(bits: bytearray, index: int, value: int = 1, *, status_size: int = 1) -> None:
    """Write ``value`` into entry ``index`` (``status_size`` bits from position index*size, MSB first)."""
    if not 0 <= value < 1 << status_size:
        raise InvalidInput(f"status {value} does not fit in {status_size} bits", "credential.bad_status_value")
    start = _position(len(bits), index, status_size, InvalidInput)
    for k in range(status_size):
        bit = start + k
        mask = 0x80 >> (bit % 8)
        if value >> (status_size - 1 - k) & 1:
            bits[bit // 8] |= mask
        else:
            bits[bit // 8] &= ~mask & 0xFF


def get_status(bits: bytes | bytearray, index: int, *, status_size: int = 1) -> int:
    """The value of entry ``index``; outside the list is ``credential.status_index_out_of_range``."""
    start = _position(len(bits), index, status_size, VerificationFailed)
    value = 0
    for bit in range(start, start + status_size):
        value = value << 1 | (bits[bit // 8] >> (7 - bit % 8)) & 1
    return value


def _position(length: int, index: int, status_size: int, error: type[MetroblocError]) -> int:
    if status_size < 1:
        raise error("statusSize must be a positive integer", "credential.bad_status_entry")
    start = index * status_size
    if index < 0 or start + status_size > length * 8:
        raise error(
            f"status index {index} is outside a list of {length * 8} bits", "credential.status_index_out_of_range"
        )
    return start


def encode_list(bits: bytes | bytearray) -> str:
    """``encodedList``: multibase base64url (``u``, no padding) of the GZIP of the bitstring."""
    compressor = zlib.compressobj(_GZIP_LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS)
    deflated = compressor.compress(bytes(bits)) + compressor.flush()
    trailer = struct.pack("<II", zlib.crc32(bits), len(bits) & 0xFFFFFFFF)
    return "u" + b64url_encode(_GZIP_HEADER + deflated + trailer)


def decode_list(encoded: str) -> bytes:
    """The bitstring of an ``encodedList`` (Bitstring Expansion Algorithm); ``credential.bad_status_list``."""
    if not isinstance(encoded, str) or not encoded.startswith("u"):
        raise VerificationFailed("encodedList is not multibase base64url ('u...')", "credential.bad_status_list")
    return _inflate(_b64(encoded[1:], "encodedList"), 16 + zlib.MAX_WBITS, "encodedList")


def status_of(encoded: str, index: int, *, status_size: int = 1, min_entries: int = MIN_BITSTRING_BITS) -> int:
    """The status of entry ``index`` in an ``encodedList``, refusing lists under ``min_entries`` entries."""
    bits = decode_list(encoded)
    if len(bits) * 8 // status_size < min_entries:
        raise VerificationFailed(
            f"status list has fewer than {min_entries} entries", "credential.status_list_too_short"
        )
    return get_status(bits, index, status_size=status_size)


def _b64(text: str, what: str) -> bytes:
    try:
        return b64url_decode(text, what=what)
    except InvalidInput as exc:
        raise VerificationFailed(exc.message, "credential.bad_status_list") from exc


def _inflate(data: bytes, wbits: int, what: str) -> bytes:
    """One complete GZIP (wbits 31) or ZLIB (wbits 15) stream, at most ``MAX_LIST_BYTES`` out."""
    inflater = zlib.decompressobj(wbits)
    try:
        out = inflater.decompress(data, MAX_LIST_BYTES + 1)
    except zlib.error as exc:
        raise VerificationFailed(f"{what} does not decompress: {exc}", "credential.bad_status_list") from exc
    if len(out) > MAX_LIST_BYTES:
        raise VerificationFailed(f"{what} expands beyond {MAX_LIST_BYTES} bytes", "credential.status_list_too_large")
    if not inflater.eof or inflater.unused_data or inflater.unconsumed_tail:
        raise VerificationFailed(f"{what} is not exactly one complete stream", "credential.bad_status_list")
    return out


def status_list_credential(
    *,
    list_id: str,
    issuer: str,
    purpose: str,
    encoded_list: str,
    valid_from: str | None = None,
    valid_until: str | None = None,
    ttl: int | None = None,
    subject_id: str | None = None,
) -> dict[str, Any]:
    """An unsigned BitstringStatusListCredential, ready for ``di.add_proof``.

    ``list_id`` is the URL entries name in ``statusListCredential``; the subject (the list itself)
    is ``subject_id``, by default ``list_id#list``. ``ttl`` is in milliseconds.
    """
    credential: dict[str, Any] = {
        "@context": [VC_V2_CONTEXT],
        "id": list_id,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
    }
    if valid_from is not None:
        credential["validFrom"] = valid_from
    if valid_until is not None:
        credential["validUntil"] = valid_until
    subject: dict[str, Any] = {
        "id": subject_id if subject_id is not None else list_id + "#list",
        "type": "BitstringStatusList",
        "statusPurpose": purpose,
        "encodedList": encoded_list,
    }
    if ttl is not None:
        subject["ttl"] = ttl
    credential["credentialSubject"] = subject
    return credential


@dataclass(frozen=True)
class StatusEntry:
    """A checked BitstringStatusListEntry of a credential's ``credentialStatus``."""

    purpose: str
    """``statusPurpose``: revocation or suspension."""
    index: int
    """``statusListIndex``, read from its decimal string."""
    list_credential: str
    """``statusListCredential``: the URL of the status list credential."""


@dataclass(frozen=True)
class BitstringStatus:
    """The result of checking an entry against its status list (Validate Algorithm, §3.2)."""

    entry: StatusEntry
    """The entry checked."""
    status: int
    """The entry's bit: 0 is clear, 1 is set (revoked or suspended)."""

    @property
    def valid(self) -> bool:
        """True when the status bit is clear."""
        return self.status == 0

    def require_valid(self) -> None:
        """Raise ``credential.revoked`` or ``credential.suspended`` when the bit is set."""
        if self.status:
            raise VerificationFailed(
                f"credential is {'revoked' if self.entry.purpose == 'revocation' else 'suspended'} "
                f"(index {self.entry.index} of {self.entry.list_credential[:100]})",
                "credential.revoked" if self.entry.purpose == "revocation" else "credential.suspended",
            )


def parse_status_entry(entry: object) -> StatusEntry:
    """Check a ``credentialStatus`` object's shape (``credential.bad_status_entry``)."""
    bad = "credential.bad_status_entry"
    if not isinstance(entry, dict) or entry.get("type") != "BitstringStatusListEntry":
        raise VerificationFailed("credentialStatus is not a BitstringStatusListEntry", bad)
    purpose, index, url = entry.get("statusPurpose"), entry.get("statusListIndex"), entry.get("statusListCredential")
    if not isinstance(purpose, str):
        raise VerificationFailed("statusPurpose must be a string", bad)
    if purpose not in BITSTRING_PURPOSES:
        raise VerificationFailed(
            f"statusPurpose {purpose[:40]!r} is not supported", "credential.unsupported_status_purpose"
        )
    if not isinstance(index, str) or not _INDEX.fullmatch(index):
        raise VerificationFailed("statusListIndex must be a decimal integer string", bad)
    if not isinstance(url, str) or not _URL.fullmatch(url):
        raise VerificationFailed("statusListCredential must be a URL", bad)
    if entry.get("statusSize", 1) != 1 or isinstance(entry.get("statusSize"), bool):
        raise VerificationFailed("statusSize must be 1 for revocation and suspension", bad)
    return StatusEntry(purpose=purpose, index=int(index), list_credential=url)


def check_status_entry(entry: object, list_credential: dict[str, Any]) -> BitstringStatus:
    """Validate Algorithm (§3.2) for an entry and its status list credential.

    The caller has already verified the list credential's proof, its issuer, its anchor on chain
    and its validity period; this checks that the list is the entry's (``credential.status_list_mismatch``),
    its shape (``credential.bad_status_list``), its purpose (``credential.status_purpose_mismatch``),
    its length (``credential.status_list_too_short``) and the index (``credential.status_index_out_of_range``).
    """
    parsed = parse_status_entry(entry)
    bad = "credential.bad_status_list"
    if not isinstance(list_credential, dict) or list_credential.get("id") != parsed.list_credential:
        raise VerificationFailed(
            "the status list credential's id is not the entry's statusListCredential", "credential.status_list_mismatch"
        )
    types = list_credential.get("type")
    if not isinstance(types, list) or "BitstringStatusListCredential" not in types:
        raise VerificationFailed("not a BitstringStatusListCredential", bad)
    subject = list_credential.get("credentialSubject")
    if not isinstance(subject, dict) or subject.get("type") != "BitstringStatusList":
        raise VerificationFailed("credentialSubject is not a BitstringStatusList", bad)
    purposes = subject.get("statusPurpose")
    purposes = [purposes] if isinstance(purposes, str) else purposes
    if not isinstance(purposes, list) or parsed.purpose not in purposes:
        raise VerificationFailed(f"the list is not for {parsed.purpose}", "credential.status_purpose_mismatch")
    encoded = subject.get("encodedList")
    if not isinstance(encoded, str):
        raise VerificationFailed("encodedList must be a string", bad)
    return BitstringStatus(entry=parsed, status=status_of(encoded, parsed.index))


# IETF Token Status List: index 0 is the least significant bits of the first byte.


@dataclass(frozen=True)
class TokenStatusList:
    """A decoded Token Status List: ``bits`` per token, packed from the least significant bit."""

    bits: int
    """1, 2, 4 or 8."""
    data: bytes
    """The uncompressed byte array."""

    def status(self, index: int) -> int:
        """The status of token ``index``; outside the list is ``credential.status_index_out_of_range``."""
        per_byte = 8 // self.bits
        if index < 0 or index // per_byte >= len(self.data):
            raise VerificationFailed(
                f"status index {index} is outside a list of {len(self.data) * per_byte} tokens",
                "credential.status_index_out_of_range",
            )
        return self.data[index // per_byte] >> (index % per_byte * self.bits) & ((1 << self.bits) - 1)


def pack_token_statuses(statuses: Sequence[int], bits: int = 1) -> bytes:
    """The byte array of a Token Status List (draft §4.1 steps 1-3)."""
    if bits not in TOKEN_BITS:
        raise InvalidInput(f"bits must be one of {TOKEN_BITS}", "credential.bad_status_list")
    per_byte = 8 // bits
    data = bytearray(-(-len(statuses) // per_byte))
    for index, value in enumerate(statuses):
        if not 0 <= value < 1 << bits or isinstance(value, bool):
            raise InvalidInput(f"status {value!r} does not fit in {bits} bits", "credential.bad_status_value")
        data[index // per_byte] |= value << (index % per_byte * bits)
    if len(data) > MAX_LIST_BYTES:
        raise InvalidInput(f"a status list holds at most {MAX_LIST_BYTES} bytes", "credential.bad_status_list")
    return bytes(data)


def encode_token_list(statuses: Sequence[int], bits: int = 1) -> dict[str, Any]:
    """The JSON ``status_list`` object ``{"bits", "lst"}``: base64url of ZLIB(DEFLATE) of the array."""
    data = pack_token_statuses(statuses, bits)
    return {"bits": bits, "lst": b64url_encode(zlib.compress(data, _ZLIB_LEVEL))}


def decode_token_list(status_list: object) -> TokenStatusList:
    """Decode a JSON ``status_list`` object (``credential.bad_status_list``)."""
    if not isinstance(status_list, dict):
        raise VerificationFailed("status_list is not a JSON object", "credential.bad_status_list")
    bits, lst = status_list.get("bits"), status_list.get("lst")
    if type(bits) is not int or bits not in TOKEN_BITS:
        raise VerificationFailed(f"status_list.bits must be one of {TOKEN_BITS}", "credential.bad_status_list")
    if not isinstance(lst, str):
        raise VerificationFailed("status_list.lst must be a string", "credential.bad_status_list")
    return TokenStatusList(bits=bits, data=_inflate(_b64(lst, "lst"), zlib.MAX_WBITS, "lst"))


def token_status_of(status_list: object, index: int) -> int:
    """The status of token ``index`` in a JSON ``status_list`` object."""
    return decode_token_list(status_list).status(index)


__all__ = [
    "BITSTRING_PURPOSES",
    "MAX_LIST_BYTES",
    "MIN_BITSTRING_BITS",
    "TOKEN_BITS",
    "TOKEN_INVALID",
    "TOKEN_SUSPENDED",
    "TOKEN_VALID",
    "BitstringStatus",
    "StatusEntry",
    "TokenStatusList",
    "check_status_entry",
    "decode_list",
    "decode_token_list",
    "encode_list",
    "encode_token_list",
    "get_status",
    "new_bitstring",
    "pack_token_statuses",
    "parse_status_entry",
    "set_status",
    "status_list_credential",
    "status_of",
    "token_status_of",
]
