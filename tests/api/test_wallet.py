"""``GET /v1/accounts/{address}/wallet`` on a real node (issue 12, must-hold 5): assets with lots, expiry
and what is spendable at the tip's time, time-bank minutes per bank, the watch-list listings about the
account; an empty wallet; refused addresses; a proven wallet that verifies against the genesis; the
SDK's ``Client.wallet``. The proving rule (proofs under the block the wallet was read at) is also
checked in process, with a stand-in node whose tip keeps moving."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from tests.conftest import NodeProcess
from tests.http_errors import check_error
from tests.portal.wallet_chain import BANK_NAME, DAY_MS, FLOOR, SERVICE, STARTER, WalletChain, seed

from metrobloc.api import state as api_state
from metrobloc.api.wallet import answer
from metrobloc.crypto import PrivateKey
from metrobloc.errors import Unavailable
from metrobloc.ledger import Genesis, verify_reads
from metrobloc.sdk import ApiError


@pytest.fixture(scope="module")
def chain(shared_node: NodeProcess) -> WalletChain:
    return seed(shared_node)


@pytest.fixture(scope="module")
def http(chain: WalletChain) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=chain.node.url, timeout=30) as c:
        yield c


def wallet_of(http: httpx.Client, address: str, **params: str) -> dict[str, Any]:
    r = http.get(f"/v1/accounts/{address}/wallet", params=params)
    assert r.status_code == 200, r.text
    found: dict[str, Any] = r.json()
    return found


def test_the_wallet_shows_lots_expiry_spendable_minutes_and_listings(http: httpx.Client, chain: WalletChain) -> None:
    w = wallet_of(http, chain.alice.address)
    tip = http.get("/v1/blocks/latest").json()["header"]
    assert (w["address"], w["height"], w["time_ms"]) == (chain.alice.address, tip["height"], tip["time_ms"])
    assert w["time_ms"] > chain.soon_ms

    city, food = w["assets"]  # by symbol
    assert city == {
        "asset": "CITY",
        "name": "City Coin",
        "decimals": 2,
        "issuer": chain.admin.address,
        "policy": False,
        "balance": "123456",
        "spendable": "123456",
        "lots": [],
    }
    assert (food["asset"], food["decimals"], food["policy"]) == ("FOOD", 2, True)
    assert (food["balance"], food["spendable"]) == ("2000", "1500")  # the first lot expired at the tip's time
    old, new = food["lots"]  # soonest-expiring first
    assert old == {"amount": "500", "expires_ms": chain.soon_ms, "spendable": "0", "expired": True}
    assert (new["amount"], new["spendable"], new["expired"]) == ("1500", "1500", False)
    assert new["expires_ms"] % DAY_MS == 0  # rounded up to the day granule
    assert 30 * DAY_MS <= new["expires_ms"] - w["time_ms"] <= 31 * DAY_MS

    (bank,) = w["timebank"]["banks"]
    assert (bank["bank"], bank["name"]) == (chain.bank.address, BANK_NAME)
    assert (bank["balance"], bank["floor_minutes"]) == (STARTER + SERVICE, FLOOR)
    assert bank["can_receive"] == STARTER + SERVICE + FLOOR
    assert w["timebank"]["total_minutes"] == STARTER + SERVICE

    fraud, sanctions = w["listings"]  # by list id
    assert (fraud["list"], fraud["reason_code"], fraud["in_force"]) == ("fraud", "fraud", False)
    assert fraud["expires_ms"] == chain.soon_ms
    assert (sanctions["list"], sanctions["reason_code"], sanctions["in_force"]) == ("sanctions", "sanctions", True)
    for listing in (fraud, sanctions):
        assert (listing["subject"], listing["authority"]) == (chain.alice.address, chain.agency.address)
        assert 0 < listing["since_height"] < w["height"] and listing["since_ms"] < w["time_ms"]


def test_the_other_side_of_the_service_and_an_empty_wallet(http: httpx.Client, chain: WalletChain) -> None:
    bob = wallet_of(http, chain.bob.address)
    assert [(a["asset"], a["balance"], a["lots"]) for a in bob["assets"]] == [("CITY", "1", [])]
    assert [b["balance"] for b in bob["timebank"]["banks"]] == [STARTER - SERVICE]
    assert bob["listings"] == []

    nobody = PrivateKey(b"\x5e" * 32).address
    empty = wallet_of(http, nobody)
    assert {k: v for k, v in empty.items() if k not in ("height", "time_ms")} == {
        "address": nobody,
        "assets": [],
        "timebank": {"banks": [], "total_minutes": 0},
        "listings": [],
    }


@pytest.mark.parametrize(
    "address",
    [
        "mb1xyz",
        "not-an-address",
        PrivateKey(b"\x5e" * 32).address.upper(),
        PrivateKey(b"\x5e" * 32).address[:-1] + ("q" if PrivateKey(b"\x5e" * 32).address[-1] != "q" else "p"),
    ],
    ids=["short", "not bech32", "upper case", "bad checksum"],
)
def test_a_malformed_address_is_refused(http: httpx.Client, chain: WalletChain, address: str) -> None:
    check_error(http.get(f"/v1/accounts/{address}/wallet"), 400, "codec.bad_address")
    check_error(http.get(f"/v1/accounts/{address}/wallet", params={"prove": "true"}), 400, "codec.bad_address")


def test_a_proven_wallet_verifies_under_the_header_of_the_block_it_was_read_at(
    http: httpx.Client, chain: WalletChain
) -> None:
    w = wallet_of(http, chain.alice.address, prove="true")
    proven = verify_reads(w.pop("proofs"), Genesis.load(chain.node.genesis_path().read_bytes()))
    assert (proven.header.height, proven.header.time_ms) == (w["height"], w["time_ms"])
    assert w == wallet_of(http, chain.alice.address)  # the same answer, with proofs
    a, bank = chain.alice.address, chain.bank.address
    values = proven.values
    assert values[f"assets/bal/FOOD/{a}"] == "2000"
    assert '"lots"' in (values[f"assets/lots/FOOD/{a}"] or "")
    assert values[f"assets/bal/CITY/{a}"] == "123456"
    assert values[f"watchlist/entry/sanctions/{a}"] is not None
    assert any(k.startswith("timebank/") and bank in k and a in k for k in values)
    assert check_error(http.get(f"/v1/accounts/{a}/wallet", params={"prove": "maybe"}), 400, "request.invalid")


def test_the_sdk_reads_the_wallet(chain: WalletChain) -> None:
    with chain.node.client() as c:
        w = c.wallet(chain.alice.address)
        assert [a["asset"] for a in w["assets"]] == ["CITY", "FOOD"]
        assert w["timebank"]["total_minutes"] == STARTER + SERVICE
        with pytest.raises(ApiError) as refused:
            c.wallet("mb1xyz")
    assert (refused.value.status, refused.value.code) == (400, "codec.bad_address")


# -- the proving rule, in process -------------------------------------------------------------------
@dataclass
class MovingTip:
    """A stand-in node of no module whose prover finds the tip ``moves`` blocks past what was read."""

    moves: int
    height: int = 7
    proved: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.app = self.store = self.state_prover = self
        self.modules: tuple[Any, ...] = ()
        self.reader = self
        self._conn = sqlite3.connect(":memory:", isolation_level=None)
        self._conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value)")
        self._conn.executemany("INSERT INTO meta VALUES (?, ?)", [("height", self.height), ("time_ms", 1_000)])

    def conn(self) -> sqlite3.Connection:
        return self._conn

    def prove(self, keys: Iterable[bytes], expect: Any = None) -> dict[str, Any]:
        self.proved.append(len(self.proved))
        later = self.height + (1 if len(self.proved) <= self.moves else 0)
        return {"header": {"height": later}, "attestations": [], "reads": []}


def test_a_wallet_proven_under_a_later_block_is_read_again_then_busy() -> None:
    address = PrivateKey(b"\x5f" * 32).address
    settles = MovingTip(moves=api_state.ATTEMPTS - 1)
    proven = answer(settles, address, prove=True)  # type: ignore[arg-type]
    assert proven["proofs"]["header"]["height"] == proven["height"] == 7
    assert len(settles.proved) == api_state.ATTEMPTS

    with pytest.raises(Unavailable) as busy:
        answer(MovingTip(moves=api_state.ATTEMPTS), address, prove=True)  # type: ignore[arg-type]
    assert busy.value.code == "state.busy"
