"""The off-chain side of the Demo City's secret ballot: the guardians' secrets and the voters' encrypted
ballots, as the ballots module's client makes them, with every random draw taken from
``seeded_randomness`` (crypto/elgamal/group.py) under a seed derived from the city's seed and the
ballot or guardian. So the seeded history stays a function of the city's seed; and anyone who knows
it can read every seeded vote, which is why nothing but a reproducible demo does this.

It also keeps what the chain will hold (the encrypted total, who voted what last), because the
historian writes every block before any node runs it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import nacl.public

from metrobloc.codec import b64url_encode
from metrobloc.crypto.elgamal import IDENTITY, Polynomial, base_mul, secret_share, seeded_randomness
from metrobloc.demo.people import Agency
from metrobloc.modules.ballots import group
from metrobloc.modules.ballots.client import GuardianSecret, vote
from metrobloc.sdk import ballots

if TYPE_CHECKING:
    from metrobloc.demo.city import DemoCity


def seed_bytes(city: DemoCity, what: str) -> bytes:
    """The seed of the randomness of one ballot or guardian step: public, for reproducible histories only."""
    return hashlib.sha256(f"metrobloc/demo/{city.seed}/ballots/{what}".encode()).digest()


class SeededElection:
    """One election's guardians and voters, off chain, in the order the historian writes their txs."""

    def __init__(
        self, city: DemoCity, election: str, guardians: Sequence[Agency], shape: dict[str, Any], threshold: int
    ) -> None:
        self.city = city
        self.election = election
        self.guardians = tuple(guardians)
        self.shape = shape
        """The one question's shape, as the chain stores it (what ballots' proofs are made for)."""
        self.threshold = threshold
        self.secrets: list[GuardianSecret] = []
        self.joint_key = ""
        self.total = group.empty_total([shape])
        """The encrypted total the chain will hold after the ballots counted so far."""
        self.choices: dict[str, list[int]] = {}
        """Voter -> the selections of their last counted ballot (0/1 per option)."""
        self.ballots: dict[str, Any] = {}
        """Voter -> their last counted ballot (JSON), which a new one replaces in the total."""
        self.made: dict[str, int] = {}
        """Voter -> ballots made so far (each draws from its own seed)."""

    # -- key generation -------------------------------------------------------------------------------
    def commits(self) -> list[tuple[Agency, dict[str, Any]]]:
        """Each guardian's ``ballots/commit``: a polynomial and a box key drawn from its seed."""
        out = []
        for i, guardian in enumerate(self.guardians, 1):
            with seeded_randomness(seed_bytes(self.city, f"{self.election}/guardian/{i}")):
                polynomial = Polynomial.random(self.threshold)
                box = nacl.public.PrivateKey(seed_bytes(self.city, f"{self.election}/guardian/{i}/box"))
                secret = GuardianSecret(self.city.genesis.chain_id, self.election, i, polynomial, box)
                out.append((guardian, secret.commit_msg()))
            self.secrets.append(secret)
        return out

    def deals(self) -> list[tuple[Agency, dict[str, Any]]]:
        """Each guardian's ``ballots/deal``: a share sealed to each other guardian's box key."""
        rows = [
            {"index": s.index, "address": g.address, "encryption_key": b64url_encode(bytes(s.box_key.public_key))}
            for s, g in zip(self.secrets, self.guardians, strict=True)
        ]
        out = []
        for secret, guardian in zip(self.secrets, self.guardians, strict=True):
            with seeded_randomness(seed_bytes(self.city, f"{self.election}/guardian/{secret.index}/deal")):
                out.append((guardian, secret.deal_msg({"guardian_records": rows})))
        return out

    def acks(self) -> list[tuple[Agency, list[dict[str, Any]]]]:
        """Each guardian's acknowledgements of the others' shares; its secret share and the joint key follow.

        The shares are the guardians' own (they open and check as the client's ``receive`` would): the
        historian takes them from the polynomials directly rather than opening what it sealed itself."""
        out = []
        for secret, guardian in zip(self.secrets, self.guardians, strict=True):
            out.append((guardian, [ballots.ack(self.election, g.address) for g in self.guardians if g is not guardian]))
            secret.share = secret_share([s.polynomial.evaluate(secret.index) for s in self.secrets])
        key = IDENTITY
        for s in self.secrets:  # K = Σ a_i0·G, as the chain computes it from the commitments
            key = key + base_mul(s.polynomial.coefficients[0])
        self.joint_key = key.to_b64()
        return out

    # -- casting and counting -------------------------------------------------------------------------
    def ballot(self, voter: str, selections: list[int]) -> dict[str, Any]:
        """The voter's ``ballots/cast`` of ``selections``, encrypted and proven from its own seed."""
        n = self.made.get(voter, 0)
        self.made[voter] = n + 1
        with seeded_randomness(seed_bytes(self.city, f"{self.election}/ballot/{voter}/{n}")):
            return vote(self.city.genesis.chain_id, self.election, voter, self.joint_key, [self.shape], [selections])

    def counted(self, voter: str, cast: dict[str, Any], selections: list[int]) -> None:
        """The chain counts ``cast``: it replaces the voter's previous ballot in the total."""
        self.total = group.replace_ballot(self.total, [self.shape], self.ballots.get(voter), cast["ballot"])
        self.ballots[voter] = cast["ballot"]
        self.choices[voter] = selections

    def counts(self) -> list[int]:
        """Per option, the voters whose last ballot selects it: what the total decrypts to."""
        return [sum(s[i] for s in self.choices.values()) for i in range(self.shape["options"])]

    def decryption_share(self, index: int) -> dict[str, Any]:
        """Guardian ``index``'s (from 1) ``ballots/decryption_share`` of the final total."""
        secret = self.secrets[index - 1]
        with seeded_randomness(seed_bytes(self.city, f"{self.election}/guardian/{index}/decrypt")):
            return secret.decryption_share_msg({"shapes": [self.shape], "total": self.total})


__all__ = ["SeededElection", "seed_bytes"]
