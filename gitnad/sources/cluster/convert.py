"""Raw Kubernetes JSON bodies -> cluster-facts models, one object at a time. Pure functions shared by the live
and snapshot readers (`assemble` turns a whole capture into ClusterFacts).

Networks, interfaces and NADs go through `gitnad.sources.manifests`, so a live object and the same object
in the repo yield equal models. Fields are read through `fields.Node`: absent is None, the wrong type is a
`FieldError`, which leaves that one object unreadable (`assemble` records it). A body without the identity
gitnad needs (name, namespace, a VMI's or pod's uid) raises `ObjectError`; the reader adds where it came
from (file and line, or resource and namespace) and refuses the whole read.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from gitnad.models.cluster import (
    DEFAULT_PARALLEL_MIGRATIONS_PER_CLUSTER,
    DEFAULT_PARALLEL_OUTBOUND_MIGRATIONS_PER_NODE,
    Condition,
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
from gitnad.models.manifest import NAD, Interface, Network
from gitnad.models.names import is_dns1123_label, is_dns1123_subdomain
from gitnad.sources import jsonio, manifests
from gitnad.sources.cluster import kinds
from gitnad.sources.cluster.fields import FieldError, Node, as_mapping, as_str
from gitnad.sources.cluster.kinds import Resource

NETWORKS_ANNOTATION = "k8s.v1.cni.cncf.io/networks"
NETWORK_STATUS_ANNOTATION = "k8s.v1.cni.cncf.io/network-status"
DEFAULT_NETWORK_ANNOTATION = "v1.multus-cni.io/default-network"
DNC_NAME_PART = "dynamic-networks-controller"
DNC_LABEL = ("app", "dynamic-networks-controller")


class ObjectError(ValueError):
    """A body of a known kind that lacks what gitnad needs (e.g. a VMI without metadata.uid)."""


def identity(obj: Mapping[str, Any], kind: str, need_uid: bool = False) -> tuple[str, str, Node]:
    """(namespace, name, metadata); raises ObjectError when the name, namespace (or uid) is missing or the name
    or namespace is not one the API server would store."""
    meta = as_mapping(obj.get("metadata"))
    name, namespace = as_str(meta.get("name")), as_str(meta.get("namespace"))
    # The API server stores only DNS-1123 names; anything else comes from a hand-made file and would carry
    # newlines or terminal escapes into every message that names the object.
    if not name:
        raise ObjectError(f"{kind} without metadata.name")
    if not is_dns1123_subdomain(name):
        raise ObjectError(f"{kind} metadata.name {name[:80]!r} is not a Kubernetes object name")
    if not namespace:
        raise ObjectError(f"{kind} {name} without metadata.namespace")
    if not is_dns1123_label(namespace):
        raise ObjectError(f"{kind} {name}: metadata.namespace {namespace[:80]!r} is not a Kubernetes namespace name")
    if need_uid and not as_str(meta.get("uid")):
        raise ObjectError(f"{kind} {namespace}/{name} without metadata.uid")
    return namespace, name, Node(meta, "metadata")


def conditions(node: Node, key: str = "conditions") -> tuple[Condition, ...]:
    out = []
    for c in node.mappings(key):
        ctype, status = c.string("type"), c.string("status")
        if not ctype:
            raise FieldError(f"{c.path}.type is missing")
        out.append(Condition(type=ctype, status=status or "", reason=c.string("reason"), message=c.string("message")))
    return tuple(out)


def migration_state(node: Node) -> MigrationState | None:
    """`status.migrationState` (node is its parent); None when absent."""
    if node.data.get("migrationState") is None:
        return None
    s = node.mapping("migrationState")
    return MigrationState(
        start_timestamp=s.time("startTimestamp"),
        end_timestamp=s.time("endTimestamp"),
        completed=s.boolean("completed") is True,
        failed=s.boolean("failed") is True,
        abort_status=s.string("abortStatus"),
        failure_reason=s.string("failureReason"),
        migration_uid=s.string("migrationUid"),
        source_node=s.string("sourceNode"),
        target_node=s.string("targetNode"),
        source_pod=s.string("sourcePod"),
        target_pod=s.string("targetPod"),
    )


def kubevirt(obj: Mapping[str, Any]) -> KubeVirtFacts:
    """A KubeVirt CR; migration limits get KubeVirt's defaults (5 per cluster, 2 per node) when unset."""
    namespace, name, _ = identity(obj, "KubeVirt")
    root = Node(obj)
    spec, status = root.mapping("spec"), root.mapping("status")
    configuration = spec.mapping("configuration")
    developer = configuration.mapping("developerConfiguration")
    migrations = configuration.mapping("migrations")
    per_cluster = migrations.integer("parallelMigrationsPerCluster")
    per_node = migrations.integer("parallelOutboundMigrationsPerNode")
    return KubeVirtFacts(
        namespace=namespace,
        name=name,
        observed_version=status.string("observedKubeVirtVersion"),
        target_version=status.string("targetKubeVirtVersion"),
        phase=status.string("phase"),
        observed_deployment_id=status.string("observedDeploymentID"),
        target_deployment_id=status.string("targetDeploymentID"),
        feature_gates=developer.strings("featureGates"),
        disabled_feature_gates=developer.strings("disabledFeatureGates"),
        workload_update_methods=spec.mapping("workloadUpdateStrategy").strings("workloadUpdateMethods"),
        vm_rollout_strategy=configuration.string("vmRolloutStrategy"),
        parallel_migrations_per_cluster=DEFAULT_PARALLEL_MIGRATIONS_PER_CLUSTER if per_cluster is None else per_cluster,
        parallel_outbound_migrations_per_node=(
            DEFAULT_PARALLEL_OUTBOUND_MIGRATIONS_PER_NODE if per_node is None else per_node
        ),
        conditions=conditions(status),
    )


def nad(obj: Mapping[str, Any]) -> NAD:
    namespace, name, _ = identity(obj, "NetworkAttachmentDefinition")
    ident = manifests.Identity(as_str(obj.get("apiVersion")) or "", "NetworkAttachmentDefinition", namespace, name, 0)
    return manifests.to_nad(obj, ident, namespace, None)


NetworksOf = tuple[tuple[Network, ...], tuple[Interface, ...]]
"""The networks and interfaces of a VM template spec or a VMI spec."""


class Memo:
    """What equal parts of many objects convert to, kept for one capture: the VMs of one template and their VMIs
    carry the same networks and interfaces, converted once (in a 100,000-object List, 100,000 times otherwise;
    sharing the models also takes a third off the peak memory).

    A key is the values' sorted-key JSON, which only equal JSON values share, and the namespace (a `networkName`
    without one names a NAD of the object's), so a hit gives exactly what converting would. Values that are not
    plain JSON (a YAML timestamp, keys of mixed types) get no key and are converted each time."""

    def __init__(self) -> None:
        self._networks: dict[tuple[str, str], NetworksOf] = {}

    def networks(self, namespace: str, values: tuple[Any, ...], convert: Callable[[], NetworksOf]) -> NetworksOf:
        """`convert()`, or what it gave for equal `values` in this namespace."""
        try:
            key = (namespace, _KEY(values))
        except (TypeError, ValueError, RecursionError):
            return convert()
        found = self._networks.get(key)
        if found is None:
            found = self._networks[key] = convert()
        return found


_KEY = jsonio.compact_encoder(sort_keys=True)


def _networks(spec: Node, namespace: str, memo: Memo | None = None) -> NetworksOf:
    """Networks and interfaces of a VM template spec or a VMI spec, after checking their types and depth (each
    entry is re-encoded whole for comparison, which must not overflow the stack on a hostile snapshot)."""
    devices = spec.mapping("domain").mapping("devices")

    def convert() -> NetworksOf:
        for entry in (*spec.mappings("networks"), *devices.mappings("interfaces")):
            if jsonio.deeper_than(entry.data, jsonio.DEFAULT_MAX_DEPTH):
                raise FieldError(f"{entry.path} is nested deeper than {jsonio.DEFAULT_MAX_DEPTH} levels")
        return manifests.template_networks(spec.data, namespace)

    if memo is None:
        return convert()
    return memo.networks(namespace, (spec.data.get("networks"), devices.data.get("interfaces")), convert)


def vm(obj: Mapping[str, Any], memo: Memo | None = None) -> LiveVM:
    namespace, name, meta = identity(obj, "VirtualMachine")
    root = Node(obj)
    spec, status = root.mapping("spec"), root.mapping("status")
    networks, interfaces = _networks(spec.mapping("template").mapping("spec"), namespace, memo)
    return LiveVM(
        namespace=namespace,
        name=name,
        uid=meta.string("uid"),
        labels=meta.string_map("labels"),
        run_strategy=spec.string("runStrategy"),
        running=spec.boolean("running"),
        printable_status=status.string("printableStatus"),
        created=status.boolean("created"),
        ready=status.boolean("ready"),
        networks=networks,
        interfaces=interfaces,
        conditions=conditions(status),
    )


def controller_ref(meta: Node) -> OwnerRef | None:
    """The ownerReference with `controller: true`, if any."""
    for ref in meta.mappings("ownerReferences"):
        kind, name, uid = ref.string("kind"), ref.string("name"), ref.string("uid")
        if ref.boolean("controller") is True and kind and name and uid:
            return OwnerRef(kind=kind, name=name, uid=uid, controller=True)
    return None


def _status_interfaces(status: Node) -> tuple[VMIInterfaceStatus, ...]:
    out: list[VMIInterfaceStatus] = []
    for i in status.mappings("interfaces"):
        name = i.string("name")
        if name:  # interfaces the guest agent reports beyond the spec have no name
            out.append(
                VMIInterfaceStatus(
                    name=name,
                    pod_interface_name=i.string("podInterfaceName"),
                    interface_name=i.string("interfaceName"),
                    mac=i.string("mac"),
                    info_source=i.string("infoSource"),
                )
            )
    return tuple(out)


def vmi(obj: Mapping[str, Any], memo: Memo | None = None) -> LiveVMI:
    namespace, name, meta = identity(obj, "VirtualMachineInstance", need_uid=True)
    root = Node(obj)
    spec, status = root.mapping("spec"), root.mapping("status")
    networks, interfaces = _networks(spec, namespace, memo)
    owner = controller_ref(meta)
    return LiveVMI(
        namespace=namespace,
        name=name,
        uid=meta.string("uid") or "",
        phase=status.string("phase"),
        node_name=status.string("nodeName"),
        networks=networks,
        interfaces=interfaces,
        status_interfaces=_status_interfaces(status),
        conditions=conditions(status),
        migration_state=migration_state(status),
        active_pods=status.string_map("activePods"),
        owner_vm=owner.name if owner is not None and owner.kind == "VirtualMachine" else None,
    )


def migration(obj: Mapping[str, Any]) -> Migration:
    namespace, name, meta = identity(obj, "VirtualMachineInstanceMigration")
    root = Node(obj)
    spec, status = root.mapping("spec"), root.mapping("status")
    labels = meta.string_map("labels")
    vmi_name = spec.string("vmiName") or labels.get("kubevirt.io/vmi-name")
    if not vmi_name:
        raise ObjectError(f"VirtualMachineInstanceMigration {namespace}/{name} without spec.vmiName")
    state = migration_state(status)
    return Migration(
        namespace=namespace,
        name=name,
        uid=meta.string("uid"),
        vmi_name=vmi_name,
        phase=status.string("phase"),
        labels=labels,
        annotations=meta.string_map("annotations"),
        created=meta.time("creationTimestamp"),
        failure_reason=state.failure_reason if state is not None else None,
        migration_state=state,
    )


def network_status(raw: str | None) -> tuple[tuple[NetworkStatusEntry, ...] | None, str | None]:
    """The `network-status` annotation -> (entries, error). (None, None) when absent.

    Decoded with a depth bound: Multus writes a flat list, and a hostile annotation must not crash the run.
    """
    if raw is None:
        return None, None
    try:
        data = jsonio.loads(raw, reject_duplicates=True)
    except jsonio.JsonTooDeep as e:
        return None, f"{NETWORK_STATUS_ANNOTATION} is {e}"
    except ValueError as e:
        return None, f"{NETWORK_STATUS_ANNOTATION} is not JSON: {e}"
    if not isinstance(data, list):
        return None, f"{NETWORK_STATUS_ANNOTATION} is not a JSON list"
    out: list[NetworkStatusEntry] = []
    for i, entry in enumerate(data):
        if not isinstance(entry, Mapping) or not isinstance(entry.get("name"), str):
            return None, f"{NETWORK_STATUS_ANNOTATION} entry {i} has no name"
        node = Node(entry, f"entry {i}")
        try:
            out.append(
                NetworkStatusEntry(
                    name=entry["name"],
                    interface=node.string("interface"),
                    default=node.boolean("default") is True,
                    mac=node.string("mac"),
                    ips=node.strings("ips"),
                )
            )
        except FieldError as fe:
            return None, f"{NETWORK_STATUS_ANNOTATION} {fe}"
    return tuple(out), None


def launcher_pod(obj: Mapping[str, Any]) -> LauncherPod:
    namespace, name, meta = identity(obj, "Pod", need_uid=True)
    root = Node(obj)
    annotations = meta.string_map("annotations")
    entries, error = network_status(annotations.get(NETWORK_STATUS_ANNOTATION))
    return LauncherPod(
        namespace=namespace,
        name=name,
        uid=meta.string("uid") or "",
        labels=meta.string_map("labels"),
        owner=controller_ref(meta),
        node_name=root.mapping("spec").string("nodeName"),
        phase=root.mapping("status").string("phase"),
        created=meta.time("creationTimestamp"),
        networks_annotation=annotations.get(NETWORKS_ANNOTATION),
        network_status=entries,
        network_status_error=error,
        default_network=annotations.get(DEFAULT_NETWORK_ANNOTATION),
    )


def is_dnc(obj: Mapping[str, Any]) -> bool:
    """SPEC GN208: a DaemonSet whose name contains `dynamic-networks-controller` or labelled `app=...` so."""
    meta = as_mapping(obj.get("metadata"))
    name = as_str(meta.get("name")) or ""
    return DNC_NAME_PART in name or as_mapping(meta.get("labels")).get(DNC_LABEL[0]) == DNC_LABEL[1]


def _alone(fn: Callable[[Mapping[str, Any]], Any]) -> Callable[[Mapping[str, Any], Memo], Any]:
    """A converter with nothing to share between objects."""
    return lambda obj, _memo: fn(obj)


CONVERTERS: dict[Resource, Callable[[Mapping[str, Any], Memo], Any]] = {
    kinds.KUBEVIRT: _alone(kubevirt),
    kinds.NADS: _alone(nad),
    kinds.VMS: vm,
    kinds.VMIS: vmi,
    kinds.MIGRATIONS: _alone(migration),
    kinds.PODS: _alone(launcher_pod),
}
