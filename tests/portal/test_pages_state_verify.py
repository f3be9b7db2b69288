"""Current state verified in Chromium on a real node: an account's balances, a parcel's title, its liens
and their ranks, and a parcel's lack of any lien, each proven by GET /v1/state/proof and checked in
the browser as the node's verify_state_bundle checks it; a balance that changed after the page was
drawn is reported as differing, a tampered or misdirected answer is refused, and axe still passes."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, Route, expect
from tests.conftest import NodeProcess
from tests.portal.portal_chain import DISTRICT, PARCEL, PortalChain, portal_fixture  # noqa: F401 - the fixture
from tests.portal.test_pages_access import violations

from metrobloc.ledger import Genesis
from metrobloc.ledger.bundles import verify_state_bundle
from metrobloc.sdk import assets, land

Portal = tuple[NodeProcess, PortalChain]
FREE_PARCEL = "PORTAL-1:8"


def proven(node: NodeProcess, key: str) -> tuple[str | None, int, list[str]]:
    """The node's answer for ``key`` checked by the Python verifier: value, height, attesters."""
    bundle = httpx.get(f"{node.url}/v1/state/proof", params={"key": key}).json()
    verified = verify_state_bundle(bundle, Genesis.load(node.genesis_path().read_text()))
    return verified.values[key], verified.header.height, list(verified.attesters)


def verify_section(page: Page, button: str, section: str) -> list[str]:
    """Press a section's verify button; the texts of its checks once all are done."""
    page.get_by_role("button", name=button).click()
    result = page.locator(f"section[aria-labelledby='{section}'] .state-result")
    expect(result).to_contain_text("verified in your browser")
    return page.locator(f"section[aria-labelledby='{section}'] .state-check").all_inner_texts()


@pytest.fixture(scope="module")
def free_parcel(portal: Portal) -> str:
    """A second parcel, with no lien."""
    node, chain = portal
    with node.client() as c:
        msg = land.register_parcel(
            FREE_PARCEL, DISTRICT, 120, [(chain.bob.address, 10_000)], [land.document_digest(b"8")]
        )
        c.submit(c.build_tx([chain.registrar], [msg]), wait=True)
    return FREE_PARCEL


def test_an_accounts_balances_verify_in_the_browser(page: Page, portal: Portal) -> None:
    node, chain = portal
    page.goto(f"{node.url}/accounts/{chain.alice.address}")
    checks = verify_section(page, "Verify balances in your browser", "bal-title")
    value, height, attesters = proven(node, f"assets/bal/CITY/{chain.alice.address}")
    assert value == page.locator("#main data").first.get_attribute("value")
    assert checks == [f"✓ verified in your browser at height {height} by {', '.join(attesters)}"]
    expect(page.locator(".state-check")).to_have_class("state-check state-ok")
    sha = Genesis.load(node.genesis_path().read_text()).hash
    expect(page.locator(".state-result")).to_contain_text(
        f"1 of 1 verified in your browser, against the genesis this node serves (SHA-256 {sha})"
    )
    assert violations(page) == []


def test_a_parcels_title_liens_and_ranks_verify(page: Page, portal: Portal) -> None:
    node, _ = portal
    page.goto(f"{node.url}/land/parcels/{PARCEL}")
    title = verify_section(page, "Verify the title in your browser", "title-title")
    _, height, attesters = proven(node, f"land/parcel/{PARCEL}")
    by = f"at height {height} by {', '.join(attesters)}"
    assert title == [f"District, area, status, owners and shares: ✓ verified in your browser {by}"]
    liens = verify_section(page, "Verify the liens in your browser", "liens-title")
    assert liens == [
        f"✓ verified in your browser {by}",
        f"These liens in this rank order, and no other active lien: ✓ verified in your browser {by}",
    ]
    value, _, _ = proven(node, f"land/lien/{PARCEL}/0000000001")
    assert value is not None and json.loads(value)["status"] == "active"
    assert violations(page) == []


def test_no_active_lien_is_proven(page: Page, portal: Portal, free_parcel: str) -> None:
    node, _ = portal
    page.goto(f"{node.url}/land/parcels/{free_parcel}")
    expect(page.get_by_text("No active lien.")).to_be_visible()
    (check,) = verify_section(page, "Verify the liens in your browser", "liens-title")
    assert check.startswith("✓ verified in your browser at height")
    value, _, _ = proven(node, f"land/parcel/{free_parcel}")
    assert value is not None and json.loads(value)["liens"] == []


def test_a_balance_changed_since_the_page_was_drawn_is_reported(page: Page, portal: Portal) -> None:
    node, chain = portal
    page.goto(f"{node.url}/accounts/{chain.bob.address}")
    shown = page.locator("#main data").first.get_attribute("value")
    with node.client() as c:
        c.submit(c.build_tx([chain.bob], [assets.transfer("CITY", chain.alice.address, 1)]), wait=True)
    page.get_by_role("button", name="Verify balances in your browser").click()
    check = page.locator(".state-check")
    expect(check).to_have_class("state-check state-failed")
    held = int(shown or 0) - 1
    expect(check).to_contain_text(f"(portal.state_differs): the chain holds {held} units, this page shows {shown}")
    expect(page.locator(".state-result")).to_have_text("0 of 1 verified in your browser.")


def answer_changed(change: Any) -> Any:
    def handle(route: Route) -> None:
        answer = route.fetch()
        route.fulfill(response=answer, body=json.dumps(change(answer.json())))

    return handle


def test_a_tampered_or_misdirected_answer_is_refused(page: Page, portal: Portal) -> None:
    node, chain = portal
    page.route("**/v1/state/proof?*", answer_changed(lambda b: {**b, "value": str(int(b["value"]) + 1)}))
    page.goto(f"{node.url}/accounts/{chain.alice.address}")
    page.get_by_role("button", name="Verify balances in your browser").click()
    expect(page.locator(".state-check")).to_contain_text("✗ not verified (verify.state_value_mismatch)")

    other = f"assets/bal/CITY/{chain.bob.address}"
    bob = httpx.get(f"{node.url}/v1/state/proof", params={"key": other}).json()
    page.unroute("**/v1/state/proof?*")
    page.route("**/v1/state/proof?*", answer_changed(lambda _: bob))
    page.get_by_role("button", name="Verify balances in your browser").click()
    expect(page.locator(".state-check")).to_contain_text("✗ not verified (portal.wrong_key)")
    expect(page.locator(".state-check")).to_have_class("state-check state-failed")
