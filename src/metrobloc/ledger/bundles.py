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
from metrobloc.ledger.consortium import CHANGE_EVENTS, CONSORTIUM_COUNT_KEY, KeyHistory, KeySet, SetChange
from metrobloc.ledger.genesis import Genesis
from metrobloc.ledger.receipts import HEX32, Receipt
from metrobloc.merkle import root_from_inclusion, verify_consistency
from metrobloc.merkle.smt import BadStateProof, parse_state_proof, verify_state_proof

BUNDLE_FIELDS = {"receipt", "leaf_index", "inclusion_path", "header", "attestations"}
STATE_BUNDLE_FIELDS = {"key", "value", "proof", "header", "attestations"}
READ_FIELDS = {"key", "value", "proof"}
PROOFS_FIELDS = {"header", "attestations", "reads"}
CONSORTIUM_FIELD = "consortium"
"""The optional member of every bundle above that proves the key set's history (§3.1 of the design)."""
SET_SECTION_FIELDS = {"changes", "count"}
COUNT_FIELDS = {"header", "attestations", "key", "value", "proof"}

SET_PROOF_REQUIRED = True
"""Whether a bundle with a v2 header and no ``consortium`` member fails (``verify.no_set_proof``).

True since nodes serve the member in every bundle and proven answer (design §3.2): accepting a
bundle without it against the genesis set would let a stripped bundle count a removed genesis key.
A v1 header without the member keeps the genesis set (no change can precede it on a v1 chain).
"""


@dataclass(frozen=True)
class VerifiedReceipt:
    """What a valid bundle establishes."""

    receipt: Receipt
    """The receipt, now known to be in the chain's log."""
    header: Header
    """The header whose log contains it."""
    attesters: tuple[str, ...]
    """Names of the organizations whose node keys attested the header."""
    keys: KeySet
    """The node keys in force at the header's height, which certified it."""
    set_changes: int
    """Set changes followed from genesis (the proven ``consortium/count``)."""


def verify_bundle(bundle: Any, genesis: Genesis) -> VerifiedReceipt:
    """Check a proof bundle against a trusted genesis; raise ``VerificationFailed`` with the reason."""
    if not _has_fields(bundle, BUNDLE_FIELDS):
        raise VerificationFailed(
            f"a proof bundle has exactly the fields {sorted(BUNDLE_FIELDS)} (and optionally {CONSORTIUM_FIELD!r})",
            "verify.bad_bundle",
        )
    receipt, header, attestations, index, path = _parse_receipt_bundle(bundle)
    history = _set_history(bundle, genesis, header)
    _check_chain(header, genesis)
    attesters = check_attestations(header, attestations, history)
    if receipt.height > header.height:
        raise VerificationFailed("receipt is from a block after the header", "verify.receipt_after_header")
    _check_inclusion(receipt, index, path, header)
    return VerifiedReceipt(receipt, header, attesters, history.at(header.height), history.count)


@dataclass(frozen=True)
class VerifiedState:
    """What a valid state bundle, or a proven query answer, establishes."""

    values: dict[str, str | None]
    """Each proven key's value (None: the key holds nothing), as of ``header``."""
    header: Header
    """The v2 header whose ``state_root`` the proofs lead to."""
    attesters: tuple[str, ...]
    """Names of the organizations whose node keys attested the header."""
    keys: KeySet
    """The node keys in force at the header's height, which certified it."""
    set_changes: int
    """Set changes followed from genesis (the proven ``consortium/count``)."""


def verify_state_bundle(bundle: Any, genesis: Genesis) -> VerifiedState:
    """Check a state bundle (``GET /v1/state/proof``) against a trusted genesis (docs/spec/state-proofs.md §4)."""
    if not _has_fields(bundle, STATE_BUNDLE_FIELDS):
        raise VerificationFailed(
            f"a state bundle has exactly the fields {sorted(STATE_BUNDLE_FIELDS)}"
            f" (and optionally {CONSORTIUM_FIELD!r})",
            "verify.bad_bundle",
        )
    read = {name: bundle[name] for name in READ_FIELDS}
    proofs = {"header": bundle["header"], "attestations": bundle["attestations"], "reads": [read]}
    if CONSORTIUM_FIELD in bundle:
        proofs[CONSORTIUM_FIELD] = bundle[CONSORTIUM_FIELD]
    return verify_reads(proofs, genesis)


def verify_reads(proofs: Any, genesis: Genesis) -> VerifiedState:
    """Check the ``proofs`` member of a proven query answer (``?prove=true``) against a trusted genesis."""
    if not _has_fields(proofs, PROOFS_FIELDS):
        raise VerificationFailed(
            f"proofs has exactly the fields {sorted(PROOFS_FIELDS)} (and optionally {CONSORTIUM_FIELD!r})",
            "verify.bad_bundle",
        )
    header = _header(proofs["header"])
    history = _set_history(proofs, genesis, header)
    _check_state_header(header, genesis)
    attesters = check_attestations(header, _attestations(proofs["attestations"]), history)
    values: dict[str, str | None] = {}
    for read in _list_checked(proofs["reads"], "reads"):
        key, value = _read(read)
        _check_read(header, key, value, read["proof"])
        values[key] = value
    return VerifiedState(values, header, attesters, history.at(header.height), history.count)


def verify_set_changes(section: Any, genesis: Genesis, header: Header) -> KeyHistory:
    """Follow the ``consortium`` member of a bundle whose header is ``header`` from ``genesis`` alone.

    Each change's receipt must be proven under the header of its own block, certified by the set
    in force before the change; the proven ``consortium/count`` under a certified header at or
    after ``header`` shows that no change is missing. ``section`` None stands for a bundle without
    the member. Codes in docs/spec/log-and-proofs.md §5.2.
    """
    if section is None:
        if header.state_root is not None:
            raise VerificationFailed(
                "fetch the bundle again from a node: bundles now carry the consortium's set history",
                "verify.no_set_proof",
            )
        return KeyHistory.from_genesis(genesis)
    if not isinstance(section, dict) or set(section) != SET_SECTION_FIELDS:
        raise VerificationFailed(f"consortium has exactly the fields {sorted(SET_SECTION_FIELDS)}", "verify.bad_bundle")
    history, last_height = KeyHistory.from_genesis(genesis), 0
    for entry in _list_checked(section["changes"], "consortium.changes"):
        history, last_height = _follow_change(entry, genesis, history, last_height)
    count = section["count"]
    if count is None:
        if header.state_root is not None or history.count:
            raise VerificationFailed(
                "the set history has no count proof (only a v1 header with no change may omit it)",
                "verify.no_set_proof",
            )
        return history
    _check_count(count, genesis, header, history)
    return history


def _follow_change(entry: Any, genesis: Genesis, history: KeyHistory, last_height: int) -> tuple[KeyHistory, int]:
    """One entry of ``consortium.changes``: a tx's receipt under the header of its own block."""
    if not isinstance(entry, dict) or set(entry) != BUNDLE_FIELDS:
        raise VerificationFailed(
            f"a set change entry has exactly the fields {sorted(BUNDLE_FIELDS)}", "verify.bad_bundle"
        )
    receipt, header, attestations, index, path = _parse_receipt_bundle(entry)
    _check_chain(header, genesis)
    if receipt.height != header.height or header.height < last_height:
        raise VerificationFailed(
            f"a set change's receipt (block {receipt.height}) must come under its own block's header "
            f"(got {header.height}), in block order",
            "verify.bad_set_change",
        )
    if receipt.status != "ok":
        raise VerificationFailed("a set change's receipt is a failed tx", "verify.bad_set_change")
    check_attestations(header, attestations, history)
    _check_inclusion(receipt, index, path, header)
    events = [e for e in receipt.events if e.type in CHANGE_EVENTS]
    if not events:
        raise VerificationFailed("a set change entry's receipt has no set change event", "verify.bad_set_change")
    for event in events:
        try:
            change = SetChange.from_event(event, receipt.height)
        except InvalidInput as exc:
            raise VerificationFailed(exc.message, "verify.bad_set_change") from exc
        history = history.apply(change)
    return history, header.height


def _check_count(count: Any, genesis: Genesis, header: Header, history: KeyHistory) -> None:
    """The completeness proof: ``consortium/count`` equals the changes followed, under a header >= ``header``."""
    if not isinstance(count, dict) or set(count) != COUNT_FIELDS or count["key"] != CONSORTIUM_COUNT_KEY:
        raise VerificationFailed(
            f"consortium.count has exactly the fields {sorted(COUNT_FIELDS)}, key {CONSORTIUM_COUNT_KEY!r}",
            "verify.bad_bundle",
        )
    value = count["value"]
    if not (value is None or isinstance(value, str)):
        raise VerificationFailed("consortium.count's value is text or null", "verify.bad_bundle")
    top = _header(count["header"])
    _check_state_header(top, genesis)
    if top.height < header.height:
        raise VerificationFailed(
            f"the count is proven at height {top.height}, before the bundle's header {header.height}",
            "verify.set_proof_too_old",
        )
    check_attestations(top, _attestations(count["attestations"]), history)
    _check_read(top, CONSORTIUM_COUNT_KEY, value, count["proof"])
    expected = None if history.count == 0 else str(history.count)
    if value != expected:
        raise VerificationFailed(
            f"the chain had {value or 0} set change(s) at height {top.height}; the bundle proves {history.count}",
            "verify.set_incomplete",
        )


def _set_history(obj: dict[str, Any], genesis: Genesis, header: Header) -> KeyHistory:
    if CONSORTIUM_FIELD in obj:
        return verify_set_changes(obj[CONSORTIUM_FIELD], genesis, header)
    if SET_PROOF_REQUIRED:
        return verify_set_changes(None, genesis, header)
    return KeyHistory.from_genesis(genesis)


def _has_fields(obj: Any, fields: set[str]) -> bool:
    return isinstance(obj, dict) and fields <= set(obj) <= fields | {CONSORTIUM_FIELD}


def _parse_receipt_bundle(bundle: dict[str, Any]) -> tuple[Receipt, Header, list[Attestation], int, list[bytes]]:
    try:
        receipt = Receipt.from_json(bundle["receipt"])
        header = Header.from_json(bundle["header"])
        attestations = [Attestation.from_json(a) for a in _list(bundle["attestations"], "attestations")]
        path = [_hex32(p) for p in _list(bundle["inclusion_path"], "inclusion_path")]
    except InvalidInput as exc:
        raise VerificationFailed(exc.message, "verify.bad_bundle") from exc
    index = bundle["leaf_index"]
    if type(index) is not int:
        raise VerificationFailed("leaf_index must be an integer", "verify.bad_bundle")
    return receipt, header, attestations, index, path


def _check_inclusion(receipt: Receipt, index: int, path: list[bytes], header: Header) -> None:
    root = root_from_inclusion(receipt.leaf_hash(), index, header.log_size, path)
    if root is None or root.hex() != header.log_root:
        raise VerificationFailed("inclusion path does not lead to the header's log root", "verify.bad_inclusion")


def _check_chain(header: Header, genesis: Genesis) -> None:
    if header.chain_id != genesis.chain_id:
        raise VerificationFailed(
            f"header is for chain {header.chain_id!r}, genesis is {genesis.chain_id!r}", "verify.wrong_chain"
        )


def _header(obj: Any) -> Header:
    try:
        return Header.from_json(obj)
    except InvalidInput as exc:
        raise VerificationFailed(exc.message, "verify.bad_bundle") from exc


def _check_state_header(header: Header, genesis: Genesis) -> None:
    if header.state_root is None:
        raise VerificationFailed(
            f"header {header.height} is a v1 header: it has no state_root to prove state against",
            "verify.no_state_root",
        )
    _check_chain(header, genesis)


def _check_read(header: Header, key: str, value: str | None, proof_obj: Any) -> None:
    assert header.state_root is not None
    try:
        proof = parse_state_proof(proof_obj)
        verify_state_proof(
            bytes.fromhex(header.state_root), key.encode(), None if value is None else value.encode(), proof
        )
    except BadStateProof as exc:
        raise VerificationFailed(f"state proof for {key!r}: {exc}", exc.code) from exc


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


def check_attestations(header: Header, attestations: list[Attestation], keys: KeyHistory | Genesis) -> tuple[str, ...]:
    """Names of the members in force at ``header.height`` that validly attested it; fails below quorum.

    A ``Genesis`` stands for its set with no change. A key once in force but not at this height is
    ``verify.key_not_in_force``; a key never in force is ``verify.unknown_attester``. Any bad
    attestation fails the whole check; a key attesting twice counts once.
    """
    history = keys if isinstance(keys, KeyHistory) else KeyHistory.from_genesis(keys)
    in_force = history.at(header.height)
    signed: dict[bytes, str] = {}
    for att in attestations:
        name = in_force.name_of(att.public_key)
        if name is None:
            if history.ever(att.public_key):
                raise VerificationFailed(
                    f"an attestation is by {history.name_of(att.public_key)!r}'s key, not in force at height "
                    f"{header.height}",
                    "verify.key_not_in_force",
                )
            raise VerificationFailed("an attestation is by a key never in the consortium", "verify.unknown_attester")
        if not att.verifies(header):
            raise VerificationFailed("an attestation signature does not verify", "verify.bad_attestation")
        signed[att.public_key] = name
    need = in_force.quorum
    if len(signed) < need:
        raise VerificationFailed(
            f"header has {len(signed)} valid attestation(s) of {len(in_force.members)} node keys in force at height "
            f"{header.height}; {need} needed",
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
