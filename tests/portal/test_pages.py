"""The portal's pages in Chromium on a real node: search lands on the right page, a tx page shows its
amount with decimals and verifies in the browser, the live feed shows a new tx without a reload, an
account's CSV export equals the API's JSON, user strings are escaped and isolated, errors are pages.
"""

from __future__ import annotations

import csv
import io
import re
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect
from tests.conftest import NodeProcess
from tests.portal.portal_chain import PARCEL, PortalChain, portal_fixture  # noqa: F401 - the fixture

from metrobloc.sdk import assets

Portal = tuple[NodeProcess, PortalChain]


def search(page: Page, url: str, text: str) -> None:
    page.goto(url)
    page.get_by_label("Search the chain").fill(text)
    page.get_by_role("button", name="Search").click()
    page.wait_for_load_state()


def test_search_lands_on_the_page_of_a_tx_block_account_asset_and_parcel(page: Page, portal: Portal) -> None:
    node, chain = portal
    tx = chain.receipts["transfer"]
    cases = {
        tx["tx_hash"]: f"/txs/{tx['tx_hash']}",
        tx["tx_hash"].upper(): f"/txs/{tx['tx_hash']}",
        str(tx["height"]): f"/blocks/{tx['height']}",
        httpx.get(f"{node.url}/v1/blocks/{tx['height']}").json()["block_hash"]: f"/blocks/{tx['height']}",
        chain.bob.address: f"/accounts/{chain.bob.address}",
        "CITY": "/assets/CITY",
        PARCEL: f"/land/parcels/{PARCEL}",
    }
    for text, path in cases.items():
        search(page, node.url, text)
        assert page.url == node.url + path, text
        expect(page.locator("footer .height")).to_contain_text("height")


def test_search_for_garbage_says_nothing_found_fast(page: Page, portal: Portal) -> None:
    node, _ = portal
    search(page, node.url, "no such thing <b>here</b>")
    expect(page.locator("#nothing-found")).to_have_text("Nothing found for no such thing <b>here</b>.")
    garbage = "\u202e%&?#" + "x" * 10_000
    started = time.perf_counter()
    answer = httpx.get(f"{node.url}/search", params={"q": garbage})
    assert answer.status_code == 200 and time.perf_counter() - started < 1.0
    assert "Nothing found for" in answer.text and "x" * 101 not in answer.text
    page.set_content(answer.text)  # the bidi override is shown as a code point, not obeyed
    expect(page.locator("#nothing-found .ctl")).to_have_text("U+202E")


def test_a_tx_page_shows_amount_status_events_and_verifies_in_the_browser(page: Page, portal: Portal) -> None:
    node, chain = portal
    tx_hash = chain.receipts["transfer"]["tx_hash"]
    page.goto(f"{node.url}/txs/{tx_hash}")
    expect(page.locator("h1")).to_have_text("Transaction")
    expect(page.locator(".msg h3")).to_contain_text("Transfer")
    expect(page.locator(".msg")).to_contain_text("25.50 CITY")
    expect(page.locator(".status")).to_have_text("succeeded")
    expect(page.locator(".event h3")).to_have_text("assets/transfer")
    expect(page.locator(".event")).to_contain_text("25.50 CITY")
    expect(page.locator(".event")).to_contain_text(chain.bob.address)
    page.get_by_text("Raw JSON").click()
    expect(page.locator("details.raw pre")).to_contain_text('"tx_hash"')
    download = page.get_by_role("link", name="Download proof")
    assert download.get_attribute("href") == f"/v1/txs/{tx_hash}/proof"
    page.get_by_role("button", name="Verify in your browser").click()
    expect(page.locator("#verify-result .outcome")).to_contain_text("Valid", timeout=10_000)
    expect(page.locator("#verify-result .step-failed")).to_have_count(0)


def test_a_failed_tx_shows_its_reason(page: Page, portal: Portal) -> None:
    node, chain = portal
    page.goto(f"{node.url}/txs/{chain.receipts['failed']['tx_hash']}")
    expect(page.locator(".status")).to_have_text("failed")
    expect(page.locator("#outcome-title + dl")).to_contain_text("assets.insufficient_funds")


def test_user_strings_are_escaped_and_isolated(page: Page, portal: Portal) -> None:
    node, chain = portal
    page.goto(f"{node.url}/txs/{chain.receipts['transfer']['tx_hash']}")
    memo = page.locator("dd bdi").filter(has_text="rent")
    expect(memo).to_have_count(1)
    expect(memo.locator(".ctl")).to_have_text(["U+202E", "U+202C"])
    assert memo.inner_text().endswith("<script>alert(1)</script>")
    assert page.locator("dd bdi script").count() == 0


def test_a_tx_sent_during_the_test_appears_in_the_live_feed(page: Page, portal: Portal) -> None:
    node, chain = portal
    page.goto(node.url + "/")
    expect(page.locator("section.live")).to_have_attribute("sse-connect", "/live")
    page.wait_for_function("() => window.htmx !== undefined")
    page.wait_for_timeout(300)  # the event stream connects
    with node.client() as c:
        receipt = c.submit(c.build_tx([chain.alice], [assets.transfer("CITY", chain.bob.address, 1)]), wait=True)
    tx_hash = receipt["receipt"]["tx_hash"]
    expect(page.locator(f'#feed-txs a[href="/txs/{tx_hash}"]')).to_have_count(1, timeout=10_000)
    expect(page.locator(f'#feed-blocks a[href="/blocks/{receipt["receipt"]["height"]}"]')).to_have_count(1)


def cell(value: Any) -> str:
    """A JSON value as the export writes it in a CSV cell."""
    if value is None:
        return ""
    if isinstance(value, dict | list):
        import json

        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return str(value)


def test_the_csv_export_of_an_account_history_equals_the_api_json(page: Page, portal: Portal) -> None:
    node, chain = portal
    address = chain.alice.address
    page.goto(f"{node.url}/accounts/{address}")
    with page.expect_download() as downloading:
        page.locator("#hist-title ~ .pager").get_by_role("link", name="CSV").click()
    rows = list(csv.DictReader(io.StringIO(downloading.value.path().read_text(encoding="utf-8"))))
    api = httpx.get(f"{node.url}/v1/accounts/{address}/txs", params={"limit": 100}).json()
    assert api["next"] is None and len(api["txs"]) >= 4
    assert rows == [{k: cell(v) for k, v in item.items()} for item in api["txs"]]
    exported = httpx.get(f"{node.url}/accounts/{address}/txs.json").json()
    assert exported == api["txs"]


@pytest.mark.parametrize(
    "path", ["/no/such/page", "/txs/" + "0" * 64, "/blocks/999999", "/assets/NOPE", "/land/parcels/NOPE-1"]
)
def test_unknown_pages_are_404_pages(page: Page, portal: Portal, js_errors: list[str], path: str) -> None:
    node, _ = portal
    answer = page.goto(node.url + path)
    assert answer is not None and answer.status == 404
    assert answer.headers["content-type"].startswith("text/html")
    expect(page.locator("h1")).to_contain_text("not found", ignore_case=True)
    expect(page.locator("footer .height")).to_contain_text("height")
    js_errors.clear()  # the browser logs the 404 of the page itself


def test_portal_headers_and_the_api_untouched(portal: Portal) -> None:
    node, _ = portal
    home = httpx.get(node.url + "/")
    csp = home.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe" not in csp and "default-src 'none'" in csp
    assert httpx.get(node.url + "/v1/nope").json()["error"]["code"] == "request.not_found"
    assert "content-security-policy" not in httpx.get(node.url + "/v1/status").headers
    paths = httpx.get(node.url + "/openapi.json").json()["paths"]
    # The API lives under /v1 (and /1.0, the W3C DID Resolution binding's own versioned path).
    assert all(p.startswith(("/v1/", "/1.0/")) or p in ("/health", "/metrics") for p in paths), sorted(paths)
    did_error = httpx.get(node.url + "/1.0/identifiers/not-a-did")
    assert did_error.status_code == 400 and did_error.json()["error"]["code"] == "identity.invalid_did"
    assert "content-security-policy" not in did_error.headers


def test_every_script_and_stylesheet_carries_its_integrity(page: Page, portal: Portal) -> None:
    node, chain = portal
    for path in ("/", f"/txs/{chain.receipts['transfer']['tx_hash']}", "/verify", "/assets/CITY"):
        page.goto(node.url + path)
        missing: Callable[[], Any] = lambda: page.evaluate(  # noqa: E731
            "() => [...document.querySelectorAll('script[src], link[rel=stylesheet]')]"
            ".filter((e) => !(e.integrity || '').startsWith('sha384-')).map((e) => e.outerHTML)"
        )
        assert missing() == [], path
        html = httpx.get(node.url + path).text  # as served (scripts may style their own nodes later)
        assert not re.search(r"<script(?![^>]*\ssrc=)|<style|\sstyle=|\son[a-z]+=", html), path


def test_land_pages_show_owners_liens_in_rank_order_and_history_with_proofs(page: Page, portal: Portal) -> None:
    node, chain = portal
    page.goto(f"{node.url}/land/parcels/{PARCEL}")
    owners = page.locator("#owners-title + .table-scroll tbody tr")
    expect(owners).to_have_count(2)
    expect(owners.first).to_contain_text(chain.alice.address)
    expect(owners.first).to_contain_text("75.00\u00a0%")
    liens = page.locator("#liens-title + .table-scroll tbody tr")
    expect(liens).to_have_count(1)
    expect(liens.first).to_contain_text("300,000.00 CITY")
    history = page.locator("#history-title + .table-scroll tbody tr")
    expect(history).to_have_count(2)
    proof = history.nth(1).get_by_role("link", name="Proof of history entry 2")
    bundle = httpx.get(node.url + str(proof.get_attribute("href"))).json()
    assert bundle["receipt"]["tx_hash"] == chain.receipts["lien"]["tx_hash"]
    page.get_by_role("link", name="old-town").click()
    expect(page.locator("tbody")).to_contain_text(PARCEL)
    page.goto(f"{node.url}/land/lenders/{chain.bank.address}")
    expect(page.locator("tbody tr").first).to_contain_text("300,000.00 CITY")


def test_account_and_asset_pages_show_balances_with_decimals(page: Page, portal: Portal) -> None:
    node, chain = portal
    page.goto(f"{node.url}/accounts/{chain.bob.address}")
    units = int(httpx.get(f"{node.url}/v1/assets/CITY/balances/{chain.bob.address}").json()["balance"])
    assert units >= 25_50  # 25.50 from the seed, and a unit more once the live feed's test has run
    expect(page.locator("#bal-title + .table-scroll")).to_contain_text(f"{units // 100}.{units % 100:02d}")
    expect(page.get_by_role("link", name="Parcels it owns a share of")).to_be_visible()
    page.goto(f"{node.url}/accounts/{chain.registrar.address}")
    expect(page.locator("#key-title + dl")).to_contain_text("land_registrar")
    page.goto(f"{node.url}/assets/CITY")
    supply = httpx.get(f"{node.url}/v1/assets/CITY").json()["supply"]
    expect(page.locator("#rules-title + dl")).to_contain_text(f"{int(supply) // 100:,}.{int(supply) % 100:02d} CITY")
    rows = page.locator("#issuance-caption ~ .table-scroll tbody tr")
    expect(rows).to_have_count(2)  # the mint's block and the burn's
    expect(page.locator("#issuance-caption + .plot canvas")).to_have_count(1)  # drawn from that table
    expect(page.locator("#holders-title + .table-scroll tbody tr")).to_have_count(2)
