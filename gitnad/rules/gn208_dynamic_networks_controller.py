"""GN208 dynamic-networks-controller.

What: the Multus Dynamic Networks Controller runs in the cluster (a DaemonSet whose name contains
`dynamic-networks-controller` or labelled `app=dynamic-networks-controller`) and the change swaps a NAD.

Why: the KubeVirt user guide lists clusters with the Dynamic Networks Controller as unsupported for
live NAD updates: it reconciles the pod's networks annotation and, when KubeVirt rewrites an existing
element to a new NAD (on a concurrent hotplug/unplug), attaches the new NAD on the same interface
before removing the old one and fails (multus-dynamic-networks-controller issue #297).

Example: DaemonSet `kube-system/dynamic-networks-controller-ds`.

Fix: make sure no NIC hotplug/unplug happens on these VMs while they migrate (GN105), test the swap
on one VM first, or restart the VMs instead.
"""

from __future__ import annotations

from collections.abc import Iterator

from gitnad.models.context import CheckContext
from gitnad.models.findings import Finding, RuleMeta, Scope, Severity
from gitnad.rules.clusterfacts import live_affected, vm_finding

META = RuleMeta(
    code="GN208",
    name="dynamic-networks-controller",
    severity=Severity.WARNING,
    scope=Scope.CLUSTER,
    summary="The Multus Dynamic Networks Controller runs in the cluster (documented as unsupported)",
    doc=__doc__ or "",
)


def check(ctx: CheckContext) -> Iterator[Finding]:
    facts = ctx.cluster
    if facts is None or facts.dynamic_networks_controller is None:
        return
    for aff in live_affected(ctx):
        yield vm_finding(
            META,
            f"{aff.key}: NAD swap of {aff.describe_swaps()} in a cluster running the Multus Dynamic Networks "
            f"Controller ({facts.dynamic_networks_controller}), which KubeVirt documents as unsupported for live "
            "NAD updates: avoid any NIC hotplug/unplug on this VM until it has migrated, and try one VM first",
            aff,
        )
