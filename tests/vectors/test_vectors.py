"""MetroBloc's own code against the language-neutral vectors that generate.py made with reference code."""

from __future__ import annotations

import importlib.util
import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from tests import smt_reference

from metrobloc.codec import b64url_decode, b64url_encode, canonical_json, decode_address, parse_json
from metrobloc.crypto import PrivateKey, PublicKey, address_of, verify_signature
from metrobloc.errors import MetroblocError, VerificationFailed
from metrobloc.ledger import (
    Attestation,
    Genesis,
    Header,
    Receipt,
    add_signature,
    attest,
    parse_tx,
    rotation_statement,
    sign_body,
    tx_root,
)
from metrobloc.ledger.bundles import verify_bundle, verify_log_consistency, verify_state_bundle
from metrobloc.merkle import (
    EMPTY_ROOT,
    MemoryLog,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root_of,
    verify_consistency,
    verify_inclusion,
)
from metrobloc.merkle.smt import BadStateProof, SparseMerkleTree, parse_state_proof, verify_state_proof

HERE = Path(__file__).parent


@cache
def vectors(name: str) -> Any:
    return json.loads((HERE / name).read_text(encoding="utf-8"))


def test_committed_vectors_are_what_generate_py_writes() -> None:
    spec = importlib.util.spec_from_file_location("metrobloc_vector_generator", HERE / "generate.py")
    assert spec is not None and spec.loader is not None
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    assert generator.main(["--check"]) == 0, "run `python tests/vectors/generate.py` and commit the result"


# -- keys.json ----------------------------------------------------------------------------------
@pytest.mark.parametrize("entry", vectors("keys.json")["keys"], ids=lambda e: e["name"])
def test_keys(entry: dict[str, Any]) -> None:
    key = PrivateKey(bytes.fromhex(entry["seed_hex"]))
    assert key.to_b64() == entry["private_key"]
    assert PrivateKey.from_b64(entry["private_key"]).seed == key.seed
    assert key.public_key.raw.hex() == entry["public_key_hex"]
    assert key.public_key.to_b64() == entry["public_key"]
    assert PublicKey.from_b64(entry["public_key"]).raw == key.public_key.raw
    assert key.address == entry["address"] == address_of(key.public_key.raw)
    assert decode_address(entry["address"]).hex() == entry["address_bytes_hex"]
    message, signature = bytes.fromhex(entry["message_hex"]), bytes.fromhex(entry["signature_hex"])
    assert key.sign(message) == signature
    assert verify_signature(key.public_key.raw, message, signature)


# -- canonical_json.json ------------------------------------------------------------------------
@pytest.mark.parametrize("case", vectors("canonical_json.json")["cases"], ids=lambda c: c["name"])
def test_canonical_json(case: dict[str, Any]) -> None:
    out = canonical_json(parse_json(case["input"]))
    assert out.hex() == case["output_hex"]
    assert out.decode("utf-8") == case["output"]
    assert canonical_json(parse_json(out)) == out, "canonical form is a fixed point"


@pytest.mark.parametrize("case", vectors("canonical_json.json")["refused"], ids=lambda c: c["name"])
def test_canonical_json_refused(case: dict[str, Any]) -> None:
    with pytest.raises(MetroblocError) as refused:
        parse_json(case["input"].encode("utf-8"))
    assert refused.value.code == case["error"]


# -- tx.json ------------------------------------------------------------------------------------
def test_signed_tx() -> None:
    v = vectors("tx.json")
    tx = parse_tx(v["tx"])
    assert tx.body_bytes.decode("utf-8") == v["body_jcs"]
    assert tx.sign_bytes.hex() == v["sign_bytes_hex"]
    assert tx.hash == v["tx_hash"]
    assert [s.to_json() for s in tx.signatures] == v["signatures"]
    tx.verify_signatures()
    keys = [PrivateKey(bytes.fromhex(s)) for s in v["signer_seeds_hex"]]
    assert [k.address for k in keys] == tx.signers
    assert sign_body(v["body"], keys).to_json() == v["tx"], "our signer reproduces the reference signatures"


def test_co_signing_fills_the_zero_placeholder() -> None:
    v = vectors("tx.json")
    partly = parse_tx(v["partially_signed"]["tx"])
    assert partly.hash == v["tx_hash"], "signatures are not part of the hash"
    with pytest.raises(MetroblocError) as refused:
        partly.verify_signatures()
    assert refused.value.code == "tx.bad_signature"
    cosigner = PrivateKey(bytes.fromhex(v["signer_seeds_hex"][1]))
    assert add_signature(partly, cosigner).to_json() == v["tx"]


def test_memo_is_optional_and_signed() -> None:
    v = vectors("tx.json")["memo_optional"]
    without = v["without_memo"]
    assert "memo" not in without["body"]
    assert canonical_json(without["body"]).decode() == without["body_jcs"]
    key = PrivateKey(bytes([1]) * 32)
    assert sign_body(without["body"], [key]).hash == without["tx_hash"]
    assert sign_body(v["with_empty_memo"]["body"], [key]).hash == v["with_empty_memo"]["tx_hash"]
    assert without["tx_hash"] != v["with_empty_memo"]["tx_hash"]


def test_rotation_statement() -> None:
    v = vectors("tx.json")
    r = v["rotate_key"]
    new_key = PrivateKey(bytes.fromhex(r["new_key_seed_hex"]))
    alice = v["body"]["signers"][0]
    statement = rotation_statement(v["body"]["chain_id"], alice, new_key.public_key.raw)
    assert statement.hex() == r["statement_hex"]
    assert r["msg"]["public_key"] == new_key.public_key.to_b64()
    signature = b64url_decode(r["msg"]["new_key_signature"])
    assert new_key.sign(statement) == signature
    assert verify_signature(new_key.public_key.raw, statement, signature)


# -- header.json --------------------------------------------------------------------------------
def test_genesis_hash() -> None:
    v = vectors("header.json")
    assert Genesis.from_json(v["genesis"]).hash == v["genesis_hash"]
    assert v["blocks"][0]["header"]["prev_hash"] == v["genesis_hash"]


@pytest.mark.parametrize("block", vectors("header.json")["blocks"], ids=lambda b: f"height {b['header']['height']}")
def test_header(block: dict[str, Any]) -> None:
    v = vectors("header.json")
    header = Header.from_json(block["header"])
    assert header.to_json() == block["header"]
    assert tx_root(block["tx_hashes"]) == header.tx_root
    assert canonical_json(header.to_json()).decode() == block["header_jcs"]
    assert header.signed_bytes().hex() == block["signed_bytes_hex"]
    assert header.block_hash == block["block_hash"]
    node_key = PrivateKey(bytes.fromhex(v["node_key_seed_hex"]))
    attestation = attest(header, node_key)
    assert attestation.to_json() == block["attestation"]
    assert Attestation.from_json(block["attestation"]).verifies(header)


@pytest.mark.parametrize(
    "block", vectors("header.json")["v2"]["blocks"], ids=lambda b: f"v2 height {b['header']['height']}"
)
def test_header_v2(block: dict[str, Any]) -> None:
    test_header(block)
    header = Header.from_json(block["header"])
    assert header.state_root == block["header"]["state_root"]
    assert header.signed_bytes().startswith(b"metrobloc/header/v2\x00")
    v1_form = Header.from_json({k: v for k, v in block["header"].items() if k != "state_root"})
    assert not Attestation.from_json(block["attestation"]).verifies(v1_form), "the v2 tag and state_root are signed"


def test_headers_chain_by_prev_hash() -> None:
    v = vectors("header.json")
    blocks = [*v["blocks"], *v["v2"]["blocks"]]
    assert v["v2"]["state_root_from"] == v["v2"]["blocks"][0]["header"]["height"] == len(v["blocks"]) + 1
    for before, after in zip(blocks, blocks[1:], strict=False):
        assert after["header"]["prev_hash"] == Header.from_json(before["header"]).block_hash


def test_empty_tx_root() -> None:
    assert tx_root([]) == vectors("header.json")["empty_tx_root"] == EMPTY_ROOT.hex()


# -- merkle.json --------------------------------------------------------------------------------
@cache
def merkle_log() -> tuple[list[bytes], MemoryLog]:
    v = vectors("merkle.json")
    hashes = [leaf_hash(bytes.fromhex(leaf)) for leaf in v["leaves"]]
    log = MemoryLog()
    log.append(hashes)
    return hashes, log


def test_merkle_leaf_hashes_and_roots() -> None:
    v = vectors("merkle.json")
    hashes, _ = merkle_log()
    assert [h.hex() for h in hashes] == v["leaf_hashes"]
    grown = MemoryLog()
    for size, root in enumerate(v["roots"]):
        assert root_of(hashes[:size]).hex() == root
        assert grown.root().hex() == root
        if size < len(hashes):
            grown.append([hashes[size]])


@pytest.mark.parametrize("case", vectors("merkle.json")["inclusion"], ids=lambda c: f"{c['index']}of{c['size']}")
def test_merkle_inclusion(case: dict[str, Any]) -> None:
    hashes, log = merkle_log()
    index, size = case["index"], case["size"]
    path = [bytes.fromhex(h) for h in case["path"]]
    assert inclusion_proof(log, index, size) == path
    root = bytes.fromhex(vectors("merkle.json")["roots"][size])
    assert verify_inclusion(hashes[index], index, size, path, root)


@pytest.mark.parametrize("case", vectors("merkle.json")["consistency"], ids=lambda c: f"{c['first']}to{c['second']}")
def test_merkle_consistency(case: dict[str, Any]) -> None:
    _, log = merkle_log()
    first, second = case["first"], case["second"]
    proof = [bytes.fromhex(h) for h in case["proof"]]
    assert consistency_proof(log, first, second) == proof
    roots = vectors("merkle.json")["roots"]
    assert verify_consistency(first, second, proof, bytes.fromhex(roots[first]), bytes.fromhex(roots[second]))


# -- proof_bundle.json --------------------------------------------------------------------------
def bundle_genesis() -> Genesis:
    v = vectors("proof_bundle.json")
    genesis = Genesis.from_json(v["genesis"])
    assert genesis.hash == v["genesis_hash"]
    return genesis


def test_valid_bundles_verify() -> None:
    v = vectors("proof_bundle.json")
    genesis = bundle_genesis()
    for bundle in [v["bundle"], *v["also_valid"]]:
        result = verify_bundle(bundle, genesis)
        assert result.receipt == Receipt.from_json(bundle["receipt"])
        assert result.receipt.to_json() == bundle["receipt"]
        assert result.header.to_json() == bundle["header"]
        assert len(result.attesters) >= 3


@pytest.mark.parametrize("case", vectors("proof_bundle.json")["tampered"], ids=lambda c: c["name"])
def test_tampered_bundles_fail(case: dict[str, Any]) -> None:
    with pytest.raises(VerificationFailed) as refused:
        verify_bundle(case["bundle"], bundle_genesis())
    assert refused.value.code == case["error"]


@pytest.mark.parametrize("bundle", vectors("proof_bundle.json")["v2"]["valid"], ids=lambda b: str(b["leaf_index"]))
def test_bundles_with_v2_headers_verify(bundle: dict[str, Any]) -> None:
    result = verify_bundle(bundle, bundle_genesis())
    assert result.header.to_json() == bundle["header"]
    assert result.header.state_root == bundle["header"]["state_root"]
    assert result.receipt.to_json() == bundle["receipt"]


@pytest.mark.parametrize("case", vectors("proof_bundle.json")["v2"]["tampered"], ids=lambda c: c["name"])
def test_tampered_bundles_with_v2_headers_fail(case: dict[str, Any]) -> None:
    with pytest.raises(VerificationFailed) as refused:
        verify_bundle(case["bundle"], bundle_genesis())
    assert refused.value.code == case["error"]


@pytest.mark.parametrize(
    "bundle", vectors("proof_bundle.json")["consortium"]["valid"], ids=lambda b: f"at {b['header']['height']}"
)
def test_bundles_following_set_changes_verify(bundle: dict[str, Any]) -> None:
    v = vectors("proof_bundle.json")["consortium"]
    result = verify_bundle(bundle, bundle_genesis())
    assert result.set_changes == 3
    assert [b64url_encode(m.node_key) for m in result.keys.members] == v["keys_in_force"]
    assert result.keys.quorum == 3 and len(result.attesters) >= 3


@pytest.mark.parametrize("case", vectors("proof_bundle.json")["consortium"]["tampered"], ids=lambda c: c["name"])
def test_tampered_set_histories_fail(case: dict[str, Any]) -> None:
    with pytest.raises(VerificationFailed) as refused:
        verify_bundle(case["bundle"], bundle_genesis())
    assert refused.value.code == case["error"]


def test_state_bundles_following_set_changes() -> None:
    v = vectors("proof_bundle.json")["consortium"]["state_bundles"]
    for bundle in v["valid"]:
        result = verify_state_bundle(bundle, bundle_genesis())
        assert result.values == {bundle["key"]: bundle["value"]} and result.set_changes == 3
    for case in v["tampered"]:
        with pytest.raises(VerificationFailed) as refused:
            verify_state_bundle(case["bundle"], bundle_genesis())
        assert refused.value.code == case["error"], case["name"]


def test_log_consistency_between_headers() -> None:
    c = vectors("proof_bundle.json")["consistency"]
    verify_log_consistency(c, c["first_root"], c["second_root"])
    with pytest.raises(VerificationFailed) as refused:
        verify_log_consistency(c, c["second_root"], c["second_root"])
    assert refused.value.code == "verify.inconsistent"


# -- state_proof.json ---------------------------------------------------------------------------
STATE_CASES = vectors("state_proof.json")["valid"]
STATE_TAMPERED = vectors("state_proof.json")["tampered"]


def _claim(case: dict[str, Any]) -> tuple[bytes, bytes, bytes | None]:
    value = case["value"]
    return bytes.fromhex(case["root"]), case["key"].encode(), None if value is None else value.encode()


def metrobloc_outcome(case: dict[str, Any]) -> str | None:
    """None when ``metrobloc.merkle.smt`` accepts the case's proof, else its code."""
    root, key, value = _claim(case)
    try:
        verify_state_proof(root, key, value, parse_state_proof(case["proof"]))
    except BadStateProof as refused:
        return refused.code
    return None


@cache
def state_tree(name: str) -> SparseMerkleTree:
    state = vectors("state_proof.json")["states"][name]["key_values"]
    tree = SparseMerkleTree()
    tree.update({k.encode(): v.encode() for k, v in state.items()})
    return tree


@pytest.mark.parametrize("name", ["main", "one_key", "empty"])
def test_state_roots(name: str) -> None:
    state = vectors("state_proof.json")["states"][name]
    raw = {k.encode(): v.encode() for k, v in state["key_values"].items()}
    assert state_tree(name).root().hex() == state["root"]
    assert smt_reference.root(raw).hex() == state["root"]
    assert len(state_tree(name)) == len(raw)
    for entry in state.get("hashes", []):
        kh, vh = smt_reference.key_hash(entry["key"].encode()), smt_reference.value_hash(raw[entry["key"].encode()])
        assert (kh.hex(), vh.hex(), smt_reference.leaf(kh, vh).hex()) == (
            entry["key_hash"],
            entry["value_hash"],
            entry["leaf_hash"],
        )


def test_state_cases_cover_every_kind() -> None:
    v = vectors("state_proof.json")
    ends = [c["ends"] for c in STATE_CASES if c["state"] == "main"]
    assert ends.count("member") == len(v["states"]["main"]["key_values"])
    assert ends.count("empty") >= 3 and ends.count("other_leaf") >= 3
    assert v["states"]["main"]["root"] == vectors("header.json")["v2"]["blocks"][0]["header"]["state_root"]


@pytest.mark.parametrize("case", STATE_CASES, ids=lambda c: c["name"])
def test_state_proofs_verify(case: dict[str, Any]) -> None:
    assert metrobloc_outcome(case) is None
    assert smt_reference.outcome(*_claim(case), case["proof"]) is None
    tree = state_tree(case["state"])
    assert tree.root().hex() == case["root"]
    assert tree.prove(case["key"].encode()).to_json() == case["proof"], "the tree builds exactly this proof"
    assert parse_state_proof(case["proof"]).to_json() == case["proof"]
    value = None if case["value"] is None else smt_reference.value_hash(case["value"].encode())
    assert tree.get_hash(case["key"].encode()) == value


@pytest.mark.parametrize("case", STATE_TAMPERED, ids=lambda c: c["name"])
def test_tampered_state_proofs_fail(case: dict[str, Any]) -> None:
    assert metrobloc_outcome(case) == case["error"]
    assert smt_reference.outcome(*_claim(case), case["proof"]) == case["error"]


@pytest.mark.parametrize(
    "bundle", vectors("state_proof.json")["bundles"]["valid"], ids=lambda b: f"{b['key']} ({len(b['attestations'])})"
)
def test_state_bundles_verify(bundle: dict[str, Any]) -> None:
    v = vectors("state_proof.json")["bundles"]
    genesis = Genesis.from_json(v["genesis"])
    assert genesis.hash == v["genesis_hash"] == vectors("proof_bundle.json")["genesis_hash"]
    result = verify_state_bundle(bundle, genesis)
    assert result.values == {bundle["key"]: bundle["value"]}
    assert result.header.to_json() == bundle["header"]
    assert len(result.attesters) >= 3


@pytest.mark.parametrize("case", vectors("state_proof.json")["bundles"]["tampered"], ids=lambda c: c["name"])
def test_tampered_state_bundles_fail(case: dict[str, Any]) -> None:
    genesis = Genesis.from_json(vectors("state_proof.json")["bundles"]["genesis"])
    with pytest.raises(VerificationFailed) as refused:
        verify_state_bundle(case["bundle"], genesis)
    assert refused.value.code == case["error"]


def test_vector_encodings_are_canonical_base64url() -> None:
    """Every key and signature in the vectors survives the strict decoder unchanged."""
    for entry in vectors("keys.json")["keys"]:
        for field in ("private_key", "public_key"):
            assert b64url_encode(b64url_decode(entry[field], length=32)) == entry[field]
