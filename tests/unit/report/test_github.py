"""GitHub workflow commands, read back the way the Actions runner reads them (ActionCommand.TryParseV2:
`::name k=v,k=v::data`, properties split on `,` and `=`, then unescaped), and GitHub's annotation caps."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from gitnad import __version__
from gitnad.config import OutputFormat
from gitnad.models.findings import Finding, Severity
from gitnad.models.results import CheckResult, Refs, Summary
from gitnad.report import render
from gitnad.report.github import PER_LEVEL

GOLDEN = Path(__file__).resolve().parents[2] / "golden" / "github"
LEVELS = ("error", "warning", "notice")


@dataclass(frozen=True)
class Command:
    name: str
    properties: dict[str, str]
    data: str


def _unescape(value: str, mappings: list[tuple[str, str]]) -> str:
    for token, replacement in mappings:  # the runner's order: %25 last
        value = value.replace(replacement, token)
    return value


DATA = [("\r", "%0D"), ("\n", "%0A"), ("%", "%25")]
PROPERTY = [("\r", "%0D"), ("\n", "%0A"), (":", "%3A"), (",", "%2C"), ("%", "%25")]


def parse(line: str) -> Command | None:
    """One log line as the runner parses it, or None when it is not a workflow command."""
    line = line.lstrip()
    if not line.startswith("::"):
        return None
    end = line.find("::", 2)
    if end < 0:
        return None
    info = line[2:end]
    name, _, props = info.partition(" ")
    properties = {}
    for prop in filter(None, props.strip().split(",")):
        key, sep, value = prop.partition("=")
        if sep and key and value:
            properties[key] = _unescape(value, PROPERTY)
    return Command(name, properties, _unescape(line[end + 2 :], DATA))


def commands(text: str) -> list[Command]:
    return [c for c in map(parse, text.splitlines()) if c is not None]


def check(*findings: Finding) -> str:
    result = CheckResult(
        version=__version__,
        refs=Refs(base="a" * 40, head="b" * 40),
        changes=(),
        findings=findings,
        skipped=(),
        summary=Summary(),
    )
    return render(result, OutputFormat.GITHUB)


def finding(severity: Severity = Severity.ERROR, n: int = 1, **kw: object) -> Finding:
    base: dict[str, object] = {
        "code": "GN201",
        "rule": "target-nad-missing",
        "severity": severity,
        "message": f"message {n}",
        "file": "vms/a.yaml",
        "line": n,
    }
    return Finding(**{**base, **kw})  # type: ignore[arg-type]


@pytest.mark.parametrize("path", sorted(GOLDEN.glob("*.txt")), ids=lambda p: p.name)
def test_golden_lines_are_commands_in_level_order_or_plain_log(path: Path) -> None:
    lines = path.read_text().splitlines()
    parsed = [parse(line) for line in lines]
    assert all(c is not None or line.startswith("gitnad ") for c, line in zip(parsed, lines, strict=True))
    levels = [c.name for c in parsed if c is not None]
    assert levels == sorted(levels, key=LEVELS.index)
    assert all(set(c.properties) <= {"file", "line", "title"} for c in parsed if c is not None)


def test_demo_check_annotations_are_on_exact_lines() -> None:
    cmds = commands((GOLDEN / "demo-check.txt").read_text())
    gn201 = next(c for c in cmds if c.properties["title"] == "GN201 target-nad-missing")
    assert (gn201.name, gn201.properties["file"], gn201.properties["line"]) == (
        "error",
        "clusters/staging/vms/app-1.yaml",
        "35",
    )
    assert gn201.data.startswith("staging/app-1 network bridge-net moves to staging/vlan_10, which does not exist")


def test_drift_items_annotate_the_vm_manifest() -> None:
    cmds = commands((GOLDEN / "demo-drift.txt").read_text())
    router = next(c for c in cmds if c.properties["title"] == "PodDrift prod/router-1")
    assert (router.name, router.properties["file"], router.properties["line"]) == (
        "error",
        "clusters/prod/vms/router-1.yaml",
        "32",
    )
    assert {c.properties["title"].split()[0] for c in cmds} == {
        "RestartRequired",
        "MigrationFailed",
        "PodDrift",
        "NADMissing",
        "Migrating",
        "MigrationPending",
        "OutOfSync",
    }


def test_hostile_values_round_trip_and_cannot_inject_commands() -> None:
    hostile = finding(
        file="vms/a,b:c%0A%.yaml",
        message="50% done\r\n::error file=x::forged\n::stop-commands::token",
        policy="p,1:2",
    )
    out = check(hostile)
    assert len(out.splitlines()) == 2  # the annotation and the verdict: nothing else got a line
    (cmd,) = commands(out)
    assert cmd.properties["file"] == "vms/a,b:c%0A%.yaml"
    assert cmd.properties["title"] == "GN201 target-nad-missing [policy p,1:2]"
    assert cmd.data == "50% done\\r\\n::error file=x::forged\\n::stop-commands::token"


def test_waived_findings_are_notices() -> None:
    (cmd,) = commands(check(finding(waived=True, waiver="annotation waive.gitnad.dev/x on ns/vm: ok")))
    assert (cmd.name, cmd.data) == ("notice", "message 1 (waived: annotation waive.gitnad.dev/x on ns/vm: ok)")


CAPS = [
    # id, (errors, warnings, infos), shown per level, hidden note
    ("within", (10, 10, 10), (10, 10, 10), None),
    ("errors-over", (25, 3, 12), (10, 3, 9), "18 more annotation(s) not shown (15 errors, 3 notices)"),
    ("notices-over", (0, 0, 11), (0, 0, 9), "2 more annotation(s) not shown (2 notices)"),
    ("warnings-over", (1, 11, 0), (1, 10, 0), "1 more annotation(s) not shown (1 warning)"),
]


@pytest.mark.parametrize(("counts", "shown", "note"), [c[1:] for c in CAPS], ids=[c[0] for c in CAPS])
def test_caps_per_level_and_the_note_that_says_how_many(
    counts: tuple[int, int, int], shown: tuple[int, int, int], note: str | None
) -> None:
    findings = [
        finding(severity, n)
        for severity, count in zip((Severity.ERROR, Severity.WARNING, Severity.INFO), counts, strict=True)
        for n in range(1, count + 1)
    ]
    cmds = commands(check(*findings))
    notes = [c for c in cmds if c.properties.get("title") == "gitnad"]
    per_level = tuple(sum(1 for c in cmds if c.name == level and c not in notes) for level in LEVELS)
    assert per_level == shown
    assert all(n <= PER_LEVEL for n in (*per_level[:2], per_level[2] + len(notes)))
    if note is None:
        assert notes == []
    else:
        (hidden,) = notes
        assert hidden.name == "notice"
        assert hidden.data.startswith(note + ": GitHub shows 10 per level and step.")
    first_errors = [c.properties["line"] for c in cmds if c.name == "error"]
    assert first_errors == [str(n) for n in range(1, shown[0] + 1)]  # the first ones, in the result's order
