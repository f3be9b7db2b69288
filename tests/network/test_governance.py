"""Issue 13, must-hold 4, on a real network: three organizations on a three-server NATS JetStream cluster
vote in a fourth, whose node joins the running network, catches up from its peers and attests; then they
vote one out, whose node stops counting; a bundle from after both changes verifies offline from the
original genesis alone, and one with the removed key's attestation in its quorum does not.

The tests share one network and run in file order (design §6, "Must-hold 4 test").
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.conftest import metrobloc_cmd
from tests.network.cluster import Consortium, make_network, running, transfer, wait_until

from metrobloc import sdk
from metrobloc.crypto import PrivateKey
from metrobloc.errors import VerificationFailed
from metrobloc.ledger import Genesis, Header, attest, verify_bundle
from metrobloc.node.datadir import load_node_key
from metrobloc.node.local_network import join_network
from metrobloc.sdk import Keystore

FAST = ("--check-processes", "0")  # 2 cores: 3 NATS servers and 4 nodes (design §5.6)


@pytest.fixture(scope="module")
def council(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Consortium]:
    net = make_network(tmp_path_factory.mktemp("gov") / "NET", {i: FAST for i in range(4)})
    with running(net) as c:
        yield c


class Shared:
    """What the ordered tests hand on to each other."""

    added_at = 0
    removed_at = 0


def node_key(c: Consortium, i: int) -> PrivateKey:
    return load_node_key(c.net.dir / c.net.layout.nodes[i].data_dir)


def genesis_file(c: Consortium) -> Path:
    return c.net.dir / c.net.layout.nodes[0].data_dir / "genesis.json"


def send(c: Consortium, signer: PrivateKey, msgs: list[dict[str, Any]], via: int = 0) -> dict[str, Any]:
    with c.client(via) as client:
        receipt: dict[str, Any] = client.submit(client.build_tx([signer], msgs), wait=True)["receipt"]
    assert receipt["status"] == "ok", receipt
    return receipt


def decide(c: Consortium, proposal: str, action: dict[str, Any], voters: list[PrivateKey]) -> dict[str, Any]:
    """Propose (by the first voter), vote yes with every voter, execute: the execute receipt."""
    digest = hashlib.sha256(proposal.encode()).hexdigest()
    send(c, voters[0], [dict(sdk.orgs.propose("consortium", proposal, digest, [action]))])
    for voter in voters:
        send(c, voter, [dict(sdk.orgs.vote("consortium", proposal, "yes"))])
    return send(c, c.admin, [dict(sdk.orgs.execute("consortium", proposal))])


def change_event(receipt: dict[str, Any], kind: str) -> dict[str, str]:
    [found] = [e["attributes"] for e in receipt["events"] if e["type"] == f"consortium/{kind}"]
    return dict(found)


def status(c: Consortium, i: int) -> dict[str, Any]:
    result: dict[str, Any] = httpx.get(f"{c.urls[i]}/v1/status", timeout=10).json()
    return result


def block(c: Consortium, i: int, height: int) -> dict[str, Any]:
    result: dict[str, Any] = httpx.get(f"{c.urls[i]}/v1/blocks/{height}", timeout=10).json()
    return result


def keys_of(b: dict[str, Any]) -> set[str]:
    return {a["public_key"] for a in b["attestations"]}


def tick(c: Consortium) -> int:
    """One more block (a transfer): its height."""
    return int(send(c, c.admin, [transfer(c.admin.address)])["height"])


def test_a_fourth_organization_is_voted_in_and_attests(council: Consortium) -> None:
    c = council
    send(c, c.admin, [dict(sdk.consortium.init())])
    spec, request = join_network(c.net.dir)
    c.net.reload_layout()
    c.net.start_node(3)  # an observer until the vote: it catches up over HTTP, then reads the stream
    c.net.wait_nodes([3], 90)
    assert status(c, 3)["consortium"]["attesting"] is False
    org4 = request["node_key"]

    receipt = decide(c, "add-org4", request["action"], [node_key(c, 0), node_key(c, 1)])  # 2 of 3, at once
    h = int(receipt["height"])
    added = change_event(receipt, "add")
    assert added["org"] == "org4" and added["node_key"] == org4 and added["effective_height"] == str(h + 1)
    Shared.added_at = h

    def org4_attests() -> bool:
        tick(c)
        tip = status(c, 0)["height"]
        return status(c, 3)["consortium"]["attesting"] and org4 in keys_of(block(c, 0, tip))

    wait_until(org4_attests, 120, "the new node to attest")
    assert status(c, 0)["consortium"]["quorum"] == 3 and len(status(c, 0)["consortium"]["members"]) == 4
    assert org4 not in keys_of(block(c, 0, h))  # not in force at its own admission block

    # Offline: from h + 1 on, 2 attestations no longer certify; 3 of 4 do.
    tx_height = tick(c)
    with c.client(0) as client:
        tx_hash = client.block(tx_height)["tx_hashes"][0]
        wait_until(lambda: len(client.block(tx_height)["attestations"]) >= 3, 30, "3 attestations")
        bundle = client.proof(tx_hash, at=tx_height)
    genesis = Genesis.load(genesis_file(c).read_bytes())
    assert verify_bundle(bundle, genesis).set_changes == 1
    with pytest.raises(VerificationFailed) as two:
        verify_bundle({**bundle, "attestations": bundle["attestations"][:2]}, genesis)
    assert two.value.code == "verify.no_quorum"
    assert verify_bundle({**bundle, "attestations": bundle["attestations"][:3]}, genesis).keys.quorum == 3


def test_a_node_voted_out_stops_counting(council: Consortium) -> None:
    c = council
    assert Shared.added_at, "runs after the fourth organization joined"
    voter4 = Keystore(c.net.dir / c.net.layout.nodes[3].data_dir / "keys").load("voter")
    receipt = decide(c, "remove-org3", dict(sdk.consortium.remove_member("org3")),
                     [node_key(c, 0), node_key(c, 1), voter4])  # fmt: skip  # 3 of 4
    g = int(receipt["height"])
    assert change_event(receipt, "remove")["effective_height"] == str(g + 1)
    Shared.removed_at = g
    org3 = node_key(c, 2).public_key.to_b64()
    later = [tick(c) for _ in range(3)]
    wait_until(lambda: all(block(c, 0, h)["certified"] for h in later), 30, "certified blocks after the removal")
    assert all(org3 not in keys_of(block(c, 0, h)) for h in later)
    assert org3 in keys_of(block(c, 2, g))  # it attested its own removal block
    wait_until(lambda: block(c, 0, g)["certified"], 30, "the removal block certified")
    assert status(c, 0)["consortium"]["quorum"] == 2
    assert status(c, 2)["consortium"]["attesting"] is False
    assert httpx.get(f"{c.urls[2]}/health", timeout=10).status_code == 200  # still following, as an observer


def test_bundle_after_both_changes_verifies_from_the_original_genesis_alone(
    council: Consortium, tmp_path: Path
) -> None:
    c = council
    assert Shared.removed_at, "runs after the removal"
    height = tick(c)
    with c.client(0) as client:
        tx_hash = client.block(height)["tx_hashes"][0]
        wait_until(lambda: client.block(height)["certified"], 30, "certification")
        bundle = client.proof(tx_hash)
    assert len(bundle["consortium"]["changes"]) == 2
    genesis = genesis_file(c)

    def verify(b: dict[str, Any]) -> subprocess.CompletedProcess[str]:
        path = tmp_path / "bundle.json"
        path.write_text(json.dumps(b))
        return subprocess.run(
            metrobloc_cmd("verify", str(path), "--genesis", str(genesis)), capture_output=True, text=True, timeout=60
        )

    ok = verify(bundle)
    assert ok.returncode == 0 and ok.stdout.startswith("valid") and "2 set changes" in ok.stdout, (ok.stdout, ok.stderr)

    header = Header.from_json(bundle["header"])
    forged = attest(header, node_key(c, 2)).to_json()  # the removed org3 signs the same header
    with_removed = {**bundle, "attestations": [forged, *bundle["attestations"][1:]]}
    refused = verify(with_removed)
    assert refused.returncode == 1 and "verify.key_not_in_force" in refused.stderr, refused.stderr

    changes = bundle["consortium"]["changes"]
    stripped = {**bundle, "consortium": {**bundle["consortium"], "changes": changes[:-1]}}
    incomplete = verify(stripped)
    assert incomplete.returncode == 1 and "verify.set_incomplete" in incomplete.stderr, incomplete.stderr

    stranger = attest(header, PrivateKey.generate()).to_json()
    unknown = verify({**bundle, "attestations": [stranger, *bundle["attestations"][1:]]})
    assert unknown.returncode == 1 and "verify.unknown_attester" in unknown.stderr, unknown.stderr


def test_a_change_block_is_certified_after_a_kill_9_right_after_its_commit(council: Consortium) -> None:
    """Design §5.1: the set is state, committed with its block; the view is rebuilt from it at start,
    and the node announces its attestation of the change block again."""
    c = council
    voter4 = Keystore(c.net.dir / c.net.layout.nodes[3].data_dir / "keys").load("voter")
    action = dict(sdk.consortium.remove_member("org4"))
    digest = hashlib.sha256(b"remove-org4").hexdigest()
    send(c, node_key(c, 0), [dict(sdk.orgs.propose("consortium", "remove-org4", digest, [action]))])
    send(c, voter4, [dict(sdk.orgs.vote("consortium", "remove-org4", "yes"))])
    send(c, node_key(c, 0), [dict(sdk.orgs.vote("consortium", "remove-org4", "yes"))])
    send(c, node_key(c, 1), [dict(sdk.orgs.vote("consortium", "remove-org4", "yes"))], via=1)
    with c.client(1) as client:
        tx = client.build_tx([c.admin], [dict(sdk.orgs.execute("consortium", "remove-org4"))])
        receipt = client.submit(tx, wait=True)["receipt"]
    c.net.kill(c.net.nodes[1])  # org2, at once: its announcement of the change block may be lost
    assert receipt["status"] == "ok", receipt
    k = int(receipt["height"])
    c.net.start_node(1)
    c.net.wait_nodes([1], 60)
    assert status(c, 1)["consortium"]["count"] == 3 and status(c, 1)["consortium"]["quorum"] == 2
    assert status(c, 1)["consortium"]["members"] == status(c, 0)["consortium"]["members"]
    wait_until(lambda: block(c, 0, k)["certified"] and block(c, 1, k)["certified"], 60, "the change block certified")
    after = tick(c)  # from k + 1 both remaining members are needed: org2 is back and attests
    wait_until(lambda: block(c, 0, after)["certified"], 60, "a block after the change certified")
    assert node_key(c, 1).public_key.to_b64() in keys_of(block(c, 0, after))
