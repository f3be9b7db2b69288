"""Prometheus metrics of one node (its own registry, so tests can run several nodes)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class NodeMetrics:
    """The figures ``GET /metrics`` exposes."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.admitted = Counter("metrobloc_txs_admitted", "Txs admitted and durably ordered", registry=self.registry)
        self.rejected = Counter("metrobloc_txs_rejected", "Txs refused at admission", ["code"], registry=self.registry)
        self.committed = Counter(
            "metrobloc_txs_committed", "Txs committed in blocks", ["status"], registry=self.registry
        )
        self.height = Gauge("metrobloc_block_height", "Height of the last committed block", registry=self.registry)
        self.commit_latency = Histogram(
            "metrobloc_commit_latency_seconds",
            "Admission to durable commit, per tx",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=self.registry,
        )
        self.block_seconds = Histogram(
            "metrobloc_block_execute_commit_seconds",
            "Execution plus commit time of a block",
            buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
            registry=self.registry,
        )
