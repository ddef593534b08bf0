"""Builders for drift unit tests: a healthy in-sync baseline that each decision-table row bends.

Models are built directly (the e2e tests build real objects and read them through the cluster adapter).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from gitnad.models.cluster import (
    ClusterFacts,
    Condition,
    FactSource,
    KubeVirtFacts,
    LauncherPod,
    LiveVM,
    LiveVMI,
    Migration,
    MigrationState,
    NetworkStatusEntry,
    OwnerRef,
    ResourceType,
    Unreadable,
    UnreadableCause,
    VMIInterfaceStatus,
)
from gitnad.models.manifest import NAD, VM, VMKind
from gitnad.sources.manifests import parse_networks

NS = "prod"
T0 = datetime(2026, 11, 1, 10, 0, tzinfo=UTC)
POD_IFACE = "pod56a025b6623"


def nets(nad: str, *, name: str = "secondary-network", default: bool = False) -> list[dict[str, Any]]:
    multus: dict[str, Any] = {"networkName": nad}
    if default:
        multus["default"] = True
    out: list[dict[str, Any]] = [] if default else [{"name": "default", "pod": {}}]
    return [*out, {"name": name, "multus": multus}]


def declared_vm(name: str = "vm1", nad: str = "nad-b", *, default: bool = False, pool: bool = False) -> VM:
    return VM(
        kind=VMKind.VIRTUAL_MACHINE_POOL if pool else VMKind.VIRTUAL_MACHINE,
        api_version="pool.kubevirt.io/v1alpha1" if pool else "kubevirt.io/v1",
        namespace=NS,
        name=name,
        file=f"vms/{name}.yaml",
        line=4,
        networks=parse_networks(nets(nad, default=default), NS),
    )


def cond(type_: str, status: str, reason: str | None = None, message: str | None = None) -> Condition:
    return Condition(type=type_, status=status, reason=reason, message=message)


@dataclass
class World:
    """Knobs of one VM's live state; `facts()` turns them into ClusterFacts."""

    name: str = "vm1"
    vm: bool = True
    vm_nad: str | None = "nad-b"
    run_strategy: str | None = "Always"
    vm_conditions: list[Condition] = field(default_factory=list)
    vmi: bool = True
    vmi_nad: str = "nad-b"
    vmi_phase: str | None = "Running"
    vmi_node: str = "node02"
    vmi_conditions: list[Condition] = field(default_factory=lambda: [cond("LiveMigratable", "True")])
    pod_iface: str | None = POD_IFACE
    status_iface: bool = True
    vmi_migration_state: MigrationState | None = None
    pods: list[LauncherPod] | None = None
    pod_status_nad: str | None = "prod/nad-b"
    default_network: bool = False
    migrations: list[Migration] = field(default_factory=list)
    kubevirt: KubeVirtFacts | None = field(
        default_factory=lambda: KubeVirtFacts(
            namespace="kubevirt", name="kubevirt", phase="Deployed", workload_update_methods=("LiveMigrate",)
        )
    )
    nads: tuple[str, ...] = ("nad-a", "nad-b")
    extra_vms: list[LiveVM] = field(default_factory=list)
    namespaces: tuple[str, ...] | None = None
    unreadable: tuple[Unreadable, ...] = ()

    @property
    def uid(self) -> str:
        return f"uid-{self.name}"

    def pod(self, **kw: Any) -> LauncherPod:
        base = LauncherPod(
            namespace=NS,
            name=f"virt-launcher-{self.name}-new",
            uid=f"pod-{self.name}-new",
            owner=OwnerRef(kind="VirtualMachineInstance", name=self.name, uid=self.uid, controller=True),
            node_name=self.vmi_node,
            phase="Running",
            created=T0 + timedelta(minutes=5),
            network_status=self._status(self.pod_status_nad),
            default_network=self.pod_status_nad if self.default_network else None,
        )
        return base.model_copy(update=kw)

    def _status(self, nad: str | None) -> tuple[NetworkStatusEntry, ...]:
        cluster = NetworkStatusEntry(name="ovn-kubernetes", interface="eth0", default=True)
        if nad is None or self.default_network:
            return (cluster,)
        return (cluster, NetworkStatusEntry(name=nad, interface=POD_IFACE))

    def live_vm(self) -> LiveVM:
        return LiveVM(
            namespace=NS,
            name=self.name,
            uid=f"vm-{self.name}",
            run_strategy=self.run_strategy,
            networks=parse_networks(nets(self.vm_nad, default=self.default_network), NS) if self.vm_nad else (),
            conditions=tuple(self.vm_conditions),
        )

    def live_vmi(self) -> LiveVMI:
        net = "secondary-network"
        return LiveVMI(
            namespace=NS,
            name=self.name,
            uid=self.uid,
            phase=self.vmi_phase,
            node_name=self.vmi_node,
            networks=parse_networks(nets(self.vmi_nad, default=self.default_network), NS),
            status_interfaces=(VMIInterfaceStatus(name=net, pod_interface_name=self.pod_iface),)
            if self.status_iface
            else (),
            conditions=tuple(self.vmi_conditions),
            migration_state=self.vmi_migration_state,
            owner_vm=self.name,
        )

    def facts(self) -> ClusterFacts:
        pods = self.pods if self.pods is not None else [self.pod()]
        return ClusterFacts(
            source=FactSource.SNAPSHOT,
            origin="unit",
            namespaces=self.namespaces,
            kubevirt=self.kubevirt,
            nads=tuple(NAD(namespace=NS, name=n, cni_type="bridge") for n in self.nads),
            vms=(self.live_vm(), *self.extra_vms) if self.vm else tuple(self.extra_vms),
            vmis=(self.live_vmi(),) if self.vmi else (),
            migrations=tuple(self.migrations),
            pods=tuple(pods) if self.vmi else (),
            unreadable=self.unreadable,
        )


def migration(
    name: str = "kubevirt-workload-update-abc",
    phase: str | None = "Running",
    *,
    vmi: str = "vm1",
    minutes: int = 10,
    failure_reason: str | None = None,
    state: MigrationState | None = None,
) -> Migration:
    return Migration(
        namespace=NS,
        name=name,
        uid=f"mig-{name}",
        vmi_name=vmi,
        phase=phase,
        created=T0 + timedelta(minutes=minutes),
        failure_reason=failure_reason,
        migration_state=state,
    )


def gone(
    resource: ResourceType,
    reason: str,
    *,
    namespace: str | None = None,
    subjects: tuple[str, ...] = (),
    cause: UnreadableCause = UnreadableCause.NOT_READ,
) -> Unreadable:
    """A record of what could not be read (as the adapter makes them)."""
    return Unreadable(resource=resource, cause=cause, reason=reason, namespace=namespace, subjects=subjects)


def world(**kw: Any) -> World:
    return replace(World(), **kw)
