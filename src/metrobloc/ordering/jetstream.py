"""The JetStream orderer: a consortium's ordering log on a replicated NATS JetStream stream.

ARCHITECTURE.md section 5 and docs/spec/ordering.md. One stream per chain holds tx messages and
cut messages in one total order; every node consumes it and forms the same blocks. A second
stream carries the nodes' announcements (signed headers). Admission's ``submit`` returns only
after JetStream acknowledged the message, which with R3 and ``sync_interval: always`` means a
quorum of servers has it on disk. A block's time is the stream's own timestamp of its cut message,
which the stream leader sets and every replica stores unchanged: no node's clock decides it.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import re
import threading
import time
import urllib.request
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import nats
import orjson
from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, DeliverPolicy, DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError

from metrobloc.errors import Unavailable
from metrobloc.ordering.orderer import HistoryMissing, OrderedBlock, OrdererConfig, register

log = logging.getLogger("metrobloc.ordering.jetstream")

TX, CUT = 0, 1
DEDUP_WINDOW_S = 120.0
"""JetStream's deduplication window (its default); replay protection stays the ledger's job."""
ANNOUNCE_MAX_AGE_S = 7 * 24 * 3600.0
"""How long signed headers stay in the announcement stream (nodes also keep them)."""
CLOCK_WARN_MS = 2_000
"""A cut whose publisher's clock and the stream's timestamp differ by more than this is logged."""
CLOCK_WARN_EVERY_S = 60.0
"""At most one such warning per this many seconds."""


class StreamMisconfigured(Exception):
    """The stream or the servers lack a setting the ledger's durability depends on."""


@dataclass(frozen=True)
class Names:
    """Stream and subject names of one chain."""

    log_stream: str
    log_filter: str
    tx_subject: str
    cut_subject: str
    announce_stream: str
    announce_subject: str


def names_for(chain_id: str) -> Names:
    """Stream names allow letters, digits, ``-`` and ``_``; other characters of the chain id become ``_``."""
    token = re.sub(r"[^A-Za-z0-9_-]", "_", chain_id)
    return Names(
        log_stream=f"MB_{token}",
        log_filter=f"mb.{token}.log.>",
        tx_subject=f"mb.{token}.log.tx",
        cut_subject=f"mb.{token}.log.cut",
        announce_stream=f"MB_{token}_ANNOUNCE",
        announce_subject=f"mb.{token}.announce",
    )


def frame(txs: list[bytes]) -> bytes:
    """A tx message's payload: each tx as a 4-byte big-endian length and its canonical bytes."""
    return b"".join(len(tx).to_bytes(4, "big") + tx for tx in txs)


def unframe(payload: bytes) -> tuple[bytes, ...]:
    """The txs of a tx message; a malformed payload yields the txs before the damage."""
    out: list[bytes] = []
    at, end = 0, len(payload)
    while at + 4 <= end:
        size = int.from_bytes(payload[at : at + 4], "big")
        if at + 4 + size > end:
            break
        out.append(payload[at + 4 : at + 4 + size])
        at += 4 + size
    return tuple(out)


def stream_time_ns(reply: str) -> int:
    """The stream's timestamp of a delivered message, Unix ns, from its ``$JS.ACK`` reply subject.

    The stream leader stamps a message (in nanoseconds) when it proposes it to the replicas,
    and every replica stores that stamp, so every node reads the same value whichever server
    hosts its consumer. Raises ``ValueError`` for a reply that is not a JetStream delivery.
    """
    tokens = reply.split(".")
    if tokens[:2] != ["$JS", "ACK"] or (len(tokens) != 9 and len(tokens) < 11):
        raise ValueError(f"not a JetStream delivery subject: {reply!r}")
    # v1: $JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<cseq>.<ts>.<pending>
    # v2: $JS.ACK.<domain>.<account>.<stream>.<consumer>.<delivered>.<sseq>.<cseq>.<ts>.<pending>[.<token>]
    return int(tokens[7] if len(tokens) == 9 else tokens[9])


def message_id(ids: list[str]) -> str:
    """``Nats-Msg-Id``: the tx hash for a one-tx message, a digest of the hashes for a batch."""
    if len(ids) == 1:
        return ids[0]
    return "batch-" + hashlib.sha256("".join(ids).encode()).hexdigest()


def check_stream(config: Any, replicas: int) -> None:
    """Refuse a stream that could lose acknowledged txs (raises ``StreamMisconfigured``)."""
    problems = []
    if config.storage != StorageType.FILE:
        problems.append(f"storage is {config.storage}, not file")
    if (config.num_replicas or 1) < replicas:
        problems.append(f"it has {config.num_replicas or 1} replicas, the node requires {replicas}")
    persist = getattr(config, "persist_mode", None)
    if persist is not None and str(getattr(persist, "value", persist)).lower() == "async":
        problems.append("persist_mode is async (acknowledged messages may be lost)")
    if config.no_ack:
        problems.append("no_ack is set (publishes would not be acknowledged)")
    if problems:
        raise StreamMisconfigured(f"stream {config.name}: " + "; ".join(problems))


def check_server_sync(monitor_urls: tuple[str, ...], timeout: float = 2.0) -> None:
    """Ask each server's monitoring endpoint whether JetStream fsyncs every write.

    A server that answers without ``sync_always`` is refused; one that does not answer is logged.
    """
    for url in monitor_urls:
        try:
            with urllib.request.urlopen(url.rstrip("/") + "/varz", timeout=timeout) as response:  # noqa: S310
                varz = orjson.loads(response.read())
        except (OSError, ValueError) as exc:
            log.warning("cannot check the sync setting of NATS server %s: %s", url, exc)
            continue
        js = (varz.get("jetstream") or {}).get("config") or {}
        if not js.get("sync_always"):
            raise StreamMisconfigured(
                f"NATS server {url} does not fsync every write: set `jetstream {{ sync_interval: always }}` "
                "(the default syncs every two minutes and loses acknowledged messages on power loss)"
            )


class JetStreamOrderer:
    """Orders txs through JetStream; blocks are read back from an ordered consumer."""

    def __init__(self, location: str, config: OrdererConfig) -> None:
        self.servers = [s.strip() for s in location.split(",") if s.strip()]
        if not self.servers:
            raise ValueError("the jetstream orderer needs server URLs, e.g. nats://127.0.0.1:4222")
        if not config.chain_id:
            raise ValueError("the jetstream orderer needs the chain id")
        self.config = config
        self.names = names_for(config.chain_id)
        self.on_announcement: Callable[[bytes], None] | None = None
        """Called on the event loop with each announcement any node published (its own too)."""
        self._nc: NatsClient | None = None
        self._js: JetStreamContext | None = None
        self._subs: list[Any] = []
        self._records: deque[tuple[int, int, Any]] = deque()
        """(stream seq, TX | CUT, txs tuple | time_ms) consumed and not yet handed to the chain."""
        self._cond = threading.Condition()
        self._last_seq = 0
        self._last_cut = 0
        self._closed = False
        self._uncut = 0
        self._first_uncut_at = 0.0
        self._cut_sent: tuple[int, float] = (-1, 0.0)
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._announce_seq = 0
        self._resubscribing = False
        self._stall_seq = -1
        self._clock_warned_at = -CLOCK_WARN_EVERY_S

    # -- the orderer contract -------------------------------------------------------------
    async def start(self, after: int = 0) -> None:
        if self._nc is None:  # a second start (after catching up from peers) reuses the connection
            await asyncio.to_thread(check_server_sync, self.config.monitor_urls)
            self._nc = await self._connect()
        self._js = self._nc.jetstream(timeout=self.config.publish_timeout_s)
        info = await self._ensure_stream(
            StreamConfig(
                name=self.names.log_stream,
                subjects=[self.names.tx_subject, self.names.cut_subject],
                storage=StorageType.FILE,
                num_replicas=self.config.replicas,
                retention=RetentionPolicy.LIMITS,
                discard=DiscardPolicy.OLD,
                duplicate_window=DEDUP_WINDOW_S,
            )
        )
        check_stream(info.config, self.config.replicas)
        state = info.state
        if after > state.last_seq:
            raise StreamMisconfigured(
                f"stream {self.names.log_stream} ends at sequence {state.last_seq} but this node applied up to "
                f"{after}: it is not the stream this chain was ordered on"
            )
        if state.first_seq > after + 1:
            raise HistoryMissing(after, state.first_seq)
        await self._ensure_stream(
            StreamConfig(
                name=self.names.announce_stream,
                subjects=[self.names.announce_subject],
                storage=StorageType.FILE,
                num_replicas=self.config.replicas,
                max_age=ANNOUNCE_MAX_AGE_S,
            )
        )
        self._last_seq = self._last_cut = after
        await self._subscribe_both()
        loop = asyncio.get_running_loop()
        self._tasks = [loop.create_task(self._cut_loop()), loop.create_task(self._watch_loop())]

    async def submit(self, txs: list[bytes], ids: list[str]) -> None:
        js = self._require()
        chunks = _chunks(txs, ids, self.config.max_message_bytes)
        futures: list[asyncio.Future[Any]] = []
        try:
            async with asyncio.timeout(self.config.publish_timeout_s):
                for chunk_txs, chunk_ids in chunks:
                    futures.append(
                        await js.publish_async(
                            self.names.tx_subject,
                            frame(chunk_txs),
                            headers={"Nats-Msg-Id": message_id(chunk_ids)},
                            stream=self.names.log_stream,
                        )
                    )
                await asyncio.gather(*futures)
        except TimeoutError:
            raise Unavailable(
                "the ordering service did not acknowledge in time (no JetStream quorum?); nothing was accepted",
                "ordering.unavailable",
            ) from None
        except Unavailable:
            raise
        except Exception as exc:  # noqa: BLE001 - a NATS error is the log refusing the tx
            raise Unavailable(f"the ordering service refused the txs: {exc}", "ordering.unavailable") from None
        finally:
            for future in futures:
                if not future.done():
                    future.cancel()  # nats-py never times these out itself

    def read_blocks(self, after: int, timeout: float) -> list[OrderedBlock]:
        with self._cond:
            while self._records and self._records[0][0] <= after:
                self._records.popleft()
            if self._last_cut <= after and not self._closed:
                self._cond.wait(timeout)
            upto = self._last_cut
            records = [r for r in self._records if r[0] <= upto] if upto > after else []
        blocks: list[OrderedBlock] = []
        txs: list[bytes] = []
        for seq, kind, data in records:
            if seq <= after:
                continue
            if kind == TX:
                txs.extend(data)
            else:
                blocks.append(OrderedBlock(tuple(txs), data, seq))
                txs = []
        return blocks

    def read_uncommitted(self, after: int) -> list[bytes]:
        with self._cond:
            return [tx for seq, kind, data in self._records if seq > after and kind == TX for tx in data]

    async def announce(self, data: bytes) -> None:
        """Publish an announcement (a signed header) to every node; retried a few times, then given up.

        A block whose announcements are all lost is never certified, so a publish that fails
        (no quorum for a moment, a leader change) is tried again after 0.5, 1 and 2 s.
        """
        js = self._require()
        for attempt, pause in enumerate((0.5, 1.0, 2.0, None)):
            try:
                async with asyncio.timeout(self.config.publish_timeout_s):
                    future = await js.publish_async(
                        self.names.announce_subject, data, stream=self.names.announce_stream
                    )
                    try:
                        await future
                    finally:
                        if not future.done():
                            future.cancel()
                return
            except Exception as exc:  # noqa: BLE001 - best effort: try again, then log
                if pause is None:
                    log.warning("announcement not published after %d attempts: %s", attempt + 1, exc)
                    return
                await asyncio.sleep(pause)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        if self._nc is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._nc.close(), 5)

    def describe(self) -> dict[str, Any]:
        """For /v1/status: where the log is and how far this node has read it."""
        nc = self._nc
        return {
            "stream": self.names.log_stream,
            "connected": bool(nc and nc.is_connected),
            "server": str(nc.connected_url.netloc) if nc and nc.connected_url else None,
            "consumed_seq": self._last_seq,
        }

    # -- internals ------------------------------------------------------------------------
    def _require(self) -> JetStreamContext:
        if self._js is None or self._closed or self._nc is None or self._nc.is_closed:
            raise Unavailable("the orderer is not running", "ordering.unavailable")
        return self._js

    async def _connect(self) -> NatsClient:
        deadline = time.monotonic() + self.config.connect_timeout_s
        while True:
            try:
                return await nats.connect(
                    servers=self.servers,
                    connect_timeout=2,
                    allow_reconnect=True,
                    max_reconnect_attempts=-1,
                    reconnect_time_wait=0.5,
                    error_cb=self._on_error,
                    disconnected_cb=self._on_disconnected,
                    reconnected_cb=self._on_reconnected,
                )
            except Exception as exc:  # noqa: BLE001 - retried until the deadline
                if time.monotonic() > deadline:
                    raise Unavailable(f"cannot reach NATS at {','.join(self.servers)}: {exc}") from None
                await asyncio.sleep(0.5)

    async def _ensure_stream(self, config: StreamConfig) -> Any:
        """The stream's info, creating it if missing; waits until it has a leader (bounded)."""
        assert self._js is not None
        deadline = time.monotonic() + self.config.connect_timeout_s
        while True:
            try:
                try:
                    info = await self._js.stream_info(config.name or "")
                except NotFoundError:
                    info = await self._js.add_stream(config)
                if info.cluster is None or info.cluster.leader or (config.num_replicas or 1) == 1:
                    return info
                problem = "no leader yet"
            except NotFoundError:
                raise
            except Exception as exc:  # noqa: BLE001 - JetStream not ready yet: retry, bounded
                problem = str(exc) or type(exc).__name__
            if time.monotonic() > deadline:
                raise Unavailable(f"stream {config.name} is not usable: {problem}")
            await asyncio.sleep(0.25)

    async def _subscribe_both(self) -> None:
        """Ordered consumers of the log and the announcements, each from the next unread sequence."""
        for subject, stream, cb, start_seq in (
            (self.names.log_filter, self.names.log_stream, self._on_log_message, self._last_seq + 1),
            (self.names.announce_subject, self.names.announce_stream, self._on_announcement, self._announce_seq + 1),
        ):
            assert self._js is not None
            self._subs.append(
                await self._js.subscribe(
                    subject,
                    stream=stream,
                    cb=cb,
                    ordered_consumer=True,
                    idle_heartbeat=2.0,
                    deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
                    config=ConsumerConfig(opt_start_seq=start_seq),
                )
            )

    async def _on_log_message(self, msg: Msg) -> None:
        seq = msg.metadata.sequence.stream
        if seq <= self._last_seq:
            return  # redelivered after a consumer reset
        if seq != self._last_seq + 1 and self._last_seq:
            # Never skip a message: read again from the first one missing (not from inside
            # this callback, whose subscription the resubscription replaces).
            if not self._resubscribing:
                log.warning("stream gap: expected %d, got %d; resubscribing", self._last_seq + 1, seq)
                self._resubscribing = True
                asyncio.get_running_loop().create_task(self._resubscribe())
            return
        now = time.monotonic()
        time_ms = self._cut_time(seq, msg) if msg.subject == self.names.cut_subject else 0
        with self._cond:
            self._last_seq = seq
            if msg.subject == self.names.cut_subject:
                self._records.append((seq, CUT, time_ms))
                self._last_cut = seq
                self._uncut = 0
                self._cond.notify_all()
            else:
                txs = unframe(msg.data)
                self._records.append((seq, TX, txs))
                if self._uncut == 0:
                    self._first_uncut_at = now
                self._uncut += len(txs)
        self._wake.set()

    def _cut_time(self, seq: int, msg: Msg) -> int:
        """A block's time: the stream's timestamp of its cut (the payload is only the publisher's claim).

        A delivery without a readable timestamp gives 0, so the block keeps the previous block's
        time rather than one this node guessed.
        """
        try:
            stamped = stream_time_ns(msg.reply) // 1_000_000
        except ValueError as exc:
            log.error("cut at sequence %d: %s; the block keeps the previous block's time", seq, exc)
            return 0
        if len(msg.data) >= 8:
            claimed = int.from_bytes(msg.data[:8], "big")
            if abs(claimed - stamped) > CLOCK_WARN_MS and time.monotonic() - self._clock_warned_at > CLOCK_WARN_EVERY_S:
                self._clock_warned_at = time.monotonic()
                log.warning(
                    "cut at sequence %d: its publisher's clock says %d ms, the stream stamped %d ms (%+.1f s); "
                    "a node's or a NATS server's clock is off (block time follows the stream)",
                    seq,
                    claimed,
                    stamped,
                    (claimed - stamped) / 1000,
                )
        return stamped

    async def _on_announcement(self, msg: Msg) -> None:
        self._announce_seq = msg.metadata.sequence.stream
        if self.on_announcement is not None:
            try:
                self.on_announcement(msg.data)
            except Exception:  # a bad announcement must not stop the subscription
                log.exception("announcement handler failed")

    async def _resubscribe(self) -> None:
        self._resubscribing = True
        try:
            for sub in self._subs:
                with contextlib.suppress(Exception):
                    await sub.unsubscribe()
            self._subs = []
            await self._subscribe_both()
        except Exception as exc:  # noqa: BLE001 - the watch loop tries again
            log.warning("resubscribing failed: %s", exc)
        finally:
            self._resubscribing = False

    async def _cut_loop(self) -> None:
        """Publish a cut when enough txs wait or the oldest uncut one has waited long enough.

        Every node runs this on what it consumed; the cut's ``Nats-Msg-Id`` names the last
        sequence the node saw, so nodes cutting after the same message publish one cut. The
        payload is this node's clock, for diagnosis only: block time comes from the stream.
        """
        limit = self.config.max_block_ms / 1000
        while True:
            await self._wake.wait()
            self._wake.clear()
            with self._cond:
                uncut, first_at, seen = self._uncut, self._first_uncut_at, self._last_seq
            if uncut == 0:
                continue
            if uncut < self.config.max_block_txs:
                remaining = first_at + limit - time.monotonic()
                if remaining > 0:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), remaining)
                    self._wake.set()
                    continue
            sent_seq, sent_at = self._cut_sent
            if sent_seq == seen and time.monotonic() - sent_at < 1.0:
                await asyncio.sleep(limit / 4)  # our cut is on its way
                self._wake.set()
                continue
            try:
                js = self._require()
                future = await js.publish_async(
                    self.names.cut_subject,
                    self.config.now_ms().to_bytes(8, "big"),
                    headers={"Nats-Msg-Id": f"cut-{seen}"},
                    stream=self.names.log_stream,
                )
                try:
                    await asyncio.wait_for(future, self.config.publish_timeout_s)
                finally:
                    if not future.done():
                        future.cancel()
                self._cut_sent = (seen, time.monotonic())
            except Exception as exc:  # noqa: BLE001 - no quorum right now: try again shortly
                log.warning("cut not published: %s", exc)
                await asyncio.sleep(0.5)
            self._wake.set()

    async def _watch_loop(self) -> None:
        """Resubscribe when the stream has moved on but nothing reached this node for a while.

        nats-py's ordered consumer recreates itself after most failures, but not after all of
        them (a server restart during a leader election); the applied position is ours, so a
        fresh consumer from it is always safe.
        """
        stalled_since: float | None = None
        while True:
            await asyncio.sleep(1.0)
            try:
                assert self._js is not None
                info = await self._js.stream_info(self.names.log_stream)
            except Exception:  # noqa: BLE001 - no quorum: nothing to catch up with either
                continue
            behind = info.state.last_seq > self._last_seq
            if not behind:
                stalled_since = None
                continue
            seen = self._last_seq
            if stalled_since is None or seen != self._stall_seq:
                stalled_since, self._stall_seq = time.monotonic(), seen
                continue
            if time.monotonic() - stalled_since > 3.0:
                log.warning("consumer stalled at %d (stream at %d); resubscribing", seen, info.state.last_seq)
                with contextlib.suppress(Exception):
                    await self._resubscribe()
                stalled_since = None

    async def _on_error(self, exc: Exception) -> None:
        log.debug("nats: %s", exc)

    async def _on_disconnected(self) -> None:
        if not self._closed:
            log.warning("disconnected from NATS; reconnecting")

    async def _on_reconnected(self) -> None:
        url = self._nc.connected_url if self._nc else None
        log.info("reconnected to NATS at %s", url.netloc if url else "?")


def _chunks(txs: list[bytes], ids: list[str], limit: int) -> list[tuple[list[bytes], list[str]]]:
    """Split txs into messages of at most ``limit`` framed bytes (a bigger tx goes alone)."""
    out: list[tuple[list[bytes], list[str]]] = []
    cur_txs: list[bytes] = []
    cur_ids: list[str] = []
    size = 0
    for tx, tx_id in zip(txs, ids, strict=True):
        if cur_txs and size + 4 + len(tx) > limit:
            out.append((cur_txs, cur_ids))
            cur_txs, cur_ids, size = [], [], 0
        cur_txs.append(tx)
        cur_ids.append(tx_id)
        size += 4 + len(tx)
    if cur_txs:
        out.append((cur_txs, cur_ids))
    return out


register("jetstream", JetStreamOrderer)
