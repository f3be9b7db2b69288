"""A simulated key ceremony and decryption, shared by the secret-ballot crypto tests."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import nacl.public

from metrobloc.crypto.elgamal import (
    Ciphertext,
    DecryptionShare,
    KeyCommitment,
    Point,
    Polynomial,
    Scalar,
    combine,
    commit,
    decryption_share,
    discrete_log,
    guardian_context,
    joint_public_key,
    open_share,
    seal_share,
    secret_share,
    threshold_for,
    verify_commitment,
    verify_share,
)

CHAIN = "metrobloc-test"
ELECTION = "e1"


@dataclass
class Ceremony:
    """Guardians 1..n after key generation: what each published and what each holds."""

    n: int
    t: int
    commitments: dict[int, KeyCommitment]
    shares: dict[int, Scalar]
    key: Point

    def gctx(self, guardian: int) -> bytes:
        return guardian_context(CHAIN, ELECTION, guardian)

    def decrypt(self, cts: Sequence[Ciphertext], guardians: Sequence[int]) -> list[DecryptionShare]:
        return [decryption_share(j, self.shares[j], cts, self.gctx(j)) for j in guardians]


def key_ceremony(n: int) -> Ceremony:
    """Every guardian deals to every other through sealed boxes; every check is made as on chain."""
    t = threshold_for(n)
    boxes = {i: nacl.public.PrivateKey.generate() for i in range(1, n + 1)}
    polys = {i: Polynomial.random(t) for i in boxes}
    commitments = {i: commit(polys[i], guardian_context(CHAIN, ELECTION, i)) for i in boxes}
    for i, c in commitments.items():
        verify_commitment(c, t, guardian_context(CHAIN, ELECTION, i))
    shares = {}
    for j, box in boxes.items():
        received = []
        for i in boxes:
            s = open_share(seal_share(polys[i], j, bytes(box.public_key)), box)
            assert verify_share(s, j, commitments[i])
            received.append(s)
        shares[j] = secret_share(received)
    return Ceremony(n, t, commitments, shares, joint_public_key(list(commitments.values())))


def counts_of(cts: Sequence[Ciphertext], shares: Sequence[DecryptionShare], bound: int) -> list[int]:
    """The off-chain step: combine the shares and find each count by baby-step giant-step."""
    return [discrete_log(p, bound) for p in combine(cts, shares)]
