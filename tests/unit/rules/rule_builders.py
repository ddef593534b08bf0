"""Builders for cluster-rule and policy unit tests: a change (VMs at base and head, classified by the real
classifier) and the cluster facts it is judged against, as models.

VMs come from schema-valid manifests (tests.vmfactory) parsed the way the scanner parses them; cluster
facts are built directly as models (the e2e and example tests read real objects through the adapter).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from gitnad.changes import classify_nads, classify_vm
from gitnad.models.cluster import (
    ClusterFacts,
    Condition,
    FactSource,
    KubeVirtFacts,
    LiveVM,
    LiveVMI,
    Migration,
    MigrationState,
    ResourceType,
    Unreadable,
    UnreadableCause,
)
from gitnad.models.context import CheckContext, VMDelta
from gitnad.models.findings import Finding
from gitnad.models.manifest import NAD, VM
from gitnad.sources.manifests import parse_networks
from tests.vmfactory import Net, nad_yaml, parse_nad, parse_vm, vm_yaml

NS = "prod"
NOW = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)  # a Saturday


def vm(
    name: str = "db-1",
    nad: str = "vlan-10",
    *,
    namespace: str = NS,
    annotations: dict[str, str] | None = None,
    labels: dict[str, str] | None = None,
    extra: Sequence[Net] = (),
) -> VM:
    nets = [Net("default", kind="pod", binding="masquerade"), Net("bridge-net", nad=nad), *extra]
    text = vm_yaml(name, nets, namespace=namespace, annotations=annotations)
    if labels:
        text = text.replace(
            f"  namespace: {namespace}\n",
            f"  namespace: {namespace}\n  labels:\n" + "".join(f"    {k}: {v}\n" for k, v in labels.items()),
            1,
        )
    return parse_vm(text, file=f"vms/{name}.yaml")


def nad(
    name: str,
    *,
    namespace: str = NS,
    vlan: int | None = None,
    cni: str = "bridge",
    labels: dict[str, str] | None = None,
) -> NAD:
    n = parse_nad(nad_yaml(name, namespace=namespace, cni=cni, vlan=vlan), file=f"nads/{name}.yaml")
    return n.model_copy(update={"labels": labels or {}})


def nad_map(nads: Iterable[NAD]) -> dict[str, NAD]:
    return {n.key: n for n in nads}


def context(
    pairs: Iterable[tuple[VM | None, VM | None]],
    *,
    base_nads: Iterable[NAD] = (),
    head_nads: Iterable[NAD] = (),
    cluster: ClusterFacts | None = None,
    now: datetime | None = NOW,
) -> CheckContext:
    deltas = []
    for old, new in pairs:
        changes = classify_vm(old, new)
        key = (new or old).key  # type: ignore[union-attr]
        if changes:
            deltas.append(VMDelta(key=key, base=old, head=new, changes=changes))
    base, head = nad_map(base_nads), nad_map(head_nads)
    return CheckContext(
        deltas=tuple(deltas),
        nad_changes=classify_nads(base, head),
        base_nads=base,
        head_nads=head,
        cluster=cluster,
        now=now,
    )


def swap(name: str = "db-1", old: str = "vlan-10", new: str = "vlan-20", **kw: object) -> tuple[VM, VM]:
    return vm(name, old, **kw), vm(name, new, **kw)  # type: ignore[arg-type]


def kubevirt(
    version: str | None = "v1.9.0",
    *,
    gates: Sequence[str] = (),
    disabled: Sequence[str] = (),
    methods: Sequence[str] = ("LiveMigrate",),
    phase: str = "Deployed",
    target_id: str = "d1",
    per_cluster: int = 5,
    per_node: int = 2,
) -> KubeVirtFacts:
    return KubeVirtFacts(
        namespace="kubevirt",
        name="kubevirt",
        observed_version=version,
        target_version=version,
        phase=phase,
        observed_deployment_id="d1",
        target_deployment_id=target_id,
        feature_gates=tuple(gates),
        disabled_feature_gates=tuple(disabled),
        workload_update_methods=tuple(methods),
        parallel_migrations_per_cluster=per_cluster,
        parallel_outbound_migrations_per_node=per_node,
    )


def cond(type_: str, status: str, reason: str | None = None, message: str | None = None) -> Condition:
    return Condition(type=type_, status=status, reason=reason, message=message)


MIGRATABLE = Condition(type="LiveMigratable", status="True")


def _nets(nad: str) -> list[dict[str, object]]:
    return [{"name": "default", "pod": {}}, {"name": "bridge-net", "multus": {"networkName": nad}}]


def live_vm(
    name: str = "db-1", nad: str = "vlan-10", *, run: str = "Always", labels: dict[str, str] | None = None
) -> LiveVM:
    return LiveVM(
        namespace=NS,
        name=name,
        uid=f"uid-vm-{name}",
        labels=labels or {},
        run_strategy=run,
        networks=parse_networks(_nets(nad), NS),
    )


def live_vmi(
    name: str = "db-1",
    nad: str = "vlan-10",
    *,
    node: str | None = "node01",
    phase: str = "Running",
    migratable: Condition | None = MIGRATABLE,
    conditions: Sequence[Condition] = (),
    migration_state: MigrationState | None = None,
) -> LiveVMI:
    """A running VMI; `migratable=None` leaves out the LiveMigratable condition."""
    return LiveVMI(
        namespace=NS,
        name=name,
        uid=f"uid-vmi-{name}",
        phase=phase,
        node_name=node,
        networks=parse_networks(_nets(nad), NS),
        conditions=(migratable, *conditions) if migratable is not None else tuple(conditions),
        migration_state=migration_state,
        owner_vm=name,
    )


def migration(vmi: str, phase: str, name: str = "kubevirt-workload-update-abc12") -> Migration:
    return Migration(namespace=NS, name=name, uid=f"uid-{name}", vmi_name=vmi, phase=phase)


@dataclass
class Cluster:
    """Knobs of the cluster: a healthy v1.9 cluster where every listed VM runs on vlan-10."""

    running: Sequence[str] = ("db-1",)
    kv: KubeVirtFacts | None = field(default_factory=kubevirt)
    nads: Sequence[NAD] = field(default_factory=lambda: [nad("vlan-10", vlan=10), nad("vlan-20", vlan=20)])
    vms: list[LiveVM] = field(default_factory=list)
    vmis: list[LiveVMI] = field(default_factory=list)
    migrations: list[Migration] = field(default_factory=list)
    dnc: str | None = None
    namespaces: tuple[str, ...] | None = None
    unreadable: tuple[Unreadable, ...] = ()

    def facts(self) -> ClusterFacts:
        vms = [live_vm(n) for n in self.running] + self.vms
        vmis = [live_vmi(n) for n in self.running] + self.vmis
        return ClusterFacts(
            source=FactSource.SNAPSHOT,
            origin="snap.yaml",
            namespaces=self.namespaces,
            kubevirt_installed=self.kv is not None,
            kubevirt=self.kv,
            nads=tuple(n.model_copy(update={"file": None, "line": None, "config_line": None}) for n in self.nads),
            vms=tuple(vms),
            vmis=tuple(vmis),
            migrations=tuple(self.migrations),
            dynamic_networks_controller=self.dnc,
            unreadable=self.unreadable,
        )


def gone(
    resource: ResourceType, reason: str, *, namespace: str | None = None, subjects: tuple[str, ...] = ()
) -> Unreadable:
    """A list that could not be read (as the cluster adapter records it)."""
    return Unreadable(
        resource=resource, cause=UnreadableCause.NOT_READ, reason=reason, namespace=namespace, subjects=subjects
    )


def codes(findings: Iterable[Finding]) -> list[tuple[str, str]]:
    """(code, severity) pairs, sorted: what decision tables compare."""
    return sorted((f.code, f.severity.value) for f in findings)
