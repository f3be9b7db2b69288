"""The HTTP API (FastAPI): txs, blocks, proofs, module queries, events, status and metrics."""

from metrobloc.api.server import create_api

__all__ = ["create_api"]
