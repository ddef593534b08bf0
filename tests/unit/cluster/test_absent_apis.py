"""An API the server does not serve means "none exist" only when nothing says otherwise (SPEC §7's standard for
kubectl Lists, applied to the API server): a launcher pod attached to a NAD, a VMI controlled by a VM, a VM that
reports a running VMI, KubeVirt's other workload APIs being served (virt-operator installs them together), a VM
that needs the KubeVirt CR. Then the type is unreadable (its VMs `Unknown`), else a "not installed" warning.
Real snapshot files (`gitnad.dev/not-installed`), the real reader and classifier.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gitnad.models.cluster import ResourceType, UnreadableCause
from gitnad.models.results import DriftState as S
from tests.unit.cluster.listfiles import ALL_KINDS, cluster, drift, facts_of, items, write

NOT_INSTALLED_WARNING = "{}: not installed (the API server does not serve this API)"
BUT = "the API server answers 404 (not installed), but "
WHY = ": a half-installed or upgrading KubeVirt or Multus, or something in the way of the API server"
KIND_OF = {
    "kubevirts.kubevirt.io": "KubeVirt",
    "network-attachment-definitions.k8s.cni.cncf.io": "NetworkAttachmentDefinition",
    "virtualmachines.kubevirt.io": "VirtualMachine",
    "virtualmachineinstances.kubevirt.io": "VirtualMachineInstance",
    "virtualmachineinstancemigrations.kubevirt.io": "VirtualMachineInstanceMigration",
}


def _snapshot(tmp_path: Path, absent: str, keep_vms: bool = True) -> Path:
    """The healthy cluster, where the API server does not serve `absent` (none of its objects in the List)."""
    objs: dict[str, list[dict[str, Any]]] = cluster()
    objs[KIND_OF[absent]] = []
    if not keep_vms:
        objs["VirtualMachine"], objs["VirtualMachineInstance"], objs["Pod"] = [], [], []
    captured = ",".join(k for k in ALL_KINDS.split(",") if k != absent)
    return write(tmp_path / "s.yaml", items(objs), captured=captured, extra={"gitnad.dev/not-installed": absent})


@pytest.mark.parametrize(
    ("absent", "resource", "shown"),
    [
        (
            "network-attachment-definitions.k8s.cni.cncf.io",
            ResourceType.NADS,
            "launcher pod prod/virt-launcher-vm1-abcde is attached to prod/nad-b (network-status)",
        ),
        (
            "virtualmachines.kubevirt.io",
            ResourceType.VMS,
            "it serves virtualmachineinstances.kubevirt.io, and KubeVirt installs both together (and 2 more)",
        ),
        (
            "virtualmachineinstances.kubevirt.io",
            ResourceType.VMIS,
            # and: migrations are served, the VM reports Running, a launcher pod runs for the VMI
            "it serves virtualmachines.kubevirt.io, and KubeVirt installs both together (and 3 more)",
        ),
        (
            "virtualmachineinstancemigrations.kubevirt.io",
            ResourceType.MIGRATIONS,
            "it serves virtualmachines.kubevirt.io, and KubeVirt installs both together (and 1 more)",
        ),
        ("kubevirts.kubevirt.io", ResourceType.KUBEVIRT, "VirtualMachine prod/vm1 needs it (and 1 more)"),
    ],
    ids=["nads-pod-attached", "vms-siblings", "vmis-siblings", "migrations-siblings", "kubevirt-vm-needs-it"],
)
def test_absent_api_that_the_cluster_contradicts_is_unreadable(
    tmp_path: Path, absent: str, resource: ResourceType, shown: str
) -> None:
    facts = facts_of(_snapshot(tmp_path, absent))
    (record,) = [u for u in facts.unreadable if u.resource is resource]
    assert (record.cause, record.namespace, record.subjects, record.reason) == (
        UnreadableCause.CONTRADICTED,
        None,
        (),
        BUT + shown + WHY,
    )
    assert NOT_INSTALLED_WARNING.format(absent) not in facts.warnings


@pytest.mark.parametrize(
    ("absent", "state"),
    [
        ("network-attachment-definitions.k8s.cni.cncf.io", S.UNKNOWN),
        ("virtualmachines.kubevirt.io", S.UNKNOWN),
        ("virtualmachineinstances.kubevirt.io", S.UNKNOWN),
        ("virtualmachineinstancemigrations.kubevirt.io", S.UNKNOWN),
        ("kubevirts.kubevirt.io", S.IN_SYNC),  # the drift proof (VM, VMI, pod) does not read the KubeVirt CR
    ],
    ids=["nads", "vms", "vmis", "migrations", "kubevirt"],
)
def test_drift_of_a_vm_whose_facts_an_absent_api_leaves_unknown(tmp_path: Path, absent: str, state: S) -> None:
    (item,) = drift(_snapshot(tmp_path, absent))
    assert item.state is state
    if state is S.UNKNOWN:
        assert BUT in item.detail, item.detail


@pytest.mark.parametrize(
    "absent",
    ["network-attachment-definitions.k8s.cni.cncf.io", "kubevirts.kubevirt.io"],
    ids=["nads", "kubevirt"],
)
def test_absent_api_nothing_contradicts_is_not_installed(tmp_path: Path, absent: str) -> None:
    """No VM, VMI or launcher pod in the cluster: nothing shows the API should be there."""
    facts = facts_of(_snapshot(tmp_path, absent, keep_vms=False))
    assert facts.unreadable == ()
    assert NOT_INSTALLED_WARNING.format(absent) in facts.warnings
