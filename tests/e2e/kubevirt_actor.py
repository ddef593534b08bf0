"""TEST HELPER: plays KubeVirt's part against a bare kube-apiserver (envtest has no KubeVirt controllers).

Two things live here, both only for tests:
- builders of real-shaped objects (VM, VMI, virt-launcher pod, VirtualMachineInstanceMigration, KubeVirt CR,
  NAD) as KubeVirt v1.9 writes them; they validate against the real CRD schemas loaded in envtest;
- `KubeVirtActor`, a thread that performs a NAD-swap live migration step by step the way virt-controller,
  virt-handler and Multus would: VMI spec patched + MigrationRequired, a migration object advancing through
  its phases, a target launcher pod on another node with the new network-status, the VMI moved there.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

KV_GROUP, KV_VERSION = "kubevirt.io", "v1"
NAD_GROUP, NAD_VERSION = "k8s.cni.cncf.io", "v1"
NETWORKS_ANNOTATION = "k8s.v1.cni.cncf.io/networks"
NETWORK_STATUS_ANNOTATION = "k8s.v1.cni.cncf.io/network-status"
DEFAULT_NETWORK_ANNOTATION = "v1.multus-cni.io/default-network"


def pod_iface(network: str) -> str:
    """KubeVirt's hashed pod interface name for a secondary network (namescheme)."""
    return "pod" + hashlib.sha256(network.encode()).hexdigest()[:11]


@dataclass(frozen=True)
class Net:
    """A VM network: `nad` None means the pod network (masquerade); `default` is multus.default."""

    name: str
    nad: str | None = None
    default: bool = False
    binding: str = "bridge"


def _interfaces(nets: Sequence[Net]) -> list[dict[str, Any]]:
    out = []
    for n in nets:
        binding = "masquerade" if n.nad is None else n.binding
        out.append({"name": n.name, binding: {}})
    return out


def _networks(nets: Sequence[Net]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for n in nets:
        if n.nad is None:
            out.append({"name": n.name, "pod": {}})
        else:
            multus: dict[str, Any] = {"networkName": n.nad}
            if n.default:
                multus["default"] = True
            out.append({"name": n.name, "multus": multus})
    return out


def _domain(nets: Sequence[Net]) -> dict[str, Any]:
    return {
        "devices": {
            "disks": [{"name": "rootdisk", "disk": {"bus": "virtio"}}],
            "interfaces": _interfaces(nets),
        },
        "resources": {"requests": {"memory": "1Gi"}},
    }


def _volumes() -> list[dict[str, Any]]:
    return [{"name": "rootdisk", "containerDisk": {"image": "quay.io/containerdisks/fedora:40"}}]


def cond(type_: str, status: str, reason: str | None = None, message: str | None = None) -> dict[str, Any]:
    c: dict[str, Any] = {"type": type_, "status": status}
    if reason:
        c["reason"] = reason
    if message:
        c["message"] = message
    return c


def vm(
    name: str,
    ns: str,
    nets: Sequence[Net],
    *,
    run_strategy: str = "Always",
    conditions: Sequence[dict[str, Any]] = (),
    printable: str | None = None,
    labels: dict[str, str] | None = None,
) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "apiVersion": f"{KV_GROUP}/{KV_VERSION}",
        "kind": "VirtualMachine",
        "metadata": {"name": name, "namespace": ns, "labels": dict(labels or {})},
        "spec": {
            "runStrategy": run_strategy,
            "template": {
                "metadata": {"labels": {"kubevirt.io/vm": name}},
                "spec": {"domain": _domain(nets), "networks": _networks(nets), "volumes": _volumes()},
            },
        },
    }
    status: dict[str, Any] = {"conditions": list(conditions)}
    status["printableStatus"] = printable or ("Stopped" if run_strategy == "Halted" else "Running")
    obj["status"] = status
    return obj


def vmi(
    name: str,
    ns: str,
    uid: str,
    nets: Sequence[Net],
    *,
    node: str,
    pod_uid: str,
    phase: str = "Running",
    conditions: Sequence[dict[str, Any]] = (),
    migration_state: dict[str, Any] | None = None,
    attached: Sequence[str] | None = None,
) -> dict[str, Any]:
    """`attached`: network names present in status.interfaces (default: all)."""
    names = [n.name for n in nets] if attached is None else list(attached)
    interfaces = []
    for i, n in enumerate(x for x in nets if x.name in names):
        entry: dict[str, Any] = {"name": n.name, "interfaceName": f"eth{i}", "mac": f"02:6e:3a:00:00:{i + 1:02x}"}
        entry["podInterfaceName"] = "eth0" if n.nad is None or n.default else pod_iface(n.name)
        entry["infoSource"] = "domain, guest-agent" if n.nad is None else "domain, guest-agent, multus-status"
        interfaces.append(entry)
    status: dict[str, Any] = {
        "phase": phase,
        "nodeName": node,
        "activePods": {pod_uid: node},
        "interfaces": interfaces,
        "conditions": [cond("Ready", "True"), *conditions],
    }
    if migration_state is not None:
        status["migrationState"] = migration_state
    return {
        "apiVersion": f"{KV_GROUP}/{KV_VERSION}",
        "kind": "VirtualMachineInstance",
        "metadata": {
            "name": name,
            "namespace": ns,
            "uid": uid,
            "labels": {"kubevirt.io/vm": name},
            "ownerReferences": [
                {
                    "apiVersion": f"{KV_GROUP}/{KV_VERSION}",
                    "kind": "VirtualMachine",
                    "name": name,
                    "uid": f"vm-{uid}",
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
        },
        "spec": {"domain": _domain(nets), "networks": _networks(nets), "volumes": _volumes()},
        "status": status,
    }


def launcher_pod(
    vmi_name: str,
    ns: str,
    vmi_uid: str,
    pod_name: str,
    pod_uid: str | None,
    nets: Sequence[Net],
    *,
    node: str,
    phase: str = "Running",
    attached: dict[str, str] | None = None,
    created: str | None = None,
) -> dict[str, Any]:
    """A virt-launcher pod. `attached` maps network name -> NAD the pod is really on (default: as declared)."""
    declared = {n.name: n.nad if "/" in n.nad else f"{ns}/{n.nad}" for n in nets if n.nad is not None}
    on = declared if attached is None else attached
    secondary = [n for n in nets if n.nad is not None and not n.default and n.name in on]
    selection = [
        {"name": on[n.name].split("/")[-1], "namespace": on[n.name].split("/")[0], "interface": pod_iface(n.name)}
        for n in secondary
    ]
    status = [{"name": "ovn-kubernetes", "interface": "eth0", "ips": ["10.244.1.23"], "default": True, "dns": {}}]
    status += [{"name": on[n.name], "interface": pod_iface(n.name), "dns": {}} for n in secondary]
    annotations = {NETWORKS_ANNOTATION: json.dumps(selection), NETWORK_STATUS_ANNOTATION: json.dumps(status)}
    default = next((n for n in nets if n.default and n.name in on), None)
    if default is not None:
        annotations[DEFAULT_NETWORK_ANNOTATION] = on[default.name]
    meta: dict[str, Any] = {
        "name": pod_name,
        "namespace": ns,
        "labels": {"kubevirt.io": "virt-launcher", "kubevirt.io/created-by": vmi_uid, "vm.kubevirt.io/name": vmi_name},
        "annotations": annotations,
        "ownerReferences": [
            {
                "apiVersion": f"{KV_GROUP}/{KV_VERSION}",
                "kind": "VirtualMachineInstance",
                "name": vmi_name,
                "uid": vmi_uid,
                "controller": True,
                "blockOwnerDeletion": True,
            }
        ],
    }
    if pod_uid is not None:
        meta["uid"] = pod_uid
    if created is not None:
        meta["creationTimestamp"] = created
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": meta,
        "spec": {
            "nodeName": node,
            "containers": [{"name": "compute", "image": "quay.io/kubevirt/virt-launcher:v1.9.0"}],
        },
        "status": {"phase": phase},
    }


def migration(
    name: str,
    ns: str,
    vmi_name: str,
    *,
    phase: str | None = "Pending",
    migration_state: dict[str, Any] | None = None,
    created: str | None = None,
    labels: dict[str, str] | None = None,
    annotations: dict[str, str] | None = None,
) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "name": name,
        "namespace": ns,
        "labels": {"kubevirt.io/vmi-name": vmi_name, **(labels or {})},
        "annotations": {"kubevirt.io/workloadUpdateMigration": "", **(annotations or {})},
    }
    if created is not None:
        meta["creationTimestamp"] = created
    obj: dict[str, Any] = {
        "apiVersion": f"{KV_GROUP}/{KV_VERSION}",
        "kind": "VirtualMachineInstanceMigration",
        "metadata": meta,
        "spec": {"vmiName": vmi_name, "priority": "user-triggered"},
    }
    status: dict[str, Any] = {}
    if phase is not None:
        status["phase"] = phase
    if migration_state is not None:
        status["migrationState"] = migration_state
    if status:
        obj["status"] = status
    return obj


def kubevirt_cr(
    *, phase: str = "Deployed", methods: Sequence[str] = ("LiveMigrate",), parallel: int = 5, version: str = "v1.9.0"
) -> dict[str, Any]:
    return {
        "apiVersion": f"{KV_GROUP}/{KV_VERSION}",
        "kind": "KubeVirt",
        "metadata": {"name": "kubevirt", "namespace": "kubevirt"},
        "spec": {
            "configuration": {"migrations": {"parallelMigrationsPerCluster": parallel}},
            "workloadUpdateStrategy": {"workloadUpdateMethods": list(methods)},
        },
        "status": {
            "phase": phase,
            "observedKubeVirtVersion": version,
            "targetKubeVirtVersion": version,
            "observedDeploymentID": "d1",
            "targetDeploymentID": "d1",
        },
    }


def nad(name: str, ns: str, vlan: int = 20, cni: str = "bridge") -> dict[str, Any]:
    config = {"cniVersion": "0.3.1", "name": name, "type": cni, "bridge": "br1", "vlan": vlan}
    return {
        "apiVersion": f"{NAD_GROUP}/{NAD_VERSION}",
        "kind": "NetworkAttachmentDefinition",
        "metadata": {"name": name, "namespace": ns},
        "spec": {"config": json.dumps(config)},
    }


# --- the actor ---------------------------------------------------------------------------------------


@dataclass
class SwapPlan:
    """One running VM whose network `network` moves to `new_nad` by live migration, as KubeVirt does it."""

    vm: str
    ns: str
    nets_before: list[Net]
    network: str
    new_nad: str
    source_node: str = "node01"
    target_node: str = "node02"
    step_s: float = 0.3
    done: threading.Event = field(default_factory=threading.Event)
    error: list[BaseException] = field(default_factory=list)

    @property
    def nets_after(self) -> list[Net]:
        return [
            Net(n.name, self.new_nad, n.default, n.binding) if n.name == self.network else n for n in self.nets_before
        ]


class KubeVirtActor(threading.Thread):
    """Performs `plan` against the API server through `api` (a kubernetes ApiClient with admin rights).

    Order of real events (domain §3): virt-controller copies the NAD into the VMI spec and sets
    MigrationRequired; the workload updater creates a migration; it goes Pending -> Scheduling (target pod
    created on the target node, attached to the new NAD) -> Scheduled -> PreparingTarget -> TargetReady ->
    Running; the target domain is ready (MigrationRequired removed, VMI on the target node, migrationState
    completed); the migration Succeeded; the source pod Succeeded.
    """

    def __init__(self, api: Any, plan: SwapPlan, start_delay_s: float = 1.0) -> None:
        super().__init__(daemon=True, name=f"kubevirt-actor-{plan.vm}")
        self.api = api
        self.plan = plan
        self.start_delay_s = start_delay_s
        self.steps: list[str] = []

    def run(self) -> None:
        try:
            time.sleep(self.start_delay_s)
            self._swap()
        except BaseException as e:  # surfaced to the test through plan.error
            self.plan.error.append(e)
        finally:
            self.plan.done.set()

    def _step(self, what: str) -> None:
        self.steps.append(what)
        time.sleep(self.plan.step_s)

    def _swap(self) -> None:
        from kubernetes import client

        p = self.plan
        co: Any = client.CustomObjectsApi(self.api)
        core: Any = client.CoreV1Api(self.api)
        cur = co.get_namespaced_custom_object(KV_GROUP, KV_VERSION, p.ns, "virtualmachineinstances", p.vm)
        uid = cur["metadata"]["uid"]
        source_pod = next(iter(cur["status"]["activePods"]))
        # 1. virt-controller: VMI spec follows the VM; the evaluator sets MigrationRequired.
        cur["spec"]["networks"] = _networks(p.nets_after)
        cur["status"]["conditions"] = [c for c in cur["status"]["conditions"] if c["type"] != "MigrationRequired"] + [
            cond("MigrationRequired", "True", "AutoMigrationDueToLiveUpdate")
        ]
        cur = co.replace_namespaced_custom_object(KV_GROUP, KV_VERSION, p.ns, "virtualmachineinstances", p.vm, cur)
        self._step("vmi-spec-patched")
        # 2. workload updater: a migration, Pending.
        mig = co.create_namespaced_custom_object(
            KV_GROUP,
            KV_VERSION,
            p.ns,
            "virtualmachineinstancemigrations",
            migration(f"kubevirt-workload-update-{p.vm}", p.ns, p.vm, phase=None),
        )
        name = mig["metadata"]["name"]
        self._set_phase(co, name, "Pending")
        # 3. migration controller: target pod on the target node, attached to the new NAD.
        self._set_phase(co, name, "Scheduling")
        target_name = f"virt-launcher-{p.vm}-target"
        target = core.create_namespaced_pod(
            p.ns, launcher_pod(p.vm, p.ns, uid, target_name, None, p.nets_after, node=p.target_node)
        )
        core.patch_namespaced_pod_status(target_name, p.ns, {"status": {"phase": "Running"}})
        for phase in ("Scheduled", "PreparingTarget", "TargetReady", "Running"):
            self._set_phase(co, name, phase)
        # 4. virt-handler on the target: domain ready; VMI moves; MigrationRequired removed.
        cur = co.get_namespaced_custom_object(KV_GROUP, KV_VERSION, p.ns, "virtualmachineinstances", p.vm)
        cur["status"]["nodeName"] = p.target_node
        cur["status"]["activePods"] = {source_pod: p.source_node, target.metadata.uid: p.target_node}
        cur["status"]["conditions"] = [c for c in cur["status"]["conditions"] if c["type"] != "MigrationRequired"]
        cur["status"]["migrationState"] = {
            "completed": True,
            "failed": False,
            "migrationUid": mig["metadata"]["uid"],
            "sourceNode": p.source_node,
            "targetNode": p.target_node,
            "targetPod": target_name,
            "startTimestamp": "2026-11-25T10:00:00Z",
            "endTimestamp": "2026-11-25T10:00:20Z",
        }
        co.replace_namespaced_custom_object(KV_GROUP, KV_VERSION, p.ns, "virtualmachineinstances", p.vm, cur)
        self._step("vmi-on-target")
        # 5. migration Succeeded; the source pod finishes (still listed in activePods).
        self._set_phase(co, name, "Succeeded")
        for pod in core.list_namespaced_pod(p.ns, label_selector=f"kubevirt.io/created-by={uid}").items:
            if pod.metadata.name != target_name:
                core.patch_namespaced_pod_status(pod.metadata.name, p.ns, {"status": {"phase": "Succeeded"}})
        self._step("source-pod-succeeded")

    def _set_phase(self, co: Any, name: str, phase: str) -> None:
        co.patch_namespaced_custom_object_status(
            KV_GROUP, KV_VERSION, self.plan.ns, "virtualmachineinstancemigrations", name, {"status": {"phase": phase}}
        )
        self._step(f"migration-{phase}")


# --- seeding a namespace ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Seeded:
    vm_uid: str | None
    vmi_uid: str | None
    pod_uid: str | None


class Seeder:
    """Creates real objects the way KubeVirt's controllers would have left them (status included)."""

    def __init__(self, api: Any, ns: str) -> None:
        from kubernetes import client

        self.ns = ns
        self.co: Any = client.CustomObjectsApi(api)
        self.core: Any = client.CoreV1Api(api)

    def nad(self, name: str, vlan: int = 20) -> None:
        self.co.create_namespaced_custom_object(
            NAD_GROUP, NAD_VERSION, self.ns, "network-attachment-definitions", nad(name, self.ns, vlan)
        )

    def vm(self, name: str, nets: Sequence[Net], **kw: Any) -> str:
        body = vm(name, self.ns, nets, **kw)
        status = body.pop("status")
        created = self.co.create_namespaced_custom_object(KV_GROUP, KV_VERSION, self.ns, "virtualmachines", body)
        self.co.patch_namespaced_custom_object_status(
            KV_GROUP, KV_VERSION, self.ns, "virtualmachines", name, {"status": status}
        )
        return str(created["metadata"]["uid"])

    def running(
        self,
        name: str,
        vm_nets: Sequence[Net],
        vmi_nets: Sequence[Net] | None = None,
        pod_attached: dict[str, str] | None = None,
        *,
        vm_conditions: Sequence[dict[str, Any]] = (),
        vmi_conditions: Sequence[dict[str, Any]] = (cond("LiveMigratable", "True"),),
        node: str = "node01",
        network_status: bool = True,
    ) -> Seeded:
        """VM + running VMI + its active launcher pod. `pod_attached`: network -> `ns/nad` the pod is on."""
        vm_uid = self.vm(name, vm_nets, conditions=vm_conditions)
        nets = list(vmi_nets if vmi_nets is not None else vm_nets)
        placeholder = "00000000-0000-0000-0000-000000000000"
        body = vmi(name, self.ns, placeholder, nets, node=node, pod_uid=placeholder, conditions=vmi_conditions)
        del body["metadata"]["uid"]
        body["metadata"]["ownerReferences"][0]["uid"] = vm_uid
        created = self.co.create_namespaced_custom_object(
            KV_GROUP, KV_VERSION, self.ns, "virtualmachineinstances", body
        )
        vmi_uid = str(created["metadata"]["uid"])
        attached = pod_attached or {n.name: f"{self.ns}/{n.nad}" for n in nets if n.nad is not None}
        pod_body = launcher_pod(
            name, self.ns, vmi_uid, f"virt-launcher-{name}-abcde", None, nets, node=node, attached=attached
        )
        if not network_status:
            del pod_body["metadata"]["annotations"][NETWORK_STATUS_ANNOTATION]
        pod_status = pod_body.pop("status")
        pod = self.core.create_namespaced_pod(self.ns, pod_body)
        self.core.patch_namespaced_pod_status(pod.metadata.name, self.ns, {"status": pod_status})
        created["status"]["activePods"] = {pod.metadata.uid: node}
        self.co.replace_namespaced_custom_object(
            KV_GROUP, KV_VERSION, self.ns, "virtualmachineinstances", name, created
        )
        return Seeded(vm_uid, vmi_uid, pod.metadata.uid)

    def migration(
        self, name: str, vmi_name: str, phase: str | None, migration_state: dict[str, Any] | None = None
    ) -> str:
        body = migration(name, self.ns, vmi_name, phase=phase, migration_state=migration_state)
        status = body.pop("status", None)
        created = self.co.create_namespaced_custom_object(
            KV_GROUP, KV_VERSION, self.ns, "virtualmachineinstancemigrations", body
        )
        if status:
            self.co.patch_namespaced_custom_object_status(
                KV_GROUP, KV_VERSION, self.ns, "virtualmachineinstancemigrations", name, {"status": status}
            )
        return str(created["metadata"]["uid"])

    def migrations(self) -> list[dict[str, Any]]:
        out = self.co.list_namespaced_custom_object(KV_GROUP, KV_VERSION, self.ns, "virtualmachineinstancemigrations")
        return list(out["items"])


def manifest(name: str, ns: str, nets: Sequence[Net], run_strategy: str = "Always") -> str:
    """The VM as it is declared in git (YAML, no status; libyaml's emitter: the same bytes as PyYAML's, 4x faster
    for the scale tests' 707)."""
    import yaml

    body = vm(name, ns, nets, run_strategy=run_strategy)
    del body["status"]
    return str(yaml.dump(body, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper), sort_keys=False))
