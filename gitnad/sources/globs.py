"""`exclude:` globs -> regular expressions whose matching time stays linear-ish in the path, whatever the glob.

`*` and `?` stay within a path segment, `**` crosses segments, `**/` also matches no directory, `[...]` is a
character class (`[!...]` or `[^...]` negated). Translated naively, stars become nested unbounded loops that
a backtracking engine retries in every combination: `**/**/**/...x` took 300 s on a path of 25 segments,
`*a*a*a*a*a*ab` seconds on 60 characters. So:

- runs of stars that mean one star are one (`**/**/` is `**/`, `**/*` is `**`, `***` is `**`);
- a star is matched atomically at the earliest place its following literal part fits (fnmatch's device)
  wherever that place is provably the right one: when the next star absorbs whatever a later place would
  have left over (a `**`, or a `*` after a `*` with no slash possible in between);
- a glob that still has more than one star open to retrying is refused (`GlobError`, reported by the
  configuration check with its JSON pointer): its cost would grow with a power of the path's length.
A character class that is empty or has a reversed range (`[z-a]`) is refused the same way, never an internal
error; any other class body is the set of its characters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

STAR, GLOBSTAR, GLOBSTAR_DIR = "*", "**", "**/"
_LOOSE = {STAR: "[^/]*", GLOBSTAR: ".*", GLOBSTAR_DIR: "(?:.*/)?"}
_EARLIEST = {STAR: "(?>[^/]*?{})", GLOBSTAR: "(?>.*?{})", GLOBSTAR_DIR: "(?>(?:.*?/)??{})"}
MAX_RETRYING_STARS = 1


class GlobError(ValueError):
    """A glob gitnad will not match: an invalid character class, or stars whose retries multiply."""


@dataclass(frozen=True)
class _Atom:
    """A fixed-width piece: its regex, and whether it can match a `/` (a literal slash or a class)."""

    regex: str
    slash: bool


Token = str | _Atom


def _class(body: str) -> _Atom:
    """`[...]` as a regex class of exactly its characters and `a-z` ranges (Python's `[[`, `&&`, `--` set syntax
    has no meaning in a glob); an empty or reversed one is refused."""
    neg = body.startswith(("!", "^"))
    chars = body[1:] if neg else body
    if not chars:
        raise GlobError(f"[{body}] is an empty character class")
    items: list[str] = []
    j = 0
    while j < len(chars):
        if j + 2 < len(chars) and chars[j + 1] == "-":
            low, high = chars[j], chars[j + 2]
            if low > high:
                raise GlobError(f"[{body}] is not a character class (the range {low}-{high} is reversed)")
            items.append(f"{re.escape(low)}-{re.escape(high)}")
            j += 3
        else:
            items.append(re.escape(chars[j]))
            j += 1
    return _Atom("[" + ("^" if neg else "") + "".join(items) + "]", slash=True)


def tokens(pattern: str) -> list[Token]:
    """The glob as stars (STAR, GLOBSTAR, GLOBSTAR_DIR) and fixed-width atoms, runs of stars merged."""
    out: list[Token] = []
    i, n = 0, len(pattern)
    while i < n:
        if pattern.startswith("**/", i):
            token: Token = GLOBSTAR_DIR
            i += 3
        elif pattern.startswith("**", i):
            token, i = GLOBSTAR, i + 2
        elif pattern[i] == "*":
            token, i = STAR, i + 1
        elif pattern[i] == "?":
            token, i = _Atom("[^/]", slash=False), i + 1
        elif pattern[i] == "[" and (end := pattern.find("]", i + 2)) != -1:
            token, i = _class(pattern[i + 1 : end]), end + 1
        else:
            token, i = _Atom(re.escape(pattern[i]), slash=pattern[i] == "/"), i + 1
        _push(out, token)
    return out


def _push(out: list[Token], token: Token) -> None:
    """Append, merging a star into the star before it when the two mean one star."""
    prev = out[-1] if out else None
    if isinstance(token, _Atom) or not isinstance(prev, str):
        out.append(token)
    elif GLOBSTAR in (prev, token) or (prev == GLOBSTAR_DIR and token == STAR):
        out[-1] = GLOBSTAR  # `.*` absorbs any star next to it; `(?:.*/)?[^/]*` is any string: `.*`
    elif prev != token:
        out.append(token)  # `*` then `**/`: two different things


def _earliest_is_right(star: str, chunk: list[_Atom], after: str | None) -> bool:
    """Whether the earliest place for `chunk` after `star` is as good as any later one: the next star must match
    the text between the two places (and the end of the glob means the chunk must reach the end: retried)."""
    if after == GLOBSTAR:
        return True
    if after == GLOBSTAR_DIR:
        return bool(chunk) and chunk[-1].regex == "/"  # the text in between then ends with a slash
    if after == STAR:
        return star == STAR and not any(a.slash for a in chunk)  # both places within one segment
    return False


def _runs(toks: list[Token]) -> tuple[list[_Atom], list[tuple[str, list[_Atom]]]]:
    """The atoms before the first star, then each star with the atoms that follow it up to the next star."""
    lead: list[_Atom] = []
    runs: list[tuple[str, list[_Atom]]] = []
    for t in toks:
        if isinstance(t, str):
            runs.append((t, []))
        elif runs:
            runs[-1][1].append(t)
        else:
            lead.append(t)
    return lead, runs


@lru_cache(maxsize=256)
def compile_glob(pattern: str) -> re.Pattern[str]:
    """The regex of `pattern` (see the module docstring); `GlobError` when gitnad refuses it."""
    lead, runs = _runs(tokens(pattern))
    parts = [a.regex for a in lead]
    retrying = 0
    for k, (star, chunk) in enumerate(runs):
        text = "".join(a.regex for a in chunk)
        after = runs[k + 1][0] if k + 1 < len(runs) else None
        if after is not None and _earliest_is_right(star, chunk, after):
            parts.append(_EARLIEST[star].format(text))
        else:
            parts.append(_LOOSE[star] + text)
            retrying += after is not None  # the last star backtracks once, linearly: only inner ones multiply
    if retrying > MAX_RETRYING_STARS:
        raise GlobError(
            f"{retrying} of its stars would be retried in every combination against a long path (a `**` followed "
            "by a `*`, or a `/` or a character class between two `*`): simplify it"
        )
    return re.compile("".join(parts))
