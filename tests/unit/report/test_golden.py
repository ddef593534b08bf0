"""Golden files: every command's report on the demo, in every format it supports, byte for byte.

The demo history (fixtures/demo/commits) is built into a real git repository; check runs against the
before-sync snapshot, drift and reconcile against the after-sync snapshot, scan at the head commit, and the
policy commands on a copy of the shipped examples with two cases made to fail. Commit shas are deterministic
(fixed dates). Regenerate after an intended change with
`GITNAD_UPDATE_GOLDEN=1 pytest tests/unit/report/test_golden.py` and review the diff.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from gitnad.app import check as app_check
from gitnad.app import drift as app_drift
from gitnad.app import policy as app_policy
from gitnad.app import reconcile as app_reconcile
from gitnad.app import scan as app_scan
from gitnad.config import ClusterSettings, OutputFormat
from gitnad.errors import ExitCode
from gitnad.models.results import (
    CheckResult,
    DriftResult,
    PolicyTestResult,
    PolicyValidateResult,
    ReconcileResult,
    ScanResult,
)
from gitnad.report import Result, formats_for, render
from gitnad.sources.fixture_repo import build

ROOT = Path(__file__).resolve().parents[3]
DEMO = ROOT / "fixtures" / "demo"
EXAMPLES = ROOT / "policies" / "examples"
GOLDEN = ROOT / "tests" / "golden"
NOW = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)
EXTENSION = {
    OutputFormat.TEXT: "txt",
    OutputFormat.JSON: "json",
    OutputFormat.GITHUB: "txt",
    OutputFormat.SARIF: "sarif",
    OutputFormat.JUNIT: "xml",
    OutputFormat.OPENMETRICS: "prom",
    OutputFormat.MARKDOWN: "md",
}
JSON_LIKE = (".json", ".sarif")
"""Golden files of one-line JSON documents, stored indented so their diffs are reviewable."""

Run = Callable[[], tuple[Result, ExitCode]]


@pytest.fixture(scope="module")
def demo_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    repo = tmp_path_factory.mktemp("demo") / "fleet-gitops"
    return repo, build(DEMO / "commits", repo)


@pytest.fixture(scope="module")
def policy_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped examples, with one case missing an expected finding and one with an unexpected one, and
    an invalid policy file beside them (for `policy validate`)."""
    work = tmp_path_factory.mktemp("policies") / "examples"
    shutil.copytree(EXAMPLES, work)
    test_file = work / "tests" / "gitnad-test.yaml"
    doc = yaml.safe_load(test_file.read_text())
    doc["cases"][1]["expect"] = [{"code": "GN304", "policy": "tenant-a-nads"}, {"code": "GN302"}]
    doc["cases"][5]["expect"] = doc["cases"][5]["expect"][:-1]
    test_file.write_text(yaml.safe_dump(doc, sort_keys=False))
    # The snapshots sit at a relative path in the working directory of the test, so messages that name them
    # (and the text wrapped around them) do not depend on where the project is checked out.
    shutil.copytree(DEMO / "snapshots", work.parent / "snapshots")
    (work.parent / "broken.yaml").write_text(
        "apiVersion: gitnad.dev/v1alpha1\nkind: NADPolicyException\nmetadata: {name: broken}\nspec:\n"
        "  rules: [GN205, not-a-rule]\n  reason: r\n"
    )
    return work


def _stable(text: str) -> str:
    return text.replace(str(DEMO), "FIXTURES/demo")  # no markup characters: the same in every format


def compare(name: str, text: str) -> None:
    if name.endswith(JSON_LIKE):  # one line on the wire; kept indented here so golden diffs are reviewable
        assert text.count("\n") == 1 and text.endswith("\n")
        text = json.dumps(json.loads(text), indent=2, ensure_ascii=False) + "\n"
    path = GOLDEN / name
    if os.environ.get("GITNAD_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    assert path.is_file(), f"{path} missing: run with GITNAD_UPDATE_GOLDEN=1"
    assert text == path.read_text()


def runs(repo: Path, shas: list[str], policy_dir: Path) -> dict[str, tuple[type[Result], Run, int]]:
    """Per command: its result type, how to run it, and its exit code."""
    before = ClusterSettings(snapshot=Path("snapshots/before-sync.yaml"))  # relative to policy_dir.parent
    after = ClusterSettings(snapshot=Path("snapshots/after-sync.yaml"))
    broken = policy_dir.parent / "broken.yaml"

    def check() -> tuple[Result, ExitCode]:
        return app_check.run(app_check.CheckRequest(repo, None, shas[-2], shas[-1], False, None, (), before, now=NOW))

    def drift() -> tuple[Result, ExitCode]:
        return app_drift.run(app_drift.DriftRequest(repo, None, shas[-1], None, False, timedelta(1), after))

    def reconcile() -> tuple[Result, ExitCode]:
        return app_reconcile.run(app_reconcile.ReconcileRequest(repo, None, shas[-1], None, False, True, None, after))

    return {
        "scan": (ScanResult, lambda: app_scan.run(repo, shas[-1], None), 1),
        "check": (CheckResult, check, 1),
        "drift": (DriftResult, drift, 1),
        "reconcile": (ReconcileResult, reconcile, 1),
        "policy-test": (PolicyTestResult, lambda: app_policy.test(policy_dir / "tests"), 1),
        "policy-validate": (PolicyValidateResult, lambda: app_policy.validate([policy_dir, broken]), 2),
    }


CASES = [
    (command, fmt)
    for command, result_type in [
        ("scan", ScanResult),
        ("check", CheckResult),
        ("drift", DriftResult),
        ("reconcile", ReconcileResult),
        ("policy-test", PolicyTestResult),
        ("policy-validate", PolicyValidateResult),
    ]
    for fmt in formats_for(result_type)
]


@pytest.mark.parametrize(("command", "fmt"), CASES, ids=[f"{c}-{f}" for c, f in CASES])
def test_demo_report(
    demo_repo: tuple[Path, list[str]],
    policy_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    command: str,
    fmt: OutputFormat,
) -> None:
    monkeypatch.chdir(policy_dir.parent)  # policy reports name files relative to the working directory
    repo, shas = demo_repo
    _, run, code = runs(repo, shas, policy_dir)[command]
    result, exit_code = run()
    assert int(exit_code) == code
    compare(f"{fmt.value}/demo-{command}.{EXTENSION[fmt]}", _stable(render(result, fmt)))


def test_every_golden_file_is_produced() -> None:
    """No stale golden file: each one belongs to a (command, format) pair above."""
    expected = {f"{fmt.value}/demo-{command}.{EXTENSION[fmt]}" for command, fmt in CASES}
    present = {str(p.relative_to(GOLDEN)) for p in GOLDEN.rglob("*") if p.is_file()}
    assert present == expected


def test_text_reports_fit_100_columns() -> None:
    """The default width is 100: every text report of the demo (tables, findings, plan, policy tests) stays
    within it, continuing a row that does not fit on the next line instead of breaking the table."""
    long_lines = [
        (str(p.relative_to(GOLDEN)), n, line)
        for p in sorted((GOLDEN / "text").glob("*.txt"))
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if len(line) > 100
    ]
    assert long_lines == []
