"""Receipts: the outcome of one executed transaction, the leaves of the transparency log."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from metrobloc.codec import canonical_json
from metrobloc.errors import InvalidInput
from metrobloc.merkle import leaf_hash

HEX32 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class Event:
    """Something a module reports about a tx, e.g. ``assets/transfer``."""

    type: str
    """``module/name``."""
    attributes: dict[str, str] = field(default_factory=dict)
    """String attributes; amounts as decimal strings."""

    def to_json(self) -> dict[str, Any]:
        return {"type": self.type, "attributes": dict(self.attributes)}


@dataclass(frozen=True)
class Receipt:
    """The committed outcome of a tx: ``status`` is "ok" or "failed" (with the error)."""

    tx_hash: str
    """Hex hash of the tx body."""
    height: int
    """The block that executed it."""
    index: int
    """Its position in that block."""
    status: str
    """"ok" or "failed"; a failed tx's writes were rolled back."""
    error: dict[str, str] | None
    """``{"code", "message"}`` when failed, else None."""
    events: tuple[Event, ...] = ()
    """Events of a successful tx, in order."""

    def to_json(self) -> dict[str, Any]:
        return {
            "tx_hash": self.tx_hash,
            "height": self.height,
            "index": self.index,
            "status": self.status,
            "error": self.error,
            "events": [e.to_json() for e in self.events],
        }

    def leaf(self) -> bytes:
        """The log leaf input: JCS(receipt), exact for any attribute keys (a verifier's view)."""
        return canonical_json(self.to_json())

    def leaf_hash(self) -> bytes:
        return leaf_hash(self.leaf())

    @classmethod
    def from_json(cls, obj: Any) -> Receipt:
        """Parse and check a receipt's wire form."""
        keys = {"tx_hash", "height", "index", "status", "error", "events"}
        if not isinstance(obj, dict) or set(obj) != keys:
            raise InvalidInput(f"a receipt has exactly the fields {sorted(keys)}", "receipt.bad_shape")
        # Types are checked exactly, never coerced: the leaf hash is computed from this record,
        # so two different JSON texts must never parse to the same receipt.
        error = obj["error"]
        ok = (
            isinstance(obj["tx_hash"], str)
            and HEX32.fullmatch(obj["tx_hash"])
            and type(obj["height"]) is int
            and type(obj["index"]) is int
            and obj["status"] in ("ok", "failed")
            and isinstance(obj["events"], list)
            and (error is None) == (obj["status"] == "ok")
            and (error is None or _is_error(error))
        )
        if not ok:
            raise InvalidInput("receipt fields have the wrong types", "receipt.bad_shape")
        events = []
        for e in obj["events"]:
            if not isinstance(e, dict) or set(e) != {"type", "attributes"} or type(e["type"]) is not str:
                raise InvalidInput("an event is {type, attributes}", "receipt.bad_shape")
            attrs = e["attributes"]
            if not isinstance(attrs, dict) or not all(type(v) is str for v in attrs.values()):
                raise InvalidInput("event attributes are strings", "receipt.bad_shape")
            events.append(Event(e["type"], dict(attrs)))
        return cls(obj["tx_hash"], obj["height"], obj["index"], obj["status"], error, tuple(events))


def _is_error(error: Any) -> bool:
    return isinstance(error, dict) and set(error) == {"code", "message"} and all(type(v) is str for v in error.values())
