"""Live reads and snapshots against a real kube-apiserver: equal facts, exact content, stripped snapshot files."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from gitnad.app import snapshot as app_snapshot
from gitnad.config import ClusterSettings
from gitnad.errors import ExitCode
from gitnad.models.cluster import (
    ClusterFacts,
    Condition,
    FactSource,
    KubeVirtFacts,
    MigrationState,
    NetworkStatusEntry,
    OwnerRef,
    VMIInterfaceStatus,
)
from gitnad.sources.cluster import load_facts
from gitnad.sources.cluster.live import LiveReader
from tests.e2e.conftest import Kube

pytestmark = pytest.mark.slow

VOLATILE = {"source", "origin", "captured_at", "warnings"}


def _comparable(facts: ClusterFacts) -> dict[str, Any]:
    return facts.model_dump(exclude=VOLATILE)


@pytest.mark.parametrize("fmt", ["yaml", "json"], ids=["yaml", "json"])
def test_live_and_snapshot_give_equal_facts(kube: Kube, tmp_path: Path, fmt: str) -> None:
    ns = kube.namespace("eq")
    kube.scenario(ns)
    settings = ClusterSettings(kubeconfig=kube.kubeconfig())
    live = load_facts(settings, [ns])
    out = tmp_path / f"snap.{fmt}"
    text, code = app_snapshot.run(settings, [ns], out, None)
    assert code is ExitCode.OK
    assert text.startswith(f"wrote {out} (1 kubevirts.kubevirt.io, 2 network-attachment-definitions.k8s.cni.cncf.io")
    snap = load_facts(ClusterSettings(snapshot=out), None)
    assert (live.source, snap.source) == (FactSource.LIVE, FactSource.SNAPSHOT)
    assert snap.origin == str(out)
    assert snap.captured_at is not None and live.captured_at is not None
    assert abs((snap.captured_at - live.captured_at).total_seconds()) < 30
    assert _comparable(live) == _comparable(snap)
    assert (live.warnings, snap.warnings) == ((), ())


def test_live_facts_are_exact(kube: Kube) -> None:
    ns = kube.namespace("exact")
    sc = kube.scenario(ns)
    facts = load_facts(ClusterSettings(kubeconfig=kube.kubeconfig()), [ns])
    assert facts.namespaces == (ns,)
    assert facts.kubevirt_installed and facts.unreadable == () and facts.dnc_known
    assert facts.kubevirt == KubeVirtFacts(
        namespace="kubevirt",
        name="kubevirt",
        observed_version="v1.8.4",
        target_version="v1.8.4",
        phase="Deployed",
        observed_deployment_id="abc123",
        target_deployment_id="abc123",
        feature_gates=("LiveUpdateNADRef",),
        workload_update_methods=("LiveMigrate",),
        parallel_migrations_per_cluster=5,
        parallel_outbound_migrations_per_node=1,
        conditions=(
            Condition(
                type="Available", status="True", reason="AllComponentsReady", message="All components are ready."
            ),
        ),
    )
    assert facts.dynamic_networks_controller == "kube-system/dynamic-networks-controller-ds"
    assert [(n.key, n.cni_type, n.vlan, n.resource_name) for n in facts.nads] == [
        (f"{ns}/nad-with-vlan10", "bridge", 10, None),
        (f"{ns}/nad-with-vlan20", "bridge", 20, "bridge.network.kubevirt.io/br2"),
    ]
    (vm,) = facts.vms
    assert (vm.key, vm.uid, vm.run_strategy, vm.printable_status) == (f"{ns}/test-vm", sc.vm_uid, "Always", "Running")
    assert [(n.name, n.nad) for n in vm.networks] == [("default", None), ("bridge-net", f"{ns}/nad-with-vlan20")]
    assert [(i.name, i.binding) for i in vm.interfaces] == [("default", "masquerade"), ("bridge-net", "bridge")]
    assert [c.type for c in vm.conditions] == ["Ready", "LiveMigratable"]
    (vmi,) = facts.vmis
    assert (vmi.uid, vmi.phase, vmi.node_name, vmi.owner_vm) == (sc.vmi_uid, "Running", "node02", "test-vm")
    assert vmi.status_interfaces[1] == VMIInterfaceStatus(
        name="bridge-net",
        pod_interface_name="pod03b731d2111",
        interface_name="eth1",
        mac="02:6e:3a:00:00:02",
        info_source="domain, guest-agent, multus-status",
    )
    assert vmi.condition("LiveMigratable") == Condition(
        type="LiveMigratable",
        status="False",
        reason="DisksNotLiveMigratable",
        message="cannot migrate VMI: PVC rootdisk is not shared, live migration requires that all PVCs must be "
        "shared (using ReadWriteMany access mode)",
    )
    assert vmi.condition("MigrationRequired") == Condition(
        type="MigrationRequired", status="True", reason="AutoMigrationDueToLiveUpdate"
    )
    assert vmi.migration_state == MigrationState(
        start_timestamp=datetime.fromisoformat("2026-08-01T10:00:00+00:00"),
        end_timestamp=datetime.fromisoformat("2026-08-01T10:00:20+00:00"),
        completed=True,
        migration_uid="99999999-8888-7777-6666-555555555555",
        source_node="node01",
        target_node="node02",
        source_pod="virt-launcher-test-vm-abcde",
        target_pod="virt-launcher-test-vm-fghij",
    )
    (mig,) = facts.migrations
    assert (mig.name, mig.vmi_name, mig.phase, mig.labels, mig.annotations) == (
        "test-vm-migration",
        "test-vm",
        "Failed",
        {"kubevirt.io/vmi-name": "test-vm"},
        {"kubevirt.io/workloadUpdateMigration": ""},
    )
    assert mig.failure_reason == (
        "target pod virt-launcher-test-vm-fghij: failed to create network: cannot find a network-attachment-definition"
    )
    assert mig.created is not None and not mig.unfinished
    (pod,) = facts.pods
    assert (pod.name, pod.uid, pod.node_name, pod.phase) == (
        "virt-launcher-test-vm-fghij",
        sc.pod_uid,
        "node02",
        "Running",
    )
    assert pod.owner == OwnerRef(kind="VirtualMachineInstance", name="test-vm", uid=sc.vmi_uid, controller=True)
    assert pod.networks_annotation == f'[{{"name":"nad-with-vlan20","namespace":"{ns}","interface":"pod03b731d2111"}}]'
    assert pod.network_status == (
        NetworkStatusEntry(
            name="ovn-kubernetes", interface="eth0", default=True, mac="0a:58:0a:f4:01:17", ips=("10.244.1.23",)
        ),
        NetworkStatusEntry(name=f"{ns}/nad-with-vlan20", interface="pod03b731d2111", mac="b2:5c:11:22:33:44"),
    )
    assert facts.pods_by_owner_uid[sc.vmi_uid] == (pod,)


def test_namespaces_scope_the_namespaced_facts(kube: Kube) -> None:
    a, b, c = kube.namespace("sa"), kube.namespace("sb"), kube.namespace("sc")
    for ns in (a, b, c):
        kube.scenario(ns)
    settings = ClusterSettings(kubeconfig=kube.kubeconfig())
    one = LiveReader(settings)
    facts_one = one.capture([b])
    two = LiveReader(settings)
    facts_two = two.capture([c, a])
    assert sorted(
        {i["metadata"]["namespace"] for r in facts_one.reads.values() for i in r.items} - {"kubevirt", "kube-system"}
    ) == [b]
    assert facts_two.namespaces == tuple(sorted((a, c)))
    vms = [
        f"{i['metadata']['namespace']}/{i['metadata']['name']}"
        for i in facts_two.reads["virtualmachines.kubevirt.io"].items
    ]
    assert sorted(vms) == sorted([f"{a}/test-vm", f"{c}/test-vm"])
    # one namespace: namespaced lists; several: one cluster-wide list each, filtered (never N calls)
    assert (one.requests, two.requests) == (7, 7)


def test_snapshot_file_is_stripped(kube: Kube, tmp_path: Path) -> None:
    ns = kube.namespace("strip")
    kube.scenario(ns)
    out = tmp_path / "snap.yaml"
    app_snapshot.run(ClusterSettings(kubeconfig=kube.kubeconfig()), [ns], out, None)
    text = out.read_text()
    body = yaml.safe_load(text)
    assert (body["apiVersion"], body["kind"]) == ("v1", "List")
    ann = body["metadata"]["annotations"]
    assert datetime.fromisoformat(ann["gitnad.dev/captured-at"]).tzinfo is not None
    assert ann["gitnad.dev/namespaces"] == ns
    assert ann["gitnad.dev/captured"].split(",") == [
        "kubevirts.kubevirt.io",
        "network-attachment-definitions.k8s.cni.cncf.io",
        "virtualmachines.kubevirt.io",
        "virtualmachineinstances.kubevirt.io",
        "virtualmachineinstancemigrations.kubevirt.io",
        "pods",
        "daemonsets.apps",
    ]
    kinds = [(i["kind"], i["metadata"]["name"]) for i in body["items"]]
    assert ("DaemonSet", "kube-proxy") not in kinds and ("DaemonSet", "dynamic-networks-controller-ds") in kinds
    (pod,) = [i for i in body["items"] if i["kind"] == "Pod"]
    assert set(pod) == {"apiVersion", "kind", "metadata", "spec", "status"}
    assert pod["spec"] == {"nodeName": "node02"} and pod["status"] == {"phase": "Running"}
    assert set(pod["metadata"]) == {
        "name",
        "namespace",
        "uid",
        "labels",
        "ownerReferences",
        "creationTimestamp",
        "annotations",
    }
    assert set(pod["metadata"]["annotations"]) == {"k8s.v1.cni.cncf.io/networks", "k8s.v1.cni.cncf.io/network-status"}
    (vm,) = [i for i in body["items"] if i["kind"] == "VirtualMachine"]
    assert "volumes" not in vm["spec"]["template"]["spec"] and "managedFields" not in vm["metadata"]
    for secret in ("must-not-reach-the-snapshot", "not-in-snapshots", "SECRET_TOKEN", "kubevirt.io/domain"):
        assert secret not in text
    assert not [p.name for p in tmp_path.iterdir() if p.name != "snap.yaml"]  # no temp file left behind


def test_cli_snapshot_to_stdout_and_file(kube: Kube, tmp_path: Path) -> None:
    ns = kube.namespace("cli")
    kube.scenario(ns)
    cmd = [sys.executable, "-m", "gitnad.cli", "snapshot", "--kubeconfig", str(kube.kubeconfig()), "--namespace", ns]
    res = subprocess.run([*cmd, "--format", "json"], capture_output=True, text=True, timeout=60)
    assert (res.returncode, res.stderr) == (0, "")
    body = json.loads(res.stdout)
    assert sorted({i["kind"] for i in body["items"]}) == [
        "DaemonSet",
        "KubeVirt",
        "NetworkAttachmentDefinition",
        "Pod",
        "VirtualMachine",
        "VirtualMachineInstance",
        "VirtualMachineInstanceMigration",
    ]
    out = tmp_path / "s.json"
    res = subprocess.run([*cmd, "-o", str(out)], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0 and res.stdout.startswith(f"wrote {out} (")
    assert json.loads(out.read_text())["kind"] == "List"
    # A device is written in place, never renamed over (as root that replaced /dev/null with a regular file).
    res = subprocess.run([*cmd, "-o", os.devnull], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0 and stat.S_ISCHR(os.stat(os.devnull).st_mode)
