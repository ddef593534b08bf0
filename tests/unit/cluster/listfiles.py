"""Builders for snapshot-file tests: a healthy cluster as real-shaped objects (tests.e2e.kubevirt_actor, the
shapes KubeVirt v1.9 writes), written as a `v1` List file (YAML or JSON, with or without gitnad's annotations),
read back through the real snapshot reader and classified by the real drift classifier.

The healthy baseline: KubeVirt deployed, NADs prod/nad-a and prod/nad-b, VM prod/vm1 running on node02 with
its VMI and launcher pod attached to prod/nad-b, and an unrelated DaemonSet (kube-proxy).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from gitnad.config import ClusterSettings
from gitnad.drift.classify import classify
from gitnad.models.cluster import ClusterFacts
from gitnad.models.manifest import VM, VMKind
from gitnad.models.results import DriftItem
from gitnad.sources import yamlio
from gitnad.sources.cluster import load_facts
from gitnad.sources.cluster import snapshot as sf
from gitnad.sources.manifests import parse_networks
from tests.e2e import kubevirt_actor as k

NS = "prod"
VMI_UID = "6a1f0c2e-0000-4000-8000-000000000001"
POD_UID = "6a1f0c2e-0000-4000-8000-0000000000p1"
NETS = [k.Net("default"), k.Net("secondary-network", "nad-b")]
ALL_KINDS = ",".join(r.name for r in sf.kinds.RESOURCES)

Obj = dict[str, Any]


def kube_proxy() -> Obj:
    return {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"name": "kube-proxy", "namespace": "kube-system", "labels": {"app": "kube-proxy"}},
    }


def cluster(*, vm_status: str = "Running", pod_nad: str = "prod/nad-b") -> dict[str, list[Obj]]:
    """The baseline objects, by kind (each list can be bent or emptied by a test)."""
    return {
        "KubeVirt": [k.kubevirt_cr()],
        "NetworkAttachmentDefinition": [k.nad("nad-a", NS, vlan=10), k.nad("nad-b", NS, vlan=20)],
        "VirtualMachine": [k.vm("vm1", NS, NETS, printable=vm_status)],
        "VirtualMachineInstance": [
            k.vmi(
                "vm1",
                NS,
                VMI_UID,
                NETS,
                node="node02",
                pod_uid=POD_UID,
                conditions=[k.cond("LiveMigratable", "True")],
            )
        ],
        "VirtualMachineInstanceMigration": [],
        "Pod": [
            k.launcher_pod(
                "vm1",
                NS,
                VMI_UID,
                "virt-launcher-vm1-abcde",
                POD_UID,
                NETS,
                node="node02",
                attached={"secondary-network": pod_nad},
                created="2026-11-24T10:00:00Z",
            )
        ],
        "DaemonSet": [kube_proxy()],
    }


def items(objects: dict[str, list[Obj]]) -> list[Obj]:
    return [copy.deepcopy(o) for objs in objects.values() for o in objs]


def write(
    path: Path, objs: Sequence[Obj], *, captured: str | None = ALL_KINDS, extra: dict[str, str] | None = None
) -> Path:
    """A List file; `captured=None` writes it as kubectl does (no gitnad annotations)."""
    annotations = {"gitnad.dev/captured-at": "2026-11-24T10:05:00Z", "gitnad.dev/captured": captured or ""}
    annotations.update(extra or {})
    meta: Obj = {"annotations": annotations} if captured is not None else {"resourceVersion": ""}
    body = {"apiVersion": "v1", "kind": "List", "metadata": meta, "items": list(objs)}
    path.write_text(json.dumps(body, indent=1) if path.suffix == ".json" else yamlio.dump_yaml(body))
    return path


def facts_of(path: Path) -> ClusterFacts:
    return load_facts(ClusterSettings(snapshot=path))


def declared(name: str = "vm1", nad: str = "nad-b") -> VM:
    """The VM as git declares it (prod/<name>, secondary-network on `nad`)."""
    return VM(
        kind=VMKind.VIRTUAL_MACHINE,
        api_version="kubevirt.io/v1",
        namespace=NS,
        name=name,
        file=f"vms/{name}.yaml",
        line=4,
        networks=parse_networks(
            [{"name": "default", "pod": {}}, {"name": "secondary-network", "multus": {"networkName": nad}}], NS
        ),
    )


def drift(path: Path, vms: Sequence[VM] | None = None) -> tuple[DriftItem, ...]:
    return classify(list(vms or [declared()]), facts_of(path))


def one(path: Path) -> tuple[str, str]:
    """(state, detail) of the single drift item of prod/vm1."""
    (item,) = drift(path)
    return item.state.value, item.detail


Bend = Callable[[dict[str, list[Obj]]], None]
