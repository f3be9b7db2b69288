"""Non-interactive zero-knowledge proofs (Fiat-Shamir over SHA-512) used by ballots and guardians.

Every proof is in the (challenge, response) form and is bound by the caller's ``context`` bytes
(chain id, election, voter or guardian) and a ``label`` naming its place in a ballot, so that it
cannot be replayed elsewhere. Transcripts are specified byte by byte in docs/spec/ballots.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from metrobloc.crypto.elgamal.ciphertext import Ciphertext, encrypt
from metrobloc.crypto.elgamal.group import ElGamalError, Point, Scalar, base_mul, hash_to_scalar

SCHNORR_TAG = b"metrobloc/elgamal/schnorr/v1\x00"
CHAUM_PEDERSEN_TAG = b"metrobloc/elgamal/chaum_pedersen/v1\x00"
ONE_OF_TAG = b"metrobloc/elgamal/one_of/v1\x00"


@dataclass(frozen=True, slots=True)
class SchnorrProof:
    """Knowledge of ``x`` with ``X = x·G``."""

    challenge: Scalar
    response: Scalar

    def to_json(self) -> list[str]:
        return [self.challenge.to_b64(), self.response.to_b64()]

    @staticmethod
    def from_json(value: object) -> SchnorrProof:
        c, z = _scalars(value, 2, "Schnorr proof")
        return SchnorrProof(c, z)


@dataclass(frozen=True, slots=True)
class ChaumPedersenProof:
    """Equality of discrete logs: ``X = x·G`` and ``Y = x·H`` for one ``x``."""

    challenge: Scalar
    response: Scalar

    def to_json(self) -> list[str]:
        return [self.challenge.to_b64(), self.response.to_b64()]

    @staticmethod
    def from_json(value: object) -> ChaumPedersenProof:
        c, z = _scalars(value, 2, "Chaum-Pedersen proof")
        return ChaumPedersenProof(c, z)


@dataclass(frozen=True, slots=True)
class OneOfProof:
    """A ciphertext encrypts one of a public list of values (disjunctive Chaum-Pedersen, CDS94)."""

    challenges: tuple[Scalar, ...]
    """``c_j`` per candidate value; they sum to the Fiat-Shamir challenge."""
    responses: tuple[Scalar, ...]
    """``z_j`` per candidate value."""

    def to_json(self) -> list[str]:
        """``[c_0, z_0, c_1, z_1, ...]`` in base64url."""
        return [s.to_b64() for pair in zip(self.challenges, self.responses, strict=True) for s in pair]

    @staticmethod
    def from_json(value: object, branches: int) -> OneOfProof:
        flat = _scalars(value, 2 * branches, "one-of proof")
        return OneOfProof(tuple(flat[0::2]), tuple(flat[1::2]))


def _scalars(value: object, count: int, what: str) -> list[Scalar]:
    if not isinstance(value, list) or len(value) != count or not all(isinstance(v, str) for v in value):
        raise ElGamalError(f"{what} must be a list of {count} scalars", "elgamal.bad_proof")
    return [Scalar.from_b64(v, what) for v in value]


def prove_schnorr(x: Scalar, context: bytes) -> SchnorrProof:
    """Prove knowledge of ``x`` for ``X = x·G``."""
    k = Scalar.random()
    c = hash_to_scalar(SCHNORR_TAG, context, base_mul(x), base_mul(k))
    return SchnorrProof(c, k + c * x)


def verify_schnorr(public: Point, proof: SchnorrProof, context: bytes) -> bool:
    """True when ``proof`` shows knowledge of the discrete log of ``public``."""
    a = base_mul(proof.response) - public * proof.challenge
    return hash_to_scalar(SCHNORR_TAG, context, public, a) == proof.challenge


def prove_chaum_pedersen(x: Scalar, h: Point, context: bytes) -> ChaumPedersenProof:
    """Prove ``log_G(x·G) = log_H(x·H)`` for the base ``h``."""
    k = Scalar.random()
    c = hash_to_scalar(CHAUM_PEDERSEN_TAG, context, base_mul(x), h, h * x, base_mul(k), h * k)
    return ChaumPedersenProof(c, k + c * x)


def verify_chaum_pedersen(x_g: Point, h: Point, x_h: Point, proof: ChaumPedersenProof, context: bytes) -> bool:
    """True when ``proof`` shows that ``x_g = x·G`` and ``x_h = x·h`` for one ``x``."""
    a = base_mul(proof.response) - x_g * proof.challenge
    b = h * proof.response - x_h * proof.challenge
    return hash_to_scalar(CHAUM_PEDERSEN_TAG, context, x_g, h, x_h, a, b) == proof.challenge


def _one_of_challenge(
    public_key: Point, ct: Ciphertext, values: Sequence[int], commits: list[Point], context: bytes, label: bytes
) -> Scalar:
    return hash_to_scalar(ONE_OF_TAG, context, label, public_key, ct.alpha, ct.beta, len(values), *values, *commits)


def prove_one_of(
    public_key: Point, ct: Ciphertext, m: int, r: Scalar, values: Sequence[int], context: bytes, label: bytes
) -> OneOfProof:
    """Prove that ``ct = encrypt(public_key, m, r)`` encrypts one of ``values`` (``m`` must be among them)."""
    assert m in values, "the prover can only prove a true statement"
    real = values.index(m)
    challenges: list[Scalar] = []
    responses: list[Scalar] = []
    commits: list[Point] = []
    k = Scalar.random()
    for j, v in enumerate(values):
        if j == real:
            challenges.append(Scalar(0))
            responses.append(Scalar(0))
            commits += [base_mul(k), public_key * k]
        else:
            c, z = Scalar.random(), Scalar.random()
            challenges.append(c)
            responses.append(z)
            commits += _one_of_commits(public_key, ct, v, c, z)
    total = _one_of_challenge(public_key, ct, values, commits, context, label)
    c_real = total - sum((c for j, c in enumerate(challenges) if j != real), Scalar(0))
    challenges[real] = c_real
    responses[real] = k + c_real * r
    return OneOfProof(tuple(challenges), tuple(responses))


def _one_of_commits(public_key: Point, ct: Ciphertext, v: int, c: Scalar, z: Scalar) -> list[Point]:
    shifted = ct.beta - base_mul(v) if v else ct.beta
    return [base_mul(z) - ct.alpha * c, public_key * z - shifted * c]


def verify_one_of(
    public_key: Point, ct: Ciphertext, values: Sequence[int], proof: OneOfProof, context: bytes, label: bytes
) -> bool:
    """True when ``proof`` shows that ``ct`` encrypts one of ``values`` under ``public_key``."""
    if len(proof.challenges) != len(values) or len(proof.responses) != len(values):
        return False
    commits: list[Point] = []
    for v, c, z in zip(values, proof.challenges, proof.responses, strict=True):
        commits += _one_of_commits(public_key, ct, v, c, z)
    total = sum(proof.challenges, Scalar(0))
    return _one_of_challenge(public_key, ct, values, commits, context, label) == total


@dataclass(frozen=True, slots=True)
class RangeProof:
    """``lo <= m <= hi`` for the plaintext ``m`` of a ciphertext ``C``, by two bit decompositions.

    ``low`` encrypts the bits of ``m - lo`` and ``high`` the bits of ``hi - m`` (``b`` bits each, the
    bit length of ``hi - lo``), each bit with a 0/1 proof; their randomness is chosen so that
    ``Σ 2^j·low_j = C - (0, lo·G)`` and ``Σ 2^j·high_j = (0, hi·G) - C`` hold exactly as points.
    When the plaintext is already known to be an integer in ``[0, known_max]`` (a weighted sum of
    proven 0/1 values), a side that this bound implies is left empty: ``low`` when ``lo == 0``,
    ``high`` when ``hi >= known_max`` (see ``range_sides``).
    """

    low: tuple[Ciphertext, ...]
    low_proofs: tuple[OneOfProof, ...]
    high: tuple[Ciphertext, ...]
    high_proofs: tuple[OneOfProof, ...]

    def to_json(self) -> dict[str, list[list[str]]]:
        return {
            "low": [c.to_json() + p.to_json() for c, p in zip(self.low, self.low_proofs, strict=True)],
            "high": [c.to_json() + p.to_json() for c, p in zip(self.high, self.high_proofs, strict=True)],
        }

    @staticmethod
    def from_json(value: object, low_bits: int, high_bits: int) -> RangeProof:
        if not isinstance(value, dict) or set(value) != {"low", "high"}:
            raise ElGamalError("range proof must have low and high", "elgamal.bad_proof")
        halves: list[tuple[tuple[Ciphertext, ...], tuple[OneOfProof, ...]]] = []
        for side, bits in (("low", low_bits), ("high", high_bits)):
            rows = value[side]
            if not isinstance(rows, list) or len(rows) != bits or not all(isinstance(r, list) for r in rows):
                raise ElGamalError(f"range proof {side} must have {bits} bits", "elgamal.bad_proof")
            cts = tuple(Ciphertext.from_json(r[:2]) for r in rows)
            proofs = tuple(OneOfProof.from_json(r[2:], 2) for r in rows)
            halves.append((cts, proofs))
        return RangeProof(halves[0][0], halves[0][1], halves[1][0], halves[1][1])


def range_sides(lo: int, hi: int, known_max: int | None = None) -> tuple[int, int]:
    """How many bit rows the low and high sides of a range proof for ``[lo, hi]`` carry.

    Each side has ``max(1, bitlen(hi - lo))`` rows, except that with ``known_max`` (the plaintext is
    known to be an integer in ``[0, known_max]``) the low side is empty when ``lo == 0`` and the high
    side is empty when ``hi >= known_max``.
    """
    assert 0 <= lo <= hi, "a range is non-empty and non-negative"
    bits = max(1, (hi - lo).bit_length())
    if known_max is None:
        return bits, bits
    return (0 if lo == 0 else bits), (0 if hi >= known_max else bits)


def _bit_encryptions(
    public_key: Point, value: int, r_total: Scalar, bits: int, context: bytes, label: bytes
) -> tuple[tuple[Ciphertext, ...], tuple[OneOfProof, ...]]:
    if bits == 0:
        return (), ()
    rs = [Scalar.random() for _ in range(bits - 1)]
    partial = sum((r * Scalar.of(1 << j) for j, r in enumerate(rs)), Scalar(0))
    rs.append((r_total - partial) * Scalar.of(1 << (bits - 1)).inverse())
    cts, proofs = [], []
    for j, r in enumerate(rs):
        bit = (value >> j) & 1
        ct = encrypt(public_key, bit, r)
        cts.append(ct)
        proofs.append(prove_one_of(public_key, ct, bit, r, (0, 1), context, label + b"/" + str(j).encode()))
    return tuple(cts), tuple(proofs)


def prove_range(
    public_key: Point,
    ct: Ciphertext,
    m: int,
    r: Scalar,
    lo: int,
    hi: int,
    context: bytes,
    label: bytes,
    known_max: int | None = None,
) -> RangeProof:
    """Prove ``lo <= m <= hi`` for ``ct = encrypt(public_key, m, r)`` (``known_max``: see ``range_sides``)."""
    assert lo <= m <= hi, "the prover can only prove a true statement"
    low_bits, high_bits = range_sides(lo, hi, known_max)
    low, low_proofs = _bit_encryptions(public_key, m - lo, r, low_bits, context, label + b"/low")
    high, high_proofs = _bit_encryptions(public_key, hi - m, -r, high_bits, context, label + b"/high")
    return RangeProof(low, low_proofs, high, high_proofs)


def _recomposes_to(cts: tuple[Ciphertext, ...], expected: Ciphertext) -> bool:
    if not cts:
        return True
    acc = cts[-1]
    for ct in reversed(cts[:-1]):
        acc = acc + acc + ct
    return acc == expected


def verify_range(
    public_key: Point,
    ct: Ciphertext,
    lo: int,
    hi: int,
    proof: RangeProof,
    context: bytes,
    label: bytes,
    known_max: int | None = None,
) -> bool:
    """True when ``proof`` shows that ``ct`` encrypts an integer in ``[lo, hi]``.

    Pass ``known_max`` only when the plaintext is already proven to be an integer in ``[0, known_max]``
    with ``known_max < 2^62`` (a weighted sum of proven 0/1 values): the sides it implies are then empty.
    """
    low_bits, high_bits = range_sides(lo, hi, known_max)
    sides = ((proof.low, proof.low_proofs, b"/low", low_bits), (proof.high, proof.high_proofs, b"/high", high_bits))
    for cts, proofs, side, bits in sides:
        if len(cts) != bits or len(proofs) != bits:
            return False
        for j, (bit_ct, bit_proof) in enumerate(zip(cts, proofs, strict=True)):
            if not verify_one_of(public_key, bit_ct, (0, 1), bit_proof, context, label + side + b"/" + str(j).encode()):
                return False
    expect_low = Ciphertext(ct.alpha, ct.beta - base_mul(lo))
    expect_high = Ciphertext(-ct.alpha, base_mul(hi) - ct.beta)
    return _recomposes_to(proof.low, expect_low) and _recomposes_to(proof.high, expect_high)
