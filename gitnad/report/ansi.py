"""ANSI colour for the text reports: one palette and one `paint`, used only when the caller asks (a TTY)."""

from __future__ import annotations

RESET = "\x1b[0m"
BOLD = "\x1b[1m"
DIM = "\x1b[2m"
RED = "\x1b[31m"
GREEN = "\x1b[32m"
YELLOW = "\x1b[33m"
MAGENTA = "\x1b[35m"
CYAN = "\x1b[36m"
BOLD_RED = "\x1b[31;1m"
BOLD_YELLOW = "\x1b[33;1m"


def paint(text: str, colour: str, color: bool) -> str:
    """`text` in `colour` when `color` is on (empty text stays empty)."""
    return f"{colour}{text}{RESET}" if color and text else text
