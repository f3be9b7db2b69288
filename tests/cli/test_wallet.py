"""``metrobloc wallet show`` as a subprocess against a real node: the readable tables (amounts with
decimals, lots with UTC expiry and what is spendable, minutes per bank, listings), ``--json``, a key
name for an address, and bad input as one readable line with exit status 1; in process, the text of
an empty wallet and of names that carry terminal escapes."""

from __future__ import annotations

import json
import subprocess
from typing import Any

import pytest
from tests.conftest import NodeProcess, metrobloc_cmd
from tests.portal.wallet_chain import BANK_NAME, SERVICE, STARTER, WalletChain, seed

from metrobloc.cli.wallet import render
from metrobloc.crypto import PrivateKey
from metrobloc.portal.display import time_ms


@pytest.fixture(scope="module")
def chain(shared_node: NodeProcess) -> WalletChain:
    return seed(shared_node)


def wallet(*args: str, code: int = 0) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(metrobloc_cmd("wallet", "show", *args), capture_output=True, text=True, timeout=60)
    assert proc.returncode == code, proc.stderr
    if code:
        lines = proc.stderr.strip().splitlines()
        assert "Traceback" not in proc.stderr and len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    return proc


def test_the_wallet_reads_as_tables(chain: WalletChain) -> None:
    out = wallet(chain.alice.address, "--node", chain.node.url).stdout
    lines = out.splitlines()
    assert lines[0].startswith(f"Wallet of {chain.alice.address} at block ")
    row = {line.split()[0]: line.split() for line in lines if line.startswith(("CITY ", "FOOD "))}
    assert row["CITY"][-2:] == ["1,234.56", "1,234.56"]
    assert row["FOOD"][-2:] == ["20.00", "15.00"]  # balance, spendable now (5.00 expired)
    expired = next(line for line in lines if line.strip().startswith("5.00"))
    assert time_ms(chain.soon_ms) in expired and expired.split()[-2:] == ["0.00", "expired"]
    live = next(line for line in lines if line.strip().startswith("15.00"))
    assert "UTC" in live and live.split()[-1] == "15.00"
    bank = next(line for line in lines if line.startswith(BANK_NAME))
    assert chain.bank.address in bank and bank.split()[-2] == str(STARTER + SERVICE)
    assert f"Total: {STARTER + SERVICE} minutes" in lines
    listings = {line.split()[0]: line for line in lines if line.startswith(("fraud ", "sanctions "))}
    assert listings["sanctions"].endswith("yes") and chain.agency.address in listings["sanctions"]
    assert listings["fraud"].endswith("no (lapsed)")


def test_json_is_the_nodes_answer_and_a_key_name_is_its_address(chain: WalletChain) -> None:
    raw: dict[str, Any] = json.loads(wallet(chain.alice.address, "--json", "--node", chain.node.url).stdout)
    with chain.node.client() as c:
        assert raw == c.wallet(chain.alice.address)
    data_dir = str(chain.node.data_dir)
    by_name = json.loads(wallet("admin", "--json", "--node", chain.node.url, "--data-dir", data_dir).stdout)
    assert by_name["address"] == chain.admin.address and by_name["assets"] == []


@pytest.mark.parametrize("who, code", [("mb1xyz", "codec.bad_address"), ("nobody", "keys.not_found")])
def test_bad_input_is_one_readable_line(chain: WalletChain, who: str, code: str) -> None:
    proc = wallet(who, "--node", chain.node.url, "--data-dir", str(chain.node.data_dir), code=1)
    assert proc.stderr.startswith(f"error: {code}: ")


def test_an_empty_wallet_says_so_and_chain_text_cannot_drive_the_terminal() -> None:
    """In process: what ``render`` prints for a wallet with nothing, and for names carrying escapes."""
    nobody = PrivateKey(b"\x5e" * 32).address
    empty = {"address": nobody, "height": 3, "time_ms": 0, "assets": [], "listings": []}
    text = render({**empty, "timebank": {"banks": [], "total_minutes": 0}})
    assert text.startswith(f"Wallet of {nobody} at block 3 (1970-01-01 00:00:00 UTC)")
    assert "No assets." in text and "Member of no time bank." in text and "Not listed on any watch-list." in text
    evil = {"asset": "EVIL", "name": "x\x1b[2J\u202eyz", "decimals": 0, "balance": "1", "spendable": "1", "lots": []}
    text = render({**empty, "assets": [evil], "timebank": {"banks": [], "total_minutes": 0}})
    assert "\x1b" not in text and "\u202e" not in text and "x\\u001b[2J\\u202eyz" in text
