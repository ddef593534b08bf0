"""Reporters: pure `render(result, fmt) -> str`, one module per format, chosen by the OutputFormat enum.

Reporters never read files, the environment or the clock, and never decide exit codes. Which result a
format can render is decided here and only here (`supports`); asking for another is a `UsageError`.
Human-facing formats (text, markdown, github, junit) clean every string of control characters first
(`gitnad.report.escape.clean`); machine formats encode strings themselves.
"""

from __future__ import annotations

from collections.abc import Callable

from gitnad.config import DEFAULT_WIDTH, OutputFormat
from gitnad.errors import UsageError
from gitnad.models.results import (
    CheckResult,
    DriftResult,
    PolicyTestResult,
    PolicyValidateResult,
    ReconcileResult,
    ScanResult,
)
from gitnad.report import json as json_report
from gitnad.report import text as text_report
from gitnad.report.common import RESULT_TYPES, Options, Result

Renderer = Callable[[Result, Options], str]


def _json(result: Result, opts: Options) -> str:
    return json_report.render(result)


RENDERERS: dict[OutputFormat, Renderer] = {
    OutputFormat.TEXT: text_report.render,
    OutputFormat.JSON: _json,
}

_EVERYWHERE = frozenset({OutputFormat.TEXT, OutputFormat.JSON})
SUPPORTED: dict[type[Result], frozenset[OutputFormat]] = {
    ScanResult: _EVERYWHERE,
    CheckResult: _EVERYWHERE,
    DriftResult: _EVERYWHERE,
    ReconcileResult: _EVERYWHERE,
    PolicyValidateResult: _EVERYWHERE,
    PolicyTestResult: _EVERYWHERE,
}
"""Formats per result type; a test keeps every (type, format) pair here rendered and golden."""


def formats_for(result_type: type[Result]) -> tuple[OutputFormat, ...]:
    """The formats a result type can be rendered in, in the enum's order."""
    return tuple(f for f in OutputFormat if f in SUPPORTED[result_type])


def supports(fmt: OutputFormat, result: Result) -> bool:
    return fmt in SUPPORTED[type(result)]


def render(
    result: Result, fmt: OutputFormat, *, color: bool = False, quiet: bool = False, width: int = DEFAULT_WIDTH
) -> str:
    """`result` in `fmt`; a `UsageError` naming the formats that work when `fmt` does not fit the command."""
    if not supports(fmt, result):
        names = ", ".join(f.value for f in formats_for(type(result)))
        raise UsageError(f"--format {fmt.value} is not available for `gitnad {result.command}`; use one of: {names}")
    return RENDERERS[fmt](result, Options(color=color, quiet=quiet, width=width))


__all__ = ["RENDERERS", "RESULT_TYPES", "SUPPORTED", "Result", "formats_for", "render", "supports"]
