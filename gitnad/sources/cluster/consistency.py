"""Objects that show other objects exist: what a List leaves out can only be taken as "none" when nothing in
it says otherwise (SPEC §7).

A `kubectl get ... -o yaml` List has no gitnad annotations, so a kind with no item may be empty or simply not
asked for. `assumed_kinds` takes it as empty (one warning per kind) unless an object of the List shows that
one exists (a witness) — a running VMI has a launcher pod, a VM with `status.created` has a VMI, a migrating
VMI has a migration, a pod attached through Multus names its NAD, KubeVirt runs virt-handler as a DaemonSet —
and then the whole kind is unreadable, the record naming the witness. The KubeVirt CR is never assumed
absent: a List cannot show that KubeVirt is not installed.

`absent_apis` holds the API server to the same standard: a type it does not serve (404: "not installed", so
none exist) is unreadable instead when an object shows one exists, or when KubeVirt's other workload APIs are
served (virt-operator installs VirtualMachines, VirtualMachineInstances and their migrations together: one
missing among them is a half-installed or upgrading KubeVirt, not an empty list).

`object_gaps` applies the same reasoning to one object when its kind was captured: a VM reporting a running
VMI while no VMI of that name was captured, a VMI whose in-flight migration or active pod is missing. Those
are races of a live read or holes in a hand-made file; either way the VM's facts are unknown, never
"stopped" or "in sync". Pure: works on converted models.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field

from gitnad.models.cluster import (
    KubeVirtFacts,
    LauncherPod,
    LiveVM,
    LiveVMI,
    Migration,
    ResourceType,
    Unreadable,
    UnreadableCause,
)
from gitnad.models.manifest import NAD
from gitnad.sources.cluster.kinds import NOT_INSTALLED_REASON

VMI_KIND = "VirtualMachineInstance"
VMI_SHOWN_BY_STATUS = frozenset({"Running", "Migrating", "Paused"})
"""VM `printableStatus` values KubeVirt shows only while the VMI exists."""
ALWAYS_RUNNING = frozenset({"Always", "RerunOnFailure"})
"""Run strategies under which KubeVirt keeps a VMI (RerunOnFailure until it succeeds)."""
POD_PHASES = frozenset({"Scheduled", "Running"})
"""VMI phases in which its virt-launcher pod exists."""


@dataclass(frozen=True)
class Kind:
    """How messages name a resource type, and the kubectl command that captures it."""

    label: str
    kubectl: str


KINDS: dict[ResourceType, Kind] = {
    ResourceType.KUBEVIRT: Kind("KubeVirt CR", "kubectl get kubevirt -A -o yaml"),
    ResourceType.NADS: Kind("NetworkAttachmentDefinition", "kubectl get net-attach-def -A -o yaml"),
    ResourceType.VMS: Kind("VirtualMachine", "kubectl get vm -A -o yaml"),
    ResourceType.VMIS: Kind("VirtualMachineInstance", "kubectl get vmi -A -o yaml"),
    ResourceType.MIGRATIONS: Kind("VirtualMachineInstanceMigration", "kubectl get vmim -A -o yaml"),
    ResourceType.PODS: Kind("virt-launcher pod", "kubectl get pods -A -l kubevirt.io=virt-launcher -o yaml"),
    ResourceType.DAEMONSETS: Kind("DaemonSet", "kubectl get ds -A -o yaml"),
}


@dataclass(frozen=True)
class Parts:
    """The converted objects of one capture (duplicates and malformed ones already set aside), and every
    `namespace/name` and uid that appeared in each list before that (so a set-aside object is not also
    reported as missing)."""

    kubevirt: tuple[KubeVirtFacts, ...] = ()
    nads: tuple[NAD, ...] = ()
    vms: tuple[LiveVM, ...] = ()
    vmis: tuple[LiveVMI, ...] = ()
    migrations: tuple[Migration, ...] = ()
    pods: tuple[LauncherPod, ...] = ()
    seen: dict[ResourceType, frozenset[str]] = field(default_factory=dict)

    def appeared(self, resource: ResourceType, key_or_uid: str) -> bool:
        return key_or_uid in self.seen.get(resource, frozenset())


def vm_shows_vmi(vm: LiveVM) -> str | None:
    """What in the VM says its VMI exists, or None: its status, or a run strategy that keeps one running with
    no status saying why there is none (KubeVirt always writes printableStatus; a stopped or crash-looping VM
    says so there)."""
    if vm.created:
        return "status.created: true"
    if vm.ready:
        return "status.ready: true"
    if vm.printable_status in VMI_SHOWN_BY_STATUS:
        return f"printableStatus {vm.printable_status}"
    if vm.printable_status is None and vm.created is None:
        if vm.run_strategy in ALWAYS_RUNNING:
            return f"runStrategy {vm.run_strategy} and no status"
        if vm.run_strategy is None and vm.running is True:
            return "spec.running: true and no status"
    return None


def _running_pod_owner(pod: LauncherPod) -> str | None:
    if pod.owner is None or pod.owner.kind != VMI_KIND or pod.finished:
        return None
    return f"{pod.namespace}/{pod.owner.name}"


def _vmi_witnesses(p: Parts) -> Iterable[str]:
    for vm in p.vms:
        if shown := vm_shows_vmi(vm):
            yield f"VirtualMachine {vm.key} reports {shown}"
    for pod in p.pods:
        if owner := _running_pod_owner(pod):
            yield f"launcher pod {pod.namespace}/{pod.name} runs for VirtualMachineInstance {owner}"


def _pod_witnesses(p: Parts) -> Iterable[str]:
    for vmi in p.vmis:
        if vmi.phase in POD_PHASES:
            yield f"VirtualMachineInstance {vmi.key} is {vmi.phase}"


def _migration_witnesses(p: Parts) -> Iterable[str]:
    for vmi in p.vmis:
        if vmi.migration_state is not None and vmi.migration_state.unfinished:
            yield f"VirtualMachineInstance {vmi.key} has an unfinished status.migrationState"
    for vm in p.vms:
        if vm.printable_status == "Migrating":
            yield f"VirtualMachine {vm.key} reports printableStatus Migrating"


def _nad_witnesses(p: Parts) -> Iterable[str]:
    for pod in p.pods:
        for entry in pod.network_status or ():
            if not entry.default and "/" in entry.name:
                yield f"launcher pod {pod.namespace}/{pod.name} is attached to {entry.name} (network-status)"


def _vm_witnesses(p: Parts) -> Iterable[str]:
    for vmi in p.vmis:
        if vmi.owner_vm:
            yield f"VirtualMachineInstance {vmi.key} is controlled by VirtualMachine {vmi.namespace}/{vmi.owner_vm}"


def _kubevirt_witnesses(p: Parts) -> Iterable[str]:
    for vm in p.vms:
        yield f"VirtualMachine {vm.key} needs it"
    for vmi in p.vmis:
        yield f"VirtualMachineInstance {vmi.key} needs it"


def _daemonset_witnesses(p: Parts) -> Iterable[str]:
    for kv in p.kubevirt:
        yield f"KubeVirt {kv.namespace}/{kv.name} runs virt-handler as a DaemonSet"
    for vmi in p.vmis:
        if vmi.phase in POD_PHASES:
            yield f"VirtualMachineInstance {vmi.key} is {vmi.phase} (virt-handler, a DaemonSet, runs it)"


WITNESSES: dict[ResourceType, Callable[[Parts], Iterable[str]]] = {
    ResourceType.KUBEVIRT: _kubevirt_witnesses,
    ResourceType.NADS: _nad_witnesses,
    ResourceType.VMS: _vm_witnesses,
    ResourceType.VMIS: _vmi_witnesses,
    ResourceType.MIGRATIONS: _migration_witnesses,
    ResourceType.PODS: _pod_witnesses,
    ResourceType.DAEMONSETS: _daemonset_witnesses,
}


KUBEVIRT_WORKLOADS = (ResourceType.VMS, ResourceType.VMIS, ResourceType.MIGRATIONS)
"""Installed together by virt-operator (one install strategy): served all, or none."""


def _sibling_witnesses(resource: ResourceType, served: Collection[ResourceType]) -> list[str]:
    if resource not in KUBEVIRT_WORKLOADS:
        return []
    return [
        f"it serves {other.value}, and KubeVirt installs both together"
        for other in KUBEVIRT_WORKLOADS
        if other is not resource and other in served
    ]


def absent_apis(
    parts: Parts, absent: Collection[ResourceType], served: Collection[ResourceType]
) -> tuple[list[Unreadable], list[str]]:
    """(records, warnings) for the types the API server does not serve: not installed (a warning), unless an
    object or a served sibling API shows otherwise (a record)."""
    records: list[Unreadable] = []
    warnings: list[str] = []
    for resource in sorted(absent, key=list(ResourceType).index):
        shown = [*_sibling_witnesses(resource, served), *dict.fromkeys(WITNESSES[resource](parts))]
        if not shown:
            warnings.append(f"{resource.value}: {NOT_INSTALLED_REASON}")
            continue
        more = f" (and {len(shown) - 1} more)" if len(shown) > 1 else ""
        reason = (
            f"the API server answers 404 (not installed), but {shown[0]}{more}: a half-installed or upgrading "
            "KubeVirt or Multus, or something in the way of the API server"
        )
        records.append(Unreadable(resource=resource, cause=UnreadableCause.CONTRADICTED, reason=reason))
    return records, warnings


def _capture_hint(kind: Kind) -> str:
    return f"add `{kind.kubectl}` to it, or write it with gitnad snapshot"


def assumed_kinds(parts: Parts, assumed: Collection[ResourceType], origin: str) -> tuple[list[Unreadable], list[str]]:
    """(records, warnings) for the kinds a List without gitnad annotations has no item of."""
    records: list[Unreadable] = []
    warnings: list[str] = []
    for resource in sorted(assumed, key=list(ResourceType).index):
        kind = KINDS[resource]
        shown = list(dict.fromkeys(WITNESSES[resource](parts)))
        if shown:
            more = f" (and {len(shown) - 1} more)" if len(shown) > 1 else ""
            reason = f"the List has no {kind.label}, but {shown[0]}{more}: {_capture_hint(kind)}"
            records.append(Unreadable(resource=resource, cause=UnreadableCause.CONTRADICTED, reason=reason))
        elif resource is ResourceType.KUBEVIRT:
            reason = f"the List has no {kind.label}, and a List cannot show that KubeVirt is not installed: "
            records.append(
                Unreadable(resource=resource, cause=UnreadableCause.NOT_READ, reason=reason + _capture_hint(kind))
            )
        else:
            warnings.append(
                f"{origin}: no {kind.label} in the List and nothing in it shows one exists: taken as none "
                f"({resource.value} assumed empty; a List written by gitnad snapshot says what it captured)"
            )
    return records, warnings


def _missing_vmis(p: Parts) -> Iterable[Unreadable]:
    for vm in p.vms:
        shown = vm_shows_vmi(vm)
        if shown and not p.appeared(ResourceType.VMIS, vm.key):
            reason = f"VirtualMachine {vm.key} reports {shown}, but no VirtualMachineInstance {vm.key} was captured"
            yield _gap(ResourceType.VMIS, vm.namespace, vm.key, reason)


def _missing_migrations(p: Parts) -> Iterable[Unreadable]:
    for vmi in p.vmis:
        state = vmi.migration_state
        if state is None or not state.unfinished or not state.migration_uid:
            continue
        if not p.appeared(ResourceType.MIGRATIONS, state.migration_uid):
            reason = (
                f"VirtualMachineInstance {vmi.key} reports migration {state.migration_uid} in flight "
                "(status.migrationState), but no VirtualMachineInstanceMigration with that uid was captured"
            )
            yield _gap(ResourceType.MIGRATIONS, vmi.namespace, vmi.key, reason)


def _missing_pods(p: Parts) -> Iterable[Unreadable]:
    for vmi in p.vmis:
        if vmi.phase not in POD_PHASES or not vmi.node_name:
            continue
        missing = sorted(u for u, node in vmi.active_pods.items() if node == vmi.node_name)
        missing = [u for u in missing if not p.appeared(ResourceType.PODS, u)]
        if missing:
            reason = (
                f"VirtualMachineInstance {vmi.key} lists launcher pod {', '.join(missing)} on node {vmi.node_name} "
                "in status.activePods, but no pod with that uid was captured"
            )
            yield _gap(ResourceType.PODS, vmi.namespace, vmi.key, reason)


def _gap(resource: ResourceType, namespace: str, subject: str, reason: str) -> Unreadable:
    return Unreadable(
        resource=resource, cause=UnreadableCause.CONTRADICTED, reason=reason, namespace=namespace, subjects=(subject,)
    )


def object_gaps(parts: Parts, read: Collection[ResourceType]) -> list[Unreadable]:
    """Records for single objects missing from kinds that were read, although another object shows them."""
    out: list[Unreadable] = []
    if ResourceType.VMIS in read:
        out.extend(_missing_vmis(parts))
    if ResourceType.MIGRATIONS in read:
        out.extend(_missing_migrations(parts))
    if ResourceType.PODS in read:
        out.extend(_missing_pods(parts))
    return out
