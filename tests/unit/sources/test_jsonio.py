"""Bounded JSON decoding: deep nesting and duplicate keys are ValueErrors, never RecursionError."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from gitnad.sources import jsonio


@pytest.mark.parametrize(
    ("text", "depth"),
    [("1", 0), ("[]", 1), ('{"a": [1, {"b": 2}]}', 3), ("[[[[]]]]", 4)],
    ids=["scalar", "empty-list", "mixed", "lists"],
)
def test_depth(text: str, depth: int) -> None:
    assert jsonio.depth(jsonio.loads(text)) == depth


@pytest.mark.parametrize("levels", [65, 999, 5_000, 100_000], ids=["bound+1", "under-recursion-limit", "5k", "100k"])
def test_too_deep_is_a_value_error(levels: int) -> None:
    with pytest.raises(jsonio.JsonTooDeep):
        jsonio.loads("[" * levels + "]" * levels)


def test_unbounded_still_guards_recursion() -> None:
    assert jsonio.loads("[" * 500 + "]" * 500, max_depth=None) is not None
    with pytest.raises(jsonio.JsonTooDeep):
        jsonio.loads("[" * 100_000 + "]" * 100_000, max_depth=None)


def test_duplicate_keys() -> None:
    assert jsonio.loads('{"a": 1, "a": 2}') == {"a": 2}
    with pytest.raises(jsonio.JsonDuplicateKey, match="duplicate key 'a'"):
        jsonio.loads('{"x": {"a": 1, "a": 2}}', reject_duplicates=True)


def test_not_json_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        jsonio.loads("{nope")


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("1", 0, False),
        ("[]", 0, True),
        ("[]", 1, False),
        ('{"a": [1, {"b": 2}]}', 2, True),
        ('{"a": [1, {"b": 2}]}', 3, False),
    ],
    ids=["scalar", "empty-over", "empty-at", "mixed-over", "mixed-at"],
)
def test_deeper_than_agrees_with_depth(text: str, limit: int, expected: bool) -> None:
    value = jsonio.loads(text)
    assert jsonio.deeper_than(value, limit) is expected is (jsonio.depth(value) > limit)


def test_drop_keys_at_any_depth_after_the_duplicate_check() -> None:
    text = '{"keep": {"drop": [1], "x": {"drop": 2}}, "drop": 3}'
    assert jsonio.loads(text, drop_keys=frozenset({"drop"})) == {"keep": {"x": {}}}
    with pytest.raises(jsonio.JsonDuplicateKey, match="duplicate key 'drop'"):
        jsonio.loads('{"drop": 1, "drop": 2}', reject_duplicates=True, drop_keys=frozenset({"drop"}))


ENCODABLE = [
    'caf\u00e9 "quoted" \\ \n \x1b',
    {"b": [1, 2.5, -0.0, 1e300, True, False, None], "a": {"z": "", "y": []}, "\u00e9": {}},
    [float("nan"), float("inf"), float("-inf"), 10**40, (1, "x")],
    {3: "int key", 2.5: "float key", None: "null key", True: "bool key"},
]


@pytest.mark.parametrize("sort_keys", [True, False], ids=["sorted", "unsorted"])
@pytest.mark.parametrize("value", ENCODABLE, ids=["string", "nested", "numbers", "scalar-keys"])
def test_compact_encoder_writes_what_json_encoder_writes(value: object, sort_keys: bool) -> None:
    if sort_keys and isinstance(value, dict) and 3 in value:
        value = {str(k): v for k, v in value.items()}  # keys of mixed types cannot be sorted: tested below
    expected = json.JSONEncoder(sort_keys=sort_keys, separators=(",", ":"), default=str).encode(value)
    assert jsonio.compact_encoder(sort_keys=sort_keys, default=str)(value) == expected


def test_compact_encoder_refuses_what_json_does_not_have_and_stays_usable() -> None:
    encode = jsonio.compact_encoder(sort_keys=True)
    for bad in ({"a": datetime(2026, 1, 1)}, {1: "x", "a": "y"}, b"bytes"):
        with pytest.raises(TypeError):
            encode(bad)
    cycle: list[object] = []
    cycle.append(cycle)
    with pytest.raises(RecursionError):
        encode(cycle)
    assert encode({"b": 1, "a": [cycle[:0]]}) == '{"a":[[]],"b":1}'
    assert jsonio.compact_encoder(sort_keys=True, default=str)({"t": datetime(2026, 1, 1)}) == (
        '{"t":"2026-01-01 00:00:00"}'
    )
