"""The transfer load that ``metrobloc bench transfers`` (``cli/bench.py``) runs: pre-signed
transfers between many accounts, submitted over HTTP to running nodes and timed to their commit.

Commit times come from the node's block event stream; a tx's latency is from the start of the
request that carried it to the arrival of its block's event.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import statistics
import time
from dataclasses import dataclass
from typing import Any

import aiohttp
import orjson

from metrobloc import sdk
from metrobloc.crypto import PrivateKey
from metrobloc.ledger import build_body, sign_body
from metrobloc.sdk import Client, assets

MINTS_PER_TX = 64
"""Setup messages (mints, role grants) per tx."""
DAY_MS = 86_400_000
YEAR_MS = 365 * DAY_MS
LOT_LIFETIME_MS = 30 * DAY_MS
EXPIRY_GRANULE_MS = DAY_MS
"""30 granules per lifetime (the policy allows 64): a setup's mints share one expiry, so each account holds one lot."""
MERCHANT_ROLE = "bench_merchant"
WATCHLIST = "sanctions"


@dataclass(frozen=True)
class BenchResult:
    """Figures of one run."""

    mode: str
    txs: int
    seconds: float
    committed: int
    failed: int
    p50_ms: float
    p99_ms: float

    @property
    def tps(self) -> float:
        return self.committed / self.seconds if self.seconds else 0.0

    def line(self) -> str:
        return (
            f"{self.mode:>7}: {self.committed} committed ({self.failed} failed) in {self.seconds:.2f} s = "
            f"{self.tps:,.0f} tx/s; commit latency p50 {self.p50_ms:.0f} ms, p99 {self.p99_ms:.0f} ms"
        )


def bench_policy() -> dict[str, Any]:
    """The policy of a ``policy`` benchmark asset: expiry, a merchant restriction and one enforced watch-list."""
    return {
        "lot_lifetime_ms": LOT_LIFETIME_MS,
        "expiry_granule_ms": EXPIRY_GRANULE_MS,
        "merchant_role": MERCHANT_ROLE,
        "watchlists": [WATCHLIST],
    }


def setup_stages(
    kind: str, asset: str, keys: list[PrivateKey], per_account: int, *, listed_until_ms: int
) -> list[list[list[dict[str, Any]]]]:
    """The admin's setup txs (each a list of messages), in stages that must each commit before the next.

    A ``policy`` asset also lists one unrelated fresh address on its watch-list (so that the check
    reads a list that has entries) and grants every account the merchant role (so that any of them
    may receive); the admin holds every role, watchlist_authority included.
    """
    create = [assets.create(asset, "Benchmark units", policy=bench_policy() if kind == "policy" else None)]
    funding = [
        [assets.mint(asset, k.address, per_account) for k in keys[i : i + MINTS_PER_TX]]
        for i in range(0, len(keys), MINTS_PER_TX)
    ]
    if kind == "plain":
        return [[create], funding]
    stranger = PrivateKey(os.urandom(32)).address
    digest = hashlib.sha256(b"metrobloc bench: an unrelated listing").hexdigest()
    listing = [sdk.watchlist.list(WATCHLIST, stranger, "sanctions", digest, listed_until_ms)]
    grants = [
        [sdk.accounts.grant_role(k.address, MERCHANT_ROLE) for k in keys[i : i + MINTS_PER_TX]]
        for i in range(0, len(keys), MINTS_PER_TX)
    ]
    return [[create, listing], grants + funding]


def setup_accounts(
    url: str, admin: PrivateKey, accounts: int, per_account: int, kind: str = "plain"
) -> tuple[str, list[PrivateKey], int]:
    """A fresh asset of ``kind`` (plain or policy) and ``accounts`` funded keys; returns (asset, keys, chain height)."""
    keys = [PrivateKey(os.urandom(32)) for _ in range(accounts)]
    asset = "B" + os.urandom(5).hex().upper()
    listed_until_ms = int(time.time() * 1000) + YEAR_MS
    with Client(url) as c:
        for stage in setup_stages(kind, asset, keys, per_account, listed_until_ms=listed_until_ms):
            results = c.submit_batch([c.build_tx([admin], msgs) for msgs in stage], wait=True)
            bad = [r for r in results if r.get("receipt", {}).get("status") != "ok"]
            if bad:
                raise RuntimeError(f"setting up the benchmark asset and accounts failed: {bad[0]}")
        return asset, keys, int(c.status()["height"])


def presign(chain_id: str, asset: str, keys: list[PrivateKey], count: int, valid_until: int) -> list[bytes]:
    """``count`` signed transfers of 1 unit, account i to account i+1, as request bodies."""
    out = []
    n = len(keys)
    for i in range(count):
        sender, to = keys[i % n], keys[(i + 1 + i // n) % n]
        msg = {"type": "assets/transfer", "asset": asset, "to": to.address, "amount": "1"}
        body = build_body(chain_id, [sender.address], [msg], valid_until, os.urandom(16))
        out.append(orjson.dumps(sign_body(body, [sender]).to_json()))
    return out


class BlockClock:
    """Follows ``/v1/events?types=block`` and notes when each block's event arrived."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.arrived: dict[int, float] = {}
        self.ready = asyncio.Event()

    async def run(self, session: aiohttp.ClientSession) -> None:
        async with session.get(
            f"{self.url}/v1/events",
            params={"types": "block"},
            timeout=aiohttp.ClientTimeout(total=None, sock_read=None),
        ) as resp:
            self.ready.set()
            async for raw in resp.content:
                line = raw.strip()
                if line.startswith(b"data: "):
                    event = orjson.loads(line[6:])
                    self.arrived[int(event["height"])] = time.perf_counter()


async def _submit(
    urls: list[str], bodies: list[bytes], batch: int, concurrency: int, session: aiohttp.ClientSession
) -> tuple[dict[str, tuple[float, int]], int]:
    """Send everything, requests round-robin over the nodes.

    Returns tx hash -> (request start time, index of the node it went to), and the count refused.
    """
    sent: dict[str, tuple[float, int]] = {}
    refused = 0
    if batch <= 1:
        chunks = [[b] for b in bodies]
        path = "/v1/txs"
    else:
        chunks = [bodies[i : i + batch] for i in range(0, len(bodies), batch)]
        path = "/v1/txs/batch"
    queue = iter(enumerate(chunks))
    headers = {"Content-Type": "application/json"}

    async def worker() -> None:
        nonlocal refused
        for k, chunk in queue:
            node = k % len(urls)
            payload = chunk[0] if batch <= 1 else b"[" + b",".join(chunk) + b"]"
            started = time.perf_counter()
            async with session.post(urls[node] + path, data=payload, headers=headers) as resp:
                data = orjson.loads(await resp.read())
            results = [data] if batch <= 1 else data.get("results", [])
            refused += len(chunk) - len(results)
            for r in results:
                if "tx_hash" in r and "error" not in r:
                    sent[r["tx_hash"]] = (started, node)
                else:
                    refused += 1

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return sent, refused


async def _run(
    urls: list[str], mode: str, bodies: list[bytes], batch: int, concurrency: int, timeout_s: float
) -> BenchResult:
    """A tx counts as committed when the node it was submitted to announces its block."""
    conn = aiohttp.TCPConnector(limit=concurrency + 4 * len(urls))
    async with aiohttp.ClientSession(connector=conn) as session:
        clocks = [BlockClock(url) for url in urls]
        followers = [asyncio.create_task(clock.run(session)) for clock in clocks]
        for clock in clocks:
            await asyncio.wait_for(clock.ready.wait(), 10)
        seen: list[int] = []
        for url in urls:
            async with session.get(f"{url}/v1/status") as resp:
                seen.append(int((await resp.json())["height"]))
        sent, refused = await _submit(urls, bodies, batch, concurrency, session)
        committed: dict[str, float] = {}
        deadline = time.monotonic() + timeout_s
        while len(committed) < len(sent) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
            for node, (url, clock) in enumerate(zip(urls, clocks, strict=True)):
                for height in sorted(h for h in clock.arrived if h > seen[node]):
                    async with session.get(f"{url}/v1/blocks/{height}") as resp:
                        block = await resp.json()
                    for h in block["tx_hashes"]:
                        if h in sent and sent[h][1] == node:
                            committed[h] = clock.arrived[height]
                    seen[node] = height
        for follower in followers:
            follower.cancel()
    if not committed:
        return BenchResult(mode, len(bodies), 0.0, 0, refused, 0.0, 0.0)
    latencies = sorted((committed[h] - sent[h][0]) * 1000 for h in committed)
    seconds = max(committed.values()) - min(start for start, _ in sent.values())
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return BenchResult(
        mode,
        len(bodies),
        seconds,
        len(committed),
        refused + len(sent) - len(committed),
        statistics.median(latencies),
        p99,
    )


def run_transfers(
    urls: list[str],
    admin: PrivateKey,
    *,
    txs: int,
    accounts: int,
    modes: list[str],
    batch: int,
    concurrency: int,
    batch_concurrency: int,
    asset_kind: str = "plain",
    timeout_s: float = 120.0,
    echo: Any = print,
) -> list[BenchResult]:
    """Set up accounts, pre-sign, and run each mode (requests round-robin over ``urls``); prints as it goes."""
    per_account = txs * len(modes) // accounts + 2
    asset, keys, height = setup_accounts(urls[0], admin, accounts, per_account, asset_kind)
    if asset_kind == "policy":
        echo(f"asset {asset} with the policy {orjson.dumps(bench_policy()).decode()}")
    with Client(urls[0]) as c:
        chain_id = c.chain_id
    results = []
    for mode in modes:
        started = time.perf_counter()
        bodies = presign(chain_id, asset, keys, txs, height + 50_000)
        echo(f"pre-signed {len(bodies)} transfers between {accounts} accounts in {time.perf_counter() - started:.1f} s")
        size, conc = (1, concurrency) if mode == "single" else (batch, batch_concurrency)
        result = asyncio.run(_run(urls, mode, bodies, size, conc, timeout_s))
        echo(result.line())
        results.append(result)
    return results
