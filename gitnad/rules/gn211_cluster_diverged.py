"""GN211 cluster-diverged.

What: the live VM's `networkName` for a swapped network already differs from the base ref of the
change: the repository and the cluster were out of sync before this change.

Why: the change was reviewed as "from A to B", but the cluster is on C (edited live, a failed or
paused sync, or a different branch deployed). After merge the VM moves from C, not from A: the review
and the policies judged the wrong transition, and a drift report will be confusing.

Example: git says `vlan-10 -> vlan-20`, but `kubectl get vm db-1` shows `vlan-30`.

Fix: find out why the cluster differs (GitOps controller status, `gitnad drift --ref <base>`), bring
it back in sync, then re-run the check.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from gitnad.models.changes import Change
from gitnad.models.context import CheckContext
from gitnad.models.findings import Finding, RuleMeta, Scope, Severity
from gitnad.rules.clusterfacts import instances, observed_affected, vm_finding

if TYPE_CHECKING:
    from gitnad.models.cluster import LiveVM

META = RuleMeta(
    code="GN211",
    name="cluster-diverged",
    severity=Severity.WARNING,
    scope=Scope.CLUSTER,
    summary="The live VM's NAD already differs from the base ref",
    doc=__doc__ or "",
)


def divergence(vm: LiveVM, change: Change) -> str | None:
    """How the live VM differs from the base ref for the swapped network, or None."""
    net = next((n for n in vm.networks if n.name == change.network), None)
    if net is None:
        return f"the live VM {vm.key} has no network {change.network}"
    if net.nad == change.from_:
        return None
    if net.nad == change.to:
        return (
            f"the live VM {vm.key} network {change.network} is already on {change.to} (applied outside git), "
            f"while the base ref says {change.from_}"
        )
    live = net.nad or "(none)"
    return f"the live VM {vm.key} network {change.network} is on {live}, while the base ref says {change.from_}"


def check(ctx: CheckContext) -> Iterator[Finding]:
    facts = ctx.cluster
    if facts is None:
        return
    for aff in observed_affected(ctx):
        for vm in instances(facts, aff.delta):
            for change in aff.swaps:
                what = divergence(vm, change)
                if what is not None:
                    yield vm_finding(
                        META,
                        f"{what}: repo and cluster were out of sync before this change, so it will not move "
                        f"{change.from_} -> {change.to} as reviewed. Bring the cluster in sync first",
                        aff,
                        change,
                    )
