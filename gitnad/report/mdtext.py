"""Markdown building blocks: safe text and code spans, tables, and a document with a size budget.

Values are cleaned of control characters before they get here (`escape.cleaned`); this module adds
Markdown's own escaping: nothing from a file name or message can open a link, an image, an HTML tag or
comment (a forged `<!-- gitnad:check -->` marker), break a table cell, or mention a user or team.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

_SPECIAL = re.compile(r"[\\`*_\[\]|~]")
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def text(value: str) -> str:
    """`value` as literal Markdown text: punctuation that forms markup is escaped, HTML is inert, and an
    `@` cannot mention anyone (a zero-width space entity follows it, as Renovate does)."""
    out = "".join(_ENTITIES.get(c, c) for c in value)
    out = _SPECIAL.sub(lambda m: "\\" + m.group(), out)
    return out.replace("@", "@&#8203;")


def code(value: str, *, in_table: bool = True) -> str:
    """`value` as an inline code span (fenced with more backticks than it contains); `|` is escaped in
    table cells, where GitHub splits on it even inside code."""
    if not value:
        return ""
    longest = max((len(run) for run in re.findall(r"`+", value)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if value.startswith("`") or value.endswith("`") else ""
    body = value.replace("|", "\\|") if in_table else value
    return f"{fence}{pad}{body}{pad}{fence}"


def table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    """A GitHub table: the header, its rule and one line per row (cells already escaped)."""
    return [_row(header), _row(["---"] * len(header)), *(_row(r) for r in rows)]


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(c or " " for c in cells) + " |"


def size(value: str) -> int:
    """What a budget counts: UTF-8 bytes, never fewer than the characters GitHub counts."""
    return len(value.encode("utf-8"))


NOTE_RESERVE = 400
"""Room kept for the note that says what was left out."""


@dataclass
class Document:
    """Markdown lines under a size limit: blocks that do not fit are counted, not cut mid-way."""

    limit: int
    lines: list[str] = field(default_factory=list)
    used: int = 0
    left_out: int = 0

    def fits(self, lines: Sequence[str]) -> bool:
        return self.used + sum(size(line) + 1 for line in lines) <= self.limit - NOTE_RESERVE

    def add(self, *lines: str) -> bool:
        """Append `lines` if they fit (all or nothing)."""
        if not self.fits(lines):
            return False
        self.lines.extend(lines)
        self.used += sum(size(line) + 1 for line in lines)
        return True

    def section(self, heading: Sequence[str], rows: Sequence[str], trailer: Sequence[str] = ("",)) -> None:
        """`heading` (e.g. a title and a table header) and as many `rows` as fit; the rest are counted."""
        if not rows:
            return
        if not self.add(*heading):
            self.left_out += len(rows)
            return
        shown = 0
        for row in rows:
            if not self.add(row):
                break
            shown += 1
        self.left_out += len(rows) - shown
        self.add(*trailer)

    def render(self, what: str) -> str:
        """The document, ending with a note when rows were left out (`what`: where the rest can be read)."""
        lines = list(self.lines)
        if self.left_out:
            lines += [
                "",
                f"> **{self.left_out} more row(s) not shown**: this report is limited to {self.limit:,} bytes. {what}",
            ]
        return "\n".join(lines).rstrip("\n") + "\n"
