"""Authenticated state on a three-organization consortium (docs/spec/state-proofs.md).

Under round-robin transfers every node computes the same ``state_root`` (and the same header) at
every height, and a state proof served by one node verifies under the header the other two certify.
"""

from __future__ import annotations

import sqlite3
import time
from typing import Any

import httpx
import pytest
from tests.network.cluster import ASSET, Consortium, Load, wait_until

from metrobloc.errors import VerificationFailed
from metrobloc.ledger import Attestation, Genesis, Header, check_attestations, verify_state_bundle
from metrobloc.merkle.smt import state_root_of

CHAIN = "metrobloc-test-net"
pytestmark = pytest.mark.timeout(240)


def genesis_of(c: Consortium) -> Genesis:
    """The trusted genesis, read from node 0's data dir (not asked of a node)."""
    return Genesis.load((c.net.dir / c.net.layout.nodes[0].data_dir / "genesis.json").read_bytes())


def proof_mid_load(c: Consortium, key: str, genesis: Genesis, timeout: float = 30) -> dict[str, Any]:
    """A state bundle from node 0 that verifies while blocks keep coming (its tip may not be certified yet)."""
    deadline = time.monotonic() + timeout
    while True:
        bundle: dict[str, Any] = httpx.get(f"{c.urls[0]}/v1/state/proof", params={"key": key}, timeout=10).json()
        try:
            verify_state_bundle(bundle, genesis)
            return bundle
        except VerificationFailed as exc:  # the tip's quorum may lag the 3 s the node waits for it
            if exc.code != "verify.no_quorum" or time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def node_attestation(block: dict[str, Any], genesis: Genesis, org: str) -> Attestation:
    """The attestation by ``org``'s node key among a block's attestations."""
    [key] = [o.node_key for o in genesis.organizations if o.name == org]
    found = [Attestation.from_json(a) for a in block["attestations"]]
    [own] = [a for a in found if a.public_key == key]
    return own


def test_state_roots_agree_and_a_proof_from_one_node_verifies_under_the_others_headers(
    consortium: Consortium,
) -> None:
    c, genesis = consortium, genesis_of(consortium)
    load = Load(c.urls, c.admin, CHAIN, batch=20)
    load.start()
    try:
        with c.client(0) as client:
            wait_until(lambda: client.balance(ASSET, load.sink) >= 300, 60, "the load to commit")
        key = f"assets/bal/{ASSET}/{load.sink}"
        bundle = proof_mid_load(c, key, genesis)  # taken while blocks keep coming
    finally:
        load.finish()
    height = c.converge()
    assert load.check_exactly_once(c, [0, 1, 2]) >= 300, load.refusals

    with httpx.Client(timeout=10) as http:
        for h in range(1, height + 1):
            blocks = [http.get(f"{url}/v1/blocks/{h}").json() for url in c.urls]
            headers = [b["header"] for b in blocks]
            assert headers[0].get("state_root"), f"block {h} has a v1 header"
            assert headers[1] == headers[0] == headers[2], f"headers differ at height {h}"

    # The bundle's header is the header nodes 1 and 2 certify: their attestations verify over it.
    header = Header.from_json(bundle["header"])
    assert int(bundle["value"]) >= 300 and header.height <= height
    for i in (1, 2):
        wait_until(lambda i=i: httpx.get(f"{c.urls[i]}/v1/blocks/{header.height}").json()["certified"], 10, "cert")
    theirs = [httpx.get(f"{c.urls[i]}/v1/blocks/{header.height}").json() for i in (1, 2)]
    assert [b["header"] for b in theirs] == [bundle["header"]] * 2
    own = [node_attestation(b, genesis, c.net.layout.nodes[i].org) for i, b in zip((1, 2), theirs, strict=True)]
    for b in theirs:
        every = [Attestation.from_json(a) for a in b["attestations"]]
        assert all(a.verifies(header) for a in every)
        assert len(check_attestations(header, every, genesis)) >= 2
    others = {**bundle, "attestations": [a.to_json() for a in own]}
    verified = verify_state_bundle(others, genesis)
    assert verified.values == {key: bundle["value"]}
    assert set(verified.attesters) == {c.net.layout.nodes[1].org, c.net.layout.nodes[2].org}

    # At the tip, each node's root is the root of its kv table, rebuilt here from scratch.
    tip = Header.from_json(httpx.get(f"{c.urls[0]}/v1/blocks/{height}").json()["header"])
    for node in c.net.layout.nodes:
        db = sqlite3.connect(f"file:{c.net.dir / node.data_dir / 'state.db'}?mode=ro", uri=True)
        try:
            kv = {bytes(k): bytes(v) for k, v in db.execute("SELECT key, value FROM kv")}
            (stored,) = db.execute("SELECT value FROM meta WHERE key = 'state_root'").fetchone()
        finally:
            db.close()
        assert state_root_of(kv).hex() == bytes(stored).hex() == tip.state_root, node.org
