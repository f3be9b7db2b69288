"""The Demo City's agencies and citizens: names, roles, and Ed25519 keys derived from the seed.

A key is SHA-256 of the seed and the holder's name, so the same seed gives the same people (and
the same node and admin keys, hence the same block attestations) on every machine.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from metrobloc.crypto import PrivateKey

KEY_TAG = b"metrobloc/demo/key/v1\x00"
CITIZENS = 300
"""How many citizens the city has."""


def derive_key(seed: int, name: str) -> PrivateKey:
    """The key of ``name`` in the city of ``seed``: deterministic, and useless outside the demo."""
    return PrivateKey(hashlib.sha256(KEY_TAG + f"{seed}/{name}".encode()).digest())


@dataclass(frozen=True)
class Agency:
    """A public body of the city, with the roles City Hall grants it."""

    name: str
    """Display name, e.g. "Land Registry"."""
    key_name: str
    """Its key's name in the data dir's keystore (``keys/<key_name>.json``)."""
    roles: tuple[str, ...]
    """Roles granted by City Hall in the first block (City Hall itself is the genesis admin)."""
    key: PrivateKey
    """Its signing key."""

    @property
    def address(self) -> str:
        return self.key.address


@dataclass(frozen=True)
class Citizen:
    """A resident: an ordinary account with no role."""

    number: int
    """1 .. CITIZENS."""
    key: PrivateKey
    """Their signing key."""

    @property
    def address(self) -> str:
        return self.key.address

    @property
    def name(self) -> str:
        return f"citizen-{self.number:03d}"


@dataclass(frozen=True)
class People:
    """Everyone in the city of one seed."""

    node_key: PrivateKey
    """City Hall's node key: it attests every block."""
    city_hall: Agency
    """The genesis admin: grants roles, issues City Coin, and sits on the oracle policy."""
    registry: Agency
    """The Land Registry (``land_registrar``)."""
    bank: Agency
    """Metro Savings Bank (``lender``): mortgages as liens on parcels."""
    university: Agency
    """Metro University (``oracle``, ``asset_issuer``): surveys parcels, issues study credits."""
    citizens: tuple[Citizen, ...]
    """The residents, numbered from 1."""

    @property
    def agencies(self) -> tuple[Agency, ...]:
        return (self.city_hall, self.registry, self.bank, self.university)

    @classmethod
    def of_seed(cls, seed: int, citizens: int = CITIZENS) -> People:
        def agency(name: str, key_name: str, *roles: str) -> Agency:
            return Agency(name, key_name, roles, derive_key(seed, key_name))

        return cls(
            node_key=derive_key(seed, "city-hall-node"),
            city_hall=agency("City Hall", "admin", "admin"),
            registry=agency("Land Registry", "land-registry", "land_registrar"),
            bank=agency("Metro Savings Bank", "bank", "lender"),
            university=agency("Metro University", "university", "oracle", "asset_issuer"),
            citizens=tuple(Citizen(n, derive_key(seed, f"citizen-{n:03d}")) for n in range(1, citizens + 1)),
        )
