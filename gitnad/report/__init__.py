"""Reporters: pure `render(result, fmt) -> str`, one module per format, chosen by the OutputFormat enum.

Reporters never read files, the environment or the clock, and never decide exit codes. Which result a
format can render is decided here and only here (`supports`); asking for another is a `UsageError`.
Human-facing formats (text, markdown, github, junit) clean every string of control characters first
(`gitnad.report.escape.clean`); machine formats encode strings themselves.

A renderer's module is imported when its format is first rendered: the pre-commit hook prints text and never
pays for the XML, SARIF or Markdown writers (issue 12).
"""

from __future__ import annotations

import importlib
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
from gitnad.report.common import RESULT_TYPES, Options, Result

Renderer = Callable[[Result, Options], str]

RENDERERS: dict[OutputFormat, str] = {
    OutputFormat.TEXT: "text",
    OutputFormat.JSON: "json",
    OutputFormat.MARKDOWN: "markdown",
    OutputFormat.GITHUB: "github",
    OutputFormat.SARIF: "sarif",
    OutputFormat.JUNIT: "junit",
    OutputFormat.OPENMETRICS: "openmetrics",
}
"""The module of `gitnad.report` that renders each format: `render(result)`, or `render(result, options)` for
text, the one format whose layout depends on the terminal and colour."""


def _renderer(fmt: OutputFormat) -> Renderer:
    module = importlib.import_module(f"gitnad.report.{RENDERERS[fmt]}")
    if fmt is OutputFormat.TEXT:
        text: Renderer = module.render
        return text
    plain: Callable[[Result], str] = module.render
    return lambda result, _opts: plain(result)


_BASIC = frozenset({OutputFormat.TEXT, OutputFormat.JSON, OutputFormat.MARKDOWN, OutputFormat.JUNIT})
_FINDINGS = _BASIC | {OutputFormat.GITHUB, OutputFormat.SARIF}
SUPPORTED: dict[type[Result], frozenset[OutputFormat]] = {
    ScanResult: _FINDINGS,
    CheckResult: _FINDINGS,
    DriftResult: _FINDINGS | {OutputFormat.OPENMETRICS},
    ReconcileResult: _FINDINGS | {OutputFormat.OPENMETRICS},
    PolicyValidateResult: _BASIC,
    PolicyTestResult: _BASIC | {OutputFormat.GITHUB},
}
"""Formats per result type; a test keeps every (type, format) pair here rendered and golden."""


RESULT_TYPE_OF: dict[str, type[Result]] = {t.model_fields["command"].default: t for t in SUPPORTED}
"""Each result type by its command (`check`, `policy test`): how the CLI names the result of a command."""


def formats_for(result_type: type[Result]) -> tuple[OutputFormat, ...]:
    """The formats a result type can be rendered in, in the enum's order."""
    return tuple(f for f in OutputFormat if f in SUPPORTED[result_type])


def supports(fmt: OutputFormat, result: Result) -> bool:
    return fmt in SUPPORTED[type(result)]


def ensure_format(fmt: OutputFormat, result_type: type[Result]) -> None:
    """A `UsageError` naming the formats that work when `fmt` does not fit the command: callers check before
    doing any work, `render` checks again."""
    if fmt not in SUPPORTED[result_type]:
        command = result_type.model_fields["command"].default
        names = ", ".join(f.value for f in formats_for(result_type))
        raise UsageError(f"--format {fmt.value} is not available for `gitnad {command}`; use one of: {names}")


def render(
    result: Result, fmt: OutputFormat, *, color: bool = False, quiet: bool = False, width: int = DEFAULT_WIDTH
) -> str:
    """`result` in `fmt` (see `ensure_format` for a format that does not fit the command)."""
    ensure_format(fmt, type(result))
    return _renderer(fmt)(result, Options(color=color, quiet=quiet, width=width))


def step_summary(result: Result) -> str:
    """The Markdown job summary for `$GITHUB_STEP_SUMMARY`, under GitHub's 1 MiB per step (the CLI appends it
    to that file; rendering never reads the environment)."""
    from gitnad.report import markdown

    return markdown.step_summary(result)


__all__ = [
    "RENDERERS",
    "RESULT_TYPES",
    "RESULT_TYPE_OF",
    "SUPPORTED",
    "Result",
    "ensure_format",
    "formats_for",
    "render",
    "step_summary",
    "supports",
]
