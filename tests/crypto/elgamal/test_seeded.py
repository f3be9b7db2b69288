"""Seeded randomness, for reproducible histories only: the default stays the OS's CSPRNG; under
``seeded_randomness`` ballots, polynomials and sealed shares are the same bytes on every run and
still verify and open."""

from __future__ import annotations

import nacl.public

from metrobloc.crypto.elgamal import (
    EncryptedBallot,
    Polynomial,
    Question,
    Scalar,
    ballot_context,
    base_mul,
    encrypt_ballot,
    is_seeded,
    open_share,
    seal_share,
    seal_with,
    seeded_randomness,
    verify_ballot,
)

KEY = base_mul(Scalar.of(1234567))
QUESTIONS = [Question(options=4, min_selections=1, max_selections=2, weights=(3, 5, 2, 7), weight_min=2, weight_max=9)]
CTX = ballot_context("demo-city", "harbour-budget", "mb1voter")
BOX = nacl.public.PrivateKey(bytes(range(32)))


def made(seed: bytes) -> tuple[list[dict[str, object]], Polynomial, bytes]:
    with seeded_randomness(seed):
        ballot = encrypt_ballot(KEY, QUESTIONS, [[1, 0, 1, 0]], CTX)
        polynomial = Polynomial.random(2)
        sealed = seal_share(polynomial, 2, bytes(BOX.public_key))
    return ballot.to_json(), polynomial, sealed


def test_by_default_randomness_is_fresh_every_time() -> None:
    assert not is_seeded()
    assert Scalar.random() != Scalar.random()
    first = encrypt_ballot(KEY, QUESTIONS, [[1, 0, 1, 0]], CTX).to_json()
    assert first != encrypt_ballot(KEY, QUESTIONS, [[1, 0, 1, 0]], CTX).to_json()
    polynomial = Polynomial.random(2)
    assert seal_share(polynomial, 2, bytes(BOX.public_key)) != seal_share(polynomial, 2, bytes(BOX.public_key))


def test_a_seed_gives_the_same_ballot_polynomial_and_sealed_share_every_time() -> None:
    assert made(b"seed 7") == made(b"seed 7")
    assert made(b"seed 7") != made(b"seed 8")
    with seeded_randomness(b"seed 7"):
        assert is_seeded()
    assert not is_seeded()  # the default is back after the block


def test_what_is_made_under_a_seed_still_verifies_and_opens() -> None:
    ballot_json, polynomial, sealed = made(b"seed 7")

    verify_ballot(KEY, QUESTIONS, EncryptedBallot.from_json(ballot_json, QUESTIONS), CTX)
    assert open_share(sealed, BOX) == polynomial.evaluate(2)
    assert nacl.public.SealedBox(BOX).decrypt(sealed) == polynomial.evaluate(2).encode()


def test_the_seeded_sealing_is_libsodiums_sealed_box_format() -> None:
    ephemeral = nacl.public.PrivateKey(b"\x42" * 32)
    sealed = seal_with(ephemeral, b"share", bytes(BOX.public_key))
    assert sealed[:32] == bytes(ephemeral.public_key) and len(sealed) == 32 + 16 + len(b"share")
    assert nacl.public.SealedBox(BOX).decrypt(sealed) == b"share"
