"""The tx page: its messages in words, amounts with decimals, status and failure reason, events,
the raw JSON, its proof bundle to download and to verify in the browser."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from fastapi import APIRouter, Path

from metrobloc.api.txs import HASH
from metrobloc.errors import InvalidInput
from metrobloc.execution.messages import field_specs
from metrobloc.portal.records import Decimals, Values, message_words, tx_record
from metrobloc.portal.site import Page, Site

TX_HASH = Path(max_length=64)


def router(site: Site, links: Mapping[str, str]) -> APIRouter:
    r = APIRouter(include_in_schema=False)
    node = site.node
    words = message_words(node.app.modules)

    def declared(msg: dict[str, Any]) -> dict[str, Any]:
        """A message's fields in the order its schema declares them (without ``type``)."""
        route = node.app.routes.get(msg["type"])
        order = list(field_specs(route.schema)) if route is not None else sorted(msg)
        return {k: msg[k] for k in order if k in msg and k != "type"}

    @r.get("/txs/{tx_hash}")
    @site.page("tx.html")
    def tx_page(tx_hash: str = TX_HASH) -> Page:
        if not HASH.fullmatch(tx_hash):
            raise InvalidInput("a tx hash is 64 lower-case hex digits", "txs.bad_hash")
        if node.store.tx_seq(bytes.fromhex(tx_hash)) is None and tx_hash in node.admission.pending:
            return Page(tx_hash=tx_hash, pending=True)
        tx, receipt, seq = tx_record(node, tx_hash)
        values = Values(links, Decimals(node.store.reader))
        body = tx["body"]
        msgs = [
            {"type": m["type"], "words": words.get(m["type"], ("", m["type"], "")), "rows": values.rows(declared(m))}
            for m in body["msgs"]
        ]
        events = [{"type": e["type"], "rows": values.rows(e["attributes"])} for e in receipt["events"]]
        raw = orjson.dumps({"tx": tx, "receipt": receipt}, option=orjson.OPT_INDENT_2).decode()
        return Page(
            tx_hash=tx_hash,
            pending=False,
            body=body,
            signers=[values.one("signer", s, {}) for s in body["signers"]],
            msgs=msgs,
            receipt=receipt,
            events=events,
            seq=seq,
            raw=raw,
        )

    return r
