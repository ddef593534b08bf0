"""Every output format has a renderer, and every renderer handles every result model."""

from __future__ import annotations

import json

import pytest

from gitnad import __version__
from gitnad.config import OutputFormat
from gitnad.models.findings import Finding, Severity
from gitnad.models.results import CheckResult, DriftResult, ReconcileResult, Refs, ScanResult, Summary
from gitnad.report import RENDERERS, render

EMPTY = [
    ScanResult(version=__version__, ref=None, vms=(), nads=(), findings=()),
    CheckResult(
        version=__version__,
        refs=Refs(base="a" * 40, head="b" * 40),
        changes=(),
        findings=(),
        skipped=(),
        summary=Summary(),
    ),
    DriftResult(version=__version__, ref="c" * 40, items=()),
]
EMPTY.append(ReconcileResult(version=__version__, ref="c" * 40, applied=False, drift=EMPTY[2], actions=()))


def test_every_format_has_a_renderer() -> None:
    assert set(RENDERERS) == set(OutputFormat)


@pytest.mark.parametrize("fmt", list(OutputFormat), ids=str)
@pytest.mark.parametrize("result", EMPTY, ids=lambda r: r.command)
def test_every_renderer_renders_every_result(fmt: OutputFormat, result: object) -> None:
    out = render(result, fmt)  # type: ignore[arg-type]
    assert out.endswith("\n") and len(out) > 10


@pytest.mark.parametrize("result", EMPTY, ids=lambda r: r.command)
def test_json_carries_the_injected_version_and_command(result: ScanResult) -> None:
    """The version comes from the result (injected), never from the running package: golden files stay stable."""
    doc = json.loads(render(result.model_copy(update={"version": "9.9.9-test"}), OutputFormat.JSON))
    assert (doc["tool"], doc["version"], doc["command"]) == ("gitnad", "9.9.9-test", result.command)


@pytest.mark.parametrize("result", EMPTY[2:], ids=lambda r: r.command)
def test_text_header_names_the_command(result: DriftResult) -> None:
    assert render(result, OutputFormat.TEXT).splitlines()[0] == f"gitnad {result.command}  ref {'c' * 12}"


def test_check_text_colours_severities_only_when_asked() -> None:
    f = Finding(code="GN201", rule="target-nad-missing", severity=Severity.ERROR, message="m", file="a.yaml", line=3)
    result = EMPTY[1].model_copy(update={"findings": (f,), "summary": Summary(error=1)})
    coloured = render(result, OutputFormat.TEXT, color=True)  # type: ignore[arg-type]
    assert "  \x1b[31;1mERROR  \x1b[0m GN201 target-nad-missing  a.yaml:3" in coloured
    assert "Summary: \x1b[31;1m1 error(s)\x1b[0m, 0 warnings, 0 info, 0 waived" in coloured
    assert "\x1b[" not in render(result, OutputFormat.TEXT)  # type: ignore[arg-type]
