"""GN109 nad-still-referenced.

What: a NAD removed by the change is still referenced by a VM at head, or by a running VMI in the cluster.

Why: Argo CD prunes the NAD; the VM keeps pointing at it. A running VMI keeps working until its next
migration or restart, which then fails (`NoNetworkFound`); a new VM never starts its network.

Example: deleting `nads/vlan-10.yaml` while `vms/db-1.yaml` still says `networkName: vlan-10`.

Fix: move every VM off the NAD first (and wait for `gitnad drift` to show InSync), then remove it.
"""

from __future__ import annotations

from collections.abc import Iterator

from gitnad.models.changes import ChangeKind
from gitnad.models.context import CheckContext
from gitnad.models.findings import Finding, RuleMeta, Scope, Severity
from gitnad.models.manifest import NetworkSource
from gitnad.rules.base import finding

META = RuleMeta(
    code="GN109",
    name="nad-still-referenced",
    severity=Severity.ERROR,
    scope=Scope.REPO_CLUSTER,
    summary="A NAD removed by the change is still referenced by a VM at head or a running VMI",
    doc=__doc__ or "",
)


def check(ctx: CheckContext) -> Iterator[Finding]:
    for change in ctx.nad_changes:
        if change.kind is not ChangeKind.NAD_REMOVED or change.nad is None:
            continue
        reported: set[str] = set()
        for vm in ctx.head_references.get(change.nad, ()):
            for net in vm.networks:
                if net.source is NetworkSource.MULTUS and net.nad == change.nad:
                    reported.add(vm.key)
                    yield finding(
                        META,
                        f"NAD {change.nad} is removed by this change but {vm.key} network {net.name} still "
                        "references it at head",
                        vm=vm.key,
                        network=net.name,
                        file=vm.file_of(net),
                        line=net.line,
                    )
        if ctx.cluster is None:
            continue
        for vmi in ctx.cluster.vmis:
            if vmi.phase != "Running" or vmi.key in reported:
                continue
            for net in vmi.networks:
                if net.source is NetworkSource.MULTUS and net.nad == change.nad:
                    yield finding(
                        META,
                        f"NAD {change.nad} is removed by this change but the running VMI {vmi.key} network "
                        f"{net.name} is attached to it",
                        vm=vmi.key,
                        network=net.name,
                        file=change.file,
                        line=change.line,
                    )
