"""Transactions: the signed envelope of ARCHITECTURE.md section 4 and its stateless checks."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from metrobloc.codec import b64url_decode, b64url_encode, canonical_json_checked, is_address
from metrobloc.codec.canonical import JSON, check_value
from metrobloc.crypto import TX_TAG, PrivateKey, verify_signature
from metrobloc.errors import InvalidInput, InvalidTx, TooLarge, Unauthorized
from metrobloc.ledger import limits

Address = str
"""A bech32 ``mb1...`` account address."""
TxHash = str
"""Lower-case hex SHA-256 of the canonical tx body."""

CHAIN_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
MSG_TYPE = re.compile(r"^[a-z][a-z0-9_]{0,31}/[a-z][a-z0-9_]{0,63}$")
BODY_KEYS = frozenset({"chain_id", "nonce", "valid_until", "signers", "msgs", "memo"})
REQUIRED_BODY_KEYS = BODY_KEYS - {"memo"}
SIG_KEYS = frozenset({"public_key", "signature"})


@dataclass(frozen=True)
class Signature:
    """One signer's Ed25519 signature over the tx sign bytes."""

    public_key: bytes
    """The 32-byte public key that signed."""
    signature: bytes
    """The 64-byte signature."""

    def to_json(self) -> dict[str, str]:
        return {"public_key": b64url_encode(self.public_key), "signature": b64url_encode(self.signature)}


@dataclass(frozen=True)
class Tx:
    """A transaction that passed the envelope checks (signatures not yet verified)."""

    body: dict[str, Any]
    """The signed body as parsed: chain_id, nonce, valid_until, signers, msgs, memo."""
    signatures: tuple[Signature, ...]
    """``signatures[i]`` belongs to ``signers[i]``."""
    body_bytes: bytes = field(repr=False)
    """JCS(body): hashed for the tx hash and, behind the tag, signed."""
    hash: TxHash
    """hex(SHA-256(JCS(body)))."""

    @property
    def chain_id(self) -> str:
        return str(self.body["chain_id"])

    @property
    def signers(self) -> list[Address]:
        return list(self.body["signers"])

    @property
    def msgs(self) -> list[dict[str, Any]]:
        return list(self.body["msgs"])

    @property
    def valid_until(self) -> int:
        return int(self.body["valid_until"])

    @property
    def sign_bytes(self) -> bytes:
        return TX_TAG + self.body_bytes

    def to_json(self) -> dict[str, Any]:
        """The wire form ``{"body", "signatures"}``."""
        return {"body": self.body, "signatures": [s.to_json() for s in self.signatures]}

    def canonical(self) -> bytes:
        """JCS of the whole envelope: the form the node stores."""
        return canonical_json_checked(self.to_json())

    def verify_signatures(self) -> None:
        """Check every signature cryptographically; raise ``Unauthorized`` on the first bad one."""
        message = self.sign_bytes
        for i, sig in enumerate(self.signatures):
            if not verify_signature(sig.public_key, message, sig.signature):
                raise Unauthorized(f"signature {i} does not verify", "tx.bad_signature")


def tx_hash_of(body_bytes: bytes) -> TxHash:
    """hex(SHA-256(JCS(body)))."""
    return hashlib.sha256(body_bytes).hexdigest()


def parse_tx(obj: JSON, *, checked: bool = False) -> Tx:
    """Check the envelope's shape and limits (no signature check, no state) and build a ``Tx``.

    Message contents are checked by their modules, not here. ``checked`` says that ``obj`` came
    from ``parse_json``, which already refused floats, big integers and deep nesting.
    """
    if not isinstance(obj, dict) or set(obj) != {"body", "signatures"}:
        raise InvalidInput('a tx is an object with exactly "body" and "signatures"', "tx.bad_shape")
    body, sigs = obj["body"], obj["signatures"]
    _check_body(body, checked)
    if not isinstance(sigs, list) or len(sigs) != len(body["signers"]):
        raise InvalidTx("there must be one signature per signer, in signer order", "tx.signature_count")
    signatures = tuple(_parse_signature(i, s) for i, s in enumerate(sigs))
    body_bytes = canonical_json_checked(body)
    if len(body_bytes) > limits.MAX_TX_BYTES:
        raise TooLarge(f"tx body exceeds {limits.MAX_TX_BYTES} bytes", "tx.too_large")
    return Tx(body=body, signatures=signatures, body_bytes=body_bytes, hash=tx_hash_of(body_bytes))


def _check_body(body: Any, checked: bool) -> None:
    if not isinstance(body, dict):
        raise InvalidInput("tx body must be an object", "tx.bad_shape")
    keys = set(body)
    if not keys <= BODY_KEYS:
        raise InvalidInput(f"unknown tx body field(s): {sorted(keys - BODY_KEYS)}", "tx.unknown_field")
    if not keys >= REQUIRED_BODY_KEYS:
        raise InvalidInput(f"missing tx body field(s): {sorted(REQUIRED_BODY_KEYS - keys)}", "tx.missing_field")
    if not checked and check_value(body):
        raise InvalidInput("object keys in a tx must be below U+E000", "tx.bad_shape")
    chain_id = body["chain_id"]
    if not isinstance(chain_id, str) or not CHAIN_ID.fullmatch(chain_id):
        raise InvalidInput("chain_id must match [a-z0-9][a-z0-9._-]{0,63}", "tx.bad_chain_id")
    b64url_decode(body["nonce"], length=limits.NONCE_BYTES, what="nonce")
    valid_until = body["valid_until"]
    if type(valid_until) is not int or valid_until < 1:
        raise InvalidInput("valid_until must be a positive integer height", "tx.bad_valid_until")
    signers = body["signers"]
    if not isinstance(signers, list) or not 1 <= len(signers) <= limits.MAX_SIGNERS:
        raise InvalidInput(f"signers must list 1 to {limits.MAX_SIGNERS} addresses", "tx.bad_signers")
    if not all(is_address(s) for s in signers) or len(set(signers)) != len(signers):
        raise InvalidInput("signers must be distinct mb1 addresses", "tx.bad_signers")
    msgs = body["msgs"]
    if not isinstance(msgs, list) or not msgs:
        raise InvalidInput("msgs must be a non-empty list of messages", "tx.bad_msgs")
    if len(msgs) > limits.MAX_MSGS_PER_TX:
        raise TooLarge(f"a tx carries at most {limits.MAX_MSGS_PER_TX} messages", "tx.too_many_msgs")
    for i, msg in enumerate(msgs):
        if not isinstance(msg, dict) or not isinstance(msg.get("type"), str):
            raise InvalidInput(f'msgs[{i}] must be an object with a "type"', "tx.bad_msgs")
        if not MSG_TYPE.fullmatch(msg["type"]):
            raise InvalidInput(f"msgs[{i}].type {msg['type'][:80]!r} is not module/name", "tx.unknown_msg")
    memo = body.get("memo", "")
    if not isinstance(memo, str) or len(memo) > limits.MAX_MEMO_CHARS:
        raise InvalidInput(f"memo must be a string of at most {limits.MAX_MEMO_CHARS} characters", "tx.bad_memo")


def _parse_signature(i: int, sig: Any) -> Signature:
    if not isinstance(sig, dict) or set(sig) != SIG_KEYS:
        raise InvalidInput(f'signatures[{i}] must be {{"public_key", "signature"}}', "tx.bad_signature")
    return Signature(
        public_key=b64url_decode(sig["public_key"], length=32, what=f"signatures[{i}].public_key"),
        signature=b64url_decode(sig["signature"], length=64, what=f"signatures[{i}].signature"),
    )


def build_body(
    chain_id: str,
    signers: list[Address],
    msgs: list[dict[str, Any]],
    valid_until: int,
    nonce: bytes,
    memo: str = "",
) -> dict[str, Any]:
    """A tx body in wire form."""
    return {
        "chain_id": chain_id,
        "nonce": b64url_encode(nonce),
        "valid_until": valid_until,
        "signers": list(signers),
        "msgs": list(msgs),
        "memo": memo,
    }


def sign_body(body: dict[str, Any], keys: list[PrivateKey]) -> Tx:
    """Sign ``body`` with one key per signer, in signer order, and return the checked ``Tx``."""
    message = TX_TAG + canonical_json_checked(body)
    sigs = [{"public_key": k.public_key.to_b64(), "signature": b64url_encode(k.sign(message))} for k in keys]
    return parse_tx({"body": body, "signatures": sigs})


def add_signature(tx: Tx, key: PrivateKey) -> Tx:
    """Fill in the signature slot of ``key``'s signer in a partly signed tx (co-signing)."""
    message = tx.sign_bytes
    sigs = [s.to_json() for s in tx.signatures]
    for i, sig in enumerate(tx.signatures):
        if sig.public_key == key.public_key.raw or (not any(sig.signature) and tx.signers[i] == key.address):
            sigs[i] = {"public_key": key.public_key.to_b64(), "signature": b64url_encode(key.sign(message))}
            return parse_tx({"body": tx.body, "signatures": sigs})
    raise InvalidTx("this key has no signer slot in the tx", "tx.not_a_signer")
