"""Results of each command: one plain model per command, rendered by pure reporters."""

from __future__ import annotations

import enum

from gitnad.models.base import Frozen
from gitnad.models.changes import Change
from gitnad.models.findings import Finding, RuleMeta, Skipped
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
    rules: tuple[RuleMeta, ...] = ()
    """Every rule that can report (built-in, policy and meta codes): SARIF's rule metadata."""

    warnings: tuple[str, ...] = ()
    """What the scan left out without an error: Helm charts, submodules, unparsable files that are not ours."""


class PlanOutcome(enum.StrEnum):
    """What KubeVirt will do with a VM whose network moves, in the order the plan lists them."""

    LIVE_MIGRATE = "live-migrate"
    RESTART = "restart"
    """The move applies only through a restart: by you (RestartRequired, default network) or by KubeVirt (Evict)."""
    STALL = "stall"
    """Nothing happens until someone acts: the VMI keeps the old NAD with MigrationRequired=True."""
    NOT_RUNNING = "not-running"
    """No running VMI: the new NAD applies at the next start."""
    UNKNOWN = "unknown"
    """Facts needed to tell could not be read (GN212 says which)."""


class PlanEntry(Frozen):
    """One VM instance of the change and what will happen to it."""

    vm: str
    """The declared VM (`namespace/name`; for a VirtualMachinePool the pool's)."""
    instance: str | None
    """The live VirtualMachine (a pool's member); None when the cluster has none."""
    networks: tuple[str, ...]
    """The networks whose NAD moves (or, for a restart-required change, the networks changed)."""
    outcome: PlanOutcome
    reason: str
    node: str | None = None
    """The node the VMI runs on (the source of its migration)."""
    takes_slot: bool = False
    """KubeVirt creates a migration for it, which takes a slot under the limits (even one that cannot succeed)."""
    file: str | None = None
    line: int | None = None


class NodeLoad(Frozen):
    node: str
    migrations: int


class MigrationPlan(Frozen):
    """The check's migration plan: which VMs live-migrate, in how many waves, which restart, stall or wait."""

    entries: tuple[PlanEntry, ...]
    waves: int
    """Expected migration waves (a lower bound, as GN207 computes it); 0 when nothing migrates."""
    parallel_migrations_per_cluster: int | None = None
    parallel_outbound_migrations_per_node: int | None = None
    nodes: tuple[NodeLoad, ...] = ()
    """Migrations leaving each node (entries that take a slot), by node name."""

    def of(self, outcome: PlanOutcome) -> tuple[PlanEntry, ...]:
        return tuple(e for e in self.entries if e.outcome is outcome)


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
    plan: MigrationPlan | None = None
    """None without cluster facts (`--offline`)."""
    rules: tuple[RuleMeta, ...] = ()
    """Every rule that can report (built-in, policy and meta codes): SARIF's rule metadata."""


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


class UnreadableManifest(Frozen):
    """A file with a GN001 problem at the declared ref (or at `--base`): the VMs it holds were not checked."""

    file: str
    line: int | None = None
    reason: str
    """The GN001 message (it names the file and line)."""
    ref: str
    """The commit it could not be read at."""


class DriftResult(Frozen):
    command: str = "drift"
    version: str
    ref: str | None
    base: str | None = None
    items: tuple[DriftItem, ...]
    cluster_source: str | None = None
    warnings: tuple[str, ...] = ()
    unreadable: tuple[UnreadableManifest, ...] = ()
    """Manifests that could not be read: the result is never converged while there is one (exit 3)."""

    @property
    def converged(self) -> bool:
        return not self.unreadable and all(i.converged for i in self.items)

    @property
    def decided(self) -> bool:
        """Every manifest read and no item Unknown (else exit 3, SPEC §2)."""
        return not self.unreadable and all(i.state is not DriftState.UNKNOWN for i in self.items)


class ActionKind(enum.StrEnum):
    CREATE_MIGRATION = "create-migration"
    RESTART_VM = "restart-vm"
    NONE = "none"


class ActionOutcome(enum.StrEnum):
    PLANNED = "planned"
    APPLIED = "applied"
    FAILED = "failed"
    SKIPPED = "skipped"


class Written(enum.StrEnum):
    """What a create sent to the cluster came to (reconcile's executor says it; apply turns it into an outcome)."""

    CREATED = "created"
    EXISTS = "exists"
    """An object of that name is there already: another run made it (names are deterministic), nothing doubled."""
    FAILED = "failed"


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


class PolicyFileReport(Frozen):
    """`gitnad policy validate`: one policy file and what it holds, or why it is invalid."""

    file: str
    policies: tuple[str, ...] = ()
    exceptions: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()
    """`file:line: /pointer: message`, one per problem."""

    @property
    def valid(self) -> bool:
        return not self.errors


class PolicyValidateResult(Frozen):
    command: str = "policy validate"
    version: str
    files: tuple[PolicyFileReport, ...]

    @property
    def valid(self) -> bool:
        return all(f.valid for f in self.files)


class PolicyCaseReport(Frozen):
    """`gitnad policy test`: one case of a test file and how its findings compared with the expected ones."""

    test: str
    file: str
    case: str
    line: int | None = None
    """Where the case starts in its test file."""
    missing: tuple[str, ...] = ()
    unexpected: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        return not self.missing and not self.unexpected

    @property
    def label(self) -> str:
        return f"{self.test} / {self.case}"


class PolicyTestResult(Frozen):
    command: str = "policy test"
    version: str
    cases: tuple[PolicyCaseReport, ...]

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.cases)


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
