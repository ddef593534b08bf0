"""`gitnad policy validate PATH...` and `gitnad policy test DIR`.

validate: every policy / exception file against its schema, plus what a schema cannot say (time zones,
VLAN ranges, unique names, known rule names); exit 2 when any file is invalid.

test: runs `gitnad-test.yaml` files (format: `policies/README.md`, schema: `policytest.schema.json`):
each case gives manifests at base and head and optionally a cluster snapshot; the built-in rules, the
policies and the waivers run exactly as in `gitnad check`, and the findings in scope (GN3xx, GN9xx and
every code the case names) must equal the expected list. Exit 1 when a case fails.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gitnad import __version__
from gitnad.app.policy_cases import Case, CaseResult, load_tests, run_case
from gitnad.app.policy_files import load_file, policy_files
from gitnad.app.settings import known_rule
from gitnad.errors import ExitCode, UsageError
from gitnad.policy.loader import Collector, check_unique


@dataclass(frozen=True)
class FileReport:
    file: str
    policies: tuple[str, ...]
    exceptions: tuple[str, ...]
    errors: tuple[str, ...]

    @property
    def valid(self) -> bool:
        return not self.errors


def validate_files(paths: Sequence[Path]) -> list[FileReport]:
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
            FileReport(
                file=name,
                policies=tuple(p.name for p in c.policies),
                exceptions=tuple(e.name for e in c.exceptions),
                errors=tuple(c.errors + dupes),
            )
        )
    return reports


def _validate_text(reports: list[FileReport]) -> str:
    lines = []
    for r in reports:
        if r.valid:
            kinds = [f"NADPolicy {n}" for n in r.policies] + [f"NADPolicyException {n}" for n in r.exceptions]
            lines.append(f"{r.file}: ok ({', '.join(kinds) or 'no policy documents'})")
        else:
            lines.extend(r.errors)
    invalid = sum(1 for r in reports if not r.valid)
    lines.append(f"{len(reports)} file(s) checked, {invalid} invalid")
    return "\n".join(lines) + "\n"


def _validate_json(reports: list[FileReport]) -> str:
    body = {
        "tool": "gitnad",
        "version": __version__,
        "command": "policy validate",
        "valid": all(r.valid for r in reports),
        "files": [
            {
                "file": r.file,
                "valid": r.valid,
                "policies": list(r.policies),
                "exceptions": list(r.exceptions),
                "errors": list(r.errors),
            }
            for r in reports
        ],
    }
    return json.dumps(body, indent=2, sort_keys=True) + "\n"


def validate(paths: Sequence[Path], fmt: str) -> tuple[str, ExitCode]:
    reports = validate_files(paths)
    if not reports:
        raise UsageError(f"no policy files (*.yaml, *.yml, *.json) in {', '.join(str(p) for p in paths)}")
    text = _validate_json(reports) if fmt == "json" else _validate_text(reports)
    return text, ExitCode.OK if all(r.valid for r in reports) else ExitCode.USAGE


def _test_text(results: list[CaseResult]) -> str:
    lines = []
    for r in results:
        lines.append(f"{'PASS' if r.passed else 'FAIL'} {r.case.label}")
        lines.extend(f"  missing:    {m}" for m in r.missing)
        lines.extend(f"  unexpected: {u}" for u in r.unexpected)
    failed = sum(1 for r in results if not r.passed)
    lines.append(f"{len(results)} case(s): {len(results) - failed} passed, {failed} failed")
    return "\n".join(lines) + "\n"


def _case_json(r: CaseResult) -> dict[str, Any]:
    return {
        "test": r.case.test,
        "file": r.case.file,
        "case": r.case.name,
        "passed": r.passed,
        "missing": list(r.missing),
        "unexpected": list(r.unexpected),
    }


def _test_json(results: list[CaseResult]) -> str:
    body = {
        "tool": "gitnad",
        "version": __version__,
        "command": "policy test",
        "passed": all(r.passed for r in results),
        "cases": [_case_json(r) for r in results],
    }
    return json.dumps(body, indent=2, sort_keys=True) + "\n"


def test(directory: Path, fmt: str) -> tuple[str, ExitCode]:
    cases: list[Case] = load_tests(directory)
    results = [run_case(c) for c in cases]
    text = _test_json(results) if fmt == "json" else _test_text(results)
    return text, ExitCode.OK if all(r.passed for r in results) else ExitCode.FINDINGS
