"""The public web portal every node serves at ``/``: server-rendered pages of the chain, its modules'
pages, live updates, charts and in-browser proof verification (ARCHITECTURE.md section 7)."""

from metrobloc.portal.server import install
from metrobloc.portal.site import Site

__all__ = ["Site", "install"]
