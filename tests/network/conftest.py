"""The module-scoped consortium fixture (see cluster.py)."""

from tests.network.cluster import consortium

__all__ = ["consortium"]
