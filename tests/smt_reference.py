"""The reference state tree, by the book (docs/spec/state-proofs.md §1-3): the recursion T(S, d),
a prover that follows the definition of a state proof, and a verifier that follows §3 step by step.

``metrobloc.merkle.smt`` and the node's C tree are tested against it, and
``tests/vectors/generate.py`` computes ``state_proof.json`` with it, so it imports nothing of
MetroBloc. Everything is recomputed from the whole state on every call: slow and plain.
Proofs are in their wire form (``{"leaf": {...} | None, "siblings": [hex, ...]}``), as the spec
writes them.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from typing import Any

EMPTY = bytes(32)
"""The hash of an empty subtree: 32 zero bytes."""
MAX_SIBLINGS = 256
HEX64 = re.compile(r"[0-9a-f]{64}")

Pair = tuple[bytes, bytes]
"""(key hash, value hash) of one key-value of the state."""


class Refused(Exception):
    """The reference verifier's refusal; ``code`` names the failed step of §3."""

    def __init__(self, code: str, why: str) -> None:
        super().__init__(f"{code}: {why}")
        self.code = code


# -- §1 hashing ---------------------------------------------------------------------------------
def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def key_hash(key: bytes) -> bytes:
    return sha256(key)


def value_hash(value: bytes) -> bytes:
    return sha256(value)


def leaf(kh: bytes, vh: bytes) -> bytes:
    return sha256(b"\x02" + kh + vh)


def node(left: bytes, right: bytes) -> bytes:
    return sha256(b"\x03" + left + right)


def bit(kh: bytes, d: int) -> int:
    """Bit d of a key hash: bit 7 - d mod 8 of byte d // 8 (bit 0 is the first byte's top bit)."""
    return (kh[d // 8] >> (7 - d % 8)) & 1


# -- §2 the tree ---------------------------------------------------------------------------------
def pairs_of(state: Mapping[bytes, bytes]) -> list[Pair]:
    return [(key_hash(k), value_hash(v)) for k, v in state.items()]


def tree_hash(pairs: Sequence[Pair], d: int) -> bytes:
    """T(S, d) for pairs that share their first d bits."""
    if not pairs:
        return EMPTY
    if len(pairs) == 1:
        return leaf(*pairs[0])
    s0 = [p for p in pairs if bit(p[0], d) == 0]
    s1 = [p for p in pairs if bit(p[0], d) == 1]
    return node(tree_hash(s0, d + 1), tree_hash(s1, d + 1))


def root(state: Mapping[bytes, bytes]) -> bytes:
    """state_root = T(all key-values, 0)."""
    return tree_hash(pairs_of(state), 0)


# -- §3 proofs -----------------------------------------------------------------------------------
def prove(state: Mapping[bytes, bytes], key: bytes) -> dict[str, Any]:
    """The path from the root towards key_hash(key), stopped where the subtree holds at most one leaf."""
    kh = key_hash(key)
    pairs = pairs_of(state)
    root_side_first: list[bytes] = []
    d = 0
    while len(pairs) >= 2:
        way = bit(kh, d)
        root_side_first.append(tree_hash([p for p in pairs if bit(p[0], d) != way], d + 1))
        pairs = [p for p in pairs if bit(p[0], d) == way]
        d += 1
    lone = None if not pairs else {"key_hash": pairs[0][0].hex(), "value_hash": pairs[0][1].hex()}
    return {"leaf": lone, "siblings": [s.hex() for s in reversed(root_side_first)]}


def verify(state_root: bytes, key: bytes, value: bytes | None, proof: Any) -> None:
    """verify_state_proof of §3 on a proof's wire form; ``value`` None means *absent*.

    Raises ``Refused`` with the code of the step that failed.
    """
    siblings, proof_leaf = _step1_shape(proof)
    kh = key_hash(key)  # step 2
    n = len(siblings)
    if proof_leaf is None:  # step 3
        if value is not None:
            raise Refused("verify.state_value_mismatch", "the proof ends at an empty subtree, a value was claimed")
        acc = EMPTY
    elif proof_leaf[0] == kh:  # step 4
        if value is None or value_hash(value) != proof_leaf[1]:
            raise Refused("verify.state_value_mismatch", "the key's leaf holds another value")
        acc = leaf(kh, proof_leaf[1])
    else:  # step 5
        if value is not None:
            raise Refused("verify.state_value_mismatch", "the proof ends at another key's leaf, a value was claimed")
        if any(bit(proof_leaf[0], d) != bit(kh, d) for d in range(n)):
            raise Refused("verify.bad_state_proof", "the other leaf does not share the key's first n bits")
        acc = leaf(proof_leaf[0], proof_leaf[1])
    for i in range(n):  # step 6
        d = n - 1 - i
        s = siblings[i]
        acc = node(s, acc) if bit(kh, d) == 1 else node(acc, s)
    if acc != state_root:  # step 7
        raise Refused("verify.state_root_mismatch", "the path does not reach the root")


def _step1_shape(proof: Any) -> tuple[list[bytes], Pair | None]:
    """Step 1: at most 256 siblings of 32 bytes, a leaf of two 32-byte hashes or null."""
    if not isinstance(proof, dict) or set(proof) != {"leaf", "siblings"}:
        raise Refused("verify.bad_state_proof", "a proof is {leaf, siblings}")
    siblings = proof["siblings"]
    if not isinstance(siblings, list) or len(siblings) > MAX_SIBLINGS:
        raise Refused("verify.bad_state_proof", "siblings is a list of at most 256 hashes")
    proof_leaf = proof["leaf"]
    if proof_leaf is None:
        return [_hash(s) for s in siblings], None
    if not isinstance(proof_leaf, dict) or set(proof_leaf) != {"key_hash", "value_hash"}:
        raise Refused("verify.bad_state_proof", "leaf is null or {key_hash, value_hash}")
    return [_hash(s) for s in siblings], (_hash(proof_leaf["key_hash"]), _hash(proof_leaf["value_hash"]))


def _hash(text: Any) -> bytes:
    if not isinstance(text, str) or not HEX64.fullmatch(text):
        raise Refused("verify.bad_state_proof", "a hash is 64 lower-case hex digits")
    return bytes.fromhex(text)


def outcome(state_root: bytes, key: bytes, value: bytes | None, proof: Any) -> str | None:
    """None when the proof holds, else the code ``verify`` refuses it with."""
    try:
        verify(state_root, key, value, proof)
    except Refused as refused:
        return refused.code
    return None
