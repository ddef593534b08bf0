"""GN210 migration-in-flight.

What: a running VMI of a VM whose NAD is swapped is migrating right now (an unfinished
VirtualMachineInstanceMigration, or a started migration state without an end), or already carries the
condition `MigrationRequired=True` from an earlier change.

Why: KubeVirt does not re-evaluate `MigrationRequired` while the VMI migrates, and a second migration
is refused ("in-flight migration detected"). The swap is picked up only after the current migration
ends; a pending `MigrationRequired` means an earlier NAD or interface change has not been applied yet,
so this change stacks on top of it.

Example: migration `kubevirt-workload-update-x7k2p` in phase `Running` for `prod/db-1`.

Fix: wait until `gitnad drift` shows the VM `InSync` (or the migration has failed for a known reason),
then merge.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from gitnad.models.context import CheckContext
from gitnad.models.findings import Finding, RuleMeta, Scope, Severity
from gitnad.rules.clusterfacts import observed_affected, quote, running_vmis, vm_finding

if TYPE_CHECKING:
    from gitnad.models.cluster import ClusterFacts, LiveVMI

META = RuleMeta(
    code="GN210",
    name="migration-in-flight",
    severity=Severity.WARNING,
    scope=Scope.CLUSTER,
    summary="The VMI is migrating or already has MigrationRequired",
    doc=__doc__ or "",
)


def in_flight(facts: ClusterFacts, vmi: LiveVMI) -> str | None:
    """What is in flight for the VMI, or None."""
    m = facts.unfinished_migration(vmi.key)
    if m is not None:
        return f"is migrating (migration {m.name}, phase {m.phase or 'unset'})"
    state = vmi.migration_state
    if state is not None and state.start_timestamp is not None and state.end_timestamp is None:
        return f"is migrating (migration state started {state.start_timestamp.isoformat()}, not ended)"
    cond = vmi.condition("MigrationRequired")
    if cond is not None and cond.status == "True":
        return (
            f"already has MigrationRequired=True ({quote(cond.reason, cond.message)}): an earlier change is still "
            "waiting to be applied"
        )
    return None


def check(ctx: CheckContext) -> Iterator[Finding]:
    facts = ctx.cluster
    if facts is None:
        return
    for aff in observed_affected(ctx):
        for vmi in running_vmis(facts, aff.delta):
            what = in_flight(facts, vmi)
            if what is not None:
                yield vm_finding(
                    META,
                    f"VMI {vmi.key} {what}: the NAD swap of {aff.describe_swaps()} is applied only after that ends. "
                    "Wait for gitnad drift to show InSync before merging",
                    aff,
                )
