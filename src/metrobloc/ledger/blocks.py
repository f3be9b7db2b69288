"""Block headers, block hashes and attestations (ARCHITECTURE.md section 4)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass
from typing import Any

from metrobloc.codec import b64url_decode, b64url_encode, canonical_json_checked
from metrobloc.crypto import HEADER_TAG, HEADER_V2_TAG, PrivateKey, verify_signature
from metrobloc.errors import InvalidInput
from metrobloc.merkle import leaf_hash, root_of

Height = int
"""A block height; the first block is 1."""

HEADER_FIELDS = (
    "chain_id",
    "height",
    "time_ms",
    "prev_hash",
    "tx_root",
    "tx_count",
    "log_size",
    "log_root",
    "app_hash",
)
"""The fields of a v1 header."""
HEADER_V2_FIELDS = (*HEADER_FIELDS, "state_root")
"""The fields of a v2 header: v1's and ``state_root``."""
HEX32 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class Header:
    """A block header; every field is signed by the attestations."""

    chain_id: str
    """The chain this block belongs to."""
    height: Height
    """1 for the first block."""
    time_ms: int
    """Block time, Unix milliseconds, never decreasing."""
    prev_hash: str
    """Hash of the previous block; for height 1 the genesis hash."""
    tx_root: str
    """RFC 9162 root over the block's tx hashes (raw 32 bytes each as leaves)."""
    tx_count: int
    """Number of txs in the block."""
    log_size: int
    """Receipts in the transparency log after this block."""
    log_root: str
    """Root of the transparency log after this block."""
    app_hash: str
    """State commitment after this block (docs/spec/state.md)."""
    state_root: str | None = None
    """Root of the state tree after this block (docs/spec/state-proofs.md); None in a v1 header."""

    @property
    def version(self) -> int:
        """1 for a header without ``state_root``, else 2."""
        return 1 if self.state_root is None else 2

    def to_json(self) -> dict[str, Any]:
        obj = asdict(self)
        if self.state_root is None:
            del obj["state_root"]
        return obj

    def signed_bytes(self) -> bytes:
        """``metrobloc/header/v<version>\\0 || JCS(header)``: hashed for the block hash and attested."""
        return (HEADER_TAG if self.state_root is None else HEADER_V2_TAG) + canonical_json_checked(self.to_json())

    @property
    def block_hash(self) -> str:
        return hashlib.sha256(self.signed_bytes()).hexdigest()

    @classmethod
    def from_json(cls, obj: Any) -> Header:
        """Parse and check a header's wire form."""
        if not isinstance(obj, dict) or set(obj) not in (set(HEADER_FIELDS), set(HEADER_V2_FIELDS)):
            raise InvalidInput(
                f"a header has exactly the fields {list(HEADER_FIELDS)} (v1) or those and state_root (v2)",
                "header.bad_shape",
            )
        for name in ("height", "time_ms", "tx_count", "log_size"):
            if type(obj[name]) is not int or obj[name] < 0:
                raise InvalidInput(f"header.{name} must be a non-negative integer", "header.bad_shape")
        for name in ("prev_hash", "tx_root", "log_root", "app_hash", "state_root"):
            if name in obj and (not isinstance(obj[name], str) or not HEX32.fullmatch(obj[name])):
                raise InvalidInput(f"header.{name} must be 64 lower-case hex digits", "header.bad_shape")
        if not isinstance(obj["chain_id"], str):
            raise InvalidInput("header.chain_id must be a string", "header.bad_shape")
        return cls(**{name: obj[name] for name in HEADER_V2_FIELDS if name in obj})


@dataclass(frozen=True)
class Attestation:
    """A consortium node's Ed25519 signature over a header's signed bytes."""

    public_key: bytes
    """The node key (listed in genesis)."""
    signature: bytes
    """Signature over ``Header.signed_bytes()``."""

    def to_json(self) -> dict[str, str]:
        return {"public_key": b64url_encode(self.public_key), "signature": b64url_encode(self.signature)}

    @classmethod
    def from_json(cls, obj: Any) -> Attestation:
        if not isinstance(obj, dict) or set(obj) != {"public_key", "signature"}:
            raise InvalidInput("an attestation is {public_key, signature}", "header.bad_attestation")
        return cls(
            b64url_decode(obj["public_key"], length=32, what="attestation public_key"),
            b64url_decode(obj["signature"], length=64, what="attestation signature"),
        )

    def verifies(self, header: Header) -> bool:
        return verify_signature(self.public_key, header.signed_bytes(), self.signature)


def attest(header: Header, key: PrivateKey) -> Attestation:
    """Sign a header with a node key."""
    return Attestation(key.public_key.raw, key.sign(header.signed_bytes()))


def tx_root(tx_hashes: list[str]) -> str:
    """The RFC 9162 root over a block's tx hashes; leaves are the raw 32-byte hashes."""
    return root_of([leaf_hash(bytes.fromhex(h)) for h in tx_hashes]).hex()
