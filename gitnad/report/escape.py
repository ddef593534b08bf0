"""The one escaping function of every human-facing format (text, markdown, github, junit messages).

Names and messages come from files anyone can commit and from cluster objects anyone with write access can
name: a file called `vms/x\\nSummary: 0 errors.yaml` must not print a fake summary line, and a VM name with an
escape sequence must not drive the reader's terminal (OSC 8 links, title changes, cursor moves that hide
lines). `clean` turns every control character, and the invisible characters that reorder or hide text, into
a visible escape; nothing else changes, so ordinary text stays byte for byte as it was.

Formats add their own escaping on top (GitHub's `%0A`, Markdown's `\\|`, XML entities); machine formats
(json, sarif, openmetrics) encode strings themselves and are not cleaned.
"""

from __future__ import annotations

import enum
import re
from typing import Any, TypeVar

from pydantic import BaseModel

T = TypeVar("T")

# C0 controls and DEL, C1 controls (CSI is also \x9b), zero-width and bidirectional marks (the "Trojan
# Source" reordering characters), line/paragraph separators and the byte-order mark.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def clean(text: str) -> str:
    """`text` with every control or invisible formatting character shown as an escape (`\\n`, `\\x1b`, `\\u202e`).

    Idempotent, and returns `text` itself when there is nothing to escape.
    """
    if _UNSAFE.search(text) is None:
        return text
    return _UNSAFE.sub(_escape, text)


def clean_all(texts: tuple[str, ...]) -> tuple[str, ...]:
    """`clean` of each (one search over all of them in the common case where none needs it)."""
    if _UNSAFE.search("".join(texts)) is None:
        return texts
    return tuple(clean(t) for t in texts)


def cleaned(value: T) -> T:
    """`value` (a result model) with `clean` applied to every string inside it, keys of mappings included.

    The same object comes back when nothing needed escaping, so the common case costs one regex search
    per string and no copies.
    """
    out: T = _walk(value)
    return out


def _walk(value: Any) -> Any:
    if type(value) is str:
        return clean(value)
    if value is None or isinstance(value, int | float | enum.Enum):  # bools are ints; enum members are ours
        return value
    if isinstance(value, BaseModel):
        return _walk_model(value)
    if isinstance(value, tuple):
        items = tuple(_walk(v) for v in value)
        return value if all(a is b for a, b in zip(items, value, strict=True)) else items
    if isinstance(value, dict):
        pairs = [(_walk(k), _walk(v)) for k, v in value.items()]
        same = all(k is k0 and v is v0 for (k, v), (k0, v0) in zip(pairs, value.items(), strict=True))
        return value if same else dict(pairs)
    return clean(value) if isinstance(value, str) else value


def _walk_model(value: BaseModel) -> BaseModel:
    changed = {}
    for name, old in value.__dict__.items():  # the fields' values (frozen models: no extras)
        kind = type(old)
        if kind is str:  # inlined: most fields are clean strings or atoms, and a call each shows at 20,000 rows
            if _UNSAFE.search(old) is not None:
                changed[name] = _UNSAFE.sub(_escape, old)
            continue
        if old is None or kind is int or kind is bool or isinstance(old, enum.Enum):
            continue
        new = _walk(old)
        if new is not old:
            changed[name] = new
    return value.model_copy(update=changed) if changed else value
