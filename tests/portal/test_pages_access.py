"""Every page type in Chromium: axe-core (vendored) finds no WCAG 2.1 A/AA violation, nothing is wider
than a 375 px viewport, and lists and search work with JavaScript disabled."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from tests.conftest import NodeProcess
from tests.portal.portal_chain import DISTRICT, PARCEL, PortalChain, portal_fixture  # noqa: F401 - the fixture

Portal = tuple[NodeProcess, PortalChain]
AXE = "/static/vendor/axe-core/axe.min.js"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def page_types(chain: PortalChain) -> dict[str, str]:
    """One path of each page type."""
    return {
        "home": "/",
        "blocks": "/blocks",
        "block": f"/blocks/{chain.receipts['transfer']['height']}",
        "tx": f"/txs/{chain.receipts['transfer']['tx_hash']}",
        "failed tx": f"/txs/{chain.receipts['failed']['tx_hash']}",
        "account": f"/accounts/{chain.alice.address}",
        "asset": "/assets/CITY",
        "parcel": f"/land/parcels/{PARCEL}",
        "district": f"/land/districts/{DISTRICT}",
        "owner": f"/land/owners/{chain.alice.address}",
        "lender": f"/land/lenders/{chain.bank.address}",
        "search": "/search",
        "nothing found": "/search?q=nothing+here",
        "verify": "/verify",
        "not found": "/no/such/page",
    }


def violations(page: Page) -> list[dict[str, Any]]:
    page.add_script_tag(url=AXE)
    found: list[dict[str, Any]] = page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}})).violations"
        ".map((v) => ({id: v.id, help: v.help, nodes: v.nodes.map((n) => n.html).slice(0, 3)}))",
        WCAG,
    )
    return found


def page_problems(page: Page, width: int) -> dict[str, Any] | None:
    """The page's axe violations and its scroll width when it is wider than ``width``; None if neither."""
    found = violations(page)
    wide = page.evaluate("() => document.documentElement.scrollWidth")
    return {"violations": found, "scroll_width": wide} if found or wide > width else None


@pytest.mark.parametrize("width", [1280, 375])
def test_every_page_type_passes_axe_and_fits(
    page_factory: Callable[..., Page], portal: Portal, js_errors: list[str], width: int
) -> None:
    node, chain = portal
    page = page_factory(viewport={"width": width, "height": 900})
    problems = {}
    for kind, path in page_types(chain).items():
        page.goto(node.url + path)
        if kind == "tx":  # with the in-browser verification shown
            page.get_by_role("button", name="Verify in your browser").click()
            expect(page.locator("#verify-result .outcome")).to_be_visible()
        if kind == "home":
            page.wait_for_function("() => document.querySelectorAll('.plot canvas').length > 0")
        if (found := page_problems(page, width)) is not None:
            problems[kind] = found
    js_errors[:] = [e for e in js_errors if "404" not in e]  # the not-found page itself
    assert not problems, problems


def test_search_and_lists_work_without_javascript(page_factory: Callable[..., Page], portal: Portal) -> None:
    node, chain = portal
    page = page_factory(java_script_enabled=False)
    page.goto(node.url + "/")
    page.get_by_label("Search the chain").fill("CITY")
    page.get_by_role("button", name="Search").click()
    assert page.url == node.url + "/assets/CITY"
    expect(page.locator("h1")).to_contain_text("CITY")

    page.get_by_label("Search the chain").fill("garbage")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#nothing-found")).to_contain_text("Nothing found for garbage")

    page.goto(node.url + "/blocks?limit=2")
    first = page.locator("tbody tr td:first-child").all_inner_texts()
    page.get_by_role("link", name="Next page").click()
    second = page.locator("tbody tr td:first-child").all_inner_texts()
    assert len(first) == len(second) == 2 and int(second[0]) == int(first[-1]) - 1

    page.goto(f"{node.url}/accounts/{chain.alice.address}?limit=2")
    first = page.locator("#history tbody tr").all_inner_texts()
    page.get_by_role("link", name="Next page").click()
    second = page.locator("#history tbody tr").all_inner_texts()
    assert len(first) == 2 and second and not set(first) & set(second)

    page.goto(f"{node.url}/txs/{chain.receipts['transfer']['tx_hash']}")
    expect(page.get_by_role("link", name="Download proof")).to_be_visible()
    expect(page.get_by_role("button", name="Verify in your browser")).to_be_hidden()  # needs JavaScript
