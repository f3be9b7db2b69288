"""The node side of the consortium's key set (design §2.3, §2.4): several chains of one genesis applied
in-process, each with its own store and node key, fed the same ordered blocks.

They check that the view folds the committed change records (and rebuilds them from state alone after a
restart), that a node attests only the heights where its key is in force, that the certifier counts and
settles against the set in force at each height, and that catch-up filters a peer's attestations.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from tests.modules.conftest import CHAIN_ID, GENESIS_TIME_MS, NODE_KEYS, consortium_genesis

from metrobloc import sdk
from metrobloc.crypto import PrivateKey
from metrobloc.ledger import Attestation, Genesis, Header, attest, build_body, sign_body
from metrobloc.node.app import build_app
from metrobloc.node.catchup import _backfill, _uncertified_change_heights
from metrobloc.node.certify import Certifier, Divergence, announcement
from metrobloc.node.chain import CertifiedHeader, Chain
from metrobloc.node.config import NodeConfig
from metrobloc.node.consortium import ConsortiumView
from metrobloc.node.datadir import GENESIS_FILE, NODE_KEY_FILE, key_file, write_private
from metrobloc.node.node import Node
from metrobloc.ordering import OrderedBlock
from metrobloc.state import BlockRecord, Store

NEW_KEY = PrivateKey(hashlib.sha256(b"org4 node").digest())
STRANGER = PrivateKey(hashlib.sha256(b"stranger").digest())
OUTSIDER = PrivateKey(hashlib.sha256(b"outsider").digest())


class Replica:
    """One node's store and chain thread logic (applied synchronously, no orderer)."""

    def __init__(self, path: Path, genesis: Genesis, node_key: PrivateKey) -> None:
        self.genesis, self.node_key, self.path = genesis, node_key, path
        self.store = Store(path)
        self.committed: list[BlockRecord] = []
        self.chain = Chain(build_app(), genesis, self.store, None, node_key, self._on_commit)  # type: ignore[arg-type]
        self.chain.init_genesis()

    def _on_commit(self, record: BlockRecord, receipts: list[dict[str, Any]], hashes: list[str]) -> None:
        self.committed.append(record)

    def attestations(self, height: int) -> list[dict[str, str]]:
        found = self.store.block(height)
        assert found is not None
        result: list[dict[str, str]] = orjson.loads(found[2])
        return result

    def header(self, height: int) -> Header:
        found = self.store.block(height)
        assert found is not None
        return Header.from_json(orjson.loads(found[1]))

    def restart(self) -> Replica:
        self.store.close()
        return Replica(self.path, self.genesis, self.node_key)


class Network:
    """Replicas of one genesis that apply the same blocks; txs are signed and ordered here."""

    def __init__(self, tmp_path: Path, node_keys: Sequence[PrivateKey] = NODE_KEYS) -> None:
        self.genesis = consortium_genesis(node_keys)
        self.tmp_path = tmp_path
        self.replicas = [Replica(tmp_path / f"org{i}.db", self.genesis, k) for i, k in enumerate(node_keys, 1)]
        self.position = 0
        self.nonce = 0
        self.blocks: list[OrderedBlock] = []

    def join(self, node_key: PrivateKey) -> Replica:
        """A replica of a node that was not in the genesis (it follows as an observer)."""
        replica = Replica(self.tmp_path / f"joined{len(self.replicas)}.db", self.genesis, node_key)
        for block in self.blocks:
            replica.chain.apply(block)
        self.replicas.append(replica)
        return replica

    @property
    def height(self) -> int:
        return self.replicas[0].store.tip.height

    def tick(self) -> None:
        """One more block (a tx that fails: the consortium exists already)."""
        self.run(OUTSIDER, [dict(sdk.consortium.init())], ok=False)

    def run(self, signer: PrivateKey, msgs: list[dict[str, Any]], *, ok: bool = True) -> dict[str, Any]:
        """One tx as its own block on every replica; returns its receipt (which must succeed if ``ok``)."""
        self.nonce += 1
        body = build_body(CHAIN_ID, [signer.address], msgs, self.height + 100, self.nonce.to_bytes(16, "big"))
        tx = sign_body(body, [signer])
        self.position += 1
        block = OrderedBlock((tx.canonical(),), GENESIS_TIME_MS + self.position * 1000, self.position)
        self.blocks.append(block)
        for replica in self.replicas:
            replica.chain.apply(block)
        receipt = self.receipt(tx.hash)
        assert receipt["status"] == "ok" or not ok, receipt
        return receipt

    def receipt(self, tx_hash: str) -> dict[str, Any]:
        store = self.replicas[0].store
        seq = store.tx_seq(bytes.fromhex(tx_hash))
        assert seq is not None
        entry = store.entry(seq)
        assert entry is not None
        result: dict[str, Any] = orjson.loads(entry[2])
        return result

    def decide(self, proposal: str, action: dict[str, Any], yes: Sequence[PrivateKey]) -> dict[str, Any]:
        """A consortium proposal with one action, voted yes by ``yes``, executed: the execute receipt."""
        digest = hashlib.sha256(proposal.encode()).hexdigest()
        self.run(yes[0], [dict(sdk.orgs.propose("consortium", proposal, digest, [action]))])
        for voter in yes:
            self.run(voter, [dict(sdk.orgs.vote("consortium", proposal, "yes"))])
        return self.run(OUTSIDER, [dict(sdk.orgs.execute("consortium", proposal))])

    def add(self, org: str, node_key: PrivateKey, yes: Sequence[PrivateKey]) -> dict[str, Any]:
        signature = sdk.consortium.key_signature(CHAIN_ID, org, node_key)
        action = dict(
            sdk.consortium.add_member(org, f"Organization {org[3:]}", node_key.public_key.to_b64(), node_key.address,
                                      signature)
        )  # fmt: skip
        return self.decide(f"add-{org}", action, yes)

    def remove(self, org: str, yes: Sequence[PrivateKey]) -> dict[str, Any]:
        return self.decide(f"remove-{org}", dict(sdk.consortium.remove_member(org)), yes)


def own(replica: Replica, height: int) -> bool:
    return replica.node_key.public_key.to_b64() in {a["public_key"] for a in replica.attestations(height)}


def event(receipt: dict[str, Any], kind: str) -> dict[str, str]:
    [found] = [e["attributes"] for e in receipt["events"] if e["type"] == kind]
    return dict(found)


@pytest.fixture
def net(tmp_path: Path) -> Network:
    network = Network(tmp_path)
    network.run(OUTSIDER, [dict(sdk.consortium.init())])
    return network


def test_the_view_folds_each_committed_change_and_rebuilds_from_state_alone(net: Network) -> None:
    first = net.replicas[0]
    assert first.chain.consortium.history.count == 0
    receipt = net.add("org4", NEW_KEY, NODE_KEYS[:2])
    h = receipt["height"]
    assert event(receipt, "consortium/add")["effective_height"] == str(h + 1)
    view = first.chain.consortium
    assert view.history.count == 1 and view.changes() == [(1, receipt["tx_hash"], h)]
    assert NEW_KEY.public_key.raw not in view.at(h) and NEW_KEY.public_key.raw in view.at(h + 1)
    assert view.at(h + 1).quorum == 3 and view.at(h).quorum == 2
    net.remove("org3", [*NODE_KEYS[:2], NEW_KEY])
    restarted = first.restart()
    rebuilt = ConsortiumView(net.genesis, restarted.store)
    assert restarted.chain.consortium.history == rebuilt.history == net.replicas[1].chain.consortium.history
    assert rebuilt.history.count == 2 and rebuilt.changes() == view.changes()
    restarted.store.close()


def test_a_node_attests_exactly_the_heights_its_key_is_in_force(net: Network) -> None:
    joined = net.join(NEW_KEY)
    assert not any(own(joined, h) for h in range(1, net.height + 1))  # an observer: executes, never attests
    h = net.add("org4", NEW_KEY, NODE_KEYS[:2])["height"]
    assert not own(joined, h) and joined.committed[-1].attestations == b"[]"
    net.tick()
    assert own(joined, h + 1)
    assert [r.store.tip.block_hash for r in net.replicas] == [net.replicas[0].store.tip.block_hash] * 4
    g = net.remove("org3", [NODE_KEYS[0], NODE_KEYS[1], NEW_KEY])["height"]
    removed = net.replicas[2]
    assert own(removed, g)  # it attests its own removal block: it is in force there
    net.tick()
    assert not own(removed, g + 1) and removed.committed[-1].attestations == b"[]"


def test_the_certifier_counts_and_settles_against_the_set_in_force(net: Network) -> None:
    h = net.add("org4", NEW_KEY, NODE_KEYS[:2])["height"]
    net.tick()
    org1 = net.replicas[0]
    diverged: list[Divergence] = []
    certifier = Certifier(net.genesis, org1.store, org1.chain.consortium, diverged.append)
    try:
        header = org1.header(h + 1)
        for key in (NODE_KEYS[1], NEW_KEY):
            certifier.receive(announcement(header, attest(header, key)))
        certifier.close()  # flushes the writer
    finally:
        certifier.close()
    stored = {a["public_key"] for a in org1.attestations(h + 1)}
    assert NEW_KEY.public_key.to_b64() in stored and len(stored) == 3
    assert org1.chain.consortium.certified(h + 1, org1.attestations(h + 1))
    two = [a for a in org1.attestations(h + 1) if a["public_key"] != NEW_KEY.public_key.to_b64()]
    assert not org1.chain.consortium.certified(h + 1, two)  # 2 of 4 no longer certify
    # The new key's attestation of a height before its admission never counts there.
    before = org1.header(h)
    with_new = [attest(before, NODE_KEYS[0]).to_json(), attest(before, NEW_KEY).to_json()]
    assert org1.chain.consortium.in_force(h, with_new) == with_new[:1]
    assert not org1.chain.consortium.certified(h, with_new)


def test_a_removed_key_cannot_halt_a_node_with_another_header(net: Network) -> None:
    net.add("org4", NEW_KEY, NODE_KEYS[:2])
    g = net.remove("org3", [NODE_KEYS[0], NODE_KEYS[1], NEW_KEY])["height"]
    net.tick()
    org1 = net.replicas[0]
    ours = org1.header(g + 1)
    forged = Header(**{**ours.to_json(), "app_hash": "00" * 32})  # another header at the same height
    diverged: list[Divergence] = []
    certifier = Certifier(net.genesis, org1.store, org1.chain.consortium, diverged.append)
    try:
        # Two genesis keys that still count, and the removed org3 key: 2 of 3 genesis keys would have
        # been a quorum, but at g + 1 the set is org1, org2, org4 and org3 does not count.
        certifier.receive(announcement(forged, attest(forged, NODE_KEYS[2])))
        certifier.receive(announcement(forged, attest(forged, NODE_KEYS[1])))
        certifier.receive(announcement(forged, attest(forged, STRANGER)))
        assert diverged == [] and certifier.divergence is None
        certifier.receive(announcement(forged, attest(forged, NEW_KEY)))  # org2 + org4: 2 of 3 in force
        assert certifier.divergence is not None and certifier.divergence.height == g + 1
        assert set(certifier.divergence.attesters) == {"Organization 2", "Organization 4"}
    finally:
        certifier.close()


def test_catch_up_keeps_only_the_peers_attestations_in_force(net: Network, tmp_path: Path) -> None:
    h = net.add("org4", NEW_KEY, NODE_KEYS[:2])["height"]
    net.tick()
    late = Replica(tmp_path / "late.db", net.genesis, STRANGER)
    for height, block in enumerate(net.blocks, 1):
        header = net.replicas[0].header(height)
        signed = [attest(header, k).to_json() for k in (*NODE_KEYS, NEW_KEY)]  # org4 signs old heights too
        late.chain.apply(block, CertifiedHeader(header, signed))
    in_force = {a["public_key"] for a in late.attestations(h)}
    assert in_force == {k.public_key.to_b64() for k in NODE_KEYS}
    assert NEW_KEY.public_key.to_b64() in {a["public_key"] for a in late.attestations(h + 1)}
    assert late.chain.consortium.history == net.replicas[0].chain.consortium.history
    assert [Attestation.from_json(a).verifies(late.header(h + 1)) for a in late.attestations(h + 1)] == [True] * 4


def node_in(tmp_path: Path, node_key: PrivateKey) -> Node:
    """An in-process node (solo orderer, never started) of the three-organization genesis."""
    data_dir = tmp_path / node_key.public_key.to_b64()[:8]
    write_private(data_dir / NODE_KEY_FILE, key_file(node_key))
    (data_dir / GENESIS_FILE).write_text(json.dumps(consortium_genesis().raw))
    return Node(NodeConfig(data_dir=data_dir, check_processes=0))


@pytest.mark.parametrize("key", [NODE_KEYS[0], STRANGER], ids=["member", "observer"])
def test_a_node_announces_again_its_own_attestations_at_start(tmp_path: Path, key: PrivateKey) -> None:
    async def run() -> list[dict[str, Any]]:
        node = node_in(tmp_path, key)
        announced: list[bytes] = []

        async def record(data: bytes) -> None:
            announced.append(data)

        node._loop = asyncio.get_running_loop()
        node.chain.init_genesis()
        node.orderer.announce = record  # type: ignore[method-assign]
        for position in (1, 2, 3):
            body = build_body(CHAIN_ID, [OUTSIDER.address], [dict(sdk.consortium.init())], 100,
                              position.to_bytes(16, "big"))  # fmt: skip
            tx = sign_body(body, [OUTSIDER])
            node.chain.apply(OrderedBlock((tx.canonical(),), GENESIS_TIME_MS + position * 1000, position))
        await asyncio.sleep(0.05)  # the commits' own announcements
        live = len(announced)
        await node._reannounce()
        again = [orjson.loads(a) for a in announced[live:]]
        await node.stop()
        assert live == len(again)
        return again

    again = asyncio.run(run())
    if key == STRANGER:
        assert again == []  # an observer never announces, not even at start
    else:
        assert [a["header"]["height"] for a in again] == [1, 2, 3]
        assert {a["attestation"]["public_key"] for a in again} == {key.public_key.to_b64()}
        assert all(Attestation.from_json(a["attestation"]).verifies(Header.from_json(a["header"])) for a in again)


def test_announcements_by_keys_not_in_force_are_bounded(net: Network) -> None:
    """Keys are not filtered on receipt (a new member announces before every node committed its
    admission), so the certifier caps what unknown keys may store and drops far-ahead heights."""
    net.tick()
    org1 = net.replicas[0]
    certifier = Certifier(net.genesis, org1.store, org1.chain.consortium, lambda _: None)
    try:
        ahead = Header(**{**org1.header(1).to_json(), "height": 3})  # not committed here yet: kept
        for i in range(200):
            junk = PrivateKey(hashlib.sha256(b"junk %d" % i).digest())
            certifier.receive(announcement(ahead, attest(ahead, junk)))
        certifier.receive(announcement(ahead, attest(ahead, NODE_KEYS[1])))  # a member still gets in
        [group] = certifier._seen[3].values()
        assert len(group) == 129 and NODE_KEYS[1].public_key.raw in group
        far = Header(**{**org1.header(1).to_json(), "height": org1.store.tip.height + 10_001})
        certifier.receive(announcement(far, attest(far, NODE_KEYS[1])))
        assert far.height not in certifier._seen
    finally:
        certifier.close()


def test_a_change_block_short_of_a_quorum_is_backfilled_from_a_peer(net: Network) -> None:
    """Design §5.1: a change block that never gathered a quorum is completed from a peer's stored
    attestations (checked against the header and the keys in force); the stranger's is dropped."""
    h = net.add("org4", NEW_KEY, NODE_KEYS[:2])["height"]
    org1 = net.replicas[0]
    assert _uncertified_change_heights(org1.chain) == [h]  # only its own attestation: 1 of 3
    header = org1.header(h)
    served = [attest(header, k).to_json() for k in (*NODE_KEYS, STRANGER)]

    def peer(request: httpx.Request) -> httpx.Response:
        assert request.url.path == f"/v1/blocks/{h}"
        return httpx.Response(200, json={"header": header.to_json(), "attestations": served})

    async def run() -> None:
        async with httpx.AsyncClient(base_url="http://peer", transport=httpx.MockTransport(peer)) as client:
            await _backfill(client, org1.chain, h)

    asyncio.run(run())
    assert _uncertified_change_heights(org1.chain) == []
    assert {a["public_key"] for a in org1.attestations(h)} == {k.public_key.to_b64() for k in NODE_KEYS}
