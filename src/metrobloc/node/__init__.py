"""Node wiring: config, data dir and genesis, admission, ordering, execution, events; a local network's processes."""

from metrobloc.node.config import NodeConfig
from metrobloc.node.datadir import init_data_dir, load_genesis
from metrobloc.node.node import Node

__all__ = ["Node", "NodeConfig", "init_data_dir", "load_genesis"]
