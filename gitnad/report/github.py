"""GitHub Actions workflow commands: findings and drift as annotations on the exact file and line.

`::error file=vms/a.yaml,line=31,title=GN201 target-nad-missing::...`, errors first, then warnings, then
notices. GitHub shows at most 10 annotations of each level per step (and 50 per job; actions/toolkit
docs/problem-matchers.md), silently dropping the rest, so this keeps within 10 per level and spends the
last notice on saying how many were not shown. Values are escaped as the toolkit's `escapeData` and
`escapeProperty` do, on top of `escape.clean`. After the annotations, plain lines for the log: the
verdict and the skipped rules. The Markdown job summary is `gitnad.report.step_summary`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from gitnad.models.findings import Finding, Severity
from gitnad.models.results import (
    CheckResult,
    DriftItem,
    DriftResult,
    DriftState,
    PolicyTestResult,
    ReconcileResult,
    ScanResult,
)
from gitnad.report.common import Result, active, attention, drift_of, plural
from gitnad.report.escape import cleaned

PER_LEVEL = 10
"""Annotations GitHub shows per level (error, warning, notice) and step."""
LEVELS = ("error", "warning", "notice")
SEVERITY_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
STUCK = frozenset(
    {
        DriftState.UNKNOWN,
        DriftState.MIGRATION_FAILED,
        DriftState.NOT_MIGRATABLE,
        DriftState.NAD_MISSING,
        DriftState.MISSING,
        DriftState.POD_DRIFT,
        DriftState.RESTART_REQUIRED,
    }
)
"""Drift states that will not resolve by waiting (or could not be decided): errors; the rest are warnings."""


def escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


@dataclass(frozen=True)
class Annotation:
    level: str
    message: str
    title: str | None = None
    file: str | None = None
    line: int | None = None

    def command(self) -> str:
        props = [("file", self.file), ("line", str(self.line) if self.line else None), ("title", self.title)]
        text = ",".join(f"{k}={escape_property(v)}" for k, v in props if v)
        return f"::{self.level}{' ' + text if text else ''}::{escape_data(self.message)}"


def _finding(f: Finding) -> Annotation:
    level = "notice" if f.waived else SEVERITY_LEVEL[f.severity]
    message = f.message + (f" (waived: {f.waiver or 'yes'})" if f.waived else "")
    policy = f" [policy {f.policy}]" if f.policy else ""
    return Annotation(level, message, f"{f.code} {f.rule}{policy}", f.file, f.line)


def _item(i: DriftItem) -> Annotation:
    level = "error" if i.state in STUCK else "warning"
    return Annotation(level, f"{i.vm} network {i.network}: {i.detail}", f"{i.state.value} {i.vm}", i.file, i.line)


def capped(annotations: Iterable[Annotation]) -> list[str]:
    """Errors, then warnings, then notices, at most PER_LEVEL each; one notice says how many were not shown."""
    by_level: dict[str, list[Annotation]] = {level: [] for level in LEVELS}
    for a in annotations:
        by_level[a.level].append(a)
    over = {level: len(group) > PER_LEVEL for level, group in by_level.items()}
    room = {"error": PER_LEVEL, "warning": PER_LEVEL, "notice": PER_LEVEL - 1 if any(over.values()) else PER_LEVEL}
    shown = [a for level in LEVELS for a in by_level[level][: room[level]]]
    hidden = {level: len(by_level[level]) - room[level] for level in LEVELS if len(by_level[level]) > room[level]}
    lines = [a.command() for a in shown]
    if hidden:
        counts = ", ".join(plural(n, level) for level, n in hidden.items())
        note = (
            f"{sum(hidden.values())} more annotation(s) not shown ({counts}): GitHub shows {PER_LEVEL} per level "
            "and step. The job summary and the log (--format text) have them all."
        )
        lines.append(Annotation("notice", note, "gitnad").command())
    return lines


def _check(result: CheckResult | ScanResult) -> list[str]:
    findings = result.findings
    lines = capped(_finding(f) for f in sorted(findings, key=lambda f: (f.waived, f.sort_key())))
    counting = active(findings)
    counts = {s: sum(1 for f in counting if f.severity is s) for s in Severity}
    tally = f"{plural(counts[Severity.ERROR], 'error')}, {plural(counts[Severity.WARNING], 'warning')}, "
    lines.append(
        f"gitnad {result.command}: {tally}{counts[Severity.INFO]} info, {len(findings) - len(counting)} waived"
    )
    if isinstance(result, CheckResult) and result.skipped:
        reasons = ", ".join(sorted({s.reason for s in result.skipped}))
        lines.append(f"gitnad check: skipped ({reasons}): {' '.join(s.code for s in result.skipped)}")
    return lines


def _drift(result: DriftResult | ReconcileResult) -> list[str]:
    drift = drift_of(result)
    todo = attention(drift.items)
    lines = capped(_item(i) for i in todo)
    converged = len(drift.items) - len(todo)
    lines.append(f"gitnad {result.command}: {converged} of {plural(len(drift.items), 'network')} converged")
    if isinstance(result, ReconcileResult):
        lines += [
            f"gitnad reconcile: {a.outcome.value} {a.kind.value} {a.vm}: {a.reason}"
            + (f" -> {a.result}" if a.result else "")
            for a in result.actions
        ]
    lines += [f"gitnad {result.command}: warning: {w}" for w in drift.warnings]
    return lines


def _policy_test(result: PolicyTestResult) -> list[str]:
    failed = [c for c in result.cases if not c.passed]
    notes = []
    for c in failed:
        parts = [f"missing: {m}" for m in c.missing] + [f"unexpected: {u}" for u in c.unexpected]
        notes.append(Annotation("error", f"{c.label}: " + "; ".join(parts), "policy test failed", c.file, c.line))
    lines = capped(notes)
    lines.append(f"gitnad policy test: {len(result.cases) - len(failed)} of {plural(len(result.cases), 'case')} passed")
    return lines


def render(result: Result) -> str:
    safe = cleaned(result)
    if isinstance(safe, CheckResult | ScanResult):
        lines = _check(safe)
    elif isinstance(safe, DriftResult | ReconcileResult):
        lines = _drift(safe)
    else:
        assert isinstance(safe, PolicyTestResult)  # `supports` offers github for nothing else
        lines = _policy_test(safe)
    return "\n".join(lines) + "\n"
