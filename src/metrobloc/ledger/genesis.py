"""The genesis document: the chain id, its organizations and node keys, and the first admin."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from metrobloc.codec import b64url_decode, canonical_json, is_address, parse_json
from metrobloc.crypto import address_of
from metrobloc.errors import InvalidInput
from metrobloc.ledger.txs import CHAIN_ID


@dataclass(frozen=True)
class Organization:
    """A consortium member and the key its node attests headers with."""

    name: str
    """Display name, e.g. "City of Metropolis"."""
    node_key: bytes
    """32-byte Ed25519 public key of its node."""


@dataclass(frozen=True)
class Genesis:
    """A parsed genesis document (``genesis.json``)."""

    chain_id: str
    """The chain id every tx signs."""
    genesis_time_ms: int
    """Time of the chain's start, Unix ms; block times never go below it."""
    organizations: tuple[Organization, ...]
    """Consortium members, in genesis order."""
    admin_address: str
    """The first admin account: it holds every role and can grant roles."""
    admin_public_key: bytes
    """The admin's key."""
    raw: dict[str, Any]
    """The document as parsed, for hashing and for module genesis sections."""

    @property
    def hash(self) -> str:
        """hex(SHA-256(JCS(genesis))): the ``prev_hash`` of block 1."""
        return hashlib.sha256(canonical_json(self.raw)).hexdigest()

    @property
    def node_keys(self) -> frozenset[bytes]:
        return frozenset(o.node_key for o in self.organizations)

    @property
    def app_state(self) -> dict[str, Any]:
        state = self.raw.get("app_state", {})
        assert isinstance(state, dict)
        return state

    @classmethod
    def from_json(cls, obj: Any) -> Genesis:
        """Check and parse a genesis document."""
        allowed = {"chain_id", "genesis_time_ms", "organizations", "admin", "app_state"}
        required = allowed - {"app_state"}
        if not isinstance(obj, dict) or not required <= set(obj) <= allowed:
            raise InvalidInput(f"genesis must have the fields {sorted(allowed)}", "genesis.bad_shape")
        if not isinstance(obj["chain_id"], str) or not CHAIN_ID.fullmatch(obj["chain_id"]):
            raise InvalidInput("genesis chain_id is not a valid chain id", "genesis.bad_shape")
        if type(obj["genesis_time_ms"]) is not int or obj["genesis_time_ms"] < 0:
            raise InvalidInput("genesis_time_ms must be a non-negative integer", "genesis.bad_shape")
        orgs = []
        if not isinstance(obj["organizations"], list) or not obj["organizations"]:
            raise InvalidInput("genesis needs at least one organization", "genesis.bad_shape")
        for org in obj["organizations"]:
            if not isinstance(org, dict) or set(org) != {"name", "node_key"} or not isinstance(org["name"], str):
                raise InvalidInput("an organization is {name, node_key}", "genesis.bad_shape")
            orgs.append(Organization(org["name"], b64url_decode(org["node_key"], length=32, what="node_key")))
        if len({o.node_key for o in orgs}) != len(orgs):
            raise InvalidInput("node keys in genesis must be distinct", "genesis.bad_shape")
        admin = obj["admin"]
        if not isinstance(admin, dict) or set(admin) != {"address", "public_key"} or not is_address(admin["address"]):
            raise InvalidInput("genesis admin is {address, public_key}", "genesis.bad_shape")
        admin_key = b64url_decode(admin["public_key"], length=32, what="admin public_key")
        if address_of(admin_key) != admin["address"]:
            raise InvalidInput("genesis admin address does not match its public key", "genesis.bad_shape")
        if not isinstance(obj.get("app_state", {}), dict):
            raise InvalidInput("genesis app_state must be an object", "genesis.bad_shape")
        return cls(obj["chain_id"], obj["genesis_time_ms"], tuple(orgs), admin["address"], admin_key, obj)

    @classmethod
    def load(cls, data: bytes | str) -> Genesis:
        return cls.from_json(parse_json(data))


def quorum(node_count: int) -> int:
    """Attestations needed for a certified header: at least two thirds of the node keys.

    1 of 1, 2 of 3, 3 of 4, 4 of 5, 4 of 6, 5 of 7 — the consortium rule of docs/spec/blocks.md.

    ARCHITECTURE.md says "more than two thirds"; the consortium issue asks that 2 of 3 certify,
    which only "at least two thirds" gives. They differ only when the node count divides by 3.
    """
    return max(1, -(-2 * node_count // 3))
