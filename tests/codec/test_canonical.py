"""Canonical JSON: equal to the rfc8785 reference on every allowed value, and strict on the rest."""

from __future__ import annotations

import json
from typing import Any

import pytest
import rfc8785
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from metrobloc.codec import MAX_SAFE_INTEGER, canonical_json, canonical_json_checked, check_value, parse_json
from metrobloc.errors import InvalidInput, MetroblocError, TooLarge

# Characters around the places where UTF-16 and code-point order disagree, plus escapes.
TRICKY = [
    "a",
    "B",
    "\x00",
    "\x1f",
    '"',
    "\\",
    "\x7f",
    "é",
    "\u2028",
    "\ud7ff",
    "\ue000",
    "\uffff",
    "\U00010000",
    "\U0001f600",
    "\U0010ffff",
    "\ufb33",
    "\u20ac",
]
chars = st.characters(blacklist_categories=("Cs",))  # lone surrogates are not Unicode scalar values
text = st.text(chars, max_size=12) | st.text(st.sampled_from(TRICKY), max_size=6)
scalars = (
    st.none()
    | st.booleans()
    | st.integers(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER)
    | st.sampled_from([0, MAX_SAFE_INTEGER, -MAX_SAFE_INTEGER])
    | text
)
values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=5), max_leaves=25
)


def depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max((depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((depth(v) for v in value), default=0)
    return 0


@settings(max_examples=400, deadline=None)
@given(values)
def test_equals_rfc8785(value: Any) -> None:
    assume(depth(value) <= 32)
    expected = rfc8785.dumps(value)
    assert canonical_json(value) == expected
    assert parse_json(expected) == value
    assert parse_json(json.dumps(value, ensure_ascii=True, indent=1)) == value


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(text, scalars, min_size=2, max_size=8))
def test_key_order_is_utf16(obj: dict[str, Any]) -> None:
    keys = list(json.loads(canonical_json(obj)))
    assert keys == sorted(obj, key=lambda k: k.encode("utf-16-be"))


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text(st.characters(max_codepoint=0xDFFF, blacklist_categories=("Cs",))), scalars))
def test_checked_fast_path_agrees_below_e000(obj: dict[str, Any]) -> None:
    assert not check_value(obj)
    assert canonical_json_checked(obj) == rfc8785.dumps(obj)


def test_non_bmp_keys_sort_by_utf16_code_units() -> None:
    obj = {"\uffff": 1, "\U0001f600": 2, "\ue000": 3, "z": 4}
    assert check_value(obj)
    assert canonical_json(obj) == '{"z":4,"\U0001f600":2,"\ue000":3,"\uffff":1}'.encode()


@settings(max_examples=100, deadline=None)
@given(values, st.floats(allow_nan=True, allow_infinity=True))
def test_floats_are_refused_anywhere(value: Any, number: float) -> None:
    for wrapped in (number, [value, number], {"k": [number], "v": value}):
        with pytest.raises(InvalidInput) as refused:
            canonical_json(wrapped)
        assert refused.value.code == "codec.float_not_allowed"


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=MAX_SAFE_INTEGER + 1) | st.integers(max_value=-MAX_SAFE_INTEGER - 1))
def test_integers_beyond_2_53_are_refused(number: int) -> None:
    with pytest.raises(InvalidInput) as refused:
        canonical_json({"amount": number})
    assert refused.value.code == "codec.integer_out_of_range"
    with pytest.raises(InvalidInput) as refused:
        parse_json(f'{{"amount": {number}}}')
    assert refused.value.code == "codec.integer_out_of_range"


@settings(max_examples=100, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_float_literals_are_refused(number: float) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_json(json.dumps([number]))
    assert refused.value.code == "codec.float_not_allowed"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ('{"a": 1, "a": 1}', "codec.duplicate_key"),
        ('{"a": ":", "a": 2}', "codec.duplicate_key"),
        ('[{"x": {"to": "a:b", "to": "c"}}]', "codec.duplicate_key"),
        ('"\\ud800"', "codec.bad_json"),
        ("[" * 10_000 + "]" * 10_000, "codec.too_deep"),
        ("[" * 100_000, "codec.too_deep"),
        ("1e400", "codec.bad_json"),
    ],
)
def test_parse_refuses(text: str, code: str) -> None:
    with pytest.raises(MetroblocError) as refused:
        parse_json(text)
    assert refused.value.code == code


def test_colons_inside_strings_are_not_duplicates() -> None:
    assert parse_json(b'{"a": "x:y", "b": {"c": "::"}}') == {"a": "x:y", "b": {"c": "::"}}


def test_depth_limit_is_configurable() -> None:
    assert parse_json("[[[]]]", max_depth=3) == [[[]]]
    with pytest.raises(TooLarge):
        parse_json("[[[[]]]]", max_depth=3)


@pytest.mark.parametrize("value", [{"k": "\ud800"}, ["\udfff"], {"\ud800": 1}, {"\ud800\U0001f600": 1}])
def test_lone_surrogates_are_refused_not_crashed(value: Any) -> None:
    with pytest.raises(InvalidInput) as refused:
        canonical_json(value)
    assert refused.value.code == "codec.bad_json"


@pytest.mark.parametrize("value", [(1, 2), {1: "a"}, b"bytes", {1.5}, object()])
def test_non_json_python_values_are_refused(value: Any) -> None:
    with pytest.raises(InvalidInput):
        canonical_json(value)


def test_booleans_are_not_integers() -> None:
    assert canonical_json([True, False, 1, 0]) == b"[true,false,1,0]"
