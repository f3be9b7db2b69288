"""An in-memory orderer: the test double beside the durable ones (not for production)."""

from __future__ import annotations

from collections.abc import Sequence

from metrobloc.ordering.log import CUT, LogOrderer, Record
from metrobloc.ordering.orderer import OrdererConfig, register


class MemoryOrderer(LogOrderer):
    """Keeps the log in a list; loses it with the process."""

    def __init__(self, location: str = "", config: OrdererConfig | None = None) -> None:
        super().__init__(config or OrdererConfig())
        self._log: list[Record] = []

    def _open(self) -> tuple[int, int]:
        cuts = [i + 1 for i, (kind, _) in enumerate(self._log) if kind == CUT]
        return (cuts[-1] if cuts else 0), len(self._log)

    def _end_position(self) -> int:
        return len(self._log)

    def _append(self, records: list[Record]) -> int:
        self._log.extend(records)
        return len(self._log)

    def _read(self, after: int, upto: int) -> Sequence[tuple[int, int, bytes]]:
        return [(after + 1 + i, k, d) for i, (k, d) in enumerate(self._log[after:upto])]


register("memory", MemoryOrderer)
