"""Stateless tx checks in worker processes: strict JSON, the envelope, the messages, the signatures.

This is most of the work a tx costs before execution, and in Python it holds the GIL that the
API's event loop and the chain thread need too (Ed25519 releases it, but takes it back once per
signature, which under load means waiting for it each time). Worker processes do it on their own
interpreters and send back the parsed txs, pickled: loading one costs ~3 µs against ~70 µs of
checks. Single-tx requests that arrive together go to the workers in one job.

Everything here is stateless: what a tx says about itself. Checks against the committed state
(expiry, replay, the accounts' keys) stay with admission, on the node's thread.
"""

from __future__ import annotations

import asyncio
import ctypes
import gc
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import BrokenExecutor, Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from metrobloc.codec import parse_json
from metrobloc.errors import InvalidInput, InvalidTx, MetroblocError, TooLarge, Unavailable
from metrobloc.execution import App, PreparedTx
from metrobloc.ledger import Tx, parse_tx
from metrobloc.node.app import build_app, load_modules

Parsed = tuple[Tx, tuple[tuple[str, Any], ...], MetroblocError | None]
"""A well-formed tx, its messages parsed (by type name: handlers do not pickle), its signature error."""
Outcome = Parsed | MetroblocError
Job = tuple[bytes, int]
"""A request body and the most txs it may hold: 0 for a body that is one tx, else a batch."""

SINGLE_MAX_DEPTH = 32
BATCH_MAX_DEPTH = 33  # a batch is a list of txs: one level more
BODIES_PER_JOB = 64

_worker: tuple[str, App] | None = None


def _init_worker(chain_id: str, parent: int, packages: tuple[str, ...]) -> None:
    global _worker  # noqa: PLW0603 - one worker process checks for one chain
    _worker = (chain_id, build_app(load_modules(packages)))
    if parent == os.getpid():
        return  # a thread of the node itself
    tune_gc()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the node, which then stops its workers
    _die_with(parent)


GC_THRESHOLDS = (50_000, 20, 100)
"""Collect young objects every 50,000 allocations instead of 700.

Each tx allocates a few dozen objects (parsed JSON, receipts) that reference counting frees;
with the default threshold the collector runs every few txs and, in a node holding a large
state cache, takes ~15% of the batch throughput (``bench/bench_transfers.py``).
"""


def tune_gc() -> None:
    """For a node process and its workers, once start-up is done."""
    gc.freeze()  # what start-up built lives as long as the process: never scan it again
    gc.set_threshold(*GC_THRESHOLDS)


def worker_stopped(cause: BaseException) -> Unavailable:
    return Unavailable(f"a tx check worker stopped ({cause}); retry", "node.checker_unavailable")


def _die_with(parent: int) -> None:
    """Have the kernel end this worker when the node process ends, even by SIGKILL (Linux)."""
    if sys.platform == "linux":
        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the node ended before the signal was armed
        os._exit(0)


def check_jobs(jobs: Sequence[Job]) -> list[list[Outcome] | MetroblocError]:
    """For each body: its txs' outcomes, or the error that refuses the whole body."""
    assert _worker is not None, "the worker was not initialised"
    chain_id, app = _worker
    out: list[list[Outcome] | MetroblocError] = []
    for body, max_txs in jobs:
        try:
            out.append(_check_body(body, max_txs, chain_id, app))
        except MetroblocError as exc:
            out.append(exc)
    return out


def check_raws(raws: Sequence[bytes]) -> list[Outcome]:
    """Outcomes of txs in canonical form (from the ordering log)."""
    assert _worker is not None, "the worker was not initialised"
    chain_id, app = _worker
    out: list[Outcome] = []
    for raw in raws:
        try:
            out.append(_check_tx(parse_json(raw), chain_id, app))
        except MetroblocError as exc:
            out.append(exc)
    return out


def _check_body(body: bytes, max_txs: int, chain_id: str, app: App) -> list[Outcome]:
    if not body:
        raise InvalidInput("request body is empty; send JSON", "codec.bad_json")
    if max_txs:
        objs = parse_json(body, max_depth=BATCH_MAX_DEPTH)
        if not isinstance(objs, list):
            raise InvalidInput("a batch is a JSON list of txs", "request.bad_batch")
        if len(objs) > max_txs:
            raise TooLarge(f"a batch holds at most {max_txs} txs", "request.batch_too_large")
    else:
        objs = [parse_json(body, max_depth=SINGLE_MAX_DEPTH)]
    out: list[Outcome] = []
    for obj in objs:
        try:
            out.append(_check_tx(obj, chain_id, app))
        except MetroblocError as exc:
            out.append(exc)
    return out


def _check_tx(obj: Any, chain_id: str, app: App) -> Parsed:
    tx = parse_tx(obj, checked=True)  # obj came from parse_json
    if tx.chain_id != chain_id:
        raise InvalidTx(f"tx is for chain {tx.chain_id!r}, this is {chain_id!r}", "tx.wrong_chain")
    msgs = app.parse_msgs(tx.msgs)
    bad_signature = None
    try:
        tx.verify_signatures()
    except MetroblocError as exc:
        bad_signature = exc  # reported after the state checks, which name a wrong key more helpfully
    return tx, tuple((mt.type, parsed) for mt, parsed in msgs), bad_signature


@dataclass(frozen=True)
class Checked:
    """A tx that passed the stateless checks but perhaps not its signature check."""

    prepared: PreparedTx
    bad_signature: MetroblocError | None
    """Why a signature does not verify, or None."""


class Checker:
    """Runs the checks in ``processes`` worker processes (0: one thread of this process)."""

    def __init__(self, app: App, chain_id: str, processes: int) -> None:
        self.app = app
        self.chain_id = chain_id
        self.processes = processes
        self._pool = self._new_pool()
        self._lock = threading.Lock()
        self._queued: list[tuple[Job, asyncio.Future[list[Outcome] | MetroblocError]]] = []

    def _new_pool(self) -> Executor:
        init = (self.chain_id, os.getpid(), tuple(m.package for m in self.app.modules))
        if self.processes == 0:
            return ThreadPoolExecutor(1, "check", initializer=_init_worker, initargs=init)
        # spawn: the workers are the node's own children (so they die with it) and start clean
        context = multiprocessing.get_context("spawn")
        return ProcessPoolExecutor(self.processes, mp_context=context, initializer=_init_worker, initargs=init)

    def _submit(self, fn: Callable[[Any], Any], arg: Any) -> Future[Any]:
        """Submit a job; a pool whose worker died is replaced, and the job refused (503)."""
        with self._lock:
            pool = self._pool
        try:
            return pool.submit(fn, arg)
        except BrokenExecutor as exc:
            with self._lock:
                if self._pool is pool:
                    self._pool = self._new_pool()
            raise worker_stopped(exc) from exc

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    async def check_batch(self, body: bytes, max_txs: int) -> list[Checked | MetroblocError]:
        """The outcome of every tx of a batch body; raises for a body that is not a batch."""
        try:
            [result] = await asyncio.wrap_future(self._submit(check_jobs, [(body, max_txs)]))
        except BrokenExecutor as exc:
            raise worker_stopped(exc) from exc
        if isinstance(result, MetroblocError):
            raise result
        return [self._prepared(o) for o in result]

    async def check_one(self, body: bytes) -> Checked | MetroblocError:
        """The outcome of a one-tx body; raises for a body that is not JSON."""
        future: asyncio.Future[list[Outcome] | MetroblocError] = asyncio.get_running_loop().create_future()
        self._queued.append(((body, 0), future))
        if len(self._queued) == 1:
            asyncio.get_running_loop().call_soon(self._flush)
        result = await future
        if isinstance(result, MetroblocError):
            raise result
        return self._prepared(result[0])

    def check_raws(self, raws: list[bytes]) -> list[PreparedTx | MetroblocError]:
        """Blocking: outcomes of canonical txs from the log (for the chain thread)."""
        if not raws:
            return []
        size = -(-len(raws) // max(1, self.processes))
        for attempt in range(3):  # a worker that died mid-job: its pool is replaced on the next submit
            try:
                futures = [self._submit(check_raws, raws[i : i + size]) for i in range(0, len(raws), size)]
                checked = [self._prepared(o) for f in futures for o in f.result()]
                return [c if isinstance(c, MetroblocError) else c.bad_signature or c.prepared for c in checked]
            except (Unavailable, BrokenExecutor):
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _flush(self) -> None:
        """Send the single-tx bodies queued in this loop turn, spread over the workers."""
        queued, self._queued = self._queued, []
        size = min(BODIES_PER_JOB, -(-len(queued) // max(1, self.processes)))
        for i in range(0, len(queued), size):
            part = queued[i : i + size]
            try:
                done = self._submit(check_jobs, [job for job, _ in part])
            except Unavailable as exc:
                for _, future in part:
                    future.set_exception(exc)
                continue
            done.add_done_callback(lambda f, part=part: _resolve(f, part))  # type: ignore[misc]

    def _prepared(self, outcome: Outcome) -> Checked | MetroblocError:
        if isinstance(outcome, MetroblocError):
            return outcome
        tx, msgs, bad_signature = outcome
        return Checked(PreparedTx(tx, tuple((self.app.routes[name], parsed) for name, parsed in msgs)), bad_signature)


def _resolve(
    done: Future[list[list[Outcome] | MetroblocError]],
    part: list[tuple[Job, asyncio.Future[list[Outcome] | MetroblocError]]],
) -> None:
    """Hand a job's results to the waiting requests, on their event loop."""
    for (_, future), result in zip(part, _results(done, len(part)), strict=True):
        loop = future.get_loop()
        loop.call_soon_threadsafe(_set, future, result)


def _results(done: Future[list[list[Outcome] | MetroblocError]], count: int) -> list[Any]:
    error = done.exception()
    if error is not None:  # a worker died: refuse, never acknowledge
        refusal = worker_stopped(error)
        return [refusal] * count
    return list(done.result())


def _set(future: asyncio.Future[Any], result: Any) -> None:
    if future.done():
        return
    if isinstance(result, BaseException) and not isinstance(result, MetroblocError):
        future.set_exception(result)
    else:
        future.set_result(result)
