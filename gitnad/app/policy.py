"""`gitnad policy validate PATH...` and `gitnad policy test DIR`.

validate: every policy / exception file against its schema, plus what a schema cannot say (time zones,
VLAN ranges, unique names, known rule names); exit 2 when any file is invalid.

test: runs `gitnad-test.yaml` files (format: `policies/README.md`, schema: `policytest.schema.json`):
each case gives manifests at base and head and optionally a cluster snapshot; the built-in rules, the
policies and the waivers run exactly as in `gitnad check`, and the findings in scope (GN3xx, GN9xx and
every code the case names) must equal the expected list. Exit 1 when a case fails.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from gitnad import __version__
from gitnad.app.policy_cases import Case, CaseResult, load_tests, run_case
from gitnad.app.policy_files import load_file, policy_files
from gitnad.app.settings import known_rule
from gitnad.errors import ExitCode, UsageError
from gitnad.models.results import PolicyCaseReport, PolicyFileReport, PolicyTestResult, PolicyValidateResult
from gitnad.policy.loader import Collector, check_unique


def validate_files(paths: Sequence[Path]) -> PolicyValidateResult:
    """One report per policy file; duplicate names across files are reported on the later file."""
    collectors: list[Collector] = []
    combined = Collector(known_rule=known_rule)
    for file in policy_files(paths):
        c = Collector(known_rule=known_rule)
        if not load_file(file, c):
            continue
        collectors.append(c)
        combined.policies.extend(c.policies)
        combined.exceptions.extend(c.exceptions)
    duplicates = check_unique(combined)
    reports = []
    for c in collectors:
        name = c.files[0]
        dupes = [error for file, error in duplicates if file == name]
        reports.append(
            PolicyFileReport(
                file=name,
                policies=tuple(p.name for p in c.policies),
                exceptions=tuple(e.name for e in c.exceptions),
                errors=tuple(c.errors + dupes),
            )
        )
    return PolicyValidateResult(version=__version__, files=tuple(reports))


def validate(paths: Sequence[Path]) -> tuple[PolicyValidateResult, ExitCode]:
    """Every policy file under `paths` validated; exit 2 when one is invalid (as check would refuse it)."""
    result = validate_files(paths)
    if not result.files:
        raise UsageError(f"no policy files (*.yaml, *.yml, *.json) in {', '.join(str(p) for p in paths)}")
    return result, ExitCode.OK if result.valid else ExitCode.USAGE


def case_report(r: CaseResult) -> PolicyCaseReport:
    c = r.case
    return PolicyCaseReport(
        test=c.test, file=c.file, case=c.name, line=c.line, missing=r.missing, unexpected=r.unexpected
    )


def run_tests(directory: Path) -> PolicyTestResult:
    cases: list[Case] = load_tests(directory)
    return PolicyTestResult(version=__version__, cases=tuple(case_report(run_case(c)) for c in cases))


def test(directory: Path) -> tuple[PolicyTestResult, ExitCode]:
    """Every policy test case under `directory`; exit 1 when one fails."""
    result = run_tests(directory)
    return result, ExitCode.OK if result.passed else ExitCode.FINDINGS
