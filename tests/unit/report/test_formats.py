"""Every output format has a renderer; every result type renders in each format `supports` allows, and any
other pair is a usage error decided in one place."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gitnad import __version__
from gitnad.config import OutputFormat
from gitnad.errors import UsageError
from gitnad.models.findings import Finding, Severity
from gitnad.models.results import (
    CheckResult,
    DriftItem,
    DriftResult,
    DriftState,
    PolicyTestResult,
    PolicyValidateResult,
    ReconcileResult,
    Refs,
    ScanResult,
    Summary,
)
from gitnad.report import RENDERERS, RESULT_TYPES, SUPPORTED, Result, formats_for, render, supports
from gitnad.report.common import wrap

DRIFT = DriftResult(version=__version__, ref="c" * 40, items=())
EMPTY: list[Result] = [
    ScanResult(version=__version__, ref=None, vms=(), nads=(), findings=()),
    CheckResult(
        version=__version__,
        refs=Refs(base="a" * 40, head="b" * 40),
        changes=(),
        findings=(),
        skipped=(),
        summary=Summary(),
    ),
    DRIFT,
    ReconcileResult(version=__version__, ref="c" * 40, applied=False, drift=DRIFT, actions=()),
    PolicyValidateResult(version=__version__, files=()),
    PolicyTestResult(version=__version__, cases=()),
]
PAIRS = [(r, f) for r in EMPTY for f in OutputFormat]


def test_every_format_has_a_renderer() -> None:
    assert set(RENDERERS) == set(OutputFormat)


def test_every_result_type_is_listed_and_rendered() -> None:
    assert set(SUPPORTED) == set(RESULT_TYPES) == {type(r) for r in EMPTY}
    assert all(OutputFormat.TEXT in SUPPORTED[t] and OutputFormat.JSON in SUPPORTED[t] for t in RESULT_TYPES)


@pytest.mark.parametrize(("result", "fmt"), PAIRS, ids=[f"{r.command}-{f}" for r, f in PAIRS])
def test_every_pair_renders_or_is_a_clear_usage_error(result: Result, fmt: OutputFormat) -> None:
    if supports(fmt, result):
        out = render(result, fmt)
        assert out.endswith("\n") and len(out) > 10
        return
    names = ", ".join(f.value for f in formats_for(type(result)))
    with pytest.raises(UsageError) as e:
        render(result, fmt)
    assert e.value.message == (
        f"--format {fmt.value} is not available for `gitnad {result.command}`; use one of: {names}"
    )


@pytest.mark.parametrize("result", EMPTY, ids=lambda r: r.command)
def test_json_carries_the_injected_version_command_and_schema_version(result: Result) -> None:
    """The version comes from the result (injected), never from the running package: golden files stay stable."""
    doc = json.loads(render(result.model_copy(update={"version": "9.9.9-test"}), OutputFormat.JSON))
    assert list(doc)[:4] == ["tool", "schemaVersion", "version", "command"]
    assert (doc["tool"], doc["schemaVersion"], doc["version"], doc["command"]) == (
        "gitnad",
        1,
        "9.9.9-test",
        result.command,
    )


@pytest.mark.parametrize("result", EMPTY[2:4], ids=lambda r: r.command)
def test_text_header_names_the_command(result: DriftResult) -> None:
    assert render(result, OutputFormat.TEXT).splitlines()[0] == f"gitnad {result.command}  ref {'c' * 12}"


def test_check_text_colours_severities_only_when_asked() -> None:
    f = Finding(code="GN201", rule="target-nad-missing", severity=Severity.ERROR, message="m", file="a.yaml", line=3)
    result = EMPTY[1].model_copy(update={"findings": (f,), "summary": Summary(error=1)})
    coloured = render(result, OutputFormat.TEXT, color=True)
    assert "  \x1b[31;1mERROR  \x1b[0m GN201 target-nad-missing  a.yaml:3" in coloured
    assert "Summary: \x1b[31;1m1 error(s)\x1b[0m, 0 warnings, 0 info, 0 waived" in coloured
    assert "\x1b[" not in render(result, OutputFormat.TEXT)


LONG = "word " * 40  # 200 characters


@pytest.mark.parametrize("width", [60, 100, 140], ids=str)
def test_text_wraps_finding_messages_within_the_width(width: int) -> None:
    f = Finding(code="GN201", rule="target-nad-missing", severity=Severity.ERROR, message=LONG.strip(), file="a.yaml")
    text = render(EMPTY[1].model_copy(update={"findings": (f,)}), OutputFormat.TEXT, width=width)
    body = [line for line in text.splitlines() if line.startswith(" " * 10)]
    assert all(len(line) <= width for line in body)
    assert " ".join(line.strip() for line in body) == LONG.strip()  # nothing lost, nothing cut


W8 = " ".join(["word"] * 8)
PAD = " " * 59
TABLES = [
    (
        "beside-unwrapped",
        300,
        [
            "VM         NETWORK     STATE   DECLARED      LIVE POD      DETAIL",
            f"prod/db-1  bridge-net  InSync  prod/vlan-20  prod/vlan-20  {LONG.strip()}",
        ],
    ),
    (
        "beside-wrapped",
        100,
        [
            "VM         NETWORK     STATE   DECLARED      LIVE POD      DETAIL",
            f"prod/db-1  bridge-net  InSync  prod/vlan-20  prod/vlan-20  {W8}",
            *[PAD + W8] * 4,
        ],
    ),
    (
        "under",
        60,
        [
            "VM         NETWORK     STATE   DECLARED      LIVE POD",
            "prod/db-1  bridge-net  InSync  prod/vlan-20  prod/vlan-20",
            *["    " + " ".join(["word"] * 11)] * 3,
            "    " + " ".join(["word"] * 7),
        ],
    ),
]


@pytest.mark.parametrize(("width", "table"), [t[1:] for t in TABLES], ids=[t[0] for t in TABLES])
def test_drift_table_keeps_columns_and_wraps_the_detail(width: int, table: list[str]) -> None:
    """The detail wraps in its column when 30 columns are left, else it goes under its row; never cut."""
    item = DriftItem(
        vm="prod/db-1",
        network="bridge-net",
        declared="prod/vlan-20",
        pod="prod/vlan-20",
        state=DriftState.IN_SYNC,
        converged=True,
        detail=LONG.strip(),
    )
    lines = render(DRIFT.model_copy(update={"items": (item,)}), OutputFormat.TEXT, width=width).splitlines()
    assert lines[2 : lines.index("", 2)] == table


@pytest.mark.parametrize(
    ("args", "command"),
    [
        (["check", "--offline"], "check"),
        (["scan"], "scan"),
        (["policy", "test", "."], "policy test"),
        (["policy", "validate", "."], "policy validate"),
    ],
    ids=["check", "scan", "policy-test", "policy-validate"],
)
def test_a_format_that_does_not_fit_fails_before_any_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], command: str
) -> None:
    """No git or cluster read happens first: the repository does not even exist."""
    from click.testing import CliRunner

    from gitnad.cli import main

    monkeypatch.chdir(tmp_path)
    repo = ["--repo", str(tmp_path / "missing")] if args[0] in ("check", "scan") else []
    r = CliRunner().invoke(main, [*args, *repo, "--format", "openmetrics"])
    assert r.exit_code == 2
    expected = f"gitnad: error: --format openmetrics is not available for `gitnad {command}`; use one of"
    assert r.stderr.startswith(expected)


WRAPS = [
    ("fits", "a b c", 40, ["> a b c"]),
    ("empty", "", 40, [">"]),
    ("spaces-collapse", "  a   b  ", 40, ["> a b"]),
    (
        "breaks-at-room",
        "aaaa bbbb cccc dddd eeee ffff gggg hhhh",
        36,
        ["> aaaa bbbb cccc dddd eeee ffff gggg", "  hhhh"],
    ),
    ("long-word-whole", "x" * 50 + " y", 36, ["> " + "x" * 50, "  y"]),
]


@pytest.mark.parametrize(("text", "width", "lines"), [w[1:] for w in WRAPS], ids=[w[0] for w in WRAPS])
def test_wrap(text: str, width: int, lines: list[str]) -> None:
    assert wrap(text, width, "  ", first="> ") == lines
