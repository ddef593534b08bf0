"""Reporters: pure `render(result) -> str` functions, one module per format, chosen by OutputFormat.

Every result model is rendered by every format; reporters never read files, the environment or the
clock, and never decide exit codes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Union

from gitnad.config import OutputFormat
from gitnad.models.results import CheckResult, DriftResult, ReconcileResult, ScanResult
from gitnad.report import json as json_report
from gitnad.report import text as text_report

Result = Union[ScanResult, CheckResult, DriftResult, ReconcileResult]  # noqa: UP007
Renderer = Callable[[Result, bool, bool], str]


def _json(result: Result, color: bool, quiet: bool) -> str:
    return json_report.render(result)


def _text(result: Result, color: bool, quiet: bool) -> str:
    return text_report.render(result, color=color, quiet=quiet)


RENDERERS: dict[OutputFormat, Renderer] = {
    OutputFormat.TEXT: _text,
    OutputFormat.JSON: _json,
}


def render(result: Result, fmt: OutputFormat, *, color: bool = False, quiet: bool = False) -> str:
    """Render `result` in `fmt` (every OutputFormat member has a renderer)."""
    return RENDERERS[fmt](result, color, quiet)
