"""Cluster facts: what gitnad knows about a live cluster, from the API or from a snapshot file.

Both sources produce exactly this model. Raw Kubernetes bodies never leave the adapter.
Anything that could not be read is an `Unreadable` record in `ClusterFacts.unreadable`: which resource
type, where (namespace, the VMs or NADs concerned) and why. Rules and drift ask `ClusterFacts.unknown()`
whether the fact they need is covered by one, and fail closed (GN212, `Unknown`) instead of passing
silently; nothing downstream reads the wording of a reason.
"""

from __future__ import annotations

import enum
from datetime import datetime
from functools import cached_property

from gitnad.models.base import Frozen
from gitnad.models.manifest import NAD, Interface, Network
from gitnad.models.resources import ResourceType as ResourceType  # re-exported: the facts' own vocabulary

DEFAULT_PARALLEL_MIGRATIONS_PER_CLUSTER = 5
DEFAULT_PARALLEL_OUTBOUND_MIGRATIONS_PER_NODE = 2


class UnreadableCause(enum.StrEnum):
    NOT_READ = "not-read"
    """The list was not read: forbidden, absent from a snapshot, a watch that broke."""
    CONTRADICTED = "contradicted"
    """The list (or one object of it) is missing although another object shows it exists."""
    DUPLICATE = "duplicate"
    """Two objects with one namespace/name or one uid: which one is true cannot be told."""
    MALFORMED = "malformed"
    """An object with a field of the wrong type or an unreadable value."""


class Unreadable(Frozen):
    """A fact gitnad could not read, as a record (never a message to re-parse).

    `subjects` says whose facts are unknown, in the key space of the resource: VMs, VMIs, launcher pods and
    migrations name the VM(I) `namespace/name` they belong to, NADs the NAD's `namespace/name`. Empty: every
    fact of the resource in `namespace` (in every namespace when that is None, as for cluster-scoped types).
    """

    resource: ResourceType
    cause: UnreadableCause
    reason: str
    """What could not be read and why, naming the objects concerned."""
    namespace: str | None = None
    subjects: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        """`<resource>: <reason>`, the form messages show."""
        return f"{self.resource.value}: {self.reason}"

    def covers(self, resource: ResourceType, namespace: str | None, subject: str | None) -> bool:
        """Whether this record leaves `resource` facts unknown for `subject` in `namespace` (None: any)."""
        if resource is not self.resource:
            return False
        if namespace is not None and self.namespace is not None and namespace != self.namespace:
            return False
        return subject is None or not self.subjects or subject in self.subjects


class Condition(Frozen):
    type: str
    status: str
    reason: str | None = None
    message: str | None = None


class KubeVirtFacts(Frozen):
    """The KubeVirt CR (usually kubevirt/kubevirt)."""

    namespace: str
    name: str
    observed_version: str | None = None
    target_version: str | None = None
    phase: str | None = None
    observed_deployment_id: str | None = None
    target_deployment_id: str | None = None
    feature_gates: tuple[str, ...] = ()
    disabled_feature_gates: tuple[str, ...] = ()
    workload_update_methods: tuple[str, ...] = ()
    vm_rollout_strategy: str | None = None
    parallel_migrations_per_cluster: int = DEFAULT_PARALLEL_MIGRATIONS_PER_CLUSTER
    parallel_outbound_migrations_per_node: int = DEFAULT_PARALLEL_OUTBOUND_MIGRATIONS_PER_NODE
    conditions: tuple[Condition, ...] = ()

    @property
    def upgrading(self) -> bool:
        """An upgrade is in progress: the workload updater does nothing until it ends."""
        return (self.observed_deployment_id or "") != (self.target_deployment_id or "")


class LiveVM(Frozen):
    """A VirtualMachine as the API server has it."""

    namespace: str
    name: str
    uid: str | None = None
    labels: dict[str, str] = {}
    run_strategy: str | None = None
    running: bool | None = None
    printable_status: str | None = None
    created: bool | None = None
    """`status.created`: KubeVirt has created the VMI."""
    ready: bool | None = None
    """`status.ready`: the VMI runs and is ready."""
    networks: tuple[Network, ...] = ()
    interfaces: tuple[Interface, ...] = ()
    conditions: tuple[Condition, ...] = ()

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"

    def condition(self, type_: str) -> Condition | None:
        return next((c for c in self.conditions if c.type == type_), None)


class VMIInterfaceStatus(Frozen):
    name: str
    pod_interface_name: str | None = None
    interface_name: str | None = None
    mac: str | None = None
    info_source: str | None = None


class MigrationState(Frozen):
    """`status.migrationState` of a VMI (or of a migration)."""

    start_timestamp: datetime | None = None
    end_timestamp: datetime | None = None
    completed: bool = False
    failed: bool = False
    abort_status: str | None = None
    failure_reason: str | None = None
    migration_uid: str | None = None
    source_node: str | None = None
    target_node: str | None = None
    source_pod: str | None = None
    target_pod: str | None = None

    @property
    def unfinished(self) -> bool:
        """Started and not ended: a migration in flight (whose object may already be gone)."""
        return self.start_timestamp is not None and self.end_timestamp is None and not self.completed


class LiveVMI(Frozen):
    """A VirtualMachineInstance: spec networks/interfaces (desired) and status (observed)."""

    namespace: str
    name: str
    uid: str
    phase: str | None = None
    node_name: str | None = None
    networks: tuple[Network, ...] = ()
    interfaces: tuple[Interface, ...] = ()
    status_interfaces: tuple[VMIInterfaceStatus, ...] = ()
    conditions: tuple[Condition, ...] = ()
    migration_state: MigrationState | None = None
    active_pods: dict[str, str] = {}
    owner_vm: str | None = None
    """Name of the controlling VirtualMachine (ownerReferences), if any."""

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"

    def condition(self, type_: str) -> Condition | None:
        return next((c for c in self.conditions if c.type == type_), None)


class Migration(Frozen):
    """A VirtualMachineInstanceMigration."""

    namespace: str
    name: str
    uid: str | None = None
    vmi_name: str
    phase: str | None = None
    labels: dict[str, str] = {}
    annotations: dict[str, str] = {}
    created: datetime | None = None
    failure_reason: str | None = None
    migration_state: MigrationState | None = None

    @property
    def unfinished(self) -> bool:
        return self.phase not in ("Succeeded", "Failed")


class NetworkStatusEntry(Frozen):
    """One element of the pod's `k8s.v1.cni.cncf.io/network-status` annotation."""

    name: str
    interface: str | None = None
    default: bool = False
    mac: str | None = None
    ips: tuple[str, ...] = ()


class OwnerRef(Frozen):
    kind: str
    name: str
    uid: str
    controller: bool = False


class LauncherPod(Frozen):
    """A virt-launcher pod, stripped to what gitnad reads."""

    namespace: str
    name: str
    uid: str
    labels: dict[str, str] = {}
    owner: OwnerRef | None = None
    """The controller ownerReference (a VirtualMachineInstance for a launcher)."""
    node_name: str | None = None
    phase: str | None = None
    created: datetime | None = None
    networks_annotation: str | None = None
    """`k8s.v1.cni.cncf.io/networks`, as written."""
    network_status: tuple[NetworkStatusEntry, ...] | None = None
    """Parsed `k8s.v1.cni.cncf.io/network-status`; None when absent or unreadable."""
    network_status_error: str | None = None
    default_network: str | None = None
    """`v1.multus-cni.io/default-network`."""

    @property
    def finished(self) -> bool:
        return self.phase in ("Succeeded", "Failed")


class FactSource(enum.StrEnum):
    LIVE = "live"
    SNAPSHOT = "snapshot"


class ClusterFacts(Frozen):
    """Everything gitnad read from one cluster at one moment."""

    source: FactSource
    origin: str
    """Kubeconfig context / server, or the snapshot file path."""
    captured_at: datetime | None = None
    namespaces: tuple[str, ...] | None = None
    """Namespaces the namespaced facts cover; None means all."""
    kubevirt_installed: bool = True
    kubevirt: KubeVirtFacts | None = None
    nads: tuple[NAD, ...] = ()
    vms: tuple[LiveVM, ...] = ()
    vmis: tuple[LiveVMI, ...] = ()
    migrations: tuple[Migration, ...] = ()
    pods: tuple[LauncherPod, ...] = ()
    dynamic_networks_controller: str | None = None
    """`namespace/name` of the Multus Dynamic Networks Controller DaemonSet, when it runs."""
    unreadable: tuple[Unreadable, ...] = ()
    """What could not be read; never silently passed. Objects named here are left out of the lists above."""
    warnings: tuple[str, ...] = ()

    def unknown(
        self, resource: ResourceType, namespace: str | None = None, subject: str | None = None
    ) -> tuple[Unreadable, ...]:
        """The records that leave facts of `resource` unknown about `subject` (`namespace/name`; None: any) in
        `namespace` (None: the subject's, or any)."""
        if namespace is None and subject is not None and "/" in subject:
            namespace = subject.split("/", 1)[0]
        return tuple(u for u in self.unreadable if u.covers(resource, namespace, subject))

    def unknown_text(
        self, resource: ResourceType, namespace: str | None = None, subject: str | None = None
    ) -> str | None:
        """The reasons of `unknown(...)` joined for a message; None when the fact was read."""
        hits = self.unknown(resource, namespace, subject)
        return "; ".join(dict.fromkeys(u.text for u in hits)) if hits else None

    @property
    def dnc_known(self) -> bool:
        """Whether DaemonSets were read, so the absence of the Dynamic Networks Controller is a fact."""
        return not self.unknown(ResourceType.DAEMONSETS)

    @cached_property
    def nads_by_key(self) -> dict[str, NAD]:
        return {n.key: n for n in self.nads}

    @cached_property
    def vms_by_key(self) -> dict[str, LiveVM]:
        return {v.key: v for v in self.vms}

    @cached_property
    def vmis_by_key(self) -> dict[str, LiveVMI]:
        return {v.key: v for v in self.vmis}

    @cached_property
    def pods_by_owner_uid(self) -> dict[str, tuple[LauncherPod, ...]]:
        out: dict[str, list[LauncherPod]] = {}
        for p in self.pods:
            if p.owner is not None:
                out.setdefault(p.owner.uid, []).append(p)
        return {k: tuple(v) for k, v in out.items()}

    @cached_property
    def migrations_by_vmi(self) -> dict[str, tuple[Migration, ...]]:
        """`namespace/vmiName` -> migrations, oldest first."""
        out: dict[str, list[Migration]] = {}
        for m in self.migrations:
            out.setdefault(f"{m.namespace}/{m.vmi_name}", []).append(m)
        return {k: tuple(sorted(v, key=lambda m: (m.created is None, m.created, m.name))) for k, v in out.items()}

    def nad(self, key: str) -> NAD | None:
        return self.nads_by_key.get(key)

    def vm(self, key: str) -> LiveVM | None:
        return self.vms_by_key.get(key)

    def vmi(self, key: str) -> LiveVMI | None:
        return self.vmis_by_key.get(key)

    def unfinished_migration(self, vmi_key: str) -> Migration | None:
        """The newest migration of the VMI `namespace/name` that has neither succeeded nor failed."""
        return next((m for m in reversed(self.migrations_by_vmi.get(vmi_key, ())) if m.unfinished), None)

    def covers(self, namespace: str) -> bool:
        """Whether namespaced facts were read for this namespace."""
        return self.namespaces is None or namespace in self.namespaces
