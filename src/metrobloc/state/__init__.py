"""The node's durable store: state key-values, blocks, receipts and the log, committed per block."""

from metrobloc.state.apphash import app_hash_link, writes_digest
from metrobloc.state.indexes import Listing, listing
from metrobloc.state.store import BlockRecord, ChainTip, Reads, StateReader, Store, recording_reads

__all__ = [
    "BlockRecord",
    "ChainTip",
    "Listing",
    "Reads",
    "StateReader",
    "Store",
    "app_hash_link",
    "listing",
    "recording_reads",
    "writes_digest",
]
