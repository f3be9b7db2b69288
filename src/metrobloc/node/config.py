"""Node settings, with the defaults an embedded dev node uses."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class NodeConfig:
    """Everything a node process is started with."""

    data_dir: Path
    """Holds genesis.json, keys/, state.db and (solo) orderer.db."""
    host: str = "127.0.0.1"
    """Address the API binds to."""
    port: int = 8700
    """API port."""
    orderer: str = "solo"
    """Ordering backend by registry name."""
    orderer_location: str = ""
    """Backend location; for solo, defaults to <data_dir>/orderer.db."""
    replicas: int = 3
    """JetStream: replicas the stream must have."""
    nats_monitor: tuple[str, ...] = ()
    """JetStream: NATS monitoring URLs, to check that every server fsyncs each write."""
    peers: tuple[str, ...] = ()
    """API URLs of other nodes of the chain, to catch up from when the stream lacks history."""
    catch_up_from_peers: bool = False
    """Before reading the stream, apply the peers' certified blocks over HTTP (a node joining a
    running network: it gets their stored attestations with each block, design §4.3)."""
    state_root_from: int | None = None
    """A data dir with v1 headers: the height its consortium agreed for the first v2 header
    (docs/spec/state-proofs.md §5); an embedded node without it upgrades at its next block."""
    max_block_txs: int = 2000
    """Cut a block as soon as this many txs wait."""
    max_block_ms: int = 50
    """Cut a block this long after its first tx at the latest."""
    max_body_bytes: int = 1024 * 1024
    """Largest request body of POST /v1/txs."""
    max_batch_body_bytes: int = 16 * 1024 * 1024
    """Largest request body of POST /v1/txs/batch."""
    max_batch_txs: int = 5000
    """Most txs in one batch request."""
    check_processes: int = 2
    """Worker processes for the stateless tx checks and signatures (0: a thread of the node)."""
    wait_timeout_s: float = 30.0
    """Longest a ``wait=true`` request waits for its commit."""
    pds_key: str = "pds"
    """Name of the key in <data_dir>/keys/ that signs the personal-data store's identity/log_access and
    identity/record_erasure txs; it must hold the role pds_agency (docs/spec/personal-data.md §5)."""
    test_clock_offset_ms: int = 0
    """Test only: added to this node's wall clock where the chain reads it (the time it writes into
    its cuts), to play a node whose clock is off; 0 in production."""
    clock: Callable[[], int] | None = None
    """The clock (Unix ms) the orderer writes into cuts instead of the wall clock; None in production.
    The demo city's seeding sets it to give its blocks reproducible times (``metrobloc.demo``)."""
