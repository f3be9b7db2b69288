"""The portal's machinery: templates, the height a page reflects, rendering, errors and exports.

Every page handler runs inside a read snapshot of the node's database (``Site.snapshot``): what it
reads and the height printed on it come from the same committed block.
"""

from __future__ import annotations

import csv
import functools
import inspect
import io
import logging
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ParamSpec

import jinja2
import orjson
from starlette.responses import HTMLResponse, Response

from metrobloc.api.errors import status_of
from metrobloc.api.wallet import tip_of
from metrobloc.errors import MetroblocError, NotFound
from metrobloc.modules.assets import KEEPER as ASSETS
from metrobloc.node import Node
from metrobloc.portal import display
from metrobloc.portal.integrity import Integrity

log = logging.getLogger("metrobloc.portal")

P = ParamSpec("P")
Listing = Callable[[str | None, int], tuple[list[dict[str, Any]], str | None]]
"""One page of a list: (cursor, limit) -> (items, the next page's cursor or None)."""
MAX_EXPORT = 10_000
"""Items in one export; a longer list continues at the ``Link: rel="next"`` URL."""
EXPORT_PAGE = 100


VENDOR = {
    "htmx": "vendor/htmx/htmx.min.js",
    "htmx_sse": "vendor/htmx-ext-sse/sse.min.js",
    "uplot": "vendor/uplot/uPlot.iife.min.js",
    "uplot_css": "vendor/uplot/uPlot.min.css",
}
"""The vendored browser files pages load (static paths; their SRI comes from vendor.lock.json)."""


class Page(dict[str, Any]):
    """What a page handler returns: the template's context, and optionally a status."""

    def __init__(self, status: int = 200, /, **context: Any) -> None:
        super().__init__(context)
        self.status = status


class Site:
    """One node's portal: its templates (the portal's and each module's) and what every page shows."""

    def __init__(self, node: Node, template_dirs: Sequence[Path]) -> None:
        self.node = node
        self._local = threading.local()
        self.integrity = Integrity()
        self.env = jinja2.Environment(
            loader=jinja2.ChoiceLoader([jinja2.FileSystemLoader(str(d)) for d in template_dirs]),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters.update(display.FILTERS)
        self.env.globals.update(
            static=lambda path: f"/static/{path}",
            sri=self.integrity.of,
            chain_id=node.genesis.chain_id,
            vendor=VENDOR,
        )

    @contextmanager
    def snapshot(self) -> Iterator[int]:
        """A read transaction on this thread's connection; yields the height it sees."""
        conn = self.node.store.conn()
        conn.execute("BEGIN")
        try:
            self._local.height, self._local.time_ms = tip_of(conn)
            yield self._local.height
        finally:
            self._local.height = self._local.time_ms = None
            try:
                conn.execute("COMMIT")
            except sqlite3.Error:  # pragma: no cover - a read transaction always ends
                log.exception("ending a read snapshot")

    @property
    def chain_id(self) -> str:
        """The chain's id (what proofs and ballots are bound to)."""
        return self.node.genesis.chain_id

    def height(self) -> int:
        """The height of the snapshot this thread reads in (inside a page handler)."""
        height = getattr(self._local, "height", None)
        assert height is not None, "outside a snapshot"
        return int(height)

    def tip_time_ms(self) -> int:
        """The block time of the block the snapshot reflects (inside a page handler): what a page
        answers time-dependent questions at (expiry, budgets, deadlines), never the server's clock."""
        time_ms = getattr(self._local, "time_ms", None)
        assert time_ms is not None, "outside a snapshot"
        return int(time_ms)

    def block_receipts(self, height: int) -> list[dict[str, Any]]:
        """The receipts of block ``height``'s txs in block order (each with its ``tx_hash``, ``index``,
        ``status`` and ``events``), read in the page's snapshot."""
        return [orjson.loads(receipt) for _, receipt in self.node.store.block_entries(height)]

    def render(self, template: str, context: Mapping[str, Any], *, height: int, status: int = 200) -> HTMLResponse:
        body = self.env.get_template(template).render({**context, "height": height})
        return HTMLResponse(body, status_code=status, headers={"Cache-Control": "no-cache"})

    def error_page(self, status: int, title: str, message: str, *, height: int | None = None) -> HTMLResponse:
        seen = self.node.store.tip.height if height is None else height
        return self.render(
            "error.html", {"title": title, "message": message, "status": status}, height=seen, status=status
        )

    def amount(self, units: int | str, asset: str) -> str:
        """``units`` of ``asset`` with its decimals and symbol, e.g. ``25.00 CITY``."""
        found = ASSETS.find(self.node.store.reader, asset)
        return f"{display.amount(units, 0 if found is None else found.decimals)} {asset}"

    def page(self, template: str) -> Callable[[Callable[P, Mapping[str, Any] | Response]], Callable[P, Response]]:
        """Decorate a (synchronous) page handler that returns a ``Page``: it runs in a snapshot and
        its page is ``template`` rendered with the snapshot's height; an expected error shows the
        error page with the error's status."""

        def decorate(handler: Callable[P, Mapping[str, Any] | Response]) -> Callable[P, Response]:
            @functools.wraps(handler)
            def endpoint(*args: P.args, **kwargs: P.kwargs) -> Response:
                with self.snapshot() as height:
                    try:
                        result = handler(*args, **kwargs)
                    except MetroblocError as exc:
                        return self.error_page(status_of(exc), _title(status_of(exc)), exc.message, height=height)
                    if isinstance(result, Response):
                        return result
                    return self.render(template, result, height=height, status=getattr(result, "status", 200))

            # FastAPI reads the parameters from this signature; the handler's return type is no response model.
            endpoint.__signature__ = inspect.signature(handler).replace(  # type: ignore[attr-defined]
                return_annotation=inspect.Signature.empty
            )
            return endpoint

        return decorate

    def export(self, listing: Listing, fields: Sequence[str], fmt: str, name: str, cursor: str | None) -> Response:
        """Up to ``MAX_EXPORT`` items of a list from ``cursor`` as CSV (one column per field, nested
        values as JSON) or JSON (the items as the API gives them); ``Link`` names the rest."""
        items: list[dict[str, Any]] = []
        with self.snapshot() as height:
            try:
                fmt = export_format(fmt)
                while len(items) < MAX_EXPORT:
                    page, cursor = listing(cursor, min(EXPORT_PAGE, MAX_EXPORT - len(items)))
                    items += page
                    if cursor is None:
                        break
            except MetroblocError as exc:
                return self.error_page(status_of(exc), _title(status_of(exc)), exc.message, height=height)
        headers = {"Content-Disposition": f'attachment; filename="{name}.{fmt}"'}
        if cursor is not None:
            headers["Link"] = f'<?cursor={cursor}>; rel="next"'
        if fmt == "json":
            return Response(orjson.dumps(items), media_type="application/json", headers=headers)
        return Response(to_csv(items, fields), media_type="text/csv; charset=utf-8", headers=headers)


def export_format(fmt: str) -> str:
    """``csv`` or ``json``; anything else is no page."""
    if fmt not in ("csv", "json"):
        raise NotFound(f"no export in the format {fmt[:20]!r}: csv or json", "portal.not_found")
    return fmt


def to_csv(items: Sequence[Mapping[str, Any]], fields: Sequence[str]) -> str:
    """RFC 4180 CSV: a header row of ``fields``, then one row per item (null as empty, objects and
    lists as compact JSON, numbers and strings as they are)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(fields)
    for item in items:
        writer.writerow([_cell(item.get(f)) for f in fields])
    return out.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return orjson.dumps(value).decode()
    return str(value)


def _title(status: int) -> str:
    return {400: "Bad request", 404: "Not found", 409: "Conflict", 503: "Unavailable"}.get(status, "Error")
