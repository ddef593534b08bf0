"""Migration facts as KubeVirt reads them: phases, failure (cancelled = failed), the cluster limit, and why
the workload updater has not created a migration yet (domain §1, §3, §7). Pure.
"""

from __future__ import annotations

import enum

from gitnad.models.cluster import ClusterFacts, LiveVMI, Migration, ResourceType

IN_PROGRESS_PHASES = frozenset(
    {"Scheduling", "Scheduled", "PreparingTarget", "TargetReady", "Running", "WaitingForSync", "Synchronizing"}
)
NOT_RUNNING_FOR_LIMIT = frozenset({"", "Pending", "Succeeded", "Failed", "WaitingForSync", "Synchronizing"})
"""KubeVirt's `VirtualMachineInstanceMigration.IsRunning()` is false in these phases."""

LIVE_MIGRATE = "LiveMigrate"


class MigrationStage(enum.StrEnum):
    QUEUED = "queued"
    IN_PROGRESS = "in-progress"
    FAILED = "failed"
    SUCCEEDED = "succeeded"


def newest_migration(vmi: LiveVMI, facts: ClusterFacts) -> Migration | None:
    """The most recently created migration of this VMI (facts keep them oldest first)."""
    ms = facts.migrations_by_vmi.get(vmi.key, ())
    return ms[-1] if ms else None


def failure_text(m: Migration, vmi: LiveVMI) -> str | None:
    """Why `m` failed, or None when it did not. `completed` and `failed` together is a cancelled migration."""
    states = [s for s in (m.migration_state,) if s is not None]
    if vmi.migration_state is not None and m.uid and vmi.migration_state.migration_uid == m.uid:
        states.append(vmi.migration_state)
    reason = m.failure_reason or next((s.failure_reason for s in states if s.failure_reason), None)
    if m.phase == "Failed":
        return reason or "no failureReason recorded"
    cancelled = next((s for s in states if s.failed), None)
    if cancelled is not None:
        what = "aborted" if cancelled.abort_status else "failed"
        abort = f" (abortStatus {cancelled.abort_status})" if cancelled.abort_status else ""
        return f"migration {what}{abort}: {reason or 'completed and failed'}"
    return None


def stage(m: Migration, vmi: LiveVMI) -> MigrationStage:
    """Failed (incl. cancelled), Succeeded, in progress (Scheduling ... Running), else queued (unset, Pending)."""
    if failure_text(m, vmi) is not None:
        return MigrationStage.FAILED
    phase = m.phase or ""
    if phase == "Succeeded":
        return MigrationStage.SUCCEEDED
    if phase in IN_PROGRESS_PHASES:
        return MigrationStage.IN_PROGRESS
    return MigrationStage.QUEUED


def running_count(facts: ClusterFacts) -> int:
    """Migrations counting toward `parallelMigrationsPerCluster`, as the workload updater counts them."""
    return sum(1 for m in facts.migrations if (m.phase or "") not in NOT_RUNNING_FOR_LIMIT)


def vmi_migrating(vmi: LiveVMI) -> bool:
    """`status.migrationState` started and not ended (a migration whose object may be gone)."""
    return vmi.migration_state is not None and vmi.migration_state.unfinished


def free_slots(facts: ClusterFacts) -> int | None:
    """`parallelMigrationsPerCluster` minus running migrations; None without the KubeVirt CR or when a
    migration could not be read (the running count would be a guess)."""
    if facts.kubevirt is None or facts.unknown(ResourceType.MIGRATIONS):
        return None
    return max(0, facts.kubevirt.parallel_migrations_per_cluster - running_count(facts))


def pending_reason(facts: ClusterFacts) -> str:
    """Why the workload updater has created no migration for a VMI with `MigrationRequired=True`."""
    kv = facts.kubevirt
    if kv is None:
        return "the KubeVirt CR could not be read: cannot say why no migration was created"
    if LIVE_MIGRATE not in kv.workload_update_methods:
        methods = ", ".join(kv.workload_update_methods) or "none"
        return f"KubeVirt workloadUpdateMethods lacks LiveMigrate ({methods}): no automatic migration"
    if kv.phase != "Deployed":
        return f"KubeVirt is not Deployed (phase {kv.phase or 'unset'}): the workload updater waits"
    if kv.upgrading:
        return "a KubeVirt upgrade is in progress (observedDeploymentID != targetDeploymentID): the updater waits"
    running = running_count(facts)
    limit = kv.parallel_migrations_per_cluster
    scope = "" if facts.namespaces is None else " (counted in the namespaces read)"
    if running >= limit:
        return f"cluster migration limit reached: {running} of parallelMigrationsPerCluster {limit} running{scope}"
    return (
        f"no migration yet ({running} running{scope}, limit {limit}): the workload updater passes every 30s, "
        "with backoff after failed migrations"
    )
