"""GN212 cluster-state-unknown.

What: facts the cluster rules need for a VM of the change could not be read: a resource list was
forbidden or missing from the snapshot, an object of it was listed twice, had a field of the wrong type,
or was missing although another object shows it exists, the VM's namespace (or its target NAD's) was not
read, the KubeVirt CR reports no usable version, or a running VMI has no `LiveMigratable` condition. For a
NAD the change removes: VMIs could not be read, so whether one is still attached to it (GN109) is unknown.
The finding says exactly what is missing and which object shows it.

Why: gitnad never passes what it could not check. Without these facts the other cluster rules cannot
say whether the swap will migrate, stall or restart.

Example: `virtualmachineinstances.kubevirt.io: forbidden` (the check's service account lacks `list`),
or a snapshot taken with `kubectl get vm,nad -o yaml` that has no VMIs.

Fix: grant the read-only role shipped in `deploy/` (get/list/watch), or take the snapshot with
`gitnad snapshot`, then re-run the check.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from gitnad.models.changes import NEW_REFERENCE_KINDS, ChangeKind
from gitnad.models.context import CheckContext, VMDelta
from gitnad.models.findings import Finding, RuleMeta, Scope, Severity
from gitnad.models.resources import ResourceType
from gitnad.rules.base import finding
from gitnad.rules.clusterfacts import kubevirt_version, running_vmis, subject, vms_known

if TYPE_CHECKING:
    from gitnad.models.cluster import ClusterFacts

META = RuleMeta(
    code="GN212",
    name="cluster-state-unknown",
    severity=Severity.ERROR,
    scope=Scope.CLUSTER,
    summary="Facts needed for a VM could not be read (never silently passed)",
    doc=__doc__ or "",
)

SWAP_FACTS = (
    ResourceType.KUBEVIRT,
    ResourceType.VMS,
    ResourceType.VMIS,
    ResourceType.MIGRATIONS,
    ResourceType.DAEMONSETS,
)
"""What the cluster rules read for a VM with a swap (launcher pods are drift's business, not the check's)."""


def _resources(facts: ClusterFacts, namespace: str | None, who: str | None, *types: ResourceType) -> list[str]:
    """`<resource> (<reasons>)` for each type with records that concern the VM `who` in `namespace` (None or "":
    any)."""
    out = []
    for resource in types:
        records = facts.unknown(resource, namespace or None, who)
        if records:
            out.append(f"{resource.value} ({'; '.join(dict.fromkeys(u.reason for u in records))})")
    return out


def _nad_gaps(facts: ClusterFacts, delta: VMDelta) -> list[str]:
    targets = sorted({c.to for c in delta.of_kind(*NEW_REFERENCE_KINDS) if c.to and "/" in c.to})
    out: list[str] = []
    for target in targets:
        namespace = target.split("/", 1)[0]
        if not facts.covers(namespace):
            out.append(f"NADs of namespace {namespace} (not read)")
        else:
            out.extend(_resources(facts, namespace, target, ResourceType.NADS))
    return list(dict.fromkeys(out))


def _swap_gaps(facts: ClusterFacts, delta: VMDelta) -> list[str]:
    namespace = delta.key.split("/", 1)[0]
    out = _resources(facts, namespace, subject(delta), *SWAP_FACTS)
    if not facts.covers(namespace):
        out.append(f"VMs and VMIs of namespace {namespace} (not read)")
    if facts.kubevirt is not None and not facts.unknown(ResourceType.KUBEVIRT):
        text, version = kubevirt_version(facts.kubevirt)
        if version is None:
            shown = repr(text) if text else "none"
            out.append(f"the KubeVirt version (status.observedKubeVirtVersion is {shown})")
    if vms_known(facts, delta):
        out.extend(
            f"whether VMI {vmi.key} can migrate (it has no LiveMigratable condition)"
            for vmi in running_vmis(facts, delta)
            if vmi.condition("LiveMigratable") is None
        )
    return out


def gaps(facts: ClusterFacts, delta: VMDelta) -> list[str]:
    """Every fact the cluster rules need for this VM and could not get."""
    out = _swap_gaps(facts, delta) if delta.swaps else []
    out.extend(g for g in _nad_gaps(facts, delta) if g not in out)
    return out


def _removed_nads(ctx: CheckContext, facts: ClusterFacts) -> Iterator[Finding]:
    """GN109 looks for running VMIs still attached to a removed NAD: it cannot when VMIs were not all read."""
    vmis = _resources(facts, None, None, ResourceType.VMIS)
    if not vmis:
        return
    for change in sorted(ctx.nad_changes, key=lambda c: c.sort_key()):
        if change.kind is ChangeKind.NAD_REMOVED and change.nad:
            yield finding(
                META,
                f"NAD {change.nad} is removed by this change, but whether a running VMI of the cluster "
                f"({facts.origin}) is still attached to it cannot be told; could not read: {'; '.join(vmis)}. "
                "Grant get/list on them (the read-only role in deploy/) or capture them with `gitnad snapshot`, "
                "then re-run",
                file=change.file,
                line=change.line,
            )


def check(ctx: CheckContext) -> Iterator[Finding]:
    facts = ctx.cluster
    if facts is None:
        return
    yield from _removed_nads(ctx, facts)
    for delta in ctx.deltas:
        missing = gaps(facts, delta)
        changes = delta.of_kind(*NEW_REFERENCE_KINDS)
        if not missing or not changes:
            continue
        first = sorted(changes, key=lambda c: c.sort_key())[0]
        yield finding(
            META,
            f"{delta.key}: cannot decide what the cluster ({facts.origin}) will do with this change; could not "
            f"read: {'; '.join(missing)}. Grant get/list on them (the read-only role in deploy/) or capture them "
            "with `gitnad snapshot`, then re-run",
            vm=delta.key,
            network=first.network if len(changes) == 1 else None,
            file=first.file,
            line=first.line,
        )
