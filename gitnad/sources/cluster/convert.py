"""Raw Kubernetes JSON bodies -> cluster-facts models. Pure functions shared by the live and snapshot readers.

Networks, interfaces and NADs go through `gitnad.sources.manifests`, so a live object and the same object
in the repo yield equal models. A body gitnad cannot use raises `ObjectError`; the reader adds where it
came from (file and line, or resource and namespace).
"""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from gitnad.models.cluster import (
    DEFAULT_PARALLEL_MIGRATIONS_PER_CLUSTER,
    DEFAULT_PARALLEL_OUTBOUND_MIGRATIONS_PER_NODE,
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
    VMIInterfaceStatus,
)
from gitnad.models.manifest import NAD
from gitnad.sources import manifests
from gitnad.sources.cluster import kinds
from gitnad.sources.cluster.kinds import Capture, ReadState, Resource

NETWORKS_ANNOTATION = "k8s.v1.cni.cncf.io/networks"
NETWORK_STATUS_ANNOTATION = "k8s.v1.cni.cncf.io/network-status"
DEFAULT_NETWORK_ANNOTATION = "v1.multus-cni.io/default-network"
DNC_NAME_PART = "dynamic-networks-controller"
DNC_LABEL = ("app", "dynamic-networks-controller")


class ObjectError(ValueError):
    """A body of a known kind that lacks what gitnad needs (e.g. a VMI without metadata.uid)."""


def _map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _seq(value: Any) -> Sequence[Any]:
    return value if isinstance(value, Sequence) and not isinstance(value, str) else ()


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _strs(value: Any) -> tuple[str, ...]:
    return tuple(v for v in _seq(value) if isinstance(v, str))


def _str_map(value: Any) -> dict[str, str]:
    return {str(k): "" if v is None else str(v) for k, v in _map(value).items()}


def _int(value: Any, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _time(value: Any) -> datetime | None:
    """RFC 3339 timestamp as the API writes it (`2026-08-01T10:00:00Z`); None when absent or unparsable."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _meta(obj: Mapping[str, Any], kind: str) -> tuple[str, str, Mapping[str, Any]]:
    """(namespace, name, metadata); raises ObjectError when the name or namespace is missing."""
    meta = _map(obj.get("metadata"))
    name, namespace = _str(meta.get("name")), _str(meta.get("namespace"))
    if not name:
        raise ObjectError(f"{kind} without metadata.name")
    if not namespace:
        raise ObjectError(f"{kind} {name} without metadata.namespace")
    return namespace, name, meta


def conditions(value: Any) -> tuple[Condition, ...]:
    out: list[Condition] = []
    for c in _seq(value):
        c = _map(c)
        ctype, status = _str(c.get("type")), c.get("status")
        if ctype:
            out.append(
                Condition(
                    type=ctype,
                    status="" if status is None else str(status),
                    reason=_str(c.get("reason")) or None,
                    message=_str(c.get("message")) or None,
                )
            )
    return tuple(out)


def migration_state(value: Any) -> MigrationState | None:
    if not isinstance(value, Mapping):
        return None
    return MigrationState(
        start_timestamp=_time(value.get("startTimestamp")),
        end_timestamp=_time(value.get("endTimestamp")),
        completed=value.get("completed") is True,
        failed=value.get("failed") is True,
        abort_status=_str(value.get("abortStatus")),
        failure_reason=_str(value.get("failureReason")),
        migration_uid=_str(value.get("migrationUid")),
        source_node=_str(value.get("sourceNode")),
        target_node=_str(value.get("targetNode")),
        source_pod=_str(value.get("sourcePod")),
        target_pod=_str(value.get("targetPod")),
    )


def kubevirt(obj: Mapping[str, Any]) -> KubeVirtFacts:
    """A KubeVirt CR; migration limits get KubeVirt's defaults (5 per cluster, 2 per node) when unset."""
    namespace, name, _ = _meta(obj, "KubeVirt")
    spec, status = _map(obj.get("spec")), _map(obj.get("status"))
    configuration = _map(spec.get("configuration"))
    developer = _map(configuration.get("developerConfiguration"))
    migrations = _map(configuration.get("migrations"))
    return KubeVirtFacts(
        namespace=namespace,
        name=name,
        observed_version=_str(status.get("observedKubeVirtVersion")),
        target_version=_str(status.get("targetKubeVirtVersion")),
        phase=_str(status.get("phase")),
        observed_deployment_id=_str(status.get("observedDeploymentID")),
        target_deployment_id=_str(status.get("targetDeploymentID")),
        feature_gates=_strs(developer.get("featureGates")),
        disabled_feature_gates=_strs(developer.get("disabledFeatureGates")),
        workload_update_methods=_strs(_map(spec.get("workloadUpdateStrategy")).get("workloadUpdateMethods")),
        vm_rollout_strategy=_str(configuration.get("vmRolloutStrategy")),
        parallel_migrations_per_cluster=_int(
            migrations.get("parallelMigrationsPerCluster"), DEFAULT_PARALLEL_MIGRATIONS_PER_CLUSTER
        ),
        parallel_outbound_migrations_per_node=_int(
            migrations.get("parallelOutboundMigrationsPerNode"), DEFAULT_PARALLEL_OUTBOUND_MIGRATIONS_PER_NODE
        ),
        conditions=conditions(status.get("conditions")),
    )


def nad(obj: Mapping[str, Any]) -> NAD:
    namespace, name, _ = _meta(obj, "NetworkAttachmentDefinition")
    ident = manifests.Identity(_str(obj.get("apiVersion")) or "", "NetworkAttachmentDefinition", namespace, name, 0)
    return manifests.to_nad(obj, ident, namespace, None)


def vm(obj: Mapping[str, Any]) -> LiveVM:
    namespace, name, meta = _meta(obj, "VirtualMachine")
    spec, status = _map(obj.get("spec")), _map(obj.get("status"))
    networks, interfaces = manifests.template_networks(_map(_map(spec.get("template")).get("spec")), namespace)
    running = spec.get("running")
    return LiveVM(
        namespace=namespace,
        name=name,
        uid=_str(meta.get("uid")),
        labels=_str_map(meta.get("labels")),
        annotations=_str_map(meta.get("annotations")),
        run_strategy=_str(spec.get("runStrategy")),
        running=running if isinstance(running, bool) else None,
        printable_status=_str(status.get("printableStatus")),
        networks=networks,
        interfaces=interfaces,
        conditions=conditions(status.get("conditions")),
    )


def controller_ref(meta: Mapping[str, Any]) -> OwnerRef | None:
    """The ownerReference with `controller: true`, if any."""
    for ref in _seq(meta.get("ownerReferences")):
        ref = _map(ref)
        kind, name, uid = _str(ref.get("kind")), _str(ref.get("name")), _str(ref.get("uid"))
        if ref.get("controller") is True and kind and name and uid:
            return OwnerRef(kind=kind, name=name, uid=uid, controller=True)
    return None


def _status_interfaces(value: Any) -> tuple[VMIInterfaceStatus, ...]:
    out: list[VMIInterfaceStatus] = []
    for i in _seq(value):
        i = _map(i)
        name = _str(i.get("name"))
        if name:
            out.append(
                VMIInterfaceStatus(
                    name=name,
                    pod_interface_name=_str(i.get("podInterfaceName")),
                    interface_name=_str(i.get("interfaceName")),
                    mac=_str(i.get("mac")),
                    info_source=_str(i.get("infoSource")),
                )
            )
    return tuple(out)


def vmi(obj: Mapping[str, Any]) -> LiveVMI:
    namespace, name, meta = _meta(obj, "VirtualMachineInstance")
    uid = _str(meta.get("uid"))
    if not uid:
        raise ObjectError(f"VirtualMachineInstance {namespace}/{name} without metadata.uid")
    spec, status = _map(obj.get("spec")), _map(obj.get("status"))
    networks, interfaces = manifests.template_networks(spec, namespace)
    owner = controller_ref(meta)
    return LiveVMI(
        namespace=namespace,
        name=name,
        uid=uid,
        phase=_str(status.get("phase")),
        node_name=_str(status.get("nodeName")),
        networks=networks,
        interfaces=interfaces,
        status_interfaces=_status_interfaces(status.get("interfaces")),
        conditions=conditions(status.get("conditions")),
        migration_state=migration_state(status.get("migrationState")),
        active_pods=_str_map(status.get("activePods")),
        owner_vm=owner.name if owner is not None and owner.kind == "VirtualMachine" else None,
    )


def migration(obj: Mapping[str, Any]) -> Migration:
    namespace, name, meta = _meta(obj, "VirtualMachineInstanceMigration")
    spec, status = _map(obj.get("spec")), _map(obj.get("status"))
    labels = _str_map(meta.get("labels"))
    vmi_name = _str(spec.get("vmiName")) or labels.get("kubevirt.io/vmi-name")
    if not vmi_name:
        raise ObjectError(f"VirtualMachineInstanceMigration {namespace}/{name} without spec.vmiName")
    state = migration_state(status.get("migrationState"))
    return Migration(
        namespace=namespace,
        name=name,
        uid=_str(meta.get("uid")),
        vmi_name=vmi_name,
        phase=_str(status.get("phase")),
        labels=labels,
        annotations=_str_map(meta.get("annotations")),
        created=_time(meta.get("creationTimestamp")),
        failure_reason=state.failure_reason if state is not None else None,
        migration_state=state,
    )


def network_status(raw: str | None) -> tuple[tuple[NetworkStatusEntry, ...] | None, str | None]:
    """The `network-status` annotation -> (entries, error). (None, None) when absent."""
    if raw is None:
        return None, None
    try:
        data = json.loads(raw)
    except ValueError as e:
        return None, f"{NETWORK_STATUS_ANNOTATION} is not JSON: {e}"
    if not isinstance(data, list):
        return None, f"{NETWORK_STATUS_ANNOTATION} is not a JSON list"
    out: list[NetworkStatusEntry] = []
    for i, entry in enumerate(data):
        if not isinstance(entry, Mapping) or not isinstance(entry.get("name"), str):
            return None, f"{NETWORK_STATUS_ANNOTATION} entry {i} has no name"
        out.append(
            NetworkStatusEntry(
                name=entry["name"],
                interface=_str(entry.get("interface")),
                default=entry.get("default") is True,
                mac=_str(entry.get("mac")),
                ips=_strs(entry.get("ips")),
            )
        )
    return tuple(out), None


def launcher_pod(obj: Mapping[str, Any]) -> LauncherPod:
    namespace, name, meta = _meta(obj, "Pod")
    uid = _str(meta.get("uid"))
    if not uid:
        raise ObjectError(f"Pod {namespace}/{name} without metadata.uid")
    annotations = _str_map(meta.get("annotations"))
    entries, error = network_status(annotations.get(NETWORK_STATUS_ANNOTATION))
    return LauncherPod(
        namespace=namespace,
        name=name,
        uid=uid,
        labels=_str_map(meta.get("labels")),
        owner=controller_ref(meta),
        node_name=_str(_map(obj.get("spec")).get("nodeName")),
        phase=_str(_map(obj.get("status")).get("phase")),
        created=_time(meta.get("creationTimestamp")),
        networks_annotation=annotations.get(NETWORKS_ANNOTATION),
        network_status=entries,
        network_status_error=error,
        default_network=annotations.get(DEFAULT_NETWORK_ANNOTATION),
    )


def is_dnc(obj: Mapping[str, Any]) -> bool:
    """SPEC GN208: a DaemonSet whose name contains `dynamic-networks-controller` or labelled `app=...` so."""
    meta = _map(obj.get("metadata"))
    name = _str(meta.get("name")) or ""
    return DNC_NAME_PART in name or _str_map(meta.get("labels")).get(DNC_LABEL[0]) == DNC_LABEL[1]


def _key(obj: Mapping[str, Any]) -> str:
    meta = _map(obj.get("metadata"))
    return f"{_str(meta.get('namespace')) or ''}/{_str(meta.get('name')) or ''}"


def _pick_kubevirt(items: Sequence[Mapping[str, Any]]) -> tuple[KubeVirtFacts | None, tuple[str, ...]]:
    """The KubeVirt CR (there is normally exactly one); warn when there are several."""
    crs = sorted((kubevirt(i) for i in items), key=lambda k: (k.phase != "Deployed", k.namespace, k.name))
    if len(crs) > 1:
        names = ", ".join(f"{k.namespace}/{k.name}" for k in crs)
        return crs[0], (f"{len(crs)} KubeVirt CRs ({names}); using {crs[0].namespace}/{crs[0].name}",)
    return (crs[0] if crs else None), ()


@contextmanager
def quiet_gc() -> Iterator[None]:
    """No cyclic-GC passes while parsing bodies or building facts: both make only acyclic objects (reference
    counting frees them), and each pass re-walks every live object. With a repo scan in memory they made
    `json.loads` of a 5,000-VM snapshot 4x and `to_facts` 1.7x slower (bench/README.md)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def to_facts(capture: Capture, source: FactSource) -> ClusterFacts:
    """A capture -> ClusterFacts. Unread resources go to `unreadable`; absent APIs to `warnings`."""
    with quiet_gc():
        return _to_facts(capture, source)


def _to_facts(capture: Capture, source: FactSource) -> ClusterFacts:
    unreadable: list[str] = []
    warnings: list[str] = list(capture.warnings)
    for r in kinds.RESOURCES:
        read = capture.read(r)
        if read.state is ReadState.UNREADABLE:
            unreadable.append(f"{r.name}: {read.reason}")
        elif read.state is ReadState.NOT_INSTALLED:
            warnings.append(f"{r.name}: {read.reason}")
    kv_read = capture.read(kinds.KUBEVIRT)
    kv, kv_warnings = _pick_kubevirt(kv_read.items)
    warnings.extend(kv_warnings)
    if kv_read.state is ReadState.READ and kv is None:
        warnings.append("no KubeVirt CR in the cluster: KubeVirt is not deployed")
    ds_read = capture.read(kinds.DAEMONSETS)
    dnc = sorted(_key(d) for d in ds_read.items if is_dnc(d))
    return ClusterFacts(
        source=source,
        origin=capture.origin,
        captured_at=capture.captured_at,
        namespaces=capture.namespaces,
        # False only when proven (API absent, or no CR); an unread KubeVirt CR is in `unreadable` instead.
        kubevirt_installed=kv is not None or kv_read.state is ReadState.UNREADABLE,
        kubevirt=kv,
        nads=_sorted(nad, capture, kinds.NADS),
        vms=_sorted(vm, capture, kinds.VMS),
        vmis=_sorted(vmi, capture, kinds.VMIS),
        migrations=_sorted(migration, capture, kinds.MIGRATIONS),
        pods=_sorted(launcher_pod, capture, kinds.PODS),
        dynamic_networks_controller=dnc[0] if dnc else None,
        dnc_known=ds_read.state is not ReadState.UNREADABLE,
        unreadable=tuple(unreadable),
        warnings=tuple(warnings),
    )


def _sorted(fn: Any, capture: Capture, resource: Resource) -> tuple[Any, ...]:
    """Convert every item of a resource, sorted by namespace/name so both readers agree on order."""
    read = capture.read(resource)
    out = []
    for index, item in enumerate(read.items):
        try:
            out.append(fn(item))
        except ObjectError as e:
            raise ItemError(resource, index, read.item_lines[index] if read.item_lines else None, str(e)) from e
    return tuple(sorted(out, key=lambda m: (m.namespace, m.name)))


class ItemError(ValueError):
    """ObjectError plus where the item was: resource, index in the read, line in a snapshot file."""

    def __init__(self, resource: Resource, index: int, line: int | None, message: str) -> None:
        super().__init__(message)
        self.resource = resource
        self.index = index
        self.line = line
        self.message = message
