"""Canonical JSON: RFC 8785 (JCS) for the values MetroBloc allows, and a strict JSON parser.

The allowed values are objects with string keys, arrays, strings, booleans, null and integers of
magnitude at most 2**53 - 1. Floats are refused everywhere: amounts travel as decimal strings.
For these values JCS is: keys sorted by UTF-16 code units, no whitespace, integers in decimal,
strings escaped as ECMAScript's JSON.stringify does (orjson produces exactly that).
"""

from __future__ import annotations

import json
from typing import Any

import orjson

from metrobloc.errors import InvalidInput, TooLarge

MAX_SAFE_INTEGER = 2**53 - 1
MAX_DEPTH = 32

JSON = Any  # a parsed JSON value: dict[str, JSON] | list[JSON] | str | int | bool | None


def parse_json(data: bytes | str, *, max_depth: int = MAX_DEPTH) -> JSON:
    """Parse JSON text and check it holds only the values MetroBloc allows.

    Raises ``InvalidInput`` (``codec.bad_json``, ``codec.float_not_allowed``,
    ``codec.integer_out_of_range``) or ``TooLarge`` (``codec.too_deep``).
    """
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        if "depth limit" in str(exc) or "recursion" in str(exc):
            raise TooLarge(f"JSON nesting exceeds {max_depth} levels", "codec.too_deep") from exc
        raise InvalidInput(f"body is not valid JSON: {exc}", "codec.bad_json") from exc
    check_value(value, max_depth=max_depth)
    return value


def check_value(value: JSON, *, max_depth: int = MAX_DEPTH) -> bool:
    """Check that ``value`` holds only allowed JSON values.

    Returns True when some object key needs UTF-16 ordering (a key with a character at or above
    U+E000), which code-point ordering would get wrong.
    """
    needs_utf16 = False
    stack: list[tuple[JSON, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        kind = type(item)
        if kind is str or kind is bool or item is None:
            continue
        if kind is int:
            if -MAX_SAFE_INTEGER <= item <= MAX_SAFE_INTEGER:
                continue
            raise InvalidInput(
                "integers must lie within +/-(2^53-1); send large numbers as decimal strings",
                "codec.integer_out_of_range",
            )
        if kind is float:
            raise InvalidInput(
                "floating-point numbers are not allowed; send amounts as decimal strings",
                "codec.float_not_allowed",
            )
        if depth >= max_depth:
            raise TooLarge(f"JSON nesting exceeds {max_depth} levels", "codec.too_deep")
        if kind is dict:
            for key, child in item.items():
                if type(key) is not str:
                    raise InvalidInput("object keys must be strings", "codec.bad_json")
                if not key.isascii() and max(key) >= "\ue000":
                    needs_utf16 = True
                stack.append((child, depth + 1))
        elif kind is list:
            stack.extend((child, depth + 1) for child in item)
        else:
            raise InvalidInput(f"{kind.__name__} is not a JSON value", "codec.bad_json")
    return needs_utf16


def canonical_json(value: JSON) -> bytes:
    """The RFC 8785 canonical UTF-8 bytes of ``value`` (checked first)."""
    if check_value(value):
        return _jcs_by_utf16(value).encode("utf-8")
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def canonical_json_checked(value: JSON) -> bytes:
    """Canonical bytes of a value already known to be allowed and to have only keys below U+E000.

    The fast path for schema-checked records (tx bodies, receipts, headers), whose keys are fixed
    ASCII names; it skips the walk that ``canonical_json`` makes.
    """
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def _jcs_by_utf16(value: JSON) -> str:
    """Plain JCS serialiser, used only when some key needs UTF-16 code-unit ordering."""
    if isinstance(value, dict):
        items = sorted(value.items(), key=lambda kv: kv[0].encode("utf-16-be"))
        return "{" + ",".join(_string(k) + ":" + _jcs_by_utf16(v) for k, v in items) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_jcs_by_utf16(v) for v in value) + "]"
    if isinstance(value, str):
        return _string(value)
    return json.dumps(value)  # bool, None, int: the same text in Python and ECMAScript


def _string(text: str) -> str:
    return orjson.dumps(text).decode("utf-8")
