"""Findings, rule metadata and skipped rules: the atoms of every report."""

from __future__ import annotations

import enum

from gitnad.models.base import Frozen
from gitnad.models.severity import Severity as Severity  # re-exported: findings are where callers look for it


class Scope(enum.StrEnum):
    REPO = "repo"
    REPO_CLUSTER = "repo+cluster"
    CLUSTER = "cluster"
    POLICY = "policy"
    META = "meta"


class RuleMeta(Frozen):
    """What a rule is: permanent code, readable name, default severity, scope and its documentation."""

    code: str
    name: str
    severity: Severity
    scope: Scope
    summary: str
    doc: str = ""


class WaiverSource(enum.StrEnum):
    """Where a waiver is written: on the VM itself (an annotation) or centrally (a NADPolicyException)."""

    ANNOTATION = "annotation"
    EXCEPTION = "exception"


class Finding(Frozen):
    """One finding. `vm`, NAD names are `namespace/name`; `line` is 1-based and exact or None."""

    code: str
    rule: str
    severity: Severity
    message: str
    vm: str | None = None
    network: str | None = None
    file: str | None = None
    line: int | None = None
    waived: bool = False
    waiver: str | None = None
    """Why the finding is waived (the waiver's reason and where it came from)."""
    waiver_source: WaiverSource | None = None
    """Which kind of waiver waived it (SARIF tells in-source from external suppressions)."""
    policy: str | None = None
    source_root: str | None = None
    """The Kustomize overlay root (directory) the finding's VM or NAD was rendered from, or whose render failed."""

    def sort_key(self) -> tuple[int, str, int, str, str, str, str, str]:
        return (
            -self.severity.rank,
            self.file or "",
            self.line or 0,
            self.code,
            self.vm or "",
            self.network or "",
            self.message,
            self.source_root or "",
        )


class SkipReason(enum.StrEnum):
    OFFLINE = "offline"


class Skipped(Frozen):
    code: str
    reason: str


def sort_findings(findings: list[Finding] | tuple[Finding, ...]) -> tuple[Finding, ...]:
    """Deterministic order: errors first, then by file, line, code."""
    return tuple(sorted(findings, key=Finding.sort_key))
