"""What the identity module needs from the accounts module, as a narrow protocol the app wiring satisfies."""

from __future__ import annotations

from typing import Any, Protocol

from metrobloc.modules.identity.keeper import Reader, Writer


class KeyEntryLike(Protocol):
    """One entry of an account's key history (the accounts keeper's ``KeyEntry``)."""

    public_key: bytes
    from_height: int
    from_time_ms: int
    to_height: int | None
    to_time_ms: int | None
    status: str
    compromised_since_ms: int | None

    def to_json(self) -> dict[str, Any]: ...


class Accounts(Protocol):
    """Satisfied by the accounts keeper: roles, the current key and the key history."""

    def has_role(self, state: Reader, address: str, role: str) -> bool: ...

    def key_matches(self, state: Reader, address: str, public_key: bytes) -> bool: ...

    def key_history(self, state: Reader, address: str) -> list[Any]: ...

    def start_key_history(self, state: Writer, address: str, public_key: bytes, height: int, time_ms: int) -> None: ...

    def mark_compromised(self, state: Writer, address: str, public_key: bytes, since_ms: int) -> None: ...
