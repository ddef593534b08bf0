"""GN204 no-live-migrate-update.

What: the KubeVirt CR's `spec.workloadUpdateStrategy.workloadUpdateMethods` does not list `LiveMigrate`.
Error when the list is empty or has no `Evict`; warning when it has `Evict` (the VMs restart instead of
migrating). Does not fire when `LiveMigrate` is listed, with or without `Evict`.

Why: the NAD swap is applied by KubeVirt's workload updater, which creates the migration only when
`LiveMigrate` is allowed. Without it the VMI sits with `MigrationRequired=True` forever (no
`RestartRequired` either); with `Evict` alone the VMI is evicted and restarts on the new NAD.
KubeVirt ships `workloadUpdateStrategy: {}`, i.e. no automatic updates.

Example: `workloadUpdateStrategy: {}` or `workloadUpdateMethods: [Evict]`.

Fix: set `spec.workloadUpdateStrategy.workloadUpdateMethods: [LiveMigrate]` on the KubeVirt CR.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from gitnad.models.context import CheckContext
from gitnad.models.findings import Finding, RuleMeta, Scope, Severity
from gitnad.rules.clusterfacts import kubevirt_known, live_affected, vm_finding

if TYPE_CHECKING:
    from gitnad.models.cluster import KubeVirtFacts

META = RuleMeta(
    code="GN204",
    name="no-live-migrate-update",
    severity=Severity.ERROR,
    scope=Scope.CLUSTER,
    summary="workloadUpdateMethods lacks LiveMigrate (warning if Evict is there: VMs restart instead)",
    doc=__doc__ or "",
)


def problem(kv: KubeVirtFacts | None) -> tuple[Severity, str] | None:
    if kv is None or "LiveMigrate" in kv.workload_update_methods:
        return None
    methods = f"[{', '.join(kv.workload_update_methods)}]" if kv.workload_update_methods else "empty"
    where = f"KubeVirt {kv.namespace}/{kv.name} spec.workloadUpdateStrategy.workloadUpdateMethods is {methods}"
    if "Evict" in kv.workload_update_methods:
        return Severity.WARNING, (
            f"{where}: the VMI will be evicted and restart on the new NAD instead of live-migrating (downtime). "
            "Add LiveMigrate to migrate it"
        )
    return Severity.ERROR, (
        f"{where}: KubeVirt will not migrate the VMI, which stays with MigrationRequired=True and keeps the old "
        "NAD until a restart. Add LiveMigrate to workloadUpdateMethods before merging"
    )


def check(ctx: CheckContext) -> Iterator[Finding]:
    facts = ctx.cluster
    if facts is None or not kubevirt_known(facts):
        return
    found = problem(facts.kubevirt)
    if found is None:
        return
    severity, what = found
    for aff in live_affected(ctx):
        yield vm_finding(META, f"{aff.key}: NAD swap of {aff.describe_swaps()}: {what}", aff, severity=severity)
