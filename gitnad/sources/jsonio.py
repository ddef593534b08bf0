"""Bounded JSON decoding: the one place gitnad turns JSON text from untrusted input into Python values.

`json.loads` recurses in C once per nesting level and raises `RecursionError` (not `ValueError`) past the
interpreter's limit; a value that decodes just under that limit can still overflow the stack later, when it
is re-encoded or walked. Small values that gitnad keeps (CNI configs, pod annotations) are therefore
checked against an explicit depth bound, walked iteratively; big bodies (API responses, snapshots) pass
`max_depth=None` and are only guarded against the recursion error. Every failure is a `ValueError`
subclass, so callers that already handle "not JSON" handle these too.
"""

from __future__ import annotations

import json
from typing import Any

DEFAULT_MAX_DEPTH = 64
"""The same bound as `yamlio.YamlLimits.max_depth`: no Kubernetes object gitnad reads comes close."""


class JsonTooDeep(ValueError):
    """JSON nested deeper than the bound."""


class JsonDuplicateKey(ValueError):
    """An object with the same key twice (the API server's decoder rejects these in strict mode)."""


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise JsonDuplicateKey(f"duplicate key {k!r}")
        out[k] = v
    return out


def depth(value: Any) -> int:
    """Nesting depth of a decoded value (a scalar is 0, `[]` is 1), computed without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        v, d = stack.pop()
        if isinstance(v, dict):
            d += 1
            stack.extend((c, d) for c in v.values())
        elif isinstance(v, list):
            d += 1
            stack.extend((c, d) for c in v)
        deepest = max(deepest, d)
    return deepest


def loads(data: str | bytes, *, max_depth: int | None = DEFAULT_MAX_DEPTH, reject_duplicates: bool = False) -> Any:
    """Decode `data`; `JsonTooDeep`, `JsonDuplicateKey` or `ValueError` (not JSON) instead of a crash.

    `max_depth=None` skips the explicit walk (for large bodies); recursion past the interpreter's limit is
    still reported as `JsonTooDeep`.
    """
    hook = _no_duplicates if reject_duplicates else None
    try:
        value = json.loads(data, object_pairs_hook=hook)
    except RecursionError:
        raise JsonTooDeep("nested too deeply to decode") from None
    if max_depth is not None and depth(value) > max_depth:
        raise JsonTooDeep(f"nested deeper than {max_depth} levels")
    return value
