"""The checker: stateless tx checks in real worker processes, their errors, and a worker that dies."""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
from collections.abc import Iterator

import orjson
import pytest

from metrobloc.crypto import PrivateKey
from metrobloc.errors import MetroblocError
from metrobloc.execution import PreparedTx
from metrobloc.ledger import build_body, parse_tx, sign_body
from metrobloc.node.app import build_app
from metrobloc.node.checker import Checked, Checker

CHAIN = "checker-test"
ALICE, BOB = PrivateKey(b"\x01" * 32), PrivateKey(b"\x02" * 32)


def signed(amount: int = 1, chain_id: str = CHAIN, nonce: bytes = b"\x00" * 16) -> dict[str, object]:
    msg = {"type": "assets/transfer", "asset": "CITY", "to": BOB.address, "amount": str(amount)}
    return sign_body(build_body(chain_id, [ALICE.address], [msg], 100, nonce), [ALICE]).to_json()


def badly_signed() -> dict[str, object]:
    tx = signed(2)
    other = signed(3)
    return {"body": tx["body"], "signatures": other["signatures"]}


@pytest.fixture(scope="module", params=[1, 0], ids=["process", "thread"])
def checker(request: pytest.FixtureRequest) -> Iterator[Checker]:
    c = Checker(build_app(), CHAIN, request.param)
    yield c
    c.close()


def run(coro: object) -> object:
    return asyncio.run(coro)  # type: ignore[arg-type]


def test_a_batch_gets_one_outcome_per_tx_in_order(checker: Checker) -> None:
    body = orjson.dumps([signed(1), badly_signed(), signed(1, chain_id="other"), {"body": {}}, signed(5)])
    good, bad_sig, wrong_chain, malformed, good2 = run(checker.check_batch(body, 10))  # type: ignore[misc]
    assert isinstance(good, Checked) and good.bad_signature is None
    assert isinstance(good.prepared, PreparedTx)
    [(msg_type, transfer)] = good.prepared.msgs
    assert msg_type.type == "assets/transfer" and transfer.amount == 1
    assert good.prepared.tx.hash == parse_tx(signed(1)).hash
    # A bad signature is carried beside the parsed tx: admission reports it after the state checks.
    assert isinstance(bad_sig, Checked) and bad_sig.bad_signature is not None
    assert bad_sig.bad_signature.code == "tx.bad_signature"
    assert isinstance(wrong_chain, MetroblocError) and wrong_chain.code == "tx.wrong_chain"
    assert isinstance(malformed, MetroblocError) and malformed.code.startswith("tx.")
    assert isinstance(good2, Checked) and good2.prepared.msgs[0][1].amount == 5


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"", "codec.bad_json"),
        (b"{", "codec.bad_json"),
        (b'{"a": 1}', "request.bad_batch"),
        (b"[1.5]", "codec.float_not_allowed"),
        (b"[" * 40 + b"]" * 40, "codec.too_deep"),
    ],
)
def test_a_body_that_is_no_batch_is_refused_whole(checker: Checker, body: bytes, code: str) -> None:
    with pytest.raises(MetroblocError) as refused:
        run(checker.check_batch(body, 10))
    assert refused.value.code == code


def test_a_batch_over_the_limit_is_refused(checker: Checker) -> None:
    with pytest.raises(MetroblocError) as refused:
        run(checker.check_batch(orjson.dumps([signed(1)] * 3), 2))
    assert refused.value.code == "request.batch_too_large"


def test_single_bodies_sent_together_each_get_their_own_outcome(checker: Checker) -> None:
    bodies = [orjson.dumps(signed(i + 1, nonce=bytes([i]) * 16)) for i in range(40)]
    bodies[7] = orjson.dumps(badly_signed())
    bodies[9] = b"not json"

    async def all_at_once() -> list[object]:
        return list(await asyncio.gather(*(checker.check_one(b) for b in bodies), return_exceptions=True))

    outcomes = run(all_at_once())
    assert isinstance(outcomes, list)
    for i, outcome in enumerate(outcomes):
        if i == 7:
            assert isinstance(outcome, Checked) and outcome.bad_signature is not None
        elif i == 9:
            assert isinstance(outcome, MetroblocError) and outcome.code == "codec.bad_json"
        else:
            assert isinstance(outcome, Checked) and outcome.bad_signature is None
            assert outcome.prepared.msgs[0][1].amount == i + 1


def test_txs_from_the_log_are_checked_with_their_signatures(checker: Checker) -> None:
    raws = [orjson.dumps(signed(1)), orjson.dumps(badly_signed()), b"[]", orjson.dumps(signed(4))]
    first, bad, junk, last = checker.check_raws(raws)
    assert isinstance(first, PreparedTx) and isinstance(last, PreparedTx)
    assert last.msgs[0][1].amount == 4
    assert isinstance(bad, MetroblocError) and bad.code == "tx.bad_signature"
    assert isinstance(junk, MetroblocError)


def test_the_chain_s_checks_survive_a_dead_worker() -> None:
    checker = Checker(build_app(), CHAIN, 1)
    try:
        one = orjson.dumps(signed(1))
        assert isinstance(checker.check_raws([one])[0], PreparedTx)  # the worker is up
        raws = [orjson.dumps(signed(i + 1, nonce=i.to_bytes(16, "big"))) for i in range(3000)]
        outcome: list[object] = []
        chain_thread = threading.Thread(target=lambda: outcome.extend(checker.check_raws(raws)))
        chain_thread.start()
        time.sleep(0.05)  # mid-job (3,000 signatures take well over 50 ms)
        for pid in list(checker._pool._processes):  # type: ignore[attr-defined]
            os.kill(pid, signal.SIGKILL)
        chain_thread.join(timeout=60)
        assert [p.msgs[0][1].amount for p in outcome if isinstance(p, PreparedTx)] == list(range(1, 3001))
    finally:
        checker.close()


def test_a_dead_worker_is_a_503_then_a_new_worker_takes_over() -> None:
    checker = Checker(build_app(), CHAIN, 1)
    try:
        assert isinstance(run(checker.check_one(orjson.dumps(signed(1)))), Checked)
        workers = list(checker._pool._processes)  # type: ignore[attr-defined]
        for pid in workers:
            os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        codes = []
        while time.monotonic() < deadline:
            try:
                outcome = run(checker.check_one(orjson.dumps(signed(1))))
            except MetroblocError as exc:
                codes.append(exc.code)
                continue
            if isinstance(outcome, Checked):
                break
        else:
            pytest.fail("the checker never recovered from a dead worker")
        assert codes and set(codes) == {"node.checker_unavailable"}, codes
    finally:
        checker.close()
