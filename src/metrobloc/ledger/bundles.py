"""Proof bundles (a receipt, its inclusion path and an attested header), state bundles (a key, its
value and a state proof under an attested header) and log consistency answers, checked offline
against a trusted genesis.

This is the code ``metrobloc verify``, the SDK and the node's own tests all use to decide that a
receipt is part of a chain whose genesis the verifier trusts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from metrobloc.errors import InvalidInput, VerificationFailed
from metrobloc.ledger.blocks import Attestation, Header
from metrobloc.ledger.genesis import Genesis, quorum
from metrobloc.ledger.receipts import HEX32, Receipt
from metrobloc.merkle import root_from_inclusion, verify_consistency
from metrobloc.merkle.smt import BadStateProof, parse_state_proof, verify_state_proof

BUNDLE_FIELDS = {"receipt", "leaf_index", "inclusion_path", "header", "attestations"}
STATE_BUNDLE_FIELDS = {"key", "value", "proof", "header", "attestations"}
READ_FIELDS = {"key", "value", "proof"}
PROOFS_FIELDS = {"header", "attestations", "reads"}


@dataclass(frozen=True)
class VerifiedReceipt:
    """What a valid bundle establishes."""

    receipt: Receipt
    """The receipt, now known to be in the chain's log."""
    header: Header
    """The header whose log contains it."""
    attesters: tuple[str, ...]
    """Names of the organizations whose node keys attested the header."""


def verify_bundle(bundle: Any, genesis: Genesis) -> VerifiedReceipt:
    """Check a proof bundle against a trusted genesis; raise ``VerificationFailed`` with the reason."""
    try:
        if not isinstance(bundle, dict) or set(bundle) != BUNDLE_FIELDS:
            raise VerificationFailed(
                f"a proof bundle has exactly the fields {sorted(BUNDLE_FIELDS)}", "verify.bad_bundle"
            )
        receipt = Receipt.from_json(bundle["receipt"])
        header = Header.from_json(bundle["header"])
        attestations = [Attestation.from_json(a) for a in _list(bundle["attestations"], "attestations")]
        path = [_hex32(p) for p in _list(bundle["inclusion_path"], "inclusion_path")]
    except InvalidInput as exc:
        raise VerificationFailed(exc.message, "verify.bad_bundle") from exc
    index = bundle["leaf_index"]
    if type(index) is not int:
        raise VerificationFailed("leaf_index must be an integer", "verify.bad_bundle")
    if header.chain_id != genesis.chain_id:
        raise VerificationFailed(
            f"header is for chain {header.chain_id!r}, genesis is {genesis.chain_id!r}", "verify.wrong_chain"
        )
    attesters = check_attestations(header, attestations, genesis)
    if receipt.height > header.height:
        raise VerificationFailed("receipt is from a block after the header", "verify.receipt_after_header")
    root = root_from_inclusion(receipt.leaf_hash(), index, header.log_size, path)
    if root is None or root.hex() != header.log_root:
        raise VerificationFailed("inclusion path does not lead to the header's log root", "verify.bad_inclusion")
    return VerifiedReceipt(receipt, header, attesters)


@dataclass(frozen=True)
class VerifiedState:
    """What a valid state bundle, or a proven query answer, establishes."""

    values: dict[str, str | None]
    """Each proven key's value (None: the key holds nothing), as of ``header``."""
    header: Header
    """The v2 header whose ``state_root`` the proofs lead to."""
    attesters: tuple[str, ...]
    """Names of the organizations whose node keys attested the header."""


def verify_state_bundle(bundle: Any, genesis: Genesis) -> VerifiedState:
    """Check a state bundle (``GET /v1/state/proof``) against a trusted genesis (docs/spec/state-proofs.md §4)."""
    if not isinstance(bundle, dict) or set(bundle) != STATE_BUNDLE_FIELDS:
        raise VerificationFailed(
            f"a state bundle has exactly the fields {sorted(STATE_BUNDLE_FIELDS)}", "verify.bad_bundle"
        )
    read = {name: bundle[name] for name in READ_FIELDS}
    return verify_reads({"header": bundle["header"], "attestations": bundle["attestations"], "reads": [read]}, genesis)


def verify_reads(proofs: Any, genesis: Genesis) -> VerifiedState:
    """Check the ``proofs`` member of a proven query answer (``?prove=true``) against a trusted genesis."""
    if not isinstance(proofs, dict) or set(proofs) != PROOFS_FIELDS:
        raise VerificationFailed(f"proofs has exactly the fields {sorted(PROOFS_FIELDS)}", "verify.bad_bundle")
    header = _attested_header(proofs["header"], proofs["attestations"], genesis)
    attesters = check_attestations(header, _attestations(proofs["attestations"]), genesis)
    assert header.state_root is not None
    root = bytes.fromhex(header.state_root)
    values: dict[str, str | None] = {}
    for read in _list_checked(proofs["reads"], "reads"):
        key, value = _read(read)
        try:
            proof = parse_state_proof(read["proof"])
            verify_state_proof(root, key.encode(), None if value is None else value.encode(), proof)
        except BadStateProof as exc:
            raise VerificationFailed(f"state proof for {key!r}: {exc}", exc.code) from exc
        values[key] = value
    return VerifiedState(values, header, attesters)


def _attested_header(obj: Any, attestations: Any, genesis: Genesis) -> Header:
    try:
        header = Header.from_json(obj)
    except InvalidInput as exc:
        raise VerificationFailed(exc.message, "verify.bad_bundle") from exc
    if header.state_root is None:
        raise VerificationFailed(
            f"header {header.height} is a v1 header: it has no state_root to prove state against",
            "verify.no_state_root",
        )
    if header.chain_id != genesis.chain_id:
        raise VerificationFailed(
            f"header is for chain {header.chain_id!r}, genesis is {genesis.chain_id!r}", "verify.wrong_chain"
        )
    return header


def _attestations(value: Any) -> list[Attestation]:
    try:
        return [Attestation.from_json(a) for a in _list(value, "attestations")]
    except InvalidInput as exc:
        raise VerificationFailed(exc.message, "verify.bad_bundle") from exc


def _list_checked(value: Any, name: str) -> list[Any]:
    if not isinstance(value, list):
        raise VerificationFailed(f"{name} must be a list", "verify.bad_bundle")
    return value


def _read(read: Any) -> tuple[str, str | None]:
    if not isinstance(read, dict) or set(read) != READ_FIELDS:
        raise VerificationFailed(f"a read has exactly the fields {sorted(READ_FIELDS)}", "verify.bad_bundle")
    key, value = read["key"], read["value"]
    if not isinstance(key, str) or not (value is None or isinstance(value, str)):
        raise VerificationFailed("a read's key is text and its value text or null", "verify.bad_bundle")
    return key, value


def check_attestations(header: Header, attestations: list[Attestation], genesis: Genesis) -> tuple[str, ...]:
    """Names of the genesis organizations that validly attested ``header``; fails below quorum."""
    by_key = {o.node_key: o.name for o in genesis.organizations}
    signed: dict[bytes, str] = {}
    for att in attestations:
        if att.public_key not in by_key:
            raise VerificationFailed("an attestation is by a key not in genesis", "verify.unknown_attester")
        if not att.verifies(header):
            raise VerificationFailed("an attestation signature does not verify", "verify.bad_attestation")
        signed[att.public_key] = by_key[att.public_key]
    need = quorum(len(by_key))
    if len(signed) < need:
        raise VerificationFailed(
            f"header has {len(signed)} valid attestation(s) of {len(by_key)} node keys; {need} needed",
            "verify.no_quorum",
        )
    return tuple(sorted(signed.values()))


def verify_log_consistency(proof: Any, first_root: str, second_root: str) -> None:
    """Check a ``GET /v1/log/consistency`` answer against two roots the verifier already trusts."""
    try:
        first, second = proof["first"], proof["second"]
        path = [_hex32(p) for p in _list(proof["proof"], "proof")]
    except (KeyError, TypeError, InvalidInput) as exc:
        raise VerificationFailed("malformed consistency proof", "verify.bad_bundle") from exc
    if not verify_consistency(first, second, path, bytes.fromhex(first_root), bytes.fromhex(second_root)):
        raise VerificationFailed(f"log of size {second} does not extend log of size {first}", "verify.inconsistent")


def _list(value: Any, name: str) -> list[Any]:
    if not isinstance(value, list):
        raise InvalidInput(f"{name} must be a list", "verify.bad_bundle")
    return value


def _hex32(value: Any) -> bytes:
    if not isinstance(value, str) or not HEX32.fullmatch(value):
        raise InvalidInput("path entries are 64 lower-case hex digits", "verify.bad_bundle")
    return bytes.fromhex(value)
