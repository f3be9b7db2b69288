"""Bundles that carry the consortium's set history (design §3): followed from the genesis alone,
and every way to strip, reorder or forge it refused with its own code."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from tests.ledger.consortium_chain import KEYS, Chain, add, remove, rotate

from metrobloc.codec import canonical_json
from metrobloc.crypto import PrivateKey
from metrobloc.errors import VerificationFailed
from metrobloc.ledger import Event, Header, attest, verify_bundle, verify_reads, verify_set_changes, verify_state_bundle
from metrobloc.ledger.bundles import check_attestations

STRANGER = PrivateKey(bytes([0x7F]) * 32)
TRANSFER = Event("assets/transfer", {"amount": "1"})


def governed_chain() -> Chain:
    """org5 added in block 2, org2's key rotated in block 3, org1 removed in block 4; tip 6."""
    chain = Chain(4)
    chain.block([[TRANSFER]])
    chain.block([[TRANSFER], [add(1, "org5", KEYS[4], 2)]], signers=KEYS[:5])
    chain.block([[rotate(2, "org2", KEYS[1], KEYS[5], 3)]], signers=[KEYS[0], KEYS[5], *KEYS[2:5]])
    chain.block([[remove(3, "org1", KEYS[0], 4)], [TRANSFER]], signers=[KEYS[5], *KEYS[2:5]])
    chain.block([[TRANSFER]])
    chain.block([[TRANSFER], [TRANSFER]])
    return chain


CHAIN = governed_chain()
TIP = CHAIN.height
LAST = CHAIN.receipts[-1]


def code_of(bundle: Any, chain: Chain = CHAIN) -> str:
    with pytest.raises(VerificationFailed) as refused:
        verify_bundle(bundle, chain.genesis)
    return refused.value.code


def fresh() -> dict[str, Any]:
    return copy.deepcopy(CHAIN.bundle(LAST, TIP))


def test_a_bundle_after_three_changes_verifies_from_the_genesis_alone() -> None:
    result = verify_bundle(fresh(), CHAIN.genesis)
    assert result.set_changes == 3
    assert [m.org for m in result.keys.members] == ["org2", "org3", "org4", "org5"]
    assert result.keys.quorum == 3 and result.keys.since == 5
    assert result.attesters == ("Name of org5", "Org 2", "Org 3", "Org 4")


def test_every_receipt_of_the_chain_verifies_at_every_later_header() -> None:
    for receipt in CHAIN.receipts:
        for height in range(receipt.height, TIP + 1):
            result = verify_bundle(CHAIN.bundle(receipt, height), CHAIN.genesis)
            assert result.keys == verify_set_changes(CHAIN.section(), CHAIN.genesis, result.header).at(height)


def test_a_state_bundle_and_proven_reads_follow_the_same_history() -> None:
    bundle = CHAIN.state_bundle(b"block/6", TIP)
    result = verify_state_bundle(bundle, CHAIN.genesis)
    assert result.values == {"block/6": "x"} and result.set_changes == 3 and result.keys.quorum == 3
    reads = {k: bundle[k] for k in ("header", "attestations", "consortium")}
    reads["reads"] = [{k: bundle[k] for k in ("key", "value", "proof")}]
    assert verify_reads(reads, CHAIN.genesis).set_changes == 3
    bundle["attestations"] = CHAIN.attestations(TIP, [KEYS[0], KEYS[2], KEYS[3]])
    with pytest.raises(VerificationFailed) as refused:
        verify_state_bundle(bundle, CHAIN.genesis)
    assert refused.value.code == "verify.key_not_in_force"


@pytest.mark.parametrize("gone", [0, 1], ids=["removed org1", "rotated-away key of org2"])
def test_a_key_no_longer_in_force_does_not_count(gone: int) -> None:
    bundle = fresh()
    bundle["attestations"] = CHAIN.attestations(TIP, [KEYS[gone], KEYS[2], KEYS[3]])
    assert code_of(bundle) == "verify.key_not_in_force"


def test_a_key_before_its_since_does_not_count() -> None:
    bundle = CHAIN.bundle(CHAIN.receipts[0], 2)
    bundle["attestations"] = CHAIN.attestations(2, [KEYS[4], KEYS[1], KEYS[2]])
    assert code_of(bundle) == "verify.key_not_in_force"


def test_a_stranger_is_unknown_and_two_of_four_is_no_quorum() -> None:
    bundle = fresh()
    bundle["attestations"] = CHAIN.attestations(TIP, [STRANGER, KEYS[2], KEYS[3], KEYS[4]])
    assert code_of(bundle) == "verify.unknown_attester"
    bundle["attestations"] = CHAIN.attestations(TIP, [KEYS[2], KEYS[3], KEYS[3]])
    assert code_of(bundle) == "verify.no_quorum"


def test_dropping_the_last_change_is_incomplete() -> None:
    bundle = fresh()
    del bundle["consortium"]["changes"][-1]
    assert code_of(bundle) == "verify.set_incomplete"


def test_dropping_a_middle_change_is_a_gap() -> None:
    bundle = fresh()
    del bundle["consortium"]["changes"][1]
    # The removal's header, attested by S(4), carries org2's new key, unknown without the rotation.
    assert code_of(bundle) == "verify.unknown_attester"
    # With attesters the stripped history still knows, the receipt's own seq gives the gap away.
    bundle["consortium"]["changes"][1]["attestations"] = CHAIN.attestations(4, [KEYS[0], *KEYS[2:5]])
    assert code_of(bundle) == "verify.set_gap"


def test_changes_out_of_order_are_refused() -> None:
    bundle = fresh()
    changes = bundle["consortium"]["changes"]
    changes[0], changes[1] = changes[1], changes[0]
    changes[0]["attestations"] = CHAIN.attestations(3, KEYS[:4])
    assert code_of(bundle) == "verify.set_gap"


def test_a_change_under_a_later_header_is_refused() -> None:
    bundle = fresh()
    bundle["consortium"]["changes"][0] = CHAIN.receipt_bundle(CHAIN.change_receipts()[0], 3, KEYS[:4])
    assert code_of(bundle) == "verify.bad_set_change"


def test_a_change_certified_only_by_the_set_it_creates_is_refused() -> None:
    bundle = fresh()
    entry = bundle["consortium"]["changes"][0]
    entry["attestations"] = CHAIN.attestations(2, [KEYS[4], KEYS[1], KEYS[2], KEYS[3]])
    assert code_of(bundle) == "verify.unknown_attester"
    entry["attestations"] = CHAIN.attestations(2, [KEYS[1], KEYS[2]])
    assert code_of(bundle) == "verify.no_quorum"


def test_a_change_with_a_bad_inclusion_path_or_chain_is_refused() -> None:
    bundle = fresh()
    bundle["consortium"]["changes"][0]["leaf_index"] += 1
    assert code_of(bundle) == "verify.bad_inclusion"
    bundle = fresh()
    bundle["consortium"]["changes"][0]["header"]["chain_id"] = "another-chain"
    assert code_of(bundle) == "verify.wrong_chain"


def test_an_entry_without_a_change_event_is_refused() -> None:
    bundle = fresh()
    bundle["consortium"]["changes"].insert(0, CHAIN.receipt_bundle(CHAIN.receipts[0], 1))
    assert code_of(bundle) == "verify.bad_set_change"


def test_a_wrong_effective_height_is_refused() -> None:
    chain = Chain(4)
    event = add(1, "org5", KEYS[4], 1)
    event.attributes["effective_height"] = "3"
    chain.block([[event]], signers=KEYS[:5])
    chain.block([[TRANSFER]])
    assert code_of(chain.bundle(chain.receipts[-1], 2), chain) == "verify.bad_set_change"


def test_a_failed_receipt_is_not_a_change() -> None:
    chain = Chain(4)
    chain.block([[]], status="failed")
    chain.block([[TRANSFER]])
    bundle = chain.bundle(chain.receipts[-1], 2)
    bundle["consortium"]["changes"] = [chain.receipt_bundle(chain.receipts[0], 1)]
    assert code_of(bundle, chain) == "verify.bad_set_change"


def test_two_changes_in_one_receipt_are_followed_in_order() -> None:
    chain = Chain(3)
    chain.block([[add(1, "org4", KEYS[3], 1), rotate(2, "org4", KEYS[3], KEYS[4], 1)]], signers=[*KEYS[:3], KEYS[4]])
    chain.block([[TRANSFER]])
    result = verify_bundle(chain.bundle(chain.receipts[-1], 2), chain.genesis)
    assert result.set_changes == 2 and KEYS[4].public_key.raw in result.keys and result.keys.quorum == 3


def test_a_count_proven_before_the_header_is_too_old() -> None:
    bundle = fresh()
    bundle["consortium"]["count"] = CHAIN.count_proof(TIP - 1)
    assert code_of(bundle) == "verify.set_proof_too_old"


def test_a_count_at_a_later_header_is_fine() -> None:
    bundle = CHAIN.bundle(CHAIN.receipts[0], 1)
    assert verify_bundle(bundle, CHAIN.genesis).keys.quorum == 3


def test_the_count_header_needs_the_set_in_force_at_its_height() -> None:
    bundle = fresh()
    bundle["consortium"]["count"]["attestations"] = CHAIN.attestations(TIP, [KEYS[0], KEYS[2], KEYS[3]])
    assert code_of(bundle) == "verify.key_not_in_force"


def test_a_count_that_does_not_match_its_proof_is_refused() -> None:
    bundle = fresh()
    bundle["consortium"]["count"]["value"] = "2"
    assert code_of(bundle).startswith("verify.")
    assert code_of(bundle) not in ("verify.set_incomplete",), "the proof, not the comparison, refuses it"


def test_a_chain_without_changes_proves_an_absent_count() -> None:
    chain = Chain(3)
    chain.block([[TRANSFER]])
    bundle = chain.bundle(chain.receipts[0], 1)
    assert bundle["consortium"]["count"]["value"] is None
    assert verify_bundle(bundle, chain.genesis).set_changes == 0


def test_no_count_is_only_for_v1_headers_without_changes() -> None:
    bundle = fresh()
    bundle["consortium"]["count"] = None
    assert code_of(bundle) == "verify.no_set_proof"
    header = CHAIN.headers[0]
    v1 = Header(*[getattr(header, f) for f in ("chain_id", "height", "time_ms", "prev_hash", "tx_root", "tx_count",
                                                "log_size", "log_root", "app_hash")])  # fmt: skip
    assert verify_set_changes({"changes": [], "count": None}, CHAIN.genesis, v1).count == 0
    assert verify_set_changes(None, CHAIN.genesis, v1).count == 0
    with pytest.raises(VerificationFailed) as refused:
        verify_set_changes(None, CHAIN.genesis, CHAIN.headers[-1])
    assert refused.value.code == "verify.no_set_proof"


def test_without_the_member_a_v2_bundle_fails_now_that_nodes_serve_it() -> None:
    """bundles.SET_PROOF_REQUIRED is True: a stripped bundle could otherwise count a removed genesis key."""
    chain = Chain(4)
    chain.block([[TRANSFER]])
    bundle = chain.receipt_bundle(chain.receipts[0], 1)
    bundle.pop("consortium", None)
    with pytest.raises(VerificationFailed) as refused:
        verify_bundle(bundle, chain.genesis)
    assert refused.value.code == "verify.no_set_proof"


@pytest.mark.parametrize(
    "damage",
    [
        lambda s: s.clear(),
        lambda s: s.update(extra=1),
        lambda s: s.update(changes={}),
        lambda s: s["changes"][0].update(extra=1),
        lambda s: s["changes"][0].update(leaf_index="3"),
        lambda s: s["count"].update(key="consortium/other"),
        lambda s: s["count"].update(value=3),
        lambda s: s["count"].update(attestations={}),
        lambda s: s["count"].update(header=[]),
    ],
)
def test_a_malformed_section_is_a_bad_bundle(damage: Any) -> None:
    bundle = fresh()
    damage(bundle["consortium"])
    assert code_of(bundle) == "verify.bad_bundle"


def test_check_attestations_takes_a_genesis_or_a_history() -> None:
    header = CHAIN.headers[0]
    atts = [attest(header, k) for k in KEYS[:3]]
    history = verify_set_changes(CHAIN.section(), CHAIN.genesis, header)
    assert check_attestations(header, atts, CHAIN.genesis) == check_attestations(header, atts, history)
    late = CHAIN.headers[-1]
    with pytest.raises(VerificationFailed) as refused:
        check_attestations(late, [attest(late, k) for k in KEYS[4:6]], CHAIN.genesis)
    assert refused.value.code == "verify.unknown_attester", "the genesis alone knows no later key"


def test_entries_must_follow_block_order() -> None:
    chain = Chain(4)
    chain.block([[add(2, "org6", KEYS[5], 1)]])
    chain.block([[add(1, "org5", KEYS[4], 2)]])
    chain.block([[TRANSFER]])
    bundle = chain.bundle(chain.receipts[-1], 3)
    changes = bundle["consortium"]["changes"]
    changes[0], changes[1] = changes[1], changes[0]
    assert code_of(bundle, chain) == "verify.bad_set_change"


def test_metrobloc_verify_says_what_it_followed(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from metrobloc.cli.main import cli

    (tmp_path / "genesis.json").write_bytes(canonical_json(CHAIN.genesis.raw))
    (tmp_path / "proof.json").write_bytes(canonical_json(fresh()))
    run = CliRunner().invoke(cli, ["verify", str(tmp_path / "proof.json"), "--genesis", str(tmp_path / "genesis.json")])
    assert run.exit_code == 0, run.output
    by = "attested by Name of org5, Org 2, Org 3, Org 4"
    assert run.output.strip().endswith(f"{by} (4 of 4 node keys in force at 6; 3 set changes followed from genesis)")
    bundle = fresh()
    bundle["attestations"] = CHAIN.attestations(TIP, [KEYS[0], KEYS[2], KEYS[3]])
    (tmp_path / "proof.json").write_bytes(canonical_json(bundle))
    run = CliRunner().invoke(cli, ["verify", str(tmp_path / "proof.json"), "--genesis", str(tmp_path / "genesis.json")])
    assert run.exit_code == 1
