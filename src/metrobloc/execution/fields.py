"""Field checks for module messages (validate_basic): exact fields, addresses, amounts, strings."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from metrobloc.codec import is_address
from metrobloc.errors import InvalidInput
from metrobloc.ledger.limits import MAX_AMOUNT, MAX_STRING_CHARS

DECIMAL = re.compile(r"^(0|[1-9][0-9]{0,38})$")


def exact_fields(msg: Mapping[str, Any], required: set[str], optional: frozenset[str] = frozenset()) -> None:
    """Refuse unknown and missing fields (``type`` is always allowed)."""
    if len(msg) == len(required) + 1 and all(k in required for k in msg if k != "type"):
        return  # the common case: exactly the required fields
    keys = set(msg) - {"type"}
    unknown = keys - required - optional
    if unknown:
        raise InvalidInput(f"unknown field(s) {sorted(unknown)}", "msg.unknown_field")
    missing = required - keys
    if missing:
        raise InvalidInput(f"missing field(s) {sorted(missing)}", "msg.missing_field")


def address(msg: Mapping[str, Any], name: str) -> str:
    value = msg[name]
    if not is_address(value):
        raise InvalidInput(f"{name} must be an mb1 address", "msg.bad_address")
    return str(value)


def amount(msg: Mapping[str, Any], name: str, *, positive: bool = True) -> int:
    """A decimal-string integer in 0 .. 2^128-1 (floats and JSON numbers are refused)."""
    value = msg[name]
    if isinstance(value, float):
        raise InvalidInput(f"{name} must be a decimal string, not a float", "codec.float_not_allowed")
    if not isinstance(value, str) or not DECIMAL.fullmatch(value):
        raise InvalidInput(f"{name} must be a decimal string of digits", "msg.bad_amount")
    n = int(value)
    if n > MAX_AMOUNT:
        raise InvalidInput(f"{name} exceeds 2^128-1", "msg.amount_out_of_range")
    if positive and n == 0:
        raise InvalidInput(f"{name} must be positive", "msg.bad_amount")
    return n


def string(
    msg: Mapping[str, Any], name: str, *, pattern: re.Pattern[str] | None = None, max_chars: int = MAX_STRING_CHARS
) -> str:
    value = msg[name]
    if not isinstance(value, str) or len(value) > max_chars:
        raise InvalidInput(f"{name} must be a string of at most {max_chars} characters", "msg.bad_string")
    if pattern is not None and not pattern.fullmatch(value):
        raise InvalidInput(f"{name} must match {pattern.pattern}", "msg.bad_string")
    return value


def integer(msg: Mapping[str, Any], name: str, *, low: int, high: int) -> int:
    value = msg[name]
    if type(value) is not int or not low <= value <= high:
        raise InvalidInput(f"{name} must be an integer in {low}..{high}", "msg.bad_integer")
    return value


def boolean(msg: Mapping[str, Any], name: str) -> bool:
    value = msg[name]
    if type(value) is not bool:
        raise InvalidInput(f"{name} must be true or false", "msg.bad_bool")
    return value
