"""Canonical JSON: RFC 8785 (JCS) for the values MetroBloc allows, and a strict JSON parser.

The allowed values are objects with string keys, arrays, strings, booleans, null and integers of
magnitude at most 2**53 - 1. Floats are refused everywhere: amounts travel as decimal strings.
Parsed text must also be I-JSON (RFC 7493), as RFC 8785 requires: no duplicate member names.
For these values JCS is: keys sorted by UTF-16 code units, no whitespace, integers in decimal,
strings escaped as ECMAScript's JSON.stringify does (orjson produces exactly that).
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

import orjson

from metrobloc.errors import InvalidInput, TooLarge

MAX_SAFE_INTEGER = 2**53 - 1
MAX_DEPTH = 32

JSON = Any  # a parsed JSON value: dict[str, JSON] | list[JSON] | str | int | bool | None


def parse_json(data: bytes | str, *, max_depth: int = MAX_DEPTH) -> JSON:
    """Parse JSON text and check it holds only the values MetroBloc allows.

    Raises ``InvalidInput`` (``codec.bad_json``, ``codec.duplicate_key``, ``codec.float_not_allowed``,
    ``codec.integer_out_of_range``) or ``TooLarge`` (``codec.too_deep``).
    """
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        if "depth limit" in str(exc) or "recursion" in str(exc):
            raise TooLarge(f"JSON nesting exceeds {max_depth} levels", "codec.too_deep") from exc
        raise InvalidInput(f"body is not valid JSON: {exc}", "codec.bad_json") from exc
    try:
        _, members = _walk(value, max_depth)
    except InvalidInput as exc:
        if exc.code == "codec.float_not_allowed":
            _refuse_big_integers(data)  # orjson reads integers beyond 64 bits as floats
        raise
    # Every member of the text has exactly one ':' outside strings. When the text holds no more
    # ':' than the parsed value has members, no member was dropped as a duplicate; otherwise
    # (colons inside strings, or duplicates) look again, exactly.
    colons = data.count(":") if isinstance(data, str) else data.count(b":")
    if colons != members:
        json.loads(data, object_pairs_hook=_unique_keys)
    return value


def _refuse_big_integers(data: bytes | str) -> None:
    """Raise ``codec.integer_out_of_range`` when the text has an integer literal beyond the range."""

    def integer(text: str) -> int:
        if len(text.lstrip("-")) > 16 or abs(int(text)) > MAX_SAFE_INTEGER:
            raise InvalidInput(
                "integers must lie within +/-(2^53-1); send large numbers as decimal strings",
                "codec.integer_out_of_range",
            )
        return 0

    with contextlib.suppress(RecursionError):
        json.loads(data, parse_int=integer)


def _unique_keys(pairs: list[tuple[str, JSON]]) -> dict[str, JSON]:
    seen: set[str] = set()
    for key, _ in pairs:
        if key in seen:
            raise InvalidInput(f"duplicate object key {key[:80]!r}", "codec.duplicate_key")
        seen.add(key)
    return dict(pairs)


def check_value(value: JSON, *, max_depth: int = MAX_DEPTH) -> bool:
    """Check that ``value`` holds only allowed JSON values.

    Returns True when some object key needs UTF-16 ordering (a key with a character at or above
    U+E000), which code-point ordering would get wrong.
    """
    return _walk(value, max_depth)[0]


def _walk(value: JSON, max_depth: int) -> tuple[bool, int]:
    """``check_value``'s walk; also counts the object members met."""
    needs_utf16 = False
    members = 0
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
            members += len(item)
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
    return needs_utf16, members


def canonical_json(value: JSON) -> bytes:
    """The RFC 8785 canonical UTF-8 bytes of ``value`` (checked first)."""
    try:
        if check_value(value):
            return _jcs_by_utf16(value).encode("utf-8")
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except (orjson.JSONEncodeError, UnicodeEncodeError) as exc:
        raise _unencodable(exc) from exc


def canonical_json_checked(value: JSON) -> bytes:
    """Canonical bytes of a value already known to be allowed and to have only keys below U+E000.

    The fast path for schema-checked records (tx bodies, receipts, headers), whose keys are fixed
    ASCII names; it skips the walk that ``canonical_json`` makes.
    """
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError as exc:
        raise _unencodable(exc) from exc


def _unencodable(exc: Exception) -> InvalidInput:
    # A str with a lone surrogate (possible in Python, never in parsed JSON) has no UTF-8 form;
    # an int beyond 64 bits is refused by orjson.
    return InvalidInput(f"value cannot be encoded as canonical JSON: {exc}", "codec.bad_json")


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
