"""The node's durable store: state key-values, blocks, receipts and the log, committed per block."""

from metrobloc.state.apphash import app_hash_link, writes_digest
from metrobloc.state.indexes import Listing, listing
from metrobloc.state.store import BlockRecord, ChainTip, StateReader, Store

__all__ = ["BlockRecord", "ChainTip", "Listing", "StateReader", "Store", "app_hash_link", "listing", "writes_digest"]
