"""Exponential ElGamal ciphertexts: ``(α, β) = (r·G, m·G + r·K)`` under a joint public key ``K``.

Ciphertexts add homomorphically (the plaintexts add), which is how ballots are tallied; only
``m·G`` is recovered on decryption, so a count is read back by a bounded discrete-log search.
"""

from __future__ import annotations

from dataclasses import dataclass

from metrobloc.crypto.elgamal.group import IDENTITY, ElGamalError, Point, Scalar, base_mul


@dataclass(frozen=True, slots=True)
class Ciphertext:
    """An exponential ElGamal ciphertext."""

    alpha: Point
    """``r·G``, the randomness commitment."""
    beta: Point
    """``m·G + r·K``, the masked plaintext."""

    def __add__(self, other: Ciphertext) -> Ciphertext:
        return Ciphertext(self.alpha + other.alpha, self.beta + other.beta)

    def __sub__(self, other: Ciphertext) -> Ciphertext:
        return Ciphertext(self.alpha - other.alpha, self.beta - other.beta)

    def scale(self, k: int) -> Ciphertext:
        """The ciphertext of ``k·m`` (``k`` a small non-negative integer such as a weight)."""
        if k == 1:
            return self
        factor = Scalar.of(k)
        return Ciphertext(self.alpha * factor, self.beta * factor)

    def to_json(self) -> list[str]:
        """``[α, β]`` in base64url."""
        return [self.alpha.to_b64(), self.beta.to_b64()]

    @staticmethod
    def from_json(value: object, what: str = "ciphertext") -> Ciphertext:
        """The ciphertext of ``[α, β]``; anything else raises ``ElGamalError``."""
        if not isinstance(value, list) or len(value) != 2 or not all(isinstance(v, str) for v in value):
            raise ElGamalError(f"{what} must be a list of two points", "elgamal.bad_ciphertext")
        return Ciphertext(Point.from_b64(value[0], what), Point.from_b64(value[1], what))


ZERO = Ciphertext(IDENTITY, IDENTITY)
"""The trivial encryption of 0 with randomness 0: the neutral element of the tally."""


def encrypt(public_key: Point, m: int, r: Scalar) -> Ciphertext:
    """The ciphertext of ``m`` under ``public_key`` with randomness ``r``."""
    return Ciphertext(base_mul(r), base_mul(m) + public_key * r)


def sum_ciphertexts(items: list[Ciphertext] | tuple[Ciphertext, ...]) -> Ciphertext:
    """The homomorphic sum (``ZERO`` for none)."""
    total = ZERO
    for c in items:
        total = total + c
    return total
