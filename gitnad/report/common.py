"""What every reporter shares: the result types it renders, its options, and small formatting helpers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Union

from gitnad.config import DEFAULT_WIDTH
from gitnad.models.findings import Finding, Severity
from gitnad.models.results import (
    CheckResult,
    DriftItem,
    DriftResult,
    DriftState,
    PolicyTestResult,
    PolicyValidateResult,
    ReconcileResult,
    ScanResult,
)

Result = Union[  # noqa: UP007 (a runtime alias: isinstance checks and dict keys use the members)
    ScanResult, CheckResult, DriftResult, ReconcileResult, PolicyValidateResult, PolicyTestResult
]
RESULT_TYPES: tuple[type[Result], ...] = (
    ScanResult,
    CheckResult,
    DriftResult,
    ReconcileResult,
    PolicyValidateResult,
    PolicyTestResult,
)


@dataclass(frozen=True)
class Options:
    """How a person wants to read it: colour (a TTY), only what needs attention, and the line width."""

    color: bool = False
    quiet: bool = False
    width: int = DEFAULT_WIDTH


def short(sha: str | None) -> str:
    return "(none)" if sha is None else sha if len(sha) < 40 else sha[:12]


def where(file: str | None, line: int | None) -> str:
    if file is None:
        return "-"
    return f"{file}:{line}" if line else file


def overlay(root: str | None) -> str:
    """`overlay overlays/prod` for what a Kustomize root rendered (the repository root is `.`); "" otherwise."""
    return "" if root is None else f"overlay {root or '.'}"


def active(findings: Iterable[Finding]) -> list[Finding]:
    """Findings that count: not waived."""
    return [f for f in findings if not f.waived]


def by_severity(findings: Iterable[Finding]) -> dict[Severity, list[Finding]]:
    """Active findings per severity, most severe first (every severity present, possibly empty)."""
    out: dict[Severity, list[Finding]] = {s: [] for s in sorted(Severity, key=lambda s: -s.rank)}
    for f in active(findings):
        out[f.severity].append(f)
    return out


def drift_of(result: DriftResult | ReconcileResult) -> DriftResult:
    return result if isinstance(result, DriftResult) else result.drift


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else many or word + 's'}"


STATE_MEANING: dict[DriftState, str] = {
    DriftState.IN_SYNC: "VM, VMI spec and active pod all on the declared NAD; no MigrationRequired",
    DriftState.STOPPED: "VM not running; nothing to migrate",
    DriftState.OUT_OF_SYNC: "the live VM's networkName differs from git (not applied yet, or edited live)",
    DriftState.NOT_PROPAGATED: "VM and VMI spec differ (gate off, or virt-controller not caught up)",
    DriftState.RESTART_REQUIRED: "VM condition RestartRequired=True",
    DriftState.MIGRATION_PENDING: "MigrationRequired=True and no unfinished migration",
    DriftState.MIGRATION_QUEUED: "a migration exists in phase Pending",
    DriftState.MIGRATING: "a migration is between Scheduling and Running",
    DriftState.MIGRATION_FAILED: "the latest migration failed",
    DriftState.NOT_MIGRATABLE: "LiveMigratable=False and the pod is still on the old NAD",
    DriftState.POD_DRIFT: "VMI spec and active pod differ with no migration coming (e.g. default-network swap)",
    DriftState.NAD_MISSING: "the declared NAD does not exist",
    DriftState.MISSING: "VM in git, not in the cluster",
    DriftState.UNKNOWN: "could not be determined: something needed could not be read",
}
"""SPEC section 8's meaning of each drift state: SARIF rule help, Markdown legends."""


def attention(items: Iterable[DriftItem]) -> list[DriftItem]:
    """Items that are not converged."""
    return [i for i in items if not i.converged]


MIN_ROOM = 30
"""Narrowest text column worth wrapping into; below it, text goes on its own lines."""


def row(cells: str, what: str, at: str, width: int, indent: str) -> list[str]:
    """A table row: fixed-width `cells`, then `what` and `at` (a location) on the same line when they fit in
    `width`; otherwise `at` goes on the next line, indented by `indent` (`what` too when it does not fit after the
    cells), so the columns of every row stay readable at any width."""
    line = f"{cells}{what}  {at}" if what else f"{cells}{at}"
    if len(line) <= width:
        return [line]
    first = f"{cells}{what}".rstrip()
    if len(first) <= width:
        return [first, *_fit(at, width, indent)]
    return [cells.rstrip(), *_fit(f"{what}  {at}", width, indent)]


def _fit(text: str, width: int, indent: str) -> list[str]:
    """`text` on one line after `indent` when it fits (its spacing kept), else wrapped."""
    line = indent + text
    return [line] if len(line) <= width else wrap(text, width, indent)


def wrap(text: str, width: int, indent: str, first: str | None = None) -> list[str]:
    """`text` wrapped at `width` columns, continuation lines indented by `indent` (the first by `first`).

    Greedy, on spaces; words are never split (a file path or NAD name stays whole, even when longer than the
    line), runs of spaces between words become one. textwrap does the same about five times slower, which
    shows on a 20,000-row drift table.
    """
    head = indent if first is None else first
    room = max(width, max(len(indent), len(head)) + MIN_ROOM)
    lines: list[str] = []
    line = head
    fresh = True  # nothing but the indent on `line` yet
    for word in text.split():
        if fresh or len(line) + 1 + len(word) <= room:
            line = line + word if fresh else f"{line} {word}"
            fresh = False
            continue
        lines.append(line)
        line, fresh = indent + word, False
    lines.append(line if not fresh else line.rstrip())
    return lines


def nothing_planned(result: ReconcileResult) -> str:
    """What an empty plan says: nothing to do, unless the drift could not be decided (then nothing is known)."""
    if result.drift.decided:
        return "nothing to do"
    return "nothing planned: the drift could not be decided (exit 3), so what is left to do is not known"
