"""Property tests of execution: random create/mint/transfer/burn blocks against a plain model.

After every block, read from the executed state itself: supply = sum of balances for every asset,
no balance is negative (or stored as zero), supply never exceeds max supply. Every receipt matches
what a straightforward model of the rules predicts, and re-executing the same blocks from scratch
yields the same writes, receipts and app hashes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metrobloc import sdk
from metrobloc.codec import parse_json
from metrobloc.crypto import PrivateKey
from metrobloc.execution import Executor, PreparedTx
from metrobloc.ledger import build_body, sign_body
from metrobloc.ledger.limits import MAX_AMOUNT
from metrobloc.modules.assets.keys import PREFIX
from metrobloc.node.app import build_app
from metrobloc.state import app_hash_link
from metrobloc.state.apphash import ZERO_HASH

CHAIN_ID = "invariants"
KEYS = [PrivateKey(bytes([0x50 + i]) * 32) for i in range(4)]
ADMIN = KEYS[0]
"""KEYS[0] is the genesis admin (implies asset_issuer); the others hold no role."""
ASSETS = {"AAA": (1000, True), "BBB": (None, False), "CCC": (50, False)}
"""Symbol -> (max_supply, transferable)."""
SYMBOLS = sorted(ASSETS)
GENESIS = {
    "accounts": {"accounts": [{"address": ADMIN.address, "public_key": ADMIN.public_key.to_b64(), "roles": ["admin"]}]}
}

# -- the model ------------------------------------------------------------------------------------------


@dataclass
class ModelAsset:
    issuer: str
    cap: int
    transferable: bool
    balances: dict[str, int] = field(default_factory=dict)

    @property
    def supply(self) -> int:
        return sum(self.balances.values())


class Fail(Exception):
    def __init__(self, code: str) -> None:
        self.code = code


def model_apply(assets: dict[str, ModelAsset], op: tuple[Any, ...], sender: str) -> None:
    kind, symbol = op[0], op[1]
    if kind == "create":
        if sender != ADMIN.address:
            raise Fail("assets.missing_role")
        if symbol in assets:
            raise Fail("assets.exists")
        cap, transferable = ASSETS[symbol]
        assets[symbol] = ModelAsset(sender, MAX_AMOUNT if cap is None else cap, transferable)
        return
    if symbol not in assets:
        raise Fail("assets.unknown_asset")
    a = assets[symbol]
    if kind == "mint":
        to, amount = op[2], op[3]
        if sender != a.issuer:
            raise Fail("assets.not_issuer")
        if a.supply + amount > a.cap:
            raise Fail("assets.max_supply_exceeded")
        a.balances[to] = a.balances.get(to, 0) + amount
    elif kind == "transfer":
        to, amount = op[2], op[3]
        if not a.transferable and a.issuer not in (sender, to):
            raise Fail("assets.not_transferable")
        if a.balances.get(sender, 0) < amount:
            raise Fail("assets.insufficient_funds")
        a.balances[sender] -= amount
        a.balances[to] = a.balances.get(to, 0) + amount
    else:
        amount = op[2]
        if a.balances.get(sender, 0) < amount:
            raise Fail("assets.insufficient_funds")
        a.balances[sender] -= amount


def model_tx(assets: dict[str, ModelAsset], ops: list[tuple[Any, ...]], sender: str) -> str | None:
    """Apply a tx's ops all-or-nothing; the error code of the failing op, or None."""
    trial = {s: ModelAsset(a.issuer, a.cap, a.transferable, dict(a.balances)) for s, a in assets.items()}
    try:
        for op in ops:
            model_apply(trial, op, sender)
    except Fail as f:
        return f.code
    assets.clear()
    assets.update(trial)
    return None


# -- strategies -----------------------------------------------------------------------------------------

who = st.integers(0, len(KEYS) - 1)
symbol = st.sampled_from(SYMBOLS)
amount = st.integers(1, 650).map(lambda n: MAX_AMOUNT if n > 600 else n)  # now and then the largest amount
op = st.one_of(
    st.tuples(st.just("create"), symbol),
    st.tuples(st.just("mint"), symbol, who, amount),
    st.tuples(st.just("transfer"), symbol, who, amount),
    st.tuples(st.just("burn"), symbol, amount),
)
tx_spec = st.tuples(who, st.lists(op, min_size=1, max_size=3))
SETUP = [
    (0, [("create", sym) for sym in SYMBOLS]),
    (0, [("mint", "AAA", 1, 300), ("mint", "AAA", 2, 300), ("mint", "BBB", 1, 500), ("mint", "CCC", 2, 20)]),
]
"""The first block: the admin creates every asset and hands some out, so random ops mostly bite."""
blocks_spec = st.lists(st.lists(tx_spec, min_size=1, max_size=4), min_size=1, max_size=8).map(
    lambda blocks: [SETUP, *blocks]
)


def to_msg(o: tuple[Any, ...]) -> dict[str, Any]:
    if o[0] == "create":
        cap, transferable = ASSETS[o[1]]
        return sdk.assets.create(o[1], f"asset {o[1]}", 0, cap, transferable)
    if o[0] == "mint":
        return sdk.assets.mint(o[1], KEYS[o[2]].address, o[3])
    if o[0] == "transfer":
        return sdk.assets.transfer(o[1], KEYS[o[2]].address, o[3])
    return sdk.assets.burn(o[1], o[2])


def model_op(o: tuple[Any, ...]) -> tuple[Any, ...]:
    return (o[0], o[1], KEYS[o[2]].address, o[3]) if o[0] in ("mint", "transfer") else o


def prepare(blocks: list[list[tuple[int, list[tuple[Any, ...]]]]]) -> list[list[PreparedTx]]:
    app = build_app()
    out, nonce = [], 0
    for height, block in enumerate(blocks, start=1):
        txs = []
        for sender, ops in block:
            nonce += 1
            body = build_body(
                CHAIN_ID, [KEYS[sender].address], [to_msg(o) for o in ops], height + 5, nonce.to_bytes(16, "big")
            )
            tx = sign_body(body, [KEYS[sender]])
            txs.append(PreparedTx(tx, tuple(app.parse_msgs(tx.msgs))))
        out.append(txs)
    return out


# -- executing and checking -------------------------------------------------------------------------------


def execute(prepared: list[list[PreparedTx]]) -> list[tuple[dict[bytes, bytes | None], list[Any], bytes, Any]]:
    """Run blocks from a fresh genesis: per block (writes, receipts, app hash, state after)."""
    executor = Executor(build_app(), CHAIN_ID)
    state: dict[bytes, bytes] = {}
    writes = executor.init_genesis(state.get, GENESIS, 0)
    app_hash = app_hash_link(ZERO_HASH, writes)
    state.update({k: v for k, v in writes.items() if v is not None})
    out = []
    for height, txs in enumerate(prepared, start=1):
        result = executor.execute_block(state.get, txs, height, 1000 * height)
        for k, v in result.writes.items():
            if v is None:
                state.pop(k, None)
            else:
                state[k] = v
        app_hash = app_hash_link(app_hash, result.writes)
        out.append((dict(result.writes), [r.to_json() for r in result.receipts], app_hash, dict(state)))
    return out


def check_invariants(state: dict[bytes, bytes]) -> dict[str, dict[str, int]]:
    """Assert the supply rules on raw state; return balances per asset."""
    records = {k: parse_json(v) for k, v in state.items() if k.startswith(PREFIX + b"asset/")}
    balances: dict[str, dict[str, int]] = {}
    for key, value in state.items():
        if key.startswith(PREFIX + b"bal/"):
            sym, address = key[len(PREFIX + b"bal/") :].decode().split("/")
            n = int(value)
            assert n > 0, f"balance {key!r} stored as {value!r}"
            assert value == str(n).encode(), "balances are canonical decimal strings"
            balances.setdefault(sym, {})[address] = n
    assert set(balances) <= {r["asset"] for r in records.values()}, "a balance of an asset that does not exist"
    for record in records.values():
        total = sum(balances.get(record["asset"], {}).values())
        assert int(record["supply"]) == total, record
        assert total <= MAX_AMOUNT
        if record["max_supply"] is not None:
            assert total <= int(record["max_supply"]), record
    return balances


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(blocks_spec)
def test_supply_rules_hold_and_receipts_match_the_model(blocks: list[list[tuple[int, list[Any]]]]) -> None:
    run = execute(prepare(blocks))
    model: dict[str, ModelAsset] = {}
    for block, (_, receipts, _, state) in zip(blocks, run, strict=True):
        for (sender, ops), receipt in zip(block, receipts, strict=True):
            code = model_tx(model, [model_op(o) for o in ops], KEYS[sender].address)
            if code is None:
                assert receipt["status"] == "ok" and receipt["error"] is None, (ops, receipt)
                assert len(receipt["events"]) == len(ops)
            else:
                assert receipt["status"] == "failed" and receipt["error"]["code"] == code, (ops, receipt)
                assert receipt["events"] == []
        balances = check_invariants(state)
        expected = {s: {a: n for a, n in m.balances.items() if n} for s, m in model.items()}
        assert {s: b for s, b in balances.items() if b} == {s: b for s, b in expected.items() if b}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(blocks_spec)
def test_executing_the_same_blocks_twice_is_identical(blocks: list[list[tuple[int, list[Any]]]]) -> None:
    prepared = prepare(blocks)
    first, second = execute(prepared), execute(prepare(blocks))
    assert [p.tx.hash for b in prepared for p in b] == [p.tx.hash for b in prepare(blocks) for p in b]
    for (w1, r1, h1, _), (w2, r2, h2, _) in zip(first, second, strict=True):
        assert w1 == w2
        assert sorted(w1) == sorted(w2)
        assert r1 == r2
        assert h1 == h2
