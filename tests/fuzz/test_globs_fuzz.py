"""Exclude globs: the backtracking-proof compilation (`gitnad.sources.globs`) gives the plain translation's answer.

The plain translation below is the glob semantics as they were before (stars to `[^/]*`, `.*`, `(?:.*/)?`,
classes as written): correct, but exponential on hostile input. Generated globs and paths are kept short so
the reference stays fast; both must agree on every pair, and a refused glob must be one with several stars.
"""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from gitnad.sources.globs import GlobError, compile_glob

PIECES = ["*", "**", "**/", "/", "?", "a", "b", ".", "[ab]", "[!a]", "[a-c]"]
PATH_CHARS = "ab./c"


def plain(pattern: str) -> re.Pattern[str]:
    out: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "[" and (end := pattern.find("]", i + 2)) != -1:
            body = pattern[i + 1 : end]
            neg = body.startswith(("!", "^"))
            out.append("[" + ("^" if neg else "") + (body[1:] if neg else body) + "]")
            i = end + 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out))


globs = st.lists(st.sampled_from(PIECES), max_size=8).map("".join)
paths = st.text(alphabet=PATH_CHARS, max_size=12)


@given(globs, st.lists(paths, min_size=1, max_size=8))
def test_the_compiled_glob_answers_as_the_plain_translation(pattern: str, candidates: list[str]) -> None:
    try:
        rx = compile_glob(pattern)
    except GlobError as e:
        assert "stars would be retried" in str(e)
        assert pattern.count("*") >= 3
        return
    reference = plain(pattern)
    assert [p for p in candidates if rx.fullmatch(p)] == [p for p in candidates if reference.fullmatch(p)]
