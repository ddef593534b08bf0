"""The rules catalogue: every rule gitnad can report, built-in (GN0xx-GN2xx), policy (GN3xx) and waiver (GN9xx).

One list in code order, read from the registries that run the rules (`gitnad.rules.ALL_RULES`,
`gitnad.policy.RULES`), so `gitnad rules`, the README's rule table (kept in step by
tests/unit/app/test_rules_catalogue.py) and severity overrides cannot disagree with what runs.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from gitnad import policy, rules
from gitnad.errors import UsageError
from gitnad.models.findings import RuleMeta


def catalogue() -> tuple[RuleMeta, ...]:
    """Every rule, by code."""
    return tuple(sorted([*(rules.meta(r) for r in rules.ALL_RULES), *policy.RULES], key=lambda m: m.code))


def lookup(code_or_name: str) -> RuleMeta | None:
    """A rule by code (`GN205`, any case) or name (`vmi-not-migratable`)."""
    return rules.lookup(code_or_name) or policy.lookup(code_or_name)


def select(names: Sequence[str]) -> tuple[RuleMeta, ...]:
    """The rules named (each once, in the order asked), or the whole catalogue when none is named."""
    if not names:
        return catalogue()
    found = [(n, lookup(n)) for n in names]
    unknown = [n for n, m in found if m is None]
    if unknown:
        raise UsageError("; ".join(_unknown(n) for n in unknown))
    return tuple(dict.fromkeys(m for _n, m in found if m is not None))


def _unknown(name: str) -> str:
    words = [w for m in catalogue() for w in (m.code, m.name)]
    close = difflib.get_close_matches(name.upper() if name[:2].lower() == "gn" else name, words, n=3)
    hint = f" (did you mean {', '.join(close)}?)" if close else ""
    return f"{name!r} is not a rule code or name{hint}; `gitnad rules` lists them all"
