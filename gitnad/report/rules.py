"""The rules catalogue for people (a table, or each rule's documentation), for machines (JSON), and as the
Markdown table of the README. Pure: metadata in, text out."""

from __future__ import annotations

import json
from collections.abc import Sequence

from gitnad.models.findings import RuleMeta

COLUMNS = ("code", "name", "severity", "scope", "summary")


def render(metas: Sequence[RuleMeta], fmt: str, *, full: bool, version: str) -> str:
    """`json`: every field of every rule; text: a table, or (`full`) each rule's documentation."""
    if fmt == "json":
        return to_json(metas, version)
    return documentation(metas) if full else table(metas)


def _row(m: RuleMeta) -> tuple[str, ...]:
    return (m.code, m.name, m.severity.value, m.scope.value, m.summary)


def table(metas: Sequence[RuleMeta]) -> str:
    rows = [tuple(c.upper() for c in COLUMNS), *(_row(m) for m in metas)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(COLUMNS) - 1)]
    lines = ["  ".join([*(c.ljust(w) for c, w in zip(r, widths, strict=False)), r[-1]]) for r in rows]
    return "\n".join(lines) + "\n"


def body(m: RuleMeta) -> str:
    """The documentation without its title paragraph (`GN205 vmi-not-migratable.`), which the header repeats."""
    doc = m.doc.strip()
    title, _, rest = doc.partition("\n\n")
    return rest.strip() if title.startswith(m.code) else doc


def documentation(metas: Sequence[RuleMeta]) -> str:
    parts = [
        f"{m.code} {m.name} (default severity {m.severity.value}, scope {m.scope.value})\n\n{body(m)}\n" for m in metas
    ]
    return "\n".join(parts)


def to_json(metas: Sequence[RuleMeta], version: str) -> str:
    rules = [{**dict(zip(COLUMNS, _row(m), strict=True)), "doc": body(m)} for m in metas]
    doc = {"tool": "gitnad", "version": version, "command": "rules", "rules": rules}
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False) + "\n"


_MARKDOWN = str.maketrans({"|": "\\|", "<": "&lt;", ">": "&gt;"})
"""A `|` would end the cell; `<vm-namespace>` would be swallowed as an HTML tag."""


def markdown_table(metas: Sequence[RuleMeta]) -> str:
    """The README's rule table: one row per rule."""
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(c.translate(_MARKDOWN) for c in _row(m)) + " |" for m in metas]
    return "\n".join(lines) + "\n"
