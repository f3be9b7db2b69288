"""The chain's records as pages show them: blocks with their attesting organizations, txs with their
messages in words, amounts with their asset's decimals, values linked to their pages."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from markupsafe import Markup, escape

from metrobloc.codec import b64url_encode
from metrobloc.errors import NotFound
from metrobloc.execution import Module
from metrobloc.execution.messages import summary
from metrobloc.modules.assets import KEEPER as ASSETS
from metrobloc.node import Node
from metrobloc.portal import display
from metrobloc.state import StateReader

ADDRESS = re.compile(r"^mb1[02-9ac-hj-np-z]{38}$")
AMOUNT_PAIRS = (("amount", "asset"), ("price_amount", "price_asset"))
"""(amount key, asset key) pairs whose amount is shown with the asset's decimals."""


def organization_names(node: Node) -> dict[str, str]:
    """Node key (base64url) -> organization name, for every key ever in force (the genesis members and
    those the consortium voted in later), so an old block's attesters keep their names after a removal."""
    return {b64url_encode(m.node_key): m.name for m, _, _ in node.consortium.history.intervals()}


@dataclass
class Decimals:
    """Each asset's decimals, read once per page."""

    state: StateReader
    known: dict[str, int] = field(default_factory=dict)

    def __call__(self, asset: str) -> int | None:
        if asset not in self.known:
            found = ASSETS.find(self.state, asset)
            if found is None:
                return None
            self.known[asset] = found.decimals
        return self.known[asset]


@dataclass(frozen=True)
class Values:
    """Renders message fields and event attributes: links by field name (the modules' ``LINKS``),
    addresses to their account page, amounts with decimals."""

    links: Mapping[str, str]
    """Field name -> URL pattern with ``{}``, e.g. ``"parcel": "/land/parcels/{}"``."""
    decimals: Decimals

    def one(self, key: str, value: Any, siblings: Mapping[str, Any]) -> Markup:
        if isinstance(value, dict):
            return self.table(value)
        if isinstance(value, list):
            return Markup(", ").join(self.one(key, v, siblings) for v in value)
        text = "" if value is None else str(value)
        for amount_key, asset_key in AMOUNT_PAIRS:
            if key == amount_key and isinstance(siblings.get(asset_key), str):
                places = self.decimals(siblings[asset_key])
                if places is not None and text.lstrip("-").isdigit():
                    shown = f"{display.amount(text, places)} {siblings[asset_key]}"
                    return Markup('<data value="{}">{}</data>').format(text, shown)
        if ADDRESS.fullmatch(text):
            return Markup('<a class="hash" href="/accounts/{0}">{0}</a>').format(text)
        if key in self.links and text and "," not in text:
            return Markup('<a href="{}">{}</a>').format(self.links[key].format(text), display.user_text(text))
        if key in self.links and "," in text:
            return Markup(", ").join(self.one(key, part, {}) for part in text.split(","))
        if ":" in text and ADDRESS.fullmatch(text.split(":")[0]):  # an owner share address:share_bp
            head, _, rest = text.partition(":")
            return self.one(key, head, {}) + Markup(":") + escape(rest)
        return display.user_text(text)

    def rows(self, obj: Mapping[str, Any], skip: Sequence[str] = ()) -> list[tuple[str, Markup]]:
        """(label, rendered value) of each field."""
        return [(k.replace("_", " "), self.one(k, v, obj)) for k, v in obj.items() if k not in skip]

    def table(self, obj: Mapping[str, Any]) -> Markup:
        cells = Markup("").join(Markup("<dt>{}</dt><dd>{}</dd>").format(k, v) for k, v in self.rows(obj))
        return Markup('<dl class="inline">{}</dl>').format(cells)


def message_words(modules: Sequence[Module]) -> dict[str, tuple[str, str, str]]:
    """Message type -> (module, action in words, what it does)."""
    out = {}
    for module in modules:
        for schema in module.messages:
            wire = schema.__struct_config__.tag
            assert isinstance(wire, str)
            action = wire.partition("/")[2].replace("_", " ")
            out[wire] = (module.name, action, summary(schema))
    return out


def block_view(node: Node, height: int) -> dict[str, Any]:
    """A block as its page shows it: header, hash, attesting organizations (by name), tx hashes, and
    ``keys_in_force`` (the node keys in force at its height, of which ``quorum`` certify it)."""
    block = node.block(height)
    names = organization_names(node)
    block["attesters"] = [names.get(a["public_key"], "an unknown key") for a in block["attestations"]]
    return block


def tx_record(node: Node, tx_hash: str) -> tuple[dict[str, Any], dict[str, Any], int]:
    """(tx, receipt, log seq) of a committed tx; ``NotFound`` otherwise."""
    seq = node.store.tx_seq(bytes.fromhex(tx_hash))
    if seq is None:
        raise NotFound(f"no committed tx {tx_hash} on this node", "txs.not_found")
    entry = node.store.entry(seq)
    if entry is None:
        raise NotFound(f"no committed tx {tx_hash} on this node", "txs.not_found")
    return orjson.loads(entry[1]), orjson.loads(entry[2]), seq
