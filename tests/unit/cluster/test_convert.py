"""Raw API bodies -> cluster-facts models: defaults, conditions, network-status, DNC detection, bad bodies."""

from __future__ import annotations

from typing import Any

import pytest

from gitnad.models.cluster import NetworkStatusEntry, OwnerRef
from gitnad.sources.cluster import convert


def _kv(spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "kubevirt.io/v1",
        "kind": "KubeVirt",
        "metadata": {"name": "kv", "namespace": "kubevirt"},
        "spec": spec,
    }


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({}, (5, 2, (), (), ())),
        ({"configuration": {"migrations": {}}}, (5, 2, (), (), ())),
        (
            {
                "configuration": {
                    "migrations": {"parallelMigrationsPerCluster": 9, "parallelOutboundMigrationsPerNode": 3},
                    "developerConfiguration": {"featureGates": ["LiveUpdateNADRef"], "disabledFeatureGates": ["X"]},
                },
                "workloadUpdateStrategy": {"workloadUpdateMethods": ["LiveMigrate", "Evict"]},
            },
            (9, 3, ("LiveUpdateNADRef",), ("X",), ("LiveMigrate", "Evict")),
        ),
    ],
    ids=["unset", "empty-migrations", "all-set"],
)
def test_kubevirt_defaults(spec: dict[str, Any], expected: tuple[Any, ...]) -> None:
    kv = convert.kubevirt(_kv(spec))
    got = (
        kv.parallel_migrations_per_cluster,
        kv.parallel_outbound_migrations_per_node,
        kv.feature_gates,
        kv.disabled_feature_gates,
        kv.workload_update_methods,
    )
    assert got == expected


@pytest.mark.parametrize(
    ("raw", "entries", "error"),
    [
        (None, None, None),
        ("[]", (), None),
        (
            '[{"name":"ovn","interface":"eth0","default":true,"ips":["10.0.0.1"]},{"name":"ns/nad","interface":"podX"}]',
            (
                NetworkStatusEntry(name="ovn", interface="eth0", default=True, ips=("10.0.0.1",)),
                NetworkStatusEntry(name="ns/nad", interface="podX"),
            ),
            None,
        ),
        ("not json", None, "k8s.v1.cni.cncf.io/network-status is not JSON: Expecting value: line 1 column 1 (char 0)"),
        ('{"name":"x"}', None, "k8s.v1.cni.cncf.io/network-status is not a JSON list"),
        ('[{"interface":"eth0"}]', None, "k8s.v1.cni.cncf.io/network-status entry 0 has no name"),
    ],
    ids=["absent", "empty", "two-entries", "not-json", "not-a-list", "entry-without-name"],
)
def test_network_status(raw: str | None, entries: tuple[NetworkStatusEntry, ...] | None, error: str | None) -> None:
    assert convert.network_status(raw) == (entries, error)


@pytest.mark.parametrize(
    ("name", "labels", "expected"),
    [
        ("dynamic-networks-controller-ds", {}, True),
        ("multus-dynamic-networks-controller", {}, True),
        ("dnc", {"app": "dynamic-networks-controller"}, True),
        ("kube-multus-ds", {"app": "multus"}, False),
    ],
    ids=["name", "name-prefixed", "label", "plain-multus"],
)
def test_dnc_detection(name: str, labels: dict[str, str], expected: bool) -> None:
    ds = {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": name, "namespace": "x", "labels": labels}}
    assert convert.is_dnc(ds) is expected


def test_launcher_pod_owner_is_the_controller_ref() -> None:
    pod = {
        "metadata": {
            "name": "virt-launcher-a",
            "namespace": "ns",
            "uid": "p1",
            "ownerReferences": [
                {"kind": "Other", "name": "o", "uid": "o1"},
                {"kind": "VirtualMachineInstance", "name": "a", "uid": "v1", "controller": True},
            ],
            "annotations": {"v1.multus-cni.io/default-network": "ns/def"},
        },
        "spec": {"nodeName": "n1"},
        "status": {"phase": "Succeeded"},
    }
    p = convert.launcher_pod(pod)
    assert p.owner == OwnerRef(kind="VirtualMachineInstance", name="a", uid="v1", controller=True)
    assert (p.node_name, p.phase, p.finished, p.default_network) == ("n1", "Succeeded", True, "ns/def")
    assert (p.network_status, p.network_status_error) == (None, None)


@pytest.mark.parametrize(
    ("fn", "body", "message"),
    [
        (convert.vm, {"metadata": {"namespace": "ns"}}, "VirtualMachine without metadata.name"),
        (convert.vm, {"metadata": {"name": "a"}}, "VirtualMachine a without metadata.namespace"),
        (
            convert.vmi,
            {"metadata": {"name": "a", "namespace": "ns"}},
            "VirtualMachineInstance ns/a without metadata.uid",
        ),
        (convert.launcher_pod, {"metadata": {"name": "p", "namespace": "ns"}}, "Pod ns/p without metadata.uid"),
        (
            convert.migration,
            {"metadata": {"name": "m", "namespace": "ns"}, "spec": {}},
            "VirtualMachineInstanceMigration ns/m without spec.vmiName",
        ),
    ],
    ids=["vm-no-name", "vm-no-namespace", "vmi-no-uid", "pod-no-uid", "vmim-no-vmi"],
)
def test_unusable_bodies(fn: Any, body: dict[str, Any], message: str) -> None:
    with pytest.raises(convert.ObjectError) as err:
        fn(body)
    assert str(err.value) == message


def test_migration_vmi_name_falls_back_to_the_label() -> None:
    m = convert.migration(
        {"metadata": {"name": "m", "namespace": "ns", "labels": {"kubevirt.io/vmi-name": "a"}}, "spec": {}}
    )
    assert (m.vmi_name, m.phase, m.unfinished) == ("a", None, True)
