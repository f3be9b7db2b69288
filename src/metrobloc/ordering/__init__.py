"""Ordering: one total order of admitted txs, cut into blocks. Never touches state."""

from metrobloc.ordering.jetstream import JetStreamOrderer
from metrobloc.ordering.memory import MemoryOrderer
from metrobloc.ordering.orderer import HistoryMissing, OrderedBlock, Orderer, OrdererConfig, make_orderer, register
from metrobloc.ordering.solo import SoloOrderer

__all__ = [
    "HistoryMissing",
    "JetStreamOrderer",
    "MemoryOrderer",
    "OrderedBlock",
    "Orderer",
    "OrdererConfig",
    "SoloOrderer",
    "make_orderer",
    "register",
]
