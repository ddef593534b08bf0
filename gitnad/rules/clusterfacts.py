"""What the cluster rules (GN201-GN212) share: the affected VMs, their live objects, KubeVirt's version,
and which facts could not be read (the `Unreadable` records of `ClusterFacts`, asked by resource type,
namespace and VM, never by wording).

A rule that needs a fact that is missing yields nothing for that VM; GN212 reports the missing fact
instead, so nothing is ever passed silently.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from gitnad.models.changes import Change
from gitnad.models.context import CheckContext, VMDelta
from gitnad.models.findings import Finding, RuleMeta, Severity
from gitnad.models.manifest import VMKind
from gitnad.models.resources import ResourceType
from gitnad.rules.base import describe_swaps, finding

if TYPE_CHECKING:
    from gitnad.models.cluster import ClusterFacts, KubeVirtFacts, LiveVM, LiveVMI

LIVE_UPDATE_GATE = "LiveUpdateNADRef"
POOL_LABEL = "kubevirt.io/vmpool"
_VERSION = re.compile(r"^v?(\d+)\.(\d+)(?:\.(\d+))?")


@dataclass(frozen=True)
class Affected:
    """A VM whose change contains at least one live NAD swap (secondary multus network)."""

    delta: VMDelta
    swaps: tuple[Change, ...]

    @property
    def key(self) -> str:
        return self.delta.key

    @property
    def namespace(self) -> str:
        return self.key.split("/", 1)[0]

    @property
    def first(self) -> Change:
        return self.swaps[0]

    def describe_swaps(self) -> str:
        return describe_swaps(self.swaps)


def affected(ctx: CheckContext) -> list[Affected]:
    out = []
    for delta in ctx.deltas:
        swaps = tuple(sorted(delta.swaps, key=Change.sort_key))
        if swaps:
            out.append(Affected(delta, swaps))
    return out


def vm_finding(
    meta: RuleMeta, message: str, aff: Affected, change: Change | None = None, *, severity: Severity | None = None
) -> Finding:
    """A finding about an affected VM, at one swap (default: its first); `network` when it is about one."""
    at = change or aff.first
    network = at.network if change is not None or len(aff.swaps) == 1 else None
    return finding(meta, message, vm=aff.key, network=network, file=at.file, line=at.line, severity=severity)


def subject(delta: VMDelta) -> str | None:
    """The VM whose live objects decide (`namespace/name`); None for a VirtualMachinePool, whose members are
    other VMs of its namespace (so any unreadable VM there matters)."""
    vm = delta.head or delta.base
    return None if vm is not None and vm.kind is VMKind.VIRTUAL_MACHINE_POOL else delta.key


def vms_known(facts: ClusterFacts, delta: VMDelta) -> bool:
    """The VM's (or pool's) VMs, VMIs and migrations were all read."""
    namespace, who = delta.key.split("/", 1)[0], subject(delta)
    return facts.covers(namespace) and not any(
        facts.unknown(r, namespace, who) for r in (ResourceType.VMS, ResourceType.VMIS, ResourceType.MIGRATIONS)
    )


def nads_known(facts: ClusterFacts, nad: str) -> bool:
    """Whether the NAD `namespace/name` was read (present or not)."""
    namespace = nad.split("/", 1)[0]
    return facts.covers(namespace) and not facts.unknown(ResourceType.NADS, namespace, nad)


def kubevirt_known(facts: ClusterFacts) -> bool:
    return not facts.unknown(ResourceType.KUBEVIRT)


def parse_version(text: str | None) -> tuple[int, int, int] | None:
    """`v1.8.2` -> (1, 8, 2); a pre-release counts as its release (`v1.9.0-rc.1` -> (1, 9, 0))."""
    m = _VERSION.match(text or "")
    if m is None:
        return None
    return int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)


def kubevirt_version(kv: KubeVirtFacts) -> tuple[str | None, tuple[int, int, int] | None]:
    """(as written, parsed): the observed version, else the target version during a first deployment."""
    text = kv.observed_version or kv.target_version
    return text, parse_version(text)


def instances(facts: ClusterFacts, delta: VMDelta) -> list[LiveVM]:
    """The live VirtualMachines of a declared VM (or of a VirtualMachinePool's members)."""
    vm = delta.head or delta.base
    if vm is not None and vm.kind is VMKind.VIRTUAL_MACHINE_POOL:
        return [v for v in facts.vms if v.namespace == vm.namespace and v.labels.get(POOL_LABEL) == vm.name]
    live = facts.vm(delta.key)
    return [live] if live is not None else []


def running_vmi(facts: ClusterFacts, vm: LiveVM) -> LiveVMI | None:
    vmi = facts.vmi(vm.key)
    return vmi if vmi is not None and vmi.phase == "Running" else None


def running_vmis(facts: ClusterFacts, delta: VMDelta) -> Iterator[LiveVMI]:
    for vm in instances(facts, delta):
        vmi = running_vmi(facts, vm)
        if vmi is not None:
            yield vmi


def will_migrate(vmi: LiveVMI) -> bool:
    """KubeVirt's workload updater only migrates VMIs with LiveMigratable=True."""
    cond = vmi.condition("LiveMigratable")
    return cond is not None and cond.status == "True"


def quote(reason: str | None, message: str | None) -> str:
    parts = [f"reason {reason!r}" if reason else "", f"message {message!r}" if message else ""]
    return ", ".join(p for p in parts if p) or "no reason given"


def maybe_running(facts: ClusterFacts, aff: Affected) -> bool:
    """The VM runs, or it cannot be told (GN212 then says why): cluster preconditions matter for it."""
    if not vms_known(facts, aff.delta):
        return True
    return any(True for _ in running_vmis(facts, aff.delta))


def observed_affected(ctx: CheckContext) -> list[Affected]:
    """Affected VMs whose live VMs, VMIs and migrations were read (for the others GN212 says what is missing)."""
    facts = ctx.cluster
    return [a for a in affected(ctx) if facts is not None and vms_known(facts, a.delta)]


def live_affected(ctx: CheckContext) -> list[Affected]:
    """Affected VMs that (may) run: the ones a missing cluster precondition stops from migrating."""
    facts = ctx.cluster
    return [a for a in affected(ctx) if facts is not None and maybe_running(facts, a)]
