"""The ristretto255 group (RFC 9496) and its scalars, over libsodium through ``rbcl``.

A ``Point`` is held as its 32-byte canonical encoding; it can only be built from bytes that decode
(libsodium rejects every non-canonical encoding) or from group operations. A ``Scalar`` is an integer
modulo the group order ``L``, encoded as 32 bytes little-endian and refused when not reduced.

Randomness (``Scalar.random``, ``random_bytes``) comes from the OS's CSPRNG, except inside
``seeded_randomness``, which exists for reproducible histories only (the Demo City's seeded blocks):
there it is a SHA-512 counter stream of a public seed, so anyone who knows the seed can read every
ballot and guardian secret made under it.
"""

from __future__ import annotations

import hashlib
import secrets
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

import rbcl

from metrobloc.codec import b64url_decode, b64url_encode
from metrobloc.errors import InvalidInput

L = 2**252 + 27742317777372353535851937790883648493
"""The prime order of the ristretto255 group."""
POINT_BYTES = 32
SCALAR_BYTES = 32

_mul = rbcl.crypto_scalarmult_ristretto255_allow_scalar_zero
_mul_base = rbcl.crypto_scalarmult_ristretto255_base_allow_scalar_zero
_add = rbcl.crypto_core_ristretto255_add
_sub = rbcl.crypto_core_ristretto255_sub


_STREAM_TAG = b"metrobloc/elgamal/seeded-randomness/v1\x00"


@dataclass
class _SeededStream:
    """SHA-512(tag || seed || u64be(counter)) blocks, read in order; a read starts on a fresh block."""

    seed: bytes
    counter: int = field(default=0)

    def read(self, n: int) -> bytes:
        out = b""
        while len(out) < n:
            out += hashlib.sha512(_STREAM_TAG + self.seed + self.counter.to_bytes(8, "big")).digest()
            self.counter += 1
        return out[:n]


_seeded: ContextVar[_SeededStream | None] = ContextVar("metrobloc_elgamal_seeded", default=None)


def random_bytes(n: int) -> bytes:
    """``n`` random bytes: the OS's CSPRNG, or the seeded stream inside ``seeded_randomness``."""
    stream = _seeded.get()
    return secrets.token_bytes(n) if stream is None else stream.read(n)


def is_seeded() -> bool:
    """True inside ``seeded_randomness`` (sealing then derives its ephemeral key from the stream too)."""
    return _seeded.get() is not None


@contextmanager
def seeded_randomness(seed: bytes) -> Iterator[None]:
    """For reproducible histories only (the Demo City): inside, every random scalar and sealing key is
    drawn from a SHA-512 counter stream of ``seed``, so the same calls in the same order give the same
    bytes. The secrecy of what is made inside rests on ``seed`` alone: never use it for a real election.
    Scoped to the current thread or task (a ``ContextVar``); nesting starts a new stream."""
    token = _seeded.set(_SeededStream(bytes(seed)))
    try:
        yield
    finally:
        _seeded.reset(token)


class ElGamalError(InvalidInput):
    """A malformed group element, scalar, ciphertext or proof, or a proof that does not verify."""

    default_code = "elgamal.invalid"


@dataclass(frozen=True, slots=True)
class Scalar:
    """An integer modulo ``L``."""

    value: int
    """The residue, always in ``[0, L)``."""

    def __post_init__(self) -> None:
        assert 0 <= self.value < L, "a Scalar holds a reduced residue"

    @staticmethod
    def of(n: int) -> Scalar:
        """The scalar ``n mod L`` (negative integers wrap around)."""
        return Scalar(n % L)

    @staticmethod
    def random() -> Scalar:
        """A uniformly random scalar (64 bytes of ``random_bytes`` reduced, so the bias is negligible)."""
        return Scalar(int.from_bytes(random_bytes(64), "little") % L)

    @staticmethod
    def decode(data: bytes, what: str = "scalar") -> Scalar:
        """The scalar of a canonical 32-byte little-endian encoding; a value ``>= L`` is refused."""
        if len(data) != SCALAR_BYTES:
            raise ElGamalError(f"{what} must be {SCALAR_BYTES} bytes", "elgamal.bad_scalar")
        value = int.from_bytes(data, "little")
        if value >= L:
            raise ElGamalError(f"{what} is not reduced modulo the group order", "elgamal.bad_scalar")
        return Scalar(value)

    @staticmethod
    def from_b64(text: str, what: str = "scalar") -> Scalar:
        """The scalar of its base64url (unpadded) canonical encoding."""
        try:
            raw = b64url_decode(text, length=SCALAR_BYTES, what=what)
        except InvalidInput as exc:
            raise ElGamalError(exc.message, "elgamal.bad_scalar") from exc
        return Scalar.decode(raw, what)

    def encode(self) -> bytes:
        """The 32-byte little-endian encoding."""
        return self.value.to_bytes(SCALAR_BYTES, "little")

    def to_b64(self) -> str:
        """The base64url encoding used in JSON."""
        return b64url_encode(self.encode())

    def __add__(self, other: Scalar) -> Scalar:
        return Scalar((self.value + other.value) % L)

    def __sub__(self, other: Scalar) -> Scalar:
        return Scalar((self.value - other.value) % L)

    def __mul__(self, other: Scalar) -> Scalar:
        return Scalar(self.value * other.value % L)

    def __neg__(self) -> Scalar:
        return Scalar(-self.value % L)

    def inverse(self) -> Scalar:
        """The multiplicative inverse (the scalar must not be zero)."""
        assert self.value != 0, "zero has no inverse"
        return Scalar(pow(self.value, -1, L))


@dataclass(frozen=True, slots=True)
class Point:
    """An element of ristretto255, held as its canonical 32-byte encoding."""

    data: bytes
    """The canonical encoding (RFC 9496 section 4.3.2); all zeros is the identity."""

    @staticmethod
    def decode(data: bytes, what: str = "point", *, allow_identity: bool = True) -> Point:
        """The point of a canonical encoding; anything RFC 9496 section 4.3.1 refuses raises."""
        if len(data) != POINT_BYTES or not rbcl.crypto_core_ristretto255_is_valid_point(data):
            raise ElGamalError(f"{what} is not a canonical ristretto255 encoding", "elgamal.bad_point")
        if not allow_identity and data == _IDENTITY_BYTES:
            raise ElGamalError(f"{what} must not be the identity", "elgamal.bad_point")
        return Point(bytes(data))

    @staticmethod
    def from_b64(text: str, what: str = "point", *, allow_identity: bool = True) -> Point:
        """The point of its base64url (unpadded) canonical encoding."""
        try:
            raw = b64url_decode(text, length=POINT_BYTES, what=what)
        except InvalidInput as exc:
            raise ElGamalError(exc.message, "elgamal.bad_point") from exc
        return Point.decode(raw, what, allow_identity=allow_identity)

    @staticmethod
    def from_uniform_bytes(data: bytes) -> Point:
        """RFC 9496 section 4.3.4: the element derived from 64 uniformly random bytes."""
        assert len(data) == 64, "the derivation function takes 64 bytes"
        return Point(rbcl.crypto_core_ristretto255_from_hash(data))

    def to_b64(self) -> str:
        """The base64url encoding used in JSON."""
        return b64url_encode(self.data)

    def is_identity(self) -> bool:
        """True for the neutral element."""
        return self.data == _IDENTITY_BYTES

    def __add__(self, other: Point) -> Point:
        return Point(_add(self.data, other.data))

    def __sub__(self, other: Point) -> Point:
        return Point(_sub(self.data, other.data))

    def __neg__(self) -> Point:
        return Point(_sub(_IDENTITY_BYTES, self.data))

    def __mul__(self, k: Scalar) -> Point:
        return Point(_mul(k.value.to_bytes(SCALAR_BYTES, "little"), self.data))

    __rmul__ = __mul__

    def __repr__(self) -> str:
        return f"Point({self.data.hex()})"


_IDENTITY_BYTES = bytes(POINT_BYTES)
IDENTITY = Point(_IDENTITY_BYTES)
"""The neutral element."""
G = Point(_mul_base((1).to_bytes(SCALAR_BYTES, "little")))
"""The generator of RFC 9496 (the image of the Ed25519 base point)."""


def base_mul(k: Scalar | int) -> Point:
    """``k·G``; an ``int`` is reduced modulo ``L`` first (small plaintexts and counts)."""
    value = k.value if isinstance(k, Scalar) else k % L
    return Point(_mul_base(value.to_bytes(SCALAR_BYTES, "little")))


def _transcript(tag: bytes, context: bytes, items: tuple[Point | Scalar | int | bytes, ...]) -> bytes:
    assert tag.endswith(b"\x00"), "domain tags end with a NUL byte"
    parts = [tag, struct.pack(">I", len(context)), context]
    for item in items:
        if isinstance(item, Point):
            parts.append(item.data)
        elif isinstance(item, Scalar):
            parts.append(item.encode())
        elif isinstance(item, int):
            parts.append(struct.pack(">Q", item))
        else:
            parts.append(struct.pack(">I", len(item)) + item)
    return b"".join(parts)


def hash_to_scalar(tag: bytes, context: bytes, *items: Point | Scalar | int | bytes) -> Scalar:
    """SHA-512 of a domain-separated transcript, read little-endian and reduced modulo ``L``.

    Transcript bytes: ``tag || u32be(len(context)) || context || item...`` where a point is its
    32-byte encoding, a scalar its 32-byte encoding, an int ``u64be`` and bytes ``u32be(len) || bytes``
    (docs/spec/ballots.md section 2).
    """
    digest = hashlib.sha512(_transcript(tag, context, items)).digest()
    return Scalar(int.from_bytes(digest, "little") % L)


def hash_to_point(tag: bytes, context: bytes, *items: Point | Scalar | int | bytes) -> Point:
    """The element derived (RFC 9496 section 4.3.4) from SHA-512 of the same transcript as ``hash_to_scalar``."""
    return Point.from_uniform_bytes(hashlib.sha512(_transcript(tag, context, items)).digest())
