"""JUnit XML, parsed back with a JUnit library (junitparser), as CI test reporters read it."""

from __future__ import annotations

from pathlib import Path

import pytest
from junitparser import Error, Failure, JUnitXml, Skipped, TestCase, TestSuite

from gitnad import __version__
from gitnad.config import OutputFormat
from gitnad.models.changes import Change, ChangeKind
from gitnad.models.findings import Finding, Severity
from gitnad.models.findings import Skipped as SkippedRule
from gitnad.models.results import CheckResult, DriftItem, DriftResult, DriftState, Refs, Summary
from gitnad.report import render

GOLDEN = Path(__file__).resolve().parents[2] / "golden" / "junit"


def suite_of(xml: str, tmp_path: Path) -> TestSuite:
    path = tmp_path / "report.xml"
    path.write_text(xml)
    (suite,) = JUnitXml.fromfile(str(path))
    return suite


def outcome(case: TestCase) -> str:
    kinds = {Failure: "failure", Error: "error", Skipped: "skipped"}
    results = [kinds[type(r)] for r in case.result]
    return results[0] if results else "passed"


def table(suite: TestSuite) -> list[tuple[str, str, str]]:
    return [(c.classname, c.name, outcome(c)) for c in suite]


@pytest.mark.parametrize("path", sorted(GOLDEN.glob("*.xml")), ids=lambda p: p.name)
def test_golden_junit_parses_and_its_counts_add_up(path: Path) -> None:
    (suite,) = JUnitXml.fromfile(str(path))
    cases = list(suite)
    assert suite.tests == len(cases)
    assert suite.failures == sum(1 for c in cases if outcome(c) == "failure")
    assert suite.errors == sum(1 for c in cases if outcome(c) == "error")
    assert suite.skipped == sum(1 for c in cases if outcome(c) == "skipped")
    assert suite.name == "gitnad " + path.stem.removeprefix("demo-").replace("-", " ")


def test_demo_drift_one_case_per_item() -> None:
    (suite,) = JUnitXml.fromfile(str(GOLDEN / "demo-drift.xml"))
    assert table(suite) == [
        ("prod/batch-1", "bridge-net", "passed"),
        ("prod/cache-0", "bridge-net", "failure"),
        ("prod/cache-0", "metrics", "failure"),
        ("prod/cache-1", "bridge-net", "failure"),
        ("prod/cache-1", "metrics", "failure"),
        ("prod/db-1", "bridge-net", "passed"),
        ("prod/db-2", "bridge-net", "failure"),
        ("prod/nfv-1", "dataplane", "failure"),
        ("prod/router-1", "primary", "failure"),
        ("prod/web-1", "bridge-net", "passed"),
        ("prod/web-2", "bridge-net", "failure"),
        ("staging/app-1", "bridge-net", "failure"),
        ("staging/app-2", "bridge-net", "failure"),
    ]
    failure = next(iter(next(c for c in suite if c.classname == "prod/router-1").result))
    assert failure.type == "PodDrift"
    assert failure.message.startswith("default network: the pod still has prod/ovn-primary-a")


def finding(code: str, severity: Severity, vm: str | None, network: str | None, **kw: object) -> Finding:
    return Finding(code=code, rule="r", severity=severity, message=f"{code} says", vm=vm, network=network, **kw)  # type: ignore[arg-type]


def test_check_cases_per_rule_and_vm_network(tmp_path: Path) -> None:
    change_vms = ("prod/a", "prod/b", "prod/c")
    changes = tuple(Change(kind=ChangeKind.NAD_SWAP, vm=vm, network="net") for vm in change_vms)
    result = CheckResult(
        version=__version__,
        refs=Refs(base="a" * 40, head="b" * 40),
        changes=changes,
        findings=(
            finding("GN201", Severity.ERROR, "prod/a", "net"),
            finding("GN201", Severity.ERROR, "prod/a", "net", file="x.yaml"),
            finding("GN107", Severity.INFO, "prod/b", "net"),
            finding("GN103", Severity.WARNING, "prod/c", "net", waived=True, waiver="annotation on prod/c: ok"),
            finding("GN207", Severity.WARNING, None, None),
        ),
        skipped=(SkippedRule(code="GN205", reason="offline"),),
        summary=Summary(),
    )
    suite = suite_of(render(result, OutputFormat.JUNIT), tmp_path)
    assert table(suite) == [
        ("(repository)", "GN207 r", "failure"),
        ("prod/a", "GN201 r [net]", "failure"),
        ("prod/b", "GN107 r [net]", "passed"),
        ("prod/c", "GN103 r [net]", "skipped"),
        ("gitnad.rules", "GN205", "skipped"),
    ]
    a = next(c for c in suite if c.classname == "prod/a")
    (failure,) = a.result
    assert failure.text == "ERROR GN201 r at -: GN201 says\nERROR GN201 r at x.yaml: GN201 says"
    skipped = [next(iter(c.result)).message for c in suite if outcome(c) == "skipped"]
    assert skipped == ["waived: annotation on prod/c: ok", "not run: offline"]


def test_unknown_drift_is_an_error_and_hostile_names_stay_well_formed(tmp_path: Path) -> None:
    item = DriftItem(
        vm="prod/x\x1b]0;pwned\x07",
        network="net\nSummary: 0 errors",
        declared="prod/n",
        state=DriftState.UNKNOWN,
        converged=False,
        detail='could not read <pods> & "vmis" \x00',
    )
    suite = suite_of(render(DriftResult(version=__version__, ref=None, items=(item,)), OutputFormat.JUNIT), tmp_path)
    (case,) = suite
    assert (case.classname, case.name, outcome(case)) == (
        "prod/x\\x1b]0;pwned\\x07",
        "net\\nSummary: 0 errors",
        "error",
    )
    (error,) = case.result
    assert error.message == 'could not read <pods> & "vmis" \\x00'
