"""Results of each command: one plain model per command, rendered by pure reporters."""

from __future__ import annotations

import enum

from gitnad.models.base import Frozen
from gitnad.models.changes import Change
from gitnad.models.findings import Finding, Skipped
from gitnad.models.manifest import NAD, VM


class Summary(Frozen):
    error: int = 0
    warning: int = 0
    info: int = 0
    waived: int = 0


class Refs(Frozen):
    base: str | None = None
    head: str | None = None


class ScanResult(Frozen):
    command: str = "scan"
    version: str
    ref: str | None
    """The commit sha scanned, or None for the working tree."""
    vms: tuple[VM, ...]
    nads: tuple[NAD, ...]
    findings: tuple[Finding, ...]
    files_scanned: int = 0


class CheckResult(Frozen):
    command: str = "check"
    version: str
    refs: Refs
    changes: tuple[Change, ...]
    findings: tuple[Finding, ...]
    skipped: tuple[Skipped, ...]
    summary: Summary
    cluster_source: str | None = None
    """`offline`, `snapshot:<file>` or `live:<context>`."""
    warnings: tuple[str, ...] = ()


class DriftState(enum.StrEnum):
    """SPEC §8 states, in precedence order."""

    MISSING = "Missing"
    STOPPED = "Stopped"
    OUT_OF_SYNC = "OutOfSync"
    NAD_MISSING = "NADMissing"
    RESTART_REQUIRED = "RestartRequired"
    NOT_PROPAGATED = "NotPropagated"
    MIGRATION_FAILED = "MigrationFailed"
    MIGRATING = "Migrating"
    MIGRATION_QUEUED = "MigrationQueued"
    NOT_MIGRATABLE = "NotMigratable"
    MIGRATION_PENDING = "MigrationPending"
    POD_DRIFT = "PodDrift"
    IN_SYNC = "InSync"
    UNKNOWN = "Unknown"

    @property
    def converged(self) -> bool:
        return self in (DriftState.IN_SYNC, DriftState.STOPPED)

    @property
    def terminal(self) -> bool:
        """Cannot change by itself: `--wait` stops waiting for it."""
        return self in (
            DriftState.RESTART_REQUIRED,
            DriftState.NOT_MIGRATABLE,
            DriftState.NAD_MISSING,
            DriftState.MISSING,
            DriftState.POD_DRIFT,
        )


class DriftItem(Frozen):
    vm: str
    network: str
    declared: str | None
    live_vm: str | None = None
    vmi: str | None = None
    pod: str | None = None
    state: DriftState
    converged: bool
    detail: str
    migration: str | None = None
    file: str | None = None
    line: int | None = None


class DriftResult(Frozen):
    command: str = "drift"
    version: str
    ref: str | None
    base: str | None = None
    items: tuple[DriftItem, ...]
    cluster_source: str | None = None
    warnings: tuple[str, ...] = ()

    @property
    def converged(self) -> bool:
        return all(i.converged for i in self.items)


class ActionKind(enum.StrEnum):
    CREATE_MIGRATION = "create-migration"
    RESTART_VM = "restart-vm"
    NONE = "none"


class ActionOutcome(enum.StrEnum):
    PLANNED = "planned"
    APPLIED = "applied"
    FAILED = "failed"
    SKIPPED = "skipped"


class Action(Frozen):
    kind: ActionKind
    vm: str
    network: str | None = None
    state: DriftState
    reason: str
    outcome: ActionOutcome = ActionOutcome.PLANNED
    result: str | None = None
    """What happened when applied: created object name, or the error."""


class ReconcileResult(Frozen):
    command: str = "reconcile"
    version: str
    ref: str | None
    applied: bool
    drift: DriftResult
    actions: tuple[Action, ...]
    free_slots: int | None = None


class DemoResult(Frozen):
    """`gitnad demo`: the pull-request check of the demo history's last commit, then the drift after sync."""

    command: str = "demo"
    repo: str
    """Where the demo repository was built (a temporary directory unless `--keep`)."""
    commits: int
    head: str
    check: CheckResult
    drift: DriftResult | None = None
    """None when the fixtures bundle no after-sync snapshot."""
