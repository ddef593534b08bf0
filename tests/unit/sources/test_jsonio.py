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
