"""Exclude globs compile to regexes that cannot backtrack their way into minutes: equal answers to the plain
translation (`tests/fuzz/test_globs_fuzz.py` holds them to it on generated globs and paths), merged stars,
atomic stars where the earliest place is right, and a refusal for what would still multiply retries."""

from __future__ import annotations

import time

import pytest

from gitnad.sources.globs import GLOBSTAR, GLOBSTAR_DIR, STAR, GlobError, compile_glob, tokens
from gitnad.sources.layout import Excluder

DEEP = "/".join(["a"] * 2000)
"""A 4,000-character path of 2,000 segments: `**/` x 12 took 300 s on 25 of them before."""
LONG_SEGMENT = "a" * 4000


@pytest.mark.parametrize(
    ("pattern", "stars"),
    [
        ("**/**/**/x", [GLOBSTAR_DIR]),
        ("**/*.yaml", [GLOBSTAR]),
        ("***", [GLOBSTAR]),
        ("**/**", [GLOBSTAR]),
        ("*/**/x", [STAR, GLOBSTAR_DIR]),
        ("a*b*c", [STAR, STAR]),
    ],
    ids=lambda v: str(v),
)
def test_runs_of_stars_that_mean_one_star_are_one(pattern: str, stars: list[str]) -> None:
    assert [t for t in tokens(pattern) if isinstance(t, str)] == stars


@pytest.mark.parametrize(
    "pattern",
    ["**/" * 12 + "x", "*a" * 20 + "b", "**/testdata/**", "**/*/**/*.yaml", "**a*b", "*[!a]*b", "?" * 50 + "*b"],
)
@pytest.mark.parametrize("path", [DEEP, LONG_SEGMENT, "a/" * 100 + "a" * 3000], ids=["deep", "long", "both"])
def test_hostile_globs_on_hostile_paths_take_milliseconds(pattern: str, path: str) -> None:
    excluder = Excluder([pattern])
    start = time.process_time()
    assert excluder.excluded(path) is False
    assert time.process_time() - start < 0.5  # every prefix of the path tried: ~0.15 s for the deep one


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        ("[z-a].yaml", "[z-a] is not a character class (the range z-a is reversed)"),
        ("x[!].yaml", "[!] is an empty character class"),
        ("**a*b**c*d", "2 of its stars would be retried"),
        ("*[!a]*[!a]*b", "2 of its stars would be retried"),
        ("**/x*y/**/u*v/z", "2 of its stars would be retried"),
    ],
)
def test_globs_gitnad_refuses_say_why(pattern: str, reason: str) -> None:
    problem = Excluder.problem(pattern)
    assert problem is not None and problem.startswith(reason)
    with pytest.raises(GlobError):
        Excluder([pattern])


@pytest.mark.parametrize(
    ("pattern", "matches", "misses"),
    [
        ("[[]x", ["[x"], ["x", "[[x"]),
        ("[a&&b]", ["a", "&", "b"], ["c"]),
        ("[+--b]", ["+", ",", "-", "b"], ["a", "c"]),
        ("[\\\\]", ["\\"], ["a"]),
        ("[!a-c]", ["d", "/"], ["a", "b"]),
        ("[a-c.]", ["b", "."], ["x"]),
    ],
    ids=lambda v: str(v),
)
def test_a_class_is_the_set_of_its_characters(pattern: str, matches: list[str], misses: list[str]) -> None:
    """Python's set-operation and nested-set syntax means nothing in a glob: `[+--b]` is `+` to `-`, and `b`."""
    rx = compile_glob(pattern)
    assert [m for m in matches if rx.fullmatch(m)] == matches
    assert [m for m in misses if rx.fullmatch(m)] == []


def test_earliest_place_is_taken_only_where_it_is_right() -> None:
    """`**x*y`: the earliest `x` can leave a `/` before `y` that a `*` cannot cross, so it is retried."""
    assert compile_glob("**x*y").fullmatch("x/xy") is not None
    assert compile_glob("*x*y").fullmatch("axbxcy") is not None
    assert compile_glob("**/a/**/b").fullmatch("a/a/b") is not None
    assert compile_glob("*a/**/b").fullmatch("xa/a/b") is not None
