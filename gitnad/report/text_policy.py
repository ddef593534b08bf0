"""Text reports of `gitnad policy validate` (one line per file) and `gitnad policy test` (PASS/FAIL per case)."""

from __future__ import annotations

from gitnad.models.results import PolicyTestResult, PolicyValidateResult
from gitnad.report.common import wrap


def render_validate(result: PolicyValidateResult) -> str:
    lines = []
    for r in result.files:
        if r.valid:
            kinds = [f"NADPolicy {n}" for n in r.policies] + [f"NADPolicyException {n}" for n in r.exceptions]
            lines.append(f"{r.file}: ok ({', '.join(kinds) or 'no policy documents'})")
        else:
            lines.extend(r.errors)
    invalid = sum(1 for r in result.files if not r.valid)
    lines.append(f"{len(result.files)} file(s) checked, {invalid} invalid")
    return "\n".join(lines) + "\n"


def render_test(result: PolicyTestResult, width: int) -> str:
    lines = []
    for r in result.cases:
        lines.append(f"{'PASS' if r.passed else 'FAIL'} {r.label}")
        lines.extend(line for m in r.missing for line in wrap(m, width, " " * 14, first="  missing:    "))
        lines.extend(line for u in r.unexpected for line in wrap(u, width, " " * 14, first="  unexpected: "))
    failed = sum(1 for r in result.cases if not r.passed)
    lines.append(f"{len(result.cases)} case(s): {len(result.cases) - failed} passed, {failed} failed")
    return "\n".join(lines) + "\n"
