"""verify_bundle on bundles built here: quorum, check order, and any changed byte refused."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metrobloc.codec import canonical_json, parse_json
from metrobloc.crypto import PrivateKey
from metrobloc.errors import MetroblocError, VerificationFailed
from metrobloc.ledger import Event, Genesis, Header, Receipt, attest, quorum, tx_root, verify_bundle
from metrobloc.ledger.bundles import check_attestations, verify_log_consistency
from metrobloc.merkle import MemoryLog, consistency_proof, inclusion_proof, subtree_hash

NODES = [PrivateKey(bytes([0x31 + i]) * 32) for i in range(4)]
ADMIN = PrivateKey(bytes([0x01]) * 32)
CHAIN = "metrobloc-test"


def make_genesis(nodes: list[PrivateKey]) -> Genesis:
    return Genesis.from_json(
        {
            "chain_id": CHAIN,
            "genesis_time_ms": 0,
            "organizations": [{"name": f"org {i}", "node_key": k.public_key.to_b64()} for i, k in enumerate(nodes)],
            "admin": {"address": ADMIN.address, "public_key": ADMIN.public_key.to_b64()},
        }
    )


def make_chain() -> tuple[Genesis, list[Receipt], MemoryLog, Header]:
    genesis = make_genesis(NODES)
    receipts = [
        Receipt(f"{i:064x}", 1, i, "ok", None, (Event("assets/transfer", {"amount": str(i), "to": ADMIN.address}),))
        for i in range(6)
    ]
    log = MemoryLog()
    log.append([r.leaf_hash() for r in receipts])
    header = Header(
        CHAIN, 1, 1000, genesis.hash, tx_root([r.tx_hash for r in receipts]), 6, 6, log.root().hex(), "44" * 32
    )
    return genesis, receipts, log, header


GENESIS, RECEIPTS, LOG, HEADER = make_chain()


def bundle(index: int = 3, signers: list[int] | None = None) -> dict[str, Any]:
    signers = [0, 1, 2] if signers is None else signers
    return {
        "receipt": RECEIPTS[index].to_json(),
        "leaf_index": index,
        "inclusion_path": [p.hex() for p in inclusion_proof(LOG, index, HEADER.log_size)],
        "header": HEADER.to_json(),
        "attestations": [attest(HEADER, NODES[i]).to_json() for i in signers],
    }


def code_of(obj: Any, genesis: Genesis = GENESIS) -> str:
    with pytest.raises(VerificationFailed) as refused:
        verify_bundle(obj, genesis)
    return refused.value.code


def test_every_receipt_verifies() -> None:
    for index in range(len(RECEIPTS)):
        result = verify_bundle(bundle(index), GENESIS)
        assert result.receipt == RECEIPTS[index]
        assert result.attesters == ("org 0", "org 1", "org 2")


@pytest.mark.parametrize(
    ("nodes", "needed"), [(1, 1), (2, 2), (3, 2), (4, 3), (5, 4), (6, 4), (7, 5), (10, 7), (100, 67)]
)
def test_quorum_is_two_thirds_rounded_up(nodes: int, needed: int) -> None:
    assert quorum(nodes) == needed


@pytest.mark.parametrize("count", range(1, 6))
def test_attestations_needed(count: int) -> None:
    nodes = [PrivateKey(bytes([0x50 + i]) * 32) for i in range(count)]
    genesis = make_genesis(nodes)
    attestations = [attest(HEADER, k) for k in nodes]
    need = quorum(count)
    assert len(check_attestations(HEADER, attestations[:need], genesis)) == need
    if need > 1:
        with pytest.raises(VerificationFailed) as refused:
            check_attestations(HEADER, attestations[: need - 1], genesis)
        assert refused.value.code == "verify.no_quorum"
        with pytest.raises(VerificationFailed):
            check_attestations(HEADER, [attestations[0]] * need, genesis)


def test_checks_run_in_the_documented_order() -> None:
    """chain -> attestations -> receipt height -> inclusion (docs/spec/log-and-proofs.md)."""
    b = bundle()
    b["header"]["chain_id"] = "other-chain"
    b["inclusion_path"] = []
    assert code_of(b) == "verify.wrong_chain"
    b = bundle(signers=[0])
    b["receipt"]["height"] = 9
    assert code_of(b) == "verify.no_quorum"
    b = bundle()
    b["receipt"]["height"] = 9
    b["inclusion_path"] = []
    assert code_of(b) == "verify.receipt_after_header"


def test_a_bad_attestation_fails_even_above_quorum() -> None:
    b = bundle(signers=[0, 1, 2, 3])
    b["attestations"][3]["signature"] = b["attestations"][0]["signature"]
    assert code_of(b) == "verify.bad_attestation"


def test_another_genesis_is_refused() -> None:
    other = make_genesis([PrivateKey(bytes([0x70]) * 32)])
    assert code_of(bundle(), other) == "verify.unknown_attester"


def test_against_a_later_header() -> None:
    """A receipt proven against a later header, as ``GET /v1/txs/{hash}/proof?at=H`` returns."""
    genesis, receipts, _, _ = make_chain()
    log = MemoryLog()
    log.append([r.leaf_hash() for r in receipts])
    later = Receipt("ff" * 32, 2, 0, "failed", {"code": "tx.expired", "message": "expired"}, ())
    log.append([later.leaf_hash()])
    header2 = Header(CHAIN, 2, 2000, HEADER.block_hash, tx_root([later.tx_hash]), 1, 7, log.root().hex(), "55" * 32)
    b = {
        "receipt": receipts[2].to_json(),
        "leaf_index": 2,
        "inclusion_path": [p.hex() for p in inclusion_proof(log, 2, 7)],
        "header": header2.to_json(),
        "attestations": [attest(header2, k).to_json() for k in NODES[:3]],
    }
    assert verify_bundle(b, genesis).header == header2
    proof = {
        "first": 6,
        "second": 7,
        "first_root": HEADER.log_root,
        "second_root": header2.log_root,
        "proof": [p.hex() for p in consistency_proof(log, 6, 7)],
    }
    assert subtree_hash(log, 0, 6).hex() == HEADER.log_root
    verify_log_consistency(proof, HEADER.log_root, header2.log_root)
    with pytest.raises(VerificationFailed) as refused:
        verify_log_consistency({**proof, "proof": proof["proof"][:-1]}, HEADER.log_root, header2.log_root)
    assert refused.value.code == "verify.inconsistent"
    with pytest.raises(VerificationFailed) as refused:
        verify_log_consistency({"first": 6}, HEADER.log_root, header2.log_root)
    assert refused.value.code == "verify.bad_bundle"


def test_every_single_byte_change_is_refused() -> None:
    """Issue 2, must-hold 4, offline: flip each byte of the canonical bundle in turn."""
    text = canonical_json(bundle())
    verify_bundle(parse_json(text), GENESIS)
    accepted = []
    for at in range(len(text)):
        forged = bytearray(text)
        forged[at] ^= 0x01
        try:
            verify_bundle(parse_json(bytes(forged)), GENESIS)
        except MetroblocError:
            continue
        accepted.append(at)
    assert accepted == []


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_random_byte_changes_are_refused(data: st.DataObject) -> None:
    text = canonical_json(bundle(data.draw(st.integers(0, len(RECEIPTS) - 1), label="index")))
    at = data.draw(st.integers(0, len(text) - 1), label="at")
    mask = data.draw(st.integers(1, 255), label="mask")
    forged = bytearray(text)
    forged[at] ^= mask
    with pytest.raises(MetroblocError):
        verify_bundle(parse_json(bytes(forged)), GENESIS)


@pytest.mark.parametrize(("committed", "forged"), [("3", 3), ("True", True), ("None", None)])
def test_receipt_json_is_not_malleable(committed: str, forged: Any) -> None:
    receipt = Receipt("cd" * 32, 1, 0, "ok", None, (Event("assets/mint", {"amount": committed}),))
    log = MemoryLog()
    log.append([receipt.leaf_hash()])
    header = Header(CHAIN, 1, 1000, GENESIS.hash, tx_root([receipt.tx_hash]), 1, 1, log.root().hex(), "44" * 32)
    b = {
        "receipt": receipt.to_json(),
        "leaf_index": 0,
        "inclusion_path": [],
        "header": header.to_json(),
        "attestations": [attest(header, k).to_json() for k in NODES[:3]],
    }
    verify_bundle(b, GENESIS)
    b["receipt"]["events"][0]["attributes"]["amount"] = forged
    with pytest.raises(VerificationFailed):
        verify_bundle(b, GENESIS)
