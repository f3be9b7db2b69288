"""Bad input over HTTP is refused with the documented status and code, and nothing is committed.

Every case runs against a real node process. "Nothing committed" is checked with a snapshot taken
before and after: height, log size, app hash, the admitted counter, pending txs and balances.
The admitted counter moves synchronously with admission, so an unchanged snapshot right after the
response proves the tx never reached the ordering log.
"""

from __future__ import annotations

import copy
import json
import os
import random
import re
from typing import Any

import httpx
import orjson
import pytest
from tests.http_errors import check_error

from metrobloc.codec import b64url_encode
from metrobloc.crypto import TX_TAG, PrivateKey
from metrobloc.ledger import build_body, sign_body
from metrobloc.ledger.limits import MAX_MSGS_PER_TX, MAX_VALIDITY_BLOCKS
from metrobloc.sdk import accounts, assets

ASSET = "CITY"
ONE_MIB = 1024 * 1024
CODE = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")


def metric(http: httpx.Client, name: str) -> float:
    total = 0.0
    for line in http.get("/metrics").text.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            total += float(line.rsplit(" ", 1)[1])
    return total


class Chain:
    """The shared node with an asset CITY; admin is the issuer, alice and bob hold some."""

    def __init__(self, node: Any) -> None:
        self.node = node
        self.client = node.client()
        self.http = httpx.Client(base_url=node.url, timeout=30)
        self.admin = node.admin()
        self.alice = PrivateKey(b"\x0a" * 32)
        self.bob = PrivateKey(b"\x0b" * 32)
        self.chain_id = self.client.chain_id

    def commit(self, keys: list[PrivateKey], msgs: list[dict[str, Any]], **kw: Any) -> dict[str, Any]:
        result = self.client.submit(self.client.build_tx(keys, msgs, **kw), wait=True)
        return dict(result["receipt"])

    def height(self) -> int:
        return int(self.client.status()["height"])

    def body(self, keys: list[PrivateKey], msgs: list[dict[str, Any]], **overrides: Any) -> dict[str, Any]:
        body = build_body(self.chain_id, [k.address for k in keys], msgs, self.height() + 100, os.urandom(16))
        body.update(overrides)
        return body

    def signed(self, keys: list[PrivateKey], msgs: list[dict[str, Any]], **overrides: Any) -> dict[str, Any]:
        """A tx in wire form, signed over JCS(body) even when the body is invalid (no checks here)."""
        body = self.body(keys, msgs, **overrides)
        message = TX_TAG + orjson.dumps(body, option=orjson.OPT_SORT_KEYS)  # JCS for ASCII keys
        sigs = [{"public_key": k.public_key.to_b64(), "signature": b64url_encode(k.sign(message))} for k in keys]
        return copy.deepcopy({"body": body, "signatures": sigs})

    def snapshot(self) -> dict[str, Any]:
        status = self.client.status()
        return {
            "height": status["height"],
            "log_size": status["log_size"],
            "app_hash": status["app_hash"],
            "pending": status["pending_txs"],
            "admitted": metric(self.http, "metrobloc_txs_admitted_total"),
            "balances": {k.address: self.client.balance(ASSET, k.address) for k in (self.admin, self.alice, self.bob)},
            "supply": self.client.asset(ASSET)["supply"],
        }

    def post(self, payload: Any, path: str = "/v1/txs", **kw: Any) -> httpx.Response:
        content = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        return self.http.post(path, content=content, headers={"content-type": "application/json"}, **kw)

    def refused(self, payload: Any, status: int, code: str, path: str = "/v1/txs") -> dict[str, str]:
        """Post ``payload``; it must be refused as documented and leave the chain as it was."""
        before = self.snapshot()
        error = check_error(self.post(payload, path), status, code)
        assert self.snapshot() == before
        return error


@pytest.fixture(scope="module")
def chain(shared_node: Any) -> Any:
    c = Chain(shared_node)
    assert c.commit([c.admin], [assets.create(ASSET, "City Coin")])["status"] == "ok"
    receipt = c.commit(
        [c.admin], [assets.mint(ASSET, c.admin.address, 10_000), assets.mint(ASSET, c.alice.address, 500)]
    )
    assert receipt["status"] == "ok"
    yield c
    c.http.close()
    c.client.close()


def mint_msg(c: Chain, amount: str = "1") -> dict[str, Any]:
    return {"type": "assets/mint", "asset": ASSET, "to": c.bob.address, "amount": amount}


# -- replay, chain id, signatures, keys, expiry ---------------------------------------------------


def test_replay_of_a_committed_tx_is_refused(chain: Chain) -> None:
    tx = chain.client.build_tx([chain.admin], [assets.transfer(ASSET, chain.bob.address, 7)])
    receipt = chain.client.submit(tx, wait=True)["receipt"]
    assert receipt["status"] == "ok"
    chain.refused(tx.to_json(), 409, "tx.duplicate")
    # The committed receipt is the one and only execution.
    assert chain.client.tx(tx.hash)["receipt"] == receipt
    # The same body with its keys in another order is the same canonical body, the same hash.
    reordered = {"signatures": tx.to_json()["signatures"], "body": dict(reversed(list(tx.body.items())))}
    chain.refused(reordered, 409, "tx.duplicate")


def test_the_same_tx_twice_in_one_batch_executes_once(chain: Chain) -> None:
    tx = chain.client.build_tx([chain.admin], [assets.transfer(ASSET, chain.bob.address, 3)])
    bob_before = chain.client.balance(ASSET, chain.bob.address)
    results = chain.client.submit_batch([tx, tx], wait=True)
    assert results[0]["receipt"]["status"] == "ok"
    assert results[1]["error"]["code"] == "tx.duplicate" and results[1]["status"] == 409
    assert chain.client.balance(ASSET, chain.bob.address) == bob_before + 3


def test_tx_for_another_chain_is_refused(chain: Chain) -> None:
    tx = chain.signed([chain.admin], [mint_msg(chain)], chain_id="metropolis-2")
    chain.refused(tx, 400, "tx.wrong_chain")


def test_bad_signature_is_refused(chain: Chain) -> None:
    tx = chain.signed([chain.admin], [mint_msg(chain)])
    tx["body"]["memo"] = "changed after signing"
    chain.refused(tx, 401, "tx.bad_signature")
    # A signature by a stranger's key over the right bytes: the key does not match the account.
    tx = chain.signed([chain.admin], [mint_msg(chain)])
    stranger = sign_body(copy.deepcopy(tx["body"]), [chain.bob]).to_json()["signatures"]
    tx["signatures"] = stranger
    chain.refused(tx, 401, "accounts.key_mismatch")
    # A valid-looking signature of the right key over other bytes.
    tx = chain.signed([chain.admin], [mint_msg(chain)])
    other = chain.signed([chain.admin], [mint_msg(chain, "2")])
    tx["signatures"] = other["signatures"]
    chain.refused(tx, 401, "tx.bad_signature")


def test_co_signed_tx_needs_every_signature(chain: Chain) -> None:
    tx = chain.signed([chain.admin, chain.alice], [mint_msg(chain)])
    tx["signatures"][1] = chain.signed([chain.alice], [mint_msg(chain)])["signatures"][0]
    error = chain.refused(tx, 401, "tx.bad_signature")
    assert "1" in error["message"]
    tx["signatures"].pop()
    chain.refused(tx, 400, "tx.signature_count")


def test_rotated_away_key_is_refused_and_the_new_key_works(chain: Chain) -> None:
    old = PrivateKey(b"\x0c" * 32)
    new = PrivateKey(b"\x0d" * 32)
    address = old.address
    assert chain.commit([chain.admin], [assets.mint(ASSET, address, 100)])["status"] == "ok"
    receipt = chain.commit([old], [accounts.rotate_key(chain.chain_id, address, new)])
    assert receipt["status"] == "ok", receipt

    account = chain.client.account(address)
    assert account["public_key"] == new.public_key.to_b64()
    chain.refused(chain.signed([old], [assets.transfer(ASSET, chain.bob.address, 1)]), 401, "accounts.key_mismatch")

    bob_before = chain.client.balance(ASSET, chain.bob.address)
    receipt = chain.commit([new], [assets.transfer(ASSET, chain.bob.address, 40)], signers=[address])
    assert receipt["status"] == "ok", receipt
    assert chain.client.balance(ASSET, address) == 60
    assert chain.client.balance(ASSET, chain.bob.address) == bob_before + 40
    # The new key's own address is a different, empty account: the address stayed with the account.
    assert chain.client.balance(ASSET, new.address) == 0
    assert chain.client.account(address)["public_key"] == new.public_key.to_b64()


def test_old_key_stops_working_even_for_a_tx_admitted_before_the_rotation(chain: Chain) -> None:
    old = PrivateKey(b"\x0e" * 32)
    new = PrivateKey(b"\x0f" * 32)
    assert chain.commit([chain.admin], [assets.mint(ASSET, old.address, 10)])["status"] == "ok"
    rotation = chain.client.build_tx([old], [accounts.rotate_key(chain.chain_id, old.address, new)])
    late = chain.client.build_tx([old], [assets.transfer(ASSET, chain.bob.address, 5)])
    results = chain.client.submit_batch([rotation, late], wait=True)
    assert results[0]["receipt"]["status"] == "ok"
    assert results[1]["receipt"]["status"] == "failed"
    assert results[1]["receipt"]["error"]["code"] == "accounts.key_mismatch"
    assert chain.client.balance(ASSET, old.address) == 10


def test_rotation_without_the_new_keys_consent_is_refused(chain: Chain) -> None:
    who = PrivateKey(b"\x10" * 32)
    new = PrivateKey(b"\x11" * 32)
    msg = accounts.rotate_key("another-chain", who.address, new)  # consent for another chain
    receipt = chain.commit([who], [msg])
    assert receipt["status"] == "failed" and receipt["error"]["code"] == "accounts.bad_rotation"
    assert chain.client.account(who.address)["public_key"] is None


def test_expired_tx_is_refused(chain: Chain) -> None:
    height = chain.height()
    assert height >= 2
    chain.refused(chain.signed([chain.admin], [mint_msg(chain)], valid_until=height), 400, "tx.expired")
    chain.refused(chain.signed([chain.admin], [mint_msg(chain)], valid_until=1), 400, "tx.expired")


def test_validity_beyond_the_window_is_refused(chain: Chain) -> None:
    too_far = chain.height() + MAX_VALIDITY_BLOCKS + 1
    chain.refused(chain.signed([chain.admin], [mint_msg(chain)], valid_until=too_far), 400, "tx.validity_too_long")


# -- numbers -----------------------------------------------------------------------------------


def test_float_amount_in_raw_json_is_refused(chain: Chain) -> None:
    tx = chain.signed([chain.admin], [mint_msg(chain)])
    raw = json.dumps(tx).encode()
    for literal in (b"25.0", b"25.5", b"2.5e1", b"1e3", b"-0.0"):
        mutated = raw.replace(b'"amount": "1"', b'"amount": ' + literal)
        assert mutated != raw
        chain.refused(mutated, 400, "codec.float_not_allowed")
    # A float anywhere is refused, even where an integer would be fine.
    tx["body"]["valid_until"] = float(tx["body"]["valid_until"])
    chain.refused(tx, 400, "codec.float_not_allowed")


def test_amount_as_json_integer_is_refused(chain: Chain) -> None:
    tx = chain.signed([chain.admin], [mint_msg(chain)])
    tx["body"]["msgs"][0]["amount"] = 1
    chain.refused(tx, 400, "msg.bad_amount")


def test_amount_above_2_128_minus_1_is_refused(chain: Chain) -> None:
    for amount in (str(2**128), str(2**129 + 5), "9" * 39):
        chain.refused(chain.signed([chain.admin], [mint_msg(chain, amount)]), 400, "msg.amount_out_of_range")
    for amount in ("9" * 40, "-1", "0", "01", "1.0", " 1", "0x10", ""):
        chain.refused(chain.signed([chain.admin], [mint_msg(chain, amount)]), 400, "msg.bad_amount")


def test_json_number_above_2_53_is_refused(chain: Chain) -> None:
    for n in (2**53, -(2**53), 2**63):
        tx = chain.signed([chain.admin], [mint_msg(chain)])
        tx["body"]["valid_until"] = n  # refused before any signature check
        chain.refused(tx, 400, "codec.integer_out_of_range")
        # In a batch the body as a whole is not MetroBloc JSON: the request is refused.
        good = chain.signed([chain.admin], [mint_msg(chain)])
        chain.refused([good, tx], 400, "codec.integer_out_of_range", path="/v1/txs/batch")
    # 2^53 - 1 is a legal JSON integer; the validity window refuses it instead.
    tx = chain.signed([chain.admin], [mint_msg(chain)], valid_until=2**53 - 1)
    chain.refused(tx, 400, "tx.validity_too_long")


def test_integers_beyond_64_bits_are_refused_as_4xx(chain: Chain) -> None:
    tx = chain.signed([chain.admin], [mint_msg(chain)])
    raw = json.dumps(tx).encode()
    vu = str(tx["body"]["valid_until"]).encode()
    for literal in (b"1" + b"0" * 30, b"1" + b"0" * 400):
        before = chain.snapshot()
        response = chain.post(raw.replace(b'"valid_until": ' + vu, b'"valid_until": ' + literal))
        assert response.status_code == 400, response.text
        assert response.json()["error"]["code"].startswith("codec.")
        assert chain.snapshot() == before


# -- sizes and depth ---------------------------------------------------------------------------


def test_body_of_1_mib_plus_1_is_refused_and_1_mib_is_read(chain: Chain) -> None:
    tx = chain.signed([chain.admin], [assets.transfer(ASSET, chain.bob.address, 2)])
    raw = json.dumps(tx).encode()
    over = raw + b" " * (ONE_MIB + 1 - len(raw))
    assert len(over) == ONE_MIB + 1
    chain.refused(over, 413, "request.too_large")

    # Without a Content-Length (chunked), the limit still holds.
    before = chain.snapshot()
    chunks = iter([over[i : i + 65536] for i in range(0, len(over), 65536)])
    response = chain.http.post("/v1/txs", content=chunks, headers={"content-type": "application/json"})
    check_error(response, 413, "request.too_large")
    assert chain.snapshot() == before

    # The limit is inclusive: the same tx padded to exactly 1 MiB is admitted and commits once.
    exact = raw + b" " * (ONE_MIB - len(raw))
    response = chain.http.post("/v1/txs?wait=true", content=exact, headers={"content-type": "application/json"})
    assert response.status_code == 200, response.text
    assert response.json()["receipt"]["status"] == "ok"


def test_deep_json_is_refused(chain: Chain) -> None:
    depth = 10**5
    chain.refused(b"[" * depth + b"]" * depth, 413, "codec.too_deep")
    chain.refused(b'{"a":' * depth + b"1" + b"}" * depth, 413, "codec.too_deep")
    chain.refused(b"[" * depth + b"]" * depth, 413, "codec.too_deep", path="/v1/txs/batch")
    # Just past the limit inside an otherwise valid tx.
    tx = chain.signed([chain.admin], [mint_msg(chain)])
    nested: Any = "x"
    for _ in range(40):
        nested = [nested]
    tx["body"]["msgs"][0]["asset"] = nested
    chain.refused(tx, 413, "codec.too_deep")


def test_too_many_msgs_are_refused(chain: Chain) -> None:
    tx = chain.signed([chain.admin], [mint_msg(chain)] * (MAX_MSGS_PER_TX + 1))
    error = chain.refused(tx, 413, "tx.too_many_msgs")
    assert str(MAX_MSGS_PER_TX) in error["message"]


def test_empty_msgs_is_a_400_not_a_413(chain: Chain) -> None:
    chain.refused(chain.signed([chain.admin], []), 400, "tx.bad_msgs")


# -- schema ------------------------------------------------------------------------------------


def test_unknown_fields_are_refused(chain: Chain) -> None:
    tx = chain.signed([chain.admin], [mint_msg(chain)])
    cases: list[tuple[Any, str]] = []
    t = copy.deepcopy(tx)
    t["extra"] = 1
    cases.append((t, "tx.bad_shape"))
    t = copy.deepcopy(tx)
    t["body"]["fee"] = "1"
    cases.append((t, "tx.unknown_field"))
    t = copy.deepcopy(tx)
    t["body"]["msgs"][0]["memo"] = "x"
    cases.append((t, "msg.unknown_field"))
    t = copy.deepcopy(tx)
    t["signatures"][0]["algo"] = "ed25519"
    cases.append((t, "tx.bad_signature"))
    for payload, code in cases:
        chain.refused(payload, 400, code)


def test_unknown_msg_type_is_refused(chain: Chain) -> None:
    for type_ in ("assets/steal", "nomodule/thing", "Assets/Mint", "assets", 7):
        msg = {**mint_msg(chain), "type": type_}
        code = "tx.bad_msgs" if not isinstance(type_, str) else "tx.unknown_msg"
        chain.refused(chain.signed([chain.admin], [msg]), 400, code)


def test_malformed_bodies_are_refused(chain: Chain) -> None:
    cases: list[tuple[bytes, str]] = [
        (b"", "codec.bad_json"),
        (b"{", "codec.bad_json"),
        (b"\xff\xfe", "codec.bad_json"),
        (b"null", "tx.bad_shape"),
        (b"[]", "tx.bad_shape"),
        (b'"tx"', "tx.bad_shape"),
        (b'{"body": {}, "signatures": []}', "tx.missing_field"),
    ]
    for payload, code in cases:
        chain.refused(payload, 400, code)


# -- routes and methods --------------------------------------------------------------------------


def test_unknown_route_is_a_json_404(chain: Chain) -> None:
    for path in ("/v2/txs", "/v1/nothing", "/v1/txs/abc/proof/extra"):
        check_error(chain.http.get(path), 404, "request.not_found")


def test_wrong_method_is_a_json_405(chain: Chain) -> None:
    check_error(chain.http.put("/v1/txs/batch", content=b"[]"), 405, "request.method_not_allowed")
    check_error(chain.http.patch("/v1/blocks/latest"), 405, "request.method_not_allowed")
    check_error(chain.http.delete("/v1/status"), 405, "request.method_not_allowed")
    check_error(chain.http.put("/v1/txs", content=b"{}"), 405, "request.method_not_allowed")


def test_bad_path_and_query_values_are_400(chain: Chain) -> None:
    check_error(chain.http.get("/v1/blocks/abc"), 400, "request.invalid")
    check_error(chain.http.get("/v1/blocks/0"), 400, "blocks.bad_height")
    check_error(chain.http.get("/v1/txs/ABC"), 400, "txs.bad_hash")
    check_error(chain.http.get("/v1/log/consistency?first=1"), 400, "request.invalid")
    check_error(chain.http.get("/v1/log/consistency?first=2&second=1"), 400, "log.bad_range")
    check_error(chain.http.get("/v1/accounts/nope"), 400, "codec.bad_address")
    check_error(chain.http.get("/v1/assets/city"), 400, "assets.bad_symbol")
    check_error(chain.http.post("/v1/txs?timeout=-1", content=b"{}"), 400, "request.invalid")


def test_huge_heights_are_4xx_not_5xx(chain: Chain) -> None:
    committed = chain.client.block("latest")["tx_hashes"][0]
    for path in (f"/v1/blocks/{2**63}", f"/v1/blocks/{10**30}", f"/v1/txs/{committed}/proof?at={2**63}"):
        response = chain.http.get(path)
        assert 400 <= response.status_code < 500, (path, response.status_code)


# -- batches -------------------------------------------------------------------------------------


def test_batch_over_the_maximum_is_refused(chain: Chain) -> None:
    # The node's default maximum is 5000 txs; the items need not even be txs to be counted.
    chain.refused([{}] * 5001, 413, "request.batch_too_large", path="/v1/txs/batch")
    chain.refused({"txs": []}, 400, "request.bad_batch", path="/v1/txs/batch")


def test_batch_with_good_and_bad_txs_answers_per_item_and_commits_the_good(chain: Chain) -> None:
    c = chain
    bob_before = c.client.balance(ASSET, c.bob.address)
    good1 = c.signed([c.admin], [assets.transfer(ASSET, c.bob.address, 11)])
    bad_sig = c.signed([c.admin], [assets.transfer(ASSET, c.bob.address, 1000)])
    bad_sig["body"]["memo"] = "tampered"
    good2 = c.signed([c.alice], [assets.transfer(ASSET, c.bob.address, 13)])
    wrong_chain = c.signed([c.admin], [assets.transfer(ASSET, c.bob.address, 1000)], chain_id="elsewhere")
    fails_in_execution = c.signed([c.bob], [assets.transfer(ASSET, c.alice.address, 10**9)])
    garbage: dict[str, Any] = {"body": 1}
    batch = [good1, bad_sig, good2, wrong_chain, fails_in_execution, garbage]

    response = c.post(batch, "/v1/txs/batch?wait=true")
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert len(results) == len(batch)
    for i in (0, 2):
        assert results[i]["receipt"]["status"] == "ok", results[i]
        assert results[i]["tx_hash"] == results[i]["receipt"]["tx_hash"]
    expected = {1: (401, "tx.bad_signature"), 3: (400, "tx.wrong_chain"), 5: (400, "tx.bad_shape")}
    for i, (status, code) in expected.items():
        assert set(results[i]) == {"error", "status"}, results[i]
        assert results[i]["status"] == status and results[i]["error"]["code"] == code
        assert set(results[i]["error"]) == {"code", "message"}
    assert results[4]["receipt"]["status"] == "failed"
    assert results[4]["receipt"]["error"]["code"] == "assets.insufficient_funds"
    assert c.client.balance(ASSET, c.bob.address) == bob_before + 24


# -- never a 5xx -----------------------------------------------------------------------------------


def _mutations(tx: dict[str, Any], rng: random.Random, *, floats: bool = True) -> Any:
    values: list[Any] = [
        None, True, 0, -1, 2**53 - 1, "", "x" * 2000, "\u0000", "\ud7ff\ue000", [], {}, [None], {"k": []},
        "mb1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq", "AAAA", "-_",
    ]  # fmt: skip
    if floats:
        values.append(1.5)
    t = copy.deepcopy(tx)
    while t == tx:
        t = _mutate_once(copy.deepcopy(tx), rng, values)
    return t


def _mutate_once(t: dict[str, Any], rng: random.Random, values: list[Any]) -> dict[str, Any]:
    paths: list[tuple[Any, Any]] = []

    def walk(node: Any) -> None:
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for k, v in list(items):
            paths.append((node, k))
            if isinstance(v, dict | list):
                walk(v)

    walk(t)
    for _ in range(rng.randint(1, 3)):
        parent, key = rng.choice(paths)
        action = rng.random()
        if action < 0.7:
            parent[key] = rng.choice(values)
        elif action < 0.85 and isinstance(parent, dict):
            parent[rng.choice(["zz", "type", "\ue001", "body"])] = rng.choice(values)
        elif isinstance(parent, dict):
            parent.pop(key, None)
    return t


def test_random_malformed_txs_never_cause_a_5xx(chain: Chain) -> None:
    rng = random.Random(20240521)
    tx = chain.signed([chain.admin], [mint_msg(chain), assets.transfer(ASSET, chain.alice.address, 1)])
    before = chain.snapshot()
    singles = [_mutations(tx, rng) for _ in range(150)]
    batch = [_mutations(tx, rng, floats=False) for _ in range(150)]  # a float refuses the whole batch
    for payload in singles:
        response = chain.post(payload)
        assert 400 <= response.status_code < 500, (payload, response.status_code, response.text[:300])
        error = response.json()["error"]
        assert set(error) == {"code", "message"} and CODE.match(error["code"]), error
    response = chain.post(batch, "/v1/txs/batch")
    assert response.status_code == 200
    for result in response.json()["results"]:
        assert set(result) == {"error", "status"} and 400 <= result["status"] < 500, result
    assert chain.snapshot() == before
