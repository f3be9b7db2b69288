"""The verify page in Chromium: a real bundle passes against a trusted genesis; a changed amount
fails at the inclusion path, a changed header at the attestation, a wrong genesis fails, an integer
above 2^53 is refused; a consistency proof between two log sizes checks; nothing is sent anywhere."""

from __future__ import annotations

import copy
import json
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect
from tests.conftest import NodeProcess
from tests.portal.portal_chain import PortalChain, portal_fixture  # noqa: F401 - the fixture

from metrobloc.crypto import PrivateKey

Portal = tuple[NodeProcess, PortalChain]


@pytest.fixture
def trusted(portal: Portal) -> tuple[dict[str, Any], str]:
    """A bundle of the seeded transfer and the genesis as the verifier keeps it (a file)."""
    node, chain = portal
    bundle = httpx.get(f"{node.url}/v1/txs/{chain.receipts['transfer']['tx_hash']}/proof").json()
    return bundle, node.genesis_path().read_text()


def verify(page: Page, node: NodeProcess, bundle: str, genesis: str) -> list[str]:
    """Paste both, press Verify; the page's requests meanwhile (there must be none)."""
    if not page.url.endswith("/verify"):
        page.goto(node.url + "/verify")
    expect(page.get_by_role("button", name="Verify", exact=True)).to_be_enabled()
    page.get_by_label("Proof bundle (JSON").fill(bundle)
    page.get_by_label("Trusted genesis document").fill(genesis)
    sent: list[str] = []

    def record(request: Any) -> None:
        sent.append(request.url)

    page.on("request", record)
    page.get_by_role("button", name="Verify", exact=True).click()
    expect(page.locator("#bundle-result .outcome")).to_be_visible()
    page.remove_listener("request", record)
    return sent


def failed_step(page: Page) -> str | None:
    return page.locator("#bundle-result .step-failed").first.get_attribute("data-step")


def test_a_real_bundle_passes_and_nothing_is_sent(
    page: Page, portal: Portal, trusted: tuple[dict[str, Any], str]
) -> None:
    node, _ = portal
    bundle, genesis = trusted
    page.goto(node.url + "/verify")
    assert page.get_by_label("Proof bundle (JSON").input_value() == ""  # never filled in from the node
    assert page.get_by_label("Trusted genesis document").input_value() == ""
    sent = verify(page, node, json.dumps(bundle), genesis)
    expect(page.locator("#bundle-result .outcome")).to_have_class("outcome outcome-ok")
    assert sent == []
    expect(page.locator("#bundle-result .step-failed")).to_have_count(0)
    for step in ("genesis", "receipt", "inclusion", "header", "quorum"):
        expect(page.locator(f'#bundle-result [data-step="{step}"]')).to_have_class("step-ok")
    import hashlib

    from metrobloc.codec import canonical_json

    sha = hashlib.sha256(canonical_json(json.loads(genesis))).hexdigest()
    expect(page.locator("#bundle-result .genesis-sha code")).to_have_text(sha)
    expect(page.locator("#genesis-sha")).to_have_text(f"SHA-256 of this genesis: {sha}")  # shown as it is pasted


def test_tampered_bundles_and_a_wrong_genesis_fail_where_they_should(
    page: Page, portal: Portal, trusted: tuple[dict[str, Any], str]
) -> None:
    node, _ = portal
    bundle, genesis = trusted
    changed_amount = copy.deepcopy(bundle)
    changed_amount["receipt"]["events"][0]["attributes"]["amount"] = "255000"
    verify(page, node, json.dumps(changed_amount), genesis)
    expect(page.locator("#bundle-result .outcome")).to_have_class("outcome outcome-failed")
    assert failed_step(page) == "inclusion"

    changed_header = copy.deepcopy(bundle)
    changed_header["header"]["time_ms"] += 1
    verify(page, node, json.dumps(changed_header), genesis)
    assert failed_step(page) == "attestation"

    wrong = json.loads(genesis)
    wrong["organizations"][0]["node_key"] = PrivateKey(b"\x09" * 32).public_key.to_b64()
    verify(page, node, json.dumps(bundle), json.dumps(wrong))
    expect(page.locator("#bundle-result .outcome")).to_have_class("outcome outcome-failed")
    # The count's header (the consortium member) is the first one checked against the genesis keys.
    assert failed_step(page) == "set-history"
    expect(page.locator('#bundle-result [data-step="set-count"]')).to_have_class("step-failed")
    expect(page.locator("#bundle-result .outcome")).to_contain_text("verify.unknown_attester")

    too_big = json.dumps(bundle).replace('"leaf_index":', '"leaf_index": 9007199254740993, "x":', 1)
    verify(page, node, too_big, genesis)
    expect(page.locator("#bundle-result .outcome")).to_contain_text("codec.integer_out_of_range")


def test_a_consistency_proof_between_two_log_sizes(page: Page, portal: Portal) -> None:
    node, _ = portal
    first, second = (httpx.get(f"{node.url}/v1/blocks/{h}").json()["header"] for h in (2, 5))
    answer = httpx.get(
        f"{node.url}/v1/log/consistency", params={"first": first["log_size"], "second": second["log_size"]}
    ).text
    page.goto(node.url + "/verify")
    expect(page.get_by_role("button", name="Check consistency")).to_be_enabled()
    page.get_by_label("Consistency proof (JSON").fill(answer)
    page.get_by_label("Trusted log root at the first size").fill(first["log_root"])
    page.get_by_label("Trusted log root at the second size").fill(second["log_root"])
    page.get_by_role("button", name="Check consistency").click()
    expect(page.locator("#consistency-result .outcome")).to_have_class("outcome outcome-ok")
    page.get_by_label("Trusted log root at the first size").fill(second["log_root"])
    page.get_by_role("button", name="Check consistency").click()
    expect(page.locator("#consistency-result .outcome")).to_have_class("outcome outcome-failed")
