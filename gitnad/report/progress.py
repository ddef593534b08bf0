"""The live display of `drift --wait`: a rich table on a terminal, plain lines in logs (CI, a Job).

Handed to `gitnad.app.drift.run` as a callback by the cli, so the use case never imports rich. It writes to
the stream it is given (stderr), never to the report's stdout. rich is imported only when the stream is a
terminal: the pre-commit hook and plain logs never load it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Protocol, TextIO

from gitnad.models.results import DriftItem
from gitnad.report.text_drift import drift_table, summary_line

PLAIN_HEARTBEAT_S = 30.0
"""In logs, a line at least this often while nothing changes, so a long wait does not look hung."""


class Tick(Protocol):
    """One evaluation of the wait (`gitnad.drift.wait.Progress` is one; report does not import drift)."""

    @property
    def elapsed_s(self) -> float: ...

    @property
    def items(self) -> Sequence[DriftItem]: ...


OnUpdate = Callable[[Tick], None]


class PlainProgress:
    """For logs: one line per change of the summary, and a heartbeat line every `every_s`."""

    def __init__(self, stream: TextIO, every_s: float = PLAIN_HEARTBEAT_S) -> None:
        self.stream = stream
        self.every_s = every_s
        self._last_line = ""
        self._last_at = -every_s

    def __call__(self, p: Tick) -> None:
        line = summary_line(p.items)
        if line != self._last_line or p.elapsed_s - self._last_at >= self.every_s:
            self.stream.write(f"[{p.elapsed_s:6.1f}s] {line}\n")
            self.stream.flush()
            self._last_line, self._last_at = line, p.elapsed_s


def live_lines(p: Tick, timeout_s: float, color: bool) -> list[str]:
    """What the live table shows for one evaluation."""
    return [
        *drift_table(p.items, color=color),
        "",
        summary_line(p.items, color=color),
        f"waiting {p.elapsed_s:.0f}s of {timeout_s:.0f}s (watching VMIs, migrations, pods)",
    ]


@contextmanager
def display(stream: TextIO, timeout_s: float, color: bool) -> Iterator[OnUpdate]:
    """A live table when `stream` is a terminal, plain periodic lines otherwise."""
    if not stream.isatty():
        yield PlainProgress(stream)
        return
    from rich.console import Console
    from rich.live import Live
    from rich.text import Text

    console = Console(file=stream, force_terminal=True, no_color=not color)
    with Live(Text(""), console=console, refresh_per_second=4, transient=False) as live:
        yield lambda p: live.update(Text.from_ansi("\n".join(live_lines(p, timeout_s, color))))
