"""Bounded JSON decoding: deep nesting and duplicate keys are ValueErrors, never RecursionError."""

from __future__ import annotations

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
