"""One run, many reports: pair `--format`s with `--output`s, check the files first, render and deliver each.

The pairing rule (README, "One run, many reports"): `--format` and `--output` may each be repeated.
- With as many formats as outputs, they pair in order: the first format goes to the first output, and so on.
- With one format more, the first format goes to stdout and the others pair with the outputs in order:
  `--format github --format sarif --output gitnad.sarif` prints annotations and writes the SARIF file.
- No `--format` means `text`, which alone may go to one `--output`. `--output -` is stdout, explicitly.
Anything else is ambiguous and refused (exit 2): two reports for stdout (two formats left over, or one left
over and `--output -`), an `--output` without its format, the same file twice. Every file is checked
writable before any work starts.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

from gitnad.config import OutputFormat, OutputSettings, OutputTarget
from gitnad.errors import UsageError
from gitnad.report import Result, render, step_summary
from gitnad.sources import outfile

STDOUT = Path("-")


def pair(formats: Sequence[OutputFormat], outputs: Sequence[Path]) -> tuple[OutputTarget, ...]:
    """The reports asked for, by the rule above; UsageError when the flags are ambiguous."""
    fmts = list(formats) or [OutputFormat.TEXT]
    paths: list[Path | None] = [None if p == STDOUT else p for p in outputs]
    if len(fmts) < len(paths):
        raise UsageError(
            f"{len(paths)} --output for {len(formats)} --format: give each --output its --format, in the same order "
            "(e.g. --format github --format sarif --output gitnad.sarif)"
        )
    paths[:0] = [None] * (len(fmts) - len(paths))  # the formats left over go to stdout
    if paths.count(None) > 1:
        to_stdout = ", ".join(f.value for f, p in zip(fmts, paths, strict=True) if p is None)
        raise UsageError(f"{paths.count(None)} reports for stdout ({to_stdout}): give all but the first an --output")
    targets = tuple(OutputTarget(f, p) for f, p in zip(fmts, paths, strict=True))
    _refuse_duplicates([p for p in paths if p is not None])
    return targets


def _identity(path: Path) -> tuple[int, int] | str:
    """Two spellings of one file compare equal (a link, `./x`, `d/../x`); a new path by its resolved name."""
    try:
        st = os.stat(path)
    except OSError:
        return str(path.resolve())
    return (st.st_dev, st.st_ino)


def _refuse_duplicates(paths: Sequence[Path]) -> None:
    seen: dict[tuple[int, int] | str, Path] = {}
    for p in paths:
        first = seen.get(key := _identity(p))
        seen.setdefault(key, p)
        if first is not None:
            same = f"--output {outfile.shown(p)}: the same file as --output {outfile.shown(first)}"
            raise UsageError(f"{same}; give each report its own file")


def check_targets(targets: Sequence[OutputTarget]) -> None:
    """Fail before any work (exit 2) when a report file cannot be written."""
    for t in targets:
        if t.path is not None:
            outfile.check_writable(t.path)


def deliver(
    result: Result, settings: OutputSettings, to_stdout: Callable[[str], None], step_summary: Path | None = None
) -> None:
    """Render `result` once per target; files first, so a reader that closes stdout early loses no file."""
    ordered = sorted(settings.targets, key=lambda t: t.path is None)
    for t in ordered:
        color = settings.color and t.path is None
        text = render(result, t.format, color=color, quiet=settings.quiet, width=settings.width)
        if t.path is None:
            to_stdout(text)
        else:
            outfile.write_text(t.path, text)
    append_step_summary(result, settings.targets, step_summary)


def append_step_summary(result: Result, targets: Sequence[OutputTarget], path: Path | None) -> None:
    """With a `github` target and $GITHUB_STEP_SUMMARY set: append the job summary (Markdown) to that file
    (SPEC §10); GitHub shows it on the run's page."""
    if path is None or not any(t.format is OutputFormat.GITHUB for t in targets):
        return
    summary = step_summary(result)
    outfile.append_text(path, summary if summary.endswith("\n") else summary + "\n", "$GITHUB_STEP_SUMMARY")
