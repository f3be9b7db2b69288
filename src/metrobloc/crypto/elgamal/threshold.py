"""Guardians' threshold key (Feldman VSS), decryption shares, and the public check of a result.

Guardian ``i`` (1-based) draws a secret polynomial ``f_i`` of degree ``t-1``, publishes the
commitments ``C_ik = a_ik·G`` with a Schnorr proof of knowledge of each coefficient, and seals
``f_i(j)`` to guardian ``j``'s X25519 key. Guardian ``j`` checks ``f_i(j)·G = Σ_k j^k·C_ik``; its
secret share is ``s_j = Σ_i f_i(j)`` and its public share ``P_j = s_j·G`` is computable by anyone
from the commitments. The joint key is ``K = Σ_i C_i0``. Any ``t`` guardians decrypt a tally; the
chain checks ``counts·G = β − Σ λ_j·D_j`` without any discrete log.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import nacl.exceptions
import nacl.public

from metrobloc.codec import canonical_json
from metrobloc.crypto.elgamal.ciphertext import Ciphertext
from metrobloc.crypto.elgamal.group import (
    IDENTITY,
    ElGamalError,
    G,
    L,
    Point,
    Scalar,
    base_mul,
    is_seeded,
    random_bytes,
)
from metrobloc.crypto.elgamal.proofs import (
    ChaumPedersenProof,
    SchnorrProof,
    prove_chaum_pedersen,
    prove_schnorr,
    verify_chaum_pedersen,
    verify_schnorr,
)


def threshold_for(guardians: int) -> int:
    """``floor(n/2) + 1``: a majority of the guardians decrypts, no minority can."""
    return guardians // 2 + 1


def guardian_context(chain_id: str, election: str, guardian: int) -> bytes:
    """The context a guardian's proofs are bound to: JCS of ``{chain_id, election, guardian}``."""
    return canonical_json({"chain_id": chain_id, "election": election, "guardian": guardian})


@dataclass(frozen=True, slots=True)
class Polynomial:
    """A guardian's secret polynomial; ``coefficients[0]`` is its part of the election secret."""

    coefficients: tuple[Scalar, ...]

    @staticmethod
    def random(threshold: int) -> Polynomial:
        """A fresh polynomial of degree ``threshold - 1``."""
        assert threshold >= 1, "a threshold is at least one"
        return Polynomial(tuple(Scalar.random() for _ in range(threshold)))

    def evaluate(self, index: int) -> Scalar:
        """``f(index)`` by Horner's rule."""
        acc = 0
        for a in reversed(self.coefficients):
            acc = (acc * index + a.value) % L
        return Scalar(acc)


@dataclass(frozen=True, slots=True)
class KeyCommitment:
    """What a guardian publishes: coefficient commitments and a proof of knowledge for each."""

    commitments: tuple[Point, ...]
    """``C_k = a_k·G`` for ``k = 0..t-1``."""
    proofs: tuple[SchnorrProof, ...]
    """Schnorr proof of knowledge of ``a_k``, bound to the guardian's context and ``k``."""

    def to_json(self) -> dict[str, list[str] | list[list[str]]]:
        return {"commitments": [c.to_b64() for c in self.commitments], "proofs": [p.to_json() for p in self.proofs]}

    @staticmethod
    def from_json(value: object, threshold: int) -> KeyCommitment:
        if not isinstance(value, dict) or set(value) != {"commitments", "proofs"}:
            raise ElGamalError("key commitment must have commitments and proofs", "elgamal.bad_commitment")
        cs, ps = value["commitments"], value["proofs"]
        if not isinstance(cs, list) or not isinstance(ps, list) or len(cs) != threshold or len(ps) != threshold:
            raise ElGamalError(f"key commitment must have {threshold} coefficients", "elgamal.bad_commitment")
        points = tuple(
            Point.from_b64(c, "commitment", allow_identity=False) if isinstance(c, str) else _bad() for c in cs
        )
        return KeyCommitment(points, tuple(SchnorrProof.from_json(p) for p in ps))


def _bad() -> Point:
    raise ElGamalError("commitment must be a base64url point", "elgamal.bad_commitment")


def _coefficient_context(context: bytes, k: int) -> bytes:
    return context + b"/coefficient/" + str(k).encode()


def commit(polynomial: Polynomial, context: bytes) -> KeyCommitment:
    """The public commitment to ``polynomial``, its proofs bound to the guardian's ``context``."""
    return KeyCommitment(
        tuple(base_mul(a) for a in polynomial.coefficients),
        tuple(prove_schnorr(a, _coefficient_context(context, k)) for k, a in enumerate(polynomial.coefficients)),
    )


def verify_commitment(commitment: KeyCommitment, threshold: int, context: bytes) -> None:
    """Refuse a commitment of the wrong size, with an identity point, or with a bad proof."""
    if len(commitment.commitments) != threshold or len(commitment.proofs) != threshold:
        raise ElGamalError(f"key commitment must have {threshold} coefficients", "elgamal.bad_commitment")
    for k, (c, proof) in enumerate(zip(commitment.commitments, commitment.proofs, strict=True)):
        if c.is_identity() or not verify_schnorr(c, proof, _coefficient_context(context, k)):
            raise ElGamalError(f"coefficient {k}: bad proof of knowledge", "elgamal.bad_commitment")


def seal_share(polynomial: Polynomial, recipient: int, recipient_key: bytes) -> bytes:
    """``f(recipient)`` (32 bytes) sealed to the recipient guardian's X25519 public key (libsodium's
    sealed box; inside ``seeded_randomness`` its ephemeral key comes from the seeded stream)."""
    plain = polynomial.evaluate(recipient).encode()
    if is_seeded():
        return seal_with(nacl.public.PrivateKey(random_bytes(32)), plain, recipient_key)
    return bytes(nacl.public.SealedBox(nacl.public.PublicKey(recipient_key)).encrypt(plain))


def seal_with(ephemeral: nacl.public.PrivateKey, plain: bytes, recipient_key: bytes) -> bytes:
    """libsodium's ``crypto_box_seal`` format with a given ephemeral key (for reproducible histories only):
    ``epk || crypto_box(plain, nonce = BLAKE2b-192(epk || pk), pk, esk)``; ``SealedBox.decrypt`` opens it."""
    epk = bytes(ephemeral.public_key)
    nonce = hashlib.blake2b(epk + recipient_key, digest_size=nacl.public.Box.NONCE_SIZE).digest()
    box = nacl.public.Box(ephemeral, nacl.public.PublicKey(recipient_key))
    return epk + bytes(box.encrypt(plain, nonce).ciphertext)


def open_share(sealed: bytes, private_key: nacl.public.PrivateKey) -> Scalar:
    """The share sealed to ``private_key``; a box that does not open or a bad scalar raises."""
    try:
        plain = nacl.public.SealedBox(private_key).decrypt(sealed)
    except nacl.exceptions.CryptoError as exc:
        raise ElGamalError("sealed share does not open", "elgamal.bad_share") from exc
    return Scalar.decode(plain, "share")


def _evaluate_commitment(commitment: KeyCommitment, index: int) -> Point:
    acc = IDENTITY
    for c in reversed(commitment.commitments):
        acc = acc * Scalar.of(index) + c
    return acc


def verify_share(share: Scalar, recipient: int, commitment: KeyCommitment) -> bool:
    """True when ``share·G = Σ_k recipient^k·C_k`` (the dealer dealt a point on its polynomial)."""
    return base_mul(share) == _evaluate_commitment(commitment, recipient)


def joint_public_key(commitments: Sequence[KeyCommitment]) -> Point:
    """The election key ``K = Σ_i C_i0`` over the qualified guardians' commitments."""
    acc = IDENTITY
    for c in commitments:
        acc = acc + c.commitments[0]
    return acc


def public_share(guardian: int, commitments: Sequence[KeyCommitment]) -> Point:
    """``P_j = Σ_i f_i(j)·G``, guardian ``j``'s public share, from the commitments alone."""
    acc = IDENTITY
    for c in commitments:
        acc = acc + _evaluate_commitment(c, guardian)
    return acc


def secret_share(received: Sequence[Scalar]) -> Scalar:
    """A guardian's secret share: the sum of the shares it received (its own included)."""
    return sum(received, Scalar(0))


@dataclass(frozen=True, slots=True)
class DecryptionShare:
    """A guardian's partial decryption of a tally: ``D_k = s_j·α_k`` with a Chaum-Pedersen proof each."""

    guardian: int
    """The guardian's 1-based index (its Lagrange abscissa)."""
    points: tuple[Point, ...]
    """``D_k`` per tally ciphertext, in ``flatten`` order."""
    proofs: tuple[ChaumPedersenProof, ...]
    """``log_G P_j = log_{α_k} D_k``, bound to the guardian's context."""

    def to_json(self) -> dict[str, object]:
        return {
            "guardian": self.guardian,
            "shares": [p.to_b64() for p in self.points],
            "proofs": [p.to_json() for p in self.proofs],
        }

    @staticmethod
    def from_json(value: object, count: int) -> DecryptionShare:
        if not isinstance(value, dict) or set(value) != {"guardian", "shares", "proofs"}:
            raise ElGamalError("decryption share must have guardian, shares and proofs", "elgamal.bad_share")
        g, ds, ps = value["guardian"], value["shares"], value["proofs"]
        if not isinstance(g, int) or isinstance(g, bool) or not 1 <= g <= 255:
            raise ElGamalError("guardian index must be 1..255", "elgamal.bad_share")
        if not isinstance(ds, list) or not isinstance(ps, list) or len(ds) != count or len(ps) != count:
            raise ElGamalError(f"decryption share must cover {count} ciphertexts", "elgamal.bad_share")
        if not all(isinstance(d, str) for d in ds):
            raise ElGamalError("decryption shares must be base64url points", "elgamal.bad_share")
        return DecryptionShare(
            g,
            tuple(Point.from_b64(d, "decryption share") for d in ds),
            tuple(ChaumPedersenProof.from_json(p) for p in ps),
        )


def decryption_share(
    guardian: int, share: Scalar, ciphertexts: Sequence[Ciphertext], context: bytes
) -> DecryptionShare:
    """Guardian ``guardian``'s decryption share of ``ciphertexts`` (the final tally only)."""
    points = tuple(c.alpha * share for c in ciphertexts)
    proofs = tuple(prove_chaum_pedersen(share, c.alpha, context) for c in ciphertexts)
    return DecryptionShare(guardian, points, proofs)


def verify_decryption_share(
    share: DecryptionShare, public: Point, ciphertexts: Sequence[Ciphertext], context: bytes
) -> None:
    """Refuse a decryption share whose size or any Chaum-Pedersen proof against ``public`` is wrong."""
    if len(share.points) != len(ciphertexts) or len(share.proofs) != len(ciphertexts):
        raise ElGamalError(f"decryption share must cover {len(ciphertexts)} ciphertexts", "elgamal.bad_share")
    for k, (c, d, proof) in enumerate(zip(ciphertexts, share.points, share.proofs, strict=True)):
        if not verify_chaum_pedersen(public, c.alpha, d, proof, context):
            raise ElGamalError(f"decryption share {k}: bad proof", "elgamal.bad_share_proof")


def lagrange_coefficient(guardian: int, guardians: Sequence[int]) -> Scalar:
    """``λ_j = Π_{m≠j} m / (m − j)`` modulo ``L``: interpolation at 0 over the given indices."""
    assert guardian in guardians and len(set(guardians)) == len(guardians), "distinct indices including j"
    num, den = 1, 1
    for m in guardians:
        if m != guardian:
            num = num * m % L
            den = den * (m - guardian) % L
    return Scalar(num * pow(den, -1, L) % L)


def combine(ciphertexts: Sequence[Ciphertext], shares: Sequence[DecryptionShare]) -> tuple[Point, ...]:
    """``β_k − Σ_j λ_j·D_jk`` per ciphertext: the points ``m_k·G`` (needs shares of ``t`` distinct guardians)."""
    indices = [s.guardian for s in shares]
    if len(set(indices)) != len(indices):
        raise ElGamalError("decryption shares must come from distinct guardians", "elgamal.bad_share")
    lambdas = [lagrange_coefficient(j, indices) for j in indices]
    out = []
    for k, c in enumerate(ciphertexts):
        acc = c.beta
        for lam, s in zip(lambdas, shares, strict=True):
            acc = acc - s.points[k] * lam
        out.append(acc)
    return tuple(out)


def verify_result(ciphertexts: Sequence[Ciphertext], shares: Sequence[DecryptionShare], counts: Sequence[int]) -> bool:
    """True when ``counts_k·G = β_k − Σ λ_j·D_jk`` for every ciphertext (shares already verified).

    Counts must lie in ``[0, L)``; the caller also bounds them by the number of ballots cast.
    """
    if len(counts) != len(ciphertexts) or any(not 0 <= n < L for n in counts):
        return False
    return all(base_mul(n) == p for n, p in zip(counts, combine(ciphertexts, shares), strict=True))


@lru_cache(maxsize=8)
def _baby_steps(size: int) -> dict[bytes, int]:
    table: dict[bytes, int] = {}
    acc = IDENTITY
    for j in range(size):
        table.setdefault(acc.data, j)
        acc = acc + G
    return table


def discrete_log(point: Point, bound: int) -> int:
    """The ``m`` in ``[0, bound]`` with ``m·G = point`` by baby-step giant-step (off chain only)."""
    size = math.isqrt(bound) + 1  # size² > bound: every m in [0, bound] is i·size + j with i, j < size + 1
    table = _baby_steps(size)
    giant = base_mul(size)
    acc = point
    for i in range(size + 1):
        j = table.get(acc.data)
        if j is not None and i * size + j <= bound:
            return i * size + j
        acc = acc - giant
    raise ElGamalError(f"no count in [0, {bound}] matches the decrypted point", "elgamal.no_discrete_log")
