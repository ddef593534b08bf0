"""Bounded JSON decoding: the one place gitnad turns JSON text from untrusted input into Python values; and
compact encoders for values gitnad compares (canonical forms, memo keys).

`json.loads` recurses in C once per nesting level and raises `RecursionError` (not `ValueError`) past the
interpreter's limit; a value that decodes just under that limit can still overflow the stack later, when it
is re-encoded or walked. Small values that gitnad keeps (CNI configs, pod annotations) are therefore
checked against an explicit depth bound, walked iteratively; big bodies (API responses, snapshots) pass
`max_depth=None` and are only guarded against the recursion error. Every failure is a `ValueError`
subclass, so callers that already handle "not JSON" handle these too.
"""

from __future__ import annotations

import json
import json.decoder
import json.encoder
import json.scanner
from collections.abc import Callable
from typing import Any

_JSON_OBJECT: Any = getattr(json.decoder, "JSONObject")  # noqa: B009 (untyped in the stubs)
_C_MAKE_ENCODER: Any = getattr(json.encoder, "c_make_encoder", None)

DEFAULT_MAX_DEPTH = 64
"""The same bound as `yamlio.YamlLimits.max_depth`: no Kubernetes object gitnad reads comes close."""


class JsonTooDeep(ValueError):
    """JSON nested deeper than the bound."""


class JsonDuplicateKey(ValueError):
    """An object with the same key twice (the API server's decoder rejects these in strict mode).

    `lineno` is the 1-based line of the object holding it, when it could be found (as `json.JSONDecodeError`)."""

    def __init__(self, key: str, lineno: int | None = None) -> None:
        where = f" (in the object starting on line {lineno})" if lineno else ""
        super().__init__(f"duplicate key {key!r}{where}")
        self.key = key
        self.lineno = lineno


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)  # built in C; a shorter dict means a key came twice (the rare, slow path below)
    if len(out) != len(pairs):
        seen: set[str] = set()
        for k, _ in pairs:
            if k in seen:
                raise JsonDuplicateKey(k)
            seen.add(k)
    return out


def _pairs_hook(reject_duplicates: bool, drop_keys: frozenset[str]) -> Callable[[list[tuple[str, Any]]], Any] | None:
    """The object hook for `loads`: C-built dicts, checked for duplicates, cut by `drop_keys` (checked in C)."""
    if not drop_keys:
        return _no_duplicates if reject_duplicates else None

    def hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out = _no_duplicates(pairs) if reject_duplicates else dict(pairs)
        if not drop_keys.isdisjoint(out):
            for key in drop_keys.intersection(out):
                del out[key]
        return out

    return hook


def _locate_duplicate(data: str | bytes) -> JsonDuplicateKey | None:
    """Decode again with the pure-Python scanner, which tells where each object starts, to say on which line the
    duplicate is. Only runs after a duplicate was found, so its slowness costs nothing on good input."""
    text = data if isinstance(data, str) else data.decode(json.detect_encoding(data))
    decoder = json.JSONDecoder()

    def parse_object(
        s_and_end: tuple[str, int], strict: bool, scan_once: Any, hook: Any, pairs_hook: Any, memo: Any
    ) -> Any:
        start = s_and_end[1]

        def check(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
            try:
                return _no_duplicates(pairs)
            except JsonDuplicateKey as e:
                raise JsonDuplicateKey(e.key, text.count("\n", 0, start) + 1) from None

        return _JSON_OBJECT(s_and_end, strict, scan_once, None, check, memo)

    decoder.parse_object = parse_object  # type: ignore[attr-defined]
    decoder.scan_once = json.scanner.py_make_scanner(decoder)  # type: ignore[attr-defined]
    try:
        decoder.decode(text)
    except JsonDuplicateKey as e:
        return e
    except (ValueError, RecursionError):
        return None
    return None


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


def deeper_than(value: Any, limit: int) -> bool:
    """Whether `value` nests deeper than `limit` (as `depth`), walking only containers and stopping at the first
    one past the limit: a flat value costs a few steps, whatever its size."""
    if not isinstance(value, (dict, list)):
        return False
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        v, d = stack.pop()
        if d > limit:
            return True
        for child in v.values() if isinstance(v, dict) else v:
            if isinstance(child, (dict, list)):
                stack.append((child, d + 1))
    return False


def loads(
    data: str | bytes,
    *,
    max_depth: int | None = DEFAULT_MAX_DEPTH,
    reject_duplicates: bool = False,
    drop_keys: frozenset[str] = frozenset(),
) -> Any:
    """Decode `data`; `JsonTooDeep`, `JsonDuplicateKey` or `ValueError` (not JSON) instead of a crash.

    `max_depth=None` skips the explicit walk (for large bodies); recursion past the interpreter's limit is
    still reported as `JsonTooDeep`. `drop_keys` are removed from every object as it is built, at any depth,
    so what the caller never reads is freed during decoding instead of after it (the peak memory).
    """
    hook = _pairs_hook(reject_duplicates, drop_keys)
    try:
        value = json.loads(data, object_pairs_hook=hook)
    except RecursionError:
        raise JsonTooDeep("nested too deeply to decode") from None
    except JsonDuplicateKey as e:
        raise (_locate_duplicate(data) or e) from None
    if max_depth is not None and deeper_than(value, max_depth):
        raise JsonTooDeep(f"nested deeper than {max_depth} levels")
    return value


def _not_json(value: Any) -> Any:
    raise TypeError(f"{type(value).__name__} is not JSON")


def compact_encoder(*, sort_keys: bool, default: Callable[[Any], Any] | None = None) -> Callable[[Any], str]:
    """`json.JSONEncoder(sort_keys=..., separators=(",", ":"), default=...).encode`, made once and reused.

    `JSONEncoder.encode` builds a new C encoder per call: two thirds of the time of encoding a small value,
    which gitnad does for every network and interface it reads. The same C encoder with the same options gives
    the same text. Without a circular-reference check (whose state a failed call could leave stale in a reused
    encoder), a cycle raises RecursionError; without `default`, any value JSON does not have raises TypeError.
    """
    fallback = json.JSONEncoder(sort_keys=sort_keys, separators=(",", ":"), default=default).encode
    if _C_MAKE_ENCODER is None:  # an interpreter without the C accelerator
        return fallback
    make = _C_MAKE_ENCODER(
        None, default or _not_json, json.encoder.encode_basestring_ascii, None, ":", ",", sort_keys, False, True
    )

    def encode(value: Any) -> str:
        return "".join(make(value, 0))

    return encode
