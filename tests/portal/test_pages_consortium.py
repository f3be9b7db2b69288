"""The consortium on the portal of a real node whose members voted a second organization in and out
(design §2.5): the consortium page (members now, node keys over time, the changes with their tx and
proof), the home page's attestation table (a key not in force is said so) and a block page that
counts the keys in force at its height."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect
from tests.conftest import NodeProcess
from tests.portal.conftest import JsModule

from metrobloc import sdk
from metrobloc.codec import parse_json
from metrobloc.crypto import PrivateKey
from metrobloc.errors import MetroblocError
from metrobloc.ledger import Genesis, verify_bundle
from metrobloc.node.datadir import load_node_key

ORG2 = PrivateKey(bytes([0x62]) * 32)
"""The node key (and voter) of the organization voted in and out."""


class Governed:
    """A one-organization node: ``consortium/init``, org2 added (block ``added``), then removed (``removed``)."""

    def __init__(self, node: NodeProcess) -> None:
        self.node = node
        self.genesis = Genesis.load(node.genesis_path().read_text(encoding="utf-8"))
        self.org1 = load_node_key(node.data_dir)
        self.receipts: dict[str, dict[str, Any]] = {}
        self.run("init", self.org1, [sdk.consortium.init()])
        signature = sdk.consortium.key_signature(self.genesis.chain_id, "org2", ORG2)
        add = sdk.consortium.add_member(
            "org2", "Harbour <b>Board</b>", ORG2.public_key.to_b64(), ORG2.address, signature
        )
        self.added = self.decide("add-org2", add, [self.org1])
        self.removed = self.decide("remove-org2", sdk.consortium.remove_member("org2"), [self.org1, ORG2])
        self.run("after", self.org1, [sdk.consortium.init()], ok=False)  # one more block

    def run(self, name: str, key: PrivateKey, msgs: list[Any], *, ok: bool = True) -> dict[str, Any]:
        with self.node.client() as client:
            receipt: dict[str, Any] = client.submit(client.build_tx([key], [dict(m) for m in msgs]), wait=True)[
                "receipt"
            ]
        assert (receipt["status"] == "ok") == ok, receipt
        self.receipts[name] = receipt
        return receipt

    def decide(self, proposal: str, action: Any, yes: list[PrivateKey]) -> int:
        """A consortium proposal voted yes by ``yes`` and executed: the height of the execution."""
        digest = hashlib.sha256(proposal.encode()).hexdigest()
        self.run(f"{proposal} proposed", yes[0], [sdk.orgs.propose("consortium", proposal, digest, [dict(action)])])
        for n, voter in enumerate(yes):
            self.run(f"{proposal} vote {n}", voter, [sdk.orgs.vote("consortium", proposal, "yes")])
        receipt = self.run(proposal, self.org1, [sdk.orgs.execute("consortium", proposal)])
        assert any(e["type"].startswith("consortium/") for e in receipt["events"]), receipt
        return int(receipt["height"])


@pytest.fixture(scope="module")
def governed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Governed]:
    node = NodeProcess(Path(tmp_path_factory.mktemp("governed")) / "node").start()
    try:
        yield Governed(node)
    finally:
        node.stop()


def test_the_consortium_page_shows_members_keys_over_time_and_changes(page: Page, governed: Governed) -> None:
    url = governed.node.url
    page.goto(url + "/consortium")
    expect(page.locator("h1")).to_have_text("The consortium")
    org1 = governed.genesis.organizations[0]
    members = page.locator("#members tbody tr")
    expect(members).to_have_count(1)
    expect(members.first).to_contain_text(org1.name)
    expect(members.first).to_contain_text(governed.org1.address)
    expect(page.locator("#members-title + p")).to_contain_text("1 signature(s) certify a block")

    keys = page.locator("#keys tbody tr")
    expect(keys).to_have_count(2)
    expect(keys.nth(0)).to_contain_text("1 (genesis)")
    expect(keys.nth(0)).to_contain_text("in force")
    added, removed = governed.added, governed.removed
    row = keys.nth(1)
    expect(row).to_contain_text("Harbour <b>Board</b> (org2)")  # user text, escaped
    expect(row).to_contain_text(ORG2.public_key.to_b64())
    expect(row.locator("td").nth(1)).to_have_text(str(added + 1))
    expect(row.locator("td").nth(2)).to_have_text(str(removed + 1))

    changes = page.locator("#changes tbody tr")
    expect(changes).to_have_count(2)
    expect(changes.nth(0)).to_contain_text("Harbour <b>Board</b> (org2) added")
    expect(changes.nth(1)).to_contain_text("org2 removed")
    tx = governed.receipts["remove-org2"]["tx_hash"]
    expect(changes.nth(1).locator(f'a[href="/txs/{tx}"]')).to_have_count(1)
    proof = changes.nth(1).get_by_role("link", name="proof bundle").get_attribute("href")
    assert proof == f"/v1/txs/{tx}/proof" and httpx.get(url + proof, timeout=30).status_code == 200
    expect(changes.nth(0).locator("td").nth(3)).to_have_text(str(added + 1))


def test_the_page_reflects_its_height(governed: Governed) -> None:
    """The changes and keys shown are those of blocks up to the page's height, as the API counts them."""
    answer = httpx.get(governed.node.url + "/consortium", timeout=30)
    assert answer.status_code == 200 and "Harbour &lt;b&gt;Board&lt;/b&gt;" in answer.text
    status = httpx.get(governed.node.url + "/v1/status", timeout=30).json()
    assert status["consortium"]["count"] == 2 and status["consortium"]["quorum"] == 1


def test_a_block_counts_the_keys_in_force_at_its_height(page: Page, governed: Governed) -> None:
    url = governed.node.url
    page.goto(f"{url}/blocks/{governed.added + 1}")
    text = page.locator("#att-title + p")
    expect(text).to_contain_text("1 of the 2 node keys in force at this height signed this header")
    expect(text).to_contain_text("(2 needed)")
    expect(text).to_contain_text("not certified yet")
    page.goto(f"{url}/blocks/{governed.removed + 1}")
    expect(page.locator("#att-title + p")).to_contain_text("1 of the 1 node keys in force")


def test_the_home_page_says_which_keys_were_in_force(page: Page, governed: Governed) -> None:
    page.goto(governed.node.url + "/")
    expect(page.get_by_role("link", name="Members and node keys over time")).to_have_attribute("href", "/consortium")
    table = page.locator("section[aria-labelledby=orgs-title] table")
    heights = [int(h) for h in table.locator("thead th a").all_inner_texts()]
    rows = table.locator("tbody tr")
    org1 = rows.filter(has=page.locator("th", has_text=governed.genesis.organizations[0].name))
    expect(org1.locator("td")).to_have_count(len(heights))
    harbour = rows.filter(has=page.locator("th", has_text="Harbour"))
    assert any(governed.added < h <= governed.removed for h in heights), heights  # org2's key shows
    expected = ["—" if governed.added < h <= governed.removed else "not in force" for h in heights]
    assert harbour.locator("td").all_inner_texts() == expected


def test_its_bundles_get_the_same_verdict_in_the_browser_and_in_python(governed: Governed, verify_js: JsModule) -> None:
    """Every bundle crosses the removal block, which only org1 of the two keys in force signed: no
    verifier can certify it (a removed organization that never ran a node); browser and Python agree."""
    genesis_text = governed.node.genesis_path().read_text(encoding="utf-8")
    names = ["init", "add-org2", "remove-org2", "after"]
    bundles = [
        httpx.get(f"{governed.node.url}/v1/txs/{governed.receipts[n]['tx_hash']}/proof", timeout=30).text for n in names
    ]
    results = verify_js.call(
        "(m, [bundles, genesis]) => bundles.map((b) => m.verifyBundle(b, genesis))", [bundles, genesis_text]
    )
    expected = []
    for text in bundles:
        try:
            verify_bundle(parse_json(text), Genesis.load(genesis_text))
            expected.append(None)
        except MetroblocError as exc:
            expected.append(exc.code)
    assert [r["code"] for r in results] == expected
    assert set(expected) == {"verify.no_quorum"}
    for result in results:
        failed = [s for s in result["steps"] if s["ok"] is False]
        assert [s["step"] for s in failed] == ["set-change"] and f"block {governed.removed}:" in failed[0]["detail"]
