"""GN205 vmi-not-migratable.

What: a running VMI of a VM whose NAD is swapped has the condition `LiveMigratable=False`. The finding
quotes KubeVirt's reason and message.

Why: KubeVirt applies a NAD swap only by live migration, and it migrates only VMIs with
`LiveMigratable=True` (docs: "Only migratable VMs can be updated"). The VMI keeps the old NAD with
`MigrationRequired=True`; with `Evict` in `workloadUpdateMethods` it is evicted (restarted) instead.

Example: `reason: InterfaceNotLiveMigratable`, "cannot migrate VMI which does not use masquerade or a
migratable plugin to connect to the pod network"; or `DisksNotLiveMigratable` for a RWO disk.

Fix: remove the cause KubeVirt names (e.g. masquerade binding on the pod network, RWX storage), or
schedule a restart of the VM to apply the new NAD.
"""

from __future__ import annotations

from collections.abc import Iterator

from gitnad.models.context import CheckContext
from gitnad.models.findings import Finding, RuleMeta, Scope, Severity
from gitnad.rules.clusterfacts import observed_affected, quote, running_vmis, vm_finding

META = RuleMeta(
    code="GN205",
    name="vmi-not-migratable",
    severity=Severity.ERROR,
    scope=Scope.CLUSTER,
    summary="The running VMI has LiveMigratable=False",
    doc=__doc__ or "",
)


def check(ctx: CheckContext) -> Iterator[Finding]:
    facts = ctx.cluster
    if facts is None:
        return
    evict = facts.kubevirt is not None and "Evict" in facts.kubevirt.workload_update_methods
    outcome = (
        "KubeVirt will evict (restart) it onto the new NAD instead (Evict is in workloadUpdateMethods)"
        if evict
        else "it keeps the old NAD with MigrationRequired=True until it is restarted"
    )
    for aff in observed_affected(ctx):
        for vmi in running_vmis(facts, aff.delta):
            cond = vmi.condition("LiveMigratable")
            if cond is None or cond.status != "False":
                continue
            yield vm_finding(
                META,
                f"VMI {vmi.key} is not live-migratable (LiveMigratable=False, {quote(cond.reason, cond.message)}): "
                f"the NAD swap of {aff.describe_swaps()} cannot migrate; {outcome}. Fix the cause or plan a restart",
                aff,
            )
