"""Cluster snapshots for the Kustomize fixture (tests/data/kustomize/gitops): the objects Argo CD or Flux would
have applied from the rendered overlays, running and settled, as `gitnad snapshot` writes them (a List with its
coverage annotations)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

CAPTURED = (
    "kubevirts.kubevirt.io,network-attachment-definitions.k8s.cni.cncf.io,virtualmachines.kubevirt.io,"
    "virtualmachineinstances.kubevirt.io,virtualmachineinstancemigrations.kubevirt.io,pods,daemonsets.apps"
)
KUBEVIRT = {
    "apiVersion": "kubevirt.io/v1",
    "kind": "KubeVirt",
    "metadata": {"name": "kubevirt", "namespace": "kubevirt"},
    "spec": {"workloadUpdateStrategy": {"workloadUpdateMethods": ["LiveMigrate"]}},
    "status": {
        "phase": "Deployed",
        "observedKubeVirtVersion": "v1.9.0",
        "targetKubeVirtVersion": "v1.9.0",
        "observedDeploymentID": "d1",
        "targetDeploymentID": "d1",
    },
}


@dataclass(frozen=True)
class Running:
    """One live VM on its declared networks: `nets` maps each multus network to (networkName as written, the
    `namespace/name` the pod is attached to); `bindings` each interface to its binding key."""

    namespace: str
    name: str
    nets: dict[str, tuple[str, str]]
    bindings: dict[str, str]
    pool: str | None = None


def nad(namespace: str, name: str, vlan: int) -> dict[str, Any]:
    config = json.dumps({"cniVersion": "0.3.1", "type": "bridge", "bridge": "br0", "vlan": vlan})
    return {
        "apiVersion": "k8s.cni.cncf.io/v1",
        "kind": "NetworkAttachmentDefinition",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"config": config},
    }


def _template(vm: Running) -> dict[str, Any]:
    interfaces = [{"name": "default", "masquerade": {}}] + [{"name": n, b: {}} for n, b in vm.bindings.items()]
    networks = [{"name": "default", "pod": {}}] + [
        {"name": n, "multus": {"networkName": written}} for n, (written, _) in vm.nets.items()
    ]
    return {"domain": {"devices": {"interfaces": interfaces}}, "networks": networks}


def objects(vm: Running, index: int) -> list[dict[str, Any]]:
    """The VM, its VMI and its virt-launcher pod, all on the declared NADs."""
    uid = f"{index:08d}-1111-4111-8111-000000000000"
    pod_uid = f"{index:08d}-2222-4222-8222-000000000000"
    meta = {"name": vm.name, "namespace": vm.namespace}
    labels = {"kubevirt.io/vmpool": vm.pool} if vm.pool else {}
    owner = {"apiVersion": "kubevirt.io/v1", "kind": "VirtualMachine", "name": vm.name, "controller": True}
    status = [{"name": "ovn-kubernetes", "interface": "eth0", "default": True}] + [
        {"name": attached, "interface": f"pod{n}"} for n, (_, attached) in vm.nets.items()
    ]
    return [
        {
            "apiVersion": "kubevirt.io/v1",
            "kind": "VirtualMachine",
            "metadata": {**meta, "labels": labels},
            "spec": {"runStrategy": "Always", "template": {"spec": _template(vm)}},
            "status": {"printableStatus": "Running", "conditions": [{"type": "LiveMigratable", "status": "True"}]},
        },
        {
            "apiVersion": "kubevirt.io/v1",
            "kind": "VirtualMachineInstance",
            "metadata": {**meta, "uid": uid, "ownerReferences": [{**owner, "uid": f"vm-{uid}"}]},
            "spec": _template(vm),
            "status": {
                "phase": "Running",
                "nodeName": "node01",
                "activePods": {pod_uid: "node01"},
                "conditions": [{"type": "Ready", "status": "True"}, {"type": "LiveMigratable", "status": "True"}],
                "interfaces": [{"name": "default", "podInterfaceName": "eth0"}]
                + [{"name": n, "podInterfaceName": f"pod{n}"} for n in vm.nets],
            },
        },
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": f"virt-launcher-{vm.name}-abcde",
                "namespace": vm.namespace,
                "uid": pod_uid,
                "labels": {"kubevirt.io": "virt-launcher", "kubevirt.io/created-by": uid},
                "annotations": {"k8s.v1.cni.cncf.io/network-status": json.dumps(status)},
                "ownerReferences": [
                    {
                        "apiVersion": "kubevirt.io/v1",
                        "kind": "VirtualMachineInstance",
                        "name": vm.name,
                        "uid": uid,
                        "controller": True,
                    }
                ],
            },
            "spec": {"nodeName": "node01"},
            "status": {"phase": "Running"},
        },
    ]


def write_snapshot(path: Path, vms: list[Running], nads: list[dict[str, Any]], namespaces: list[str]) -> Path:
    items = [KUBEVIRT, *nads, *(o for i, vm in enumerate(vms) for o in objects(vm, i + 1))]
    annotations = {
        "gitnad.dev/captured": CAPTURED,
        "gitnad.dev/captured-at": "2026-11-24T10:05:00Z",
        "gitnad.dev/namespaces": ",".join(namespaces),
    }
    doc = {"apiVersion": "v1", "kind": "List", "metadata": {"annotations": annotations}, "items": items}
    path.write_text(yaml.safe_dump(doc, sort_keys=True))
    return path


# What the fixture renders (overlays/prod: namespace prod, an inline patch to prod-net/vlan-30, binding sriov from a
# strategic-merge patch, the pool on vlan-40 from a Component; overlays/staging: namespace staging, prefix stg-,
# the VM on vlan-20 from a JSON6902 patch file, the pool on the base's vlan-10), all running and settled.
FIXTURE_VMS = [
    Running("prod", "web", {"data": ("prod-net/vlan-30", "prod-net/vlan-30")}, {"data": "sriov"}),
    Running("prod", "workers-0", {"data": ("vlan-40", "prod/vlan-40")}, {"data": "bridge"}, pool="workers"),
    Running("staging", "stg-web", {"data": ("vlan-20", "staging/vlan-20")}, {"data": "bridge"}),
    Running("staging", "stg-workers-0", {"data": ("vlan-10", "staging/vlan-10")}, {"data": "bridge"}, "stg-workers"),
]
FIXTURE_NADS = [
    nad("prod-net", "vlan-30", 30),
    nad("prod", "vlan-40", 40),
    nad("prod", "vlan-10", 10),
    nad("staging", "vlan-20", 20),
    nad("staging", "vlan-10", 10),
    nad("staging", "stg-vlan-10", 10),
]
FIXTURE_NAMESPACES = ["prod", "prod-net", "staging"]
