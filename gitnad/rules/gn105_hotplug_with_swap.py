"""GN105 hotplug-with-swap.

What: a NIC hotplug or unplug (`state: absent`) in the same change as a NAD swap on that VM.

Why: a pending hotplug makes KubeVirt regenerate the running pod's `k8s.v1.cni.cncf.io/networks`
annotation from the VMI spec, which already names the new NAD for the swapped interface. The Multus
Dynamic Networks Controller then attaches the new NAD on the same interface before detaching the old one
and fails. Error when the cluster runs that controller, warning otherwise.

Example: adding interface `storage-net` and moving `bridge-net` to `vlan-20` in one commit.

Fix: split the change: hotplug/unplug in one change, the NAD swap in another.
"""

from __future__ import annotations

from collections.abc import Iterator

from gitnad.models.changes import ChangeKind
from gitnad.models.context import CheckContext
from gitnad.models.findings import Finding, RuleMeta, Scope, Severity
from gitnad.rules.base import describe_swaps, finding

META = RuleMeta(
    code="GN105",
    name="hotplug-with-swap",
    severity=Severity.WARNING,
    scope=Scope.REPO,
    summary="NIC hotplug/unplug in the same change as a NAD swap on that VM",
    doc=__doc__ or "",
)


def check(ctx: CheckContext) -> Iterator[Finding]:
    dnc = ctx.cluster.dynamic_networks_controller if ctx.cluster is not None else None
    for delta in ctx.deltas:
        if not delta.swaps:
            continue
        swapped = describe_swaps(delta.swaps)
        for change in delta.of_kind(ChangeKind.HOTPLUG, ChangeKind.UNPLUG):
            yield finding(
                META,
                f"{delta.key}: {change.kind.value} of {change.network} in the same change as the NAD swap of "
                f"{swapped}"
                + (
                    f"; the cluster runs the Multus Dynamic Networks Controller ({dnc}), which will fail to "
                    "reconcile the rewritten networks annotation"
                    if dnc
                    else ""
                )
                + ". Split the change.",
                vm=delta.key,
                network=change.network,
                file=change.file,
                line=change.line,
                severity=Severity.ERROR if dnc else None,
            )
