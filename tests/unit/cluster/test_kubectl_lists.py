"""SPEC §7: a List without gitnad's annotations (`kubectl get ... -o yaml`). A kind with no item is read and empty
when nothing in the List contradicts it (one warning per kind), unreadable when an object shows it exists (the
record names that object), and the KubeVirt CR is never assumed absent. Real files, real reader, real classifier.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gitnad.models.cluster import ResourceType, UnreadableCause
from gitnad.models.results import DriftState as S
from tests.e2e import kubevirt_actor as k
from tests.unit.cluster.listfiles import NS, VMI_UID, Bend, cluster, drift, facts_of, items, write

HINT = "to it, or write it with gitnad snapshot"
ASSUMED = (
    "{path}: no {label} in the List and nothing in it shows one exists: taken as none ({resource} assumed empty; "
    "a List written by gitnad snapshot says what it captured)"
)
IN_SYNC = (S.IN_SYNC, "VM, VMI and pod virt-launcher-vm1-abcde on prod/nad-b")
MIGRATIONS_ASSUMED = ("VirtualMachineInstanceMigration", ResourceType.MIGRATIONS)


def _drop(*kinds: str) -> Bend:
    def bend(objs: dict[str, list[dict[str, object]]]) -> None:
        for kind in kinds:
            objs[kind] = []

    return bend


def _halted(objs: dict[str, list[dict[str, object]]]) -> None:
    objs["VirtualMachine"] = [
        k.vm("vm1", NS, [k.Net("default"), k.Net("secondary-network", "nad-b")], run_strategy="Halted")
    ]
    objs["VirtualMachineInstance"] = []
    objs["Pod"] = []


def _created(objs: dict[str, list[dict[str, object]]]) -> None:
    objs["VirtualMachine"][0]["status"] = {"created": True, "printableStatus": "Starting"}
    objs["VirtualMachineInstance"] = []
    objs["Pod"] = []


def _migrating(objs: dict[str, list[dict[str, object]]]) -> None:
    objs["VirtualMachineInstance"][0]["status"]["migrationState"] = {  # type: ignore[index]
        "startTimestamp": "2026-11-24T10:04:00Z",
        "migrationUid": "m-1",
        "sourceNode": "node02",
        "targetNode": "node01",
    }


def _only_nads_and_vm(objs: dict[str, list[dict[str, object]]]) -> None:
    _halted(objs)
    objs["KubeVirt"] = []
    objs["DaemonSet"] = []


# (id, bend, expected drift (state, detail), records (resource, cause, reason), kinds assumed empty)
CASES: list[
    tuple[str, Bend, tuple[S, str], list[tuple[ResourceType, UnreadableCause, str]], list[tuple[str, ResourceType]]]
] = [
    ("complete-but-migrations", _drop(), IN_SYNC, [], [MIGRATIONS_ASSUMED]),
    (
        "no-pods-while-vmi-runs",
        _drop("Pod"),
        (
            S.UNKNOWN,
            "virt-launcher pods could not be read: pods: the List has no virt-launcher pod, but "
            f"VirtualMachineInstance prod/vm1 is Running: add `kubectl get pods -A -l kubevirt.io=virt-launcher "
            f"-o yaml` {HINT}",
        ),
        [
            (
                ResourceType.PODS,
                UnreadableCause.CONTRADICTED,
                "the List has no virt-launcher pod, but VirtualMachineInstance prod/vm1 is Running: add `kubectl get "
                f"pods -A -l kubevirt.io=virt-launcher -o yaml` {HINT}",
            )
        ],
        [MIGRATIONS_ASSUMED],
    ),
    (
        "no-vmis-while-vm-reports-running",
        _drop("VirtualMachineInstance", "Pod"),
        (
            S.UNKNOWN,
            "VirtualMachineInstances could not be read: virtualmachineinstances.kubevirt.io: the List has no "
            "VirtualMachineInstance, but VirtualMachine prod/vm1 reports printableStatus Running: add `kubectl get "
            f"vmi -A -o yaml` {HINT}",
        ),
        [
            (
                ResourceType.VMIS,
                UnreadableCause.CONTRADICTED,
                "the List has no VirtualMachineInstance, but VirtualMachine prod/vm1 reports printableStatus "
                f"Running: add `kubectl get vmi -A -o yaml` {HINT}",
            )
        ],
        [MIGRATIONS_ASSUMED, ("virt-launcher pod", ResourceType.PODS)],
    ),
    (
        "no-vmis-while-vm-reports-created",
        _created,
        (
            S.UNKNOWN,
            "VirtualMachineInstances could not be read: virtualmachineinstances.kubevirt.io: the List has no "
            "VirtualMachineInstance, but VirtualMachine prod/vm1 reports status.created: true: add `kubectl get "
            f"vmi -A -o yaml` {HINT}",
        ),
        [
            (
                ResourceType.VMIS,
                UnreadableCause.CONTRADICTED,
                "the List has no VirtualMachineInstance, but VirtualMachine prod/vm1 reports status.created: true: "
                f"add `kubectl get vmi -A -o yaml` {HINT}",
            )
        ],
        [MIGRATIONS_ASSUMED, ("virt-launcher pod", ResourceType.PODS)],
    ),
    (
        "halted-vm-without-vmis-is-consistent",
        _halted,
        (S.STOPPED, "VM not running (runStrategy Halted): the NAD applies at next start"),
        [],
        [
            ("VirtualMachineInstance", ResourceType.VMIS),
            MIGRATIONS_ASSUMED,
            ("virt-launcher pod", ResourceType.PODS),
        ],
    ),
    (
        "no-migrations-while-vmi-migrates",
        _migrating,
        (
            S.UNKNOWN,
            "migrations could not be read: virtualmachineinstancemigrations.kubevirt.io: the List has no "
            "VirtualMachineInstanceMigration, but VirtualMachineInstance prod/vm1 has an unfinished "
            f"status.migrationState: add `kubectl get vmim -A -o yaml` {HINT}",
        ),
        [
            (
                ResourceType.MIGRATIONS,
                UnreadableCause.CONTRADICTED,
                "the List has no VirtualMachineInstanceMigration, but VirtualMachineInstance prod/vm1 has an "
                f"unfinished status.migrationState: add `kubectl get vmim -A -o yaml` {HINT}",
            )
        ],
        [],
    ),
    (
        "no-nads-while-a-pod-is-attached",
        _drop("NetworkAttachmentDefinition"),
        (
            S.UNKNOWN,
            "NetworkAttachmentDefinitions could not be read: network-attachment-definitions.k8s.cni.cncf.io: the "
            "List has no NetworkAttachmentDefinition, but launcher pod prod/virt-launcher-vm1-abcde is attached to "
            f"prod/nad-b (network-status): add `kubectl get net-attach-def -A -o yaml` {HINT}",
        ),
        [
            (
                ResourceType.NADS,
                UnreadableCause.CONTRADICTED,
                "the List has no NetworkAttachmentDefinition, but launcher pod prod/virt-launcher-vm1-abcde is "
                f"attached to prod/nad-b (network-status): add `kubectl get net-attach-def -A -o yaml` {HINT}",
            )
        ],
        [MIGRATIONS_ASSUMED],
    ),
    (
        "no-vms-while-a-vmi-is-controlled-by-one",
        _drop("VirtualMachine"),
        (
            S.UNKNOWN,
            "VirtualMachines could not be read: virtualmachines.kubevirt.io: the List has no VirtualMachine, but "
            "VirtualMachineInstance prod/vm1 is controlled by VirtualMachine prod/vm1: add `kubectl get vm -A -o "
            f"yaml` {HINT}",
        ),
        [
            (
                ResourceType.VMS,
                UnreadableCause.CONTRADICTED,
                "the List has no VirtualMachine, but VirtualMachineInstance prod/vm1 is controlled by VirtualMachine "
                f"prod/vm1: add `kubectl get vm -A -o yaml` {HINT}",
            )
        ],
        [MIGRATIONS_ASSUMED],
    ),
    (
        "no-kubevirt-cr-at-all",
        _drop("KubeVirt"),
        IN_SYNC,
        [
            (
                ResourceType.KUBEVIRT,
                UnreadableCause.CONTRADICTED,
                f"the List has no KubeVirt CR, but VirtualMachine prod/vm1 needs it (and 1 more): add `kubectl get "
                f"kubevirt -A -o yaml` {HINT}",
            )
        ],
        [MIGRATIONS_ASSUMED],
    ),
    (
        "no-kubevirt-cr-and-nothing-that-needs-it",
        _drop("KubeVirt", "VirtualMachine", "VirtualMachineInstance", "Pod"),
        (S.MISSING, "VM not found in the cluster (namespace prod)"),
        [
            (
                ResourceType.KUBEVIRT,
                UnreadableCause.NOT_READ,
                "the List has no KubeVirt CR, and a List cannot show that KubeVirt is not installed: add `kubectl get "
                f"kubevirt -A -o yaml` {HINT}",
            )
        ],
        [
            ("VirtualMachine", ResourceType.VMS),
            ("VirtualMachineInstance", ResourceType.VMIS),
            MIGRATIONS_ASSUMED,
            ("virt-launcher pod", ResourceType.PODS),
        ],
    ),
    (
        "no-daemonsets-while-kubevirt-runs",
        _drop("DaemonSet"),
        IN_SYNC,
        [
            (
                ResourceType.DAEMONSETS,
                UnreadableCause.CONTRADICTED,
                "the List has no DaemonSet, but KubeVirt kubevirt/kubevirt runs virt-handler as a DaemonSet (and 1 "
                f"more): add `kubectl get ds -A -o yaml` {HINT}",
            )
        ],
        [MIGRATIONS_ASSUMED],
    ),
    (
        "nothing-shows-kubevirt-runs",
        _only_nads_and_vm,
        (S.STOPPED, "VM not running (runStrategy Halted): the NAD applies at next start"),
        [
            (
                ResourceType.KUBEVIRT,
                UnreadableCause.CONTRADICTED,
                f"the List has no KubeVirt CR, but VirtualMachine prod/vm1 needs it: add `kubectl get kubevirt -A -o "
                f"yaml` {HINT}",
            )
        ],
        [
            ("VirtualMachineInstance", ResourceType.VMIS),
            MIGRATIONS_ASSUMED,
            ("virt-launcher pod", ResourceType.PODS),
            ("DaemonSet", ResourceType.DAEMONSETS),
        ],
    ),
]


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
@pytest.mark.parametrize(("bend", "verdict", "records", "assumed"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_kinds_missing_from_a_kubectl_list(
    tmp_path: Path,
    suffix: str,
    bend: Bend,
    verdict: tuple[S, str],
    records: list[tuple[ResourceType, UnreadableCause, str]],
    assumed: list[tuple[str, ResourceType]],
) -> None:
    objs = cluster()
    bend(objs)
    path = write(tmp_path / f"kubectl{suffix}", items(objs), captured=None)
    facts = facts_of(path)
    assert [(u.resource, u.cause, u.reason) for u in facts.unreadable] == records
    assert all((u.namespace, u.subjects) == (None, ()) for u in facts.unreadable)  # the whole kind
    assert facts.warnings == tuple(
        ASSUMED.format(path=path, label=label, resource=resource.value) for label, resource in assumed
    )
    (item,) = drift(path)
    assert (item.state, item.detail) == verdict


def test_other_pods_and_daemonsets_do_not_count_as_launchers(tmp_path: Path) -> None:
    """`kubectl get pods -A` brings every pod: only virt-launcher pods are read, the rest is noted once."""
    objs = cluster()
    other = k.launcher_pod("x", NS, "uid-x", "web-7d9f", "uid-web", [], node="node01")
    other["metadata"]["labels"] = {"app": "web"}
    other["metadata"]["ownerReferences"] = [{"kind": "ReplicaSet", "name": "web", "uid": "rs", "controller": True}]
    objs["Pod"].append(other)
    path = write(tmp_path / "kubectl.yaml", items(objs), captured=None)
    facts = facts_of(path)
    assert [p.name for p in facts.pods] == ["virt-launcher-vm1-abcde"]
    assert facts.warnings[0] == f"{path}: ignored 1 object(s) of kind Pod (not a virt-launcher pod)"
    assert (facts.dnc_known, facts.dynamic_networks_controller) == (True, None)  # kube-proxy: DaemonSets were listed


def test_gn212_for_a_kubectl_list_names_the_contradicting_object(tmp_path: Path) -> None:
    """check: only the kinds the List contradicts are GN212; the kinds assumed empty are warnings."""
    from gitnad.rules import run_rules
    from tests.unit.rules.rule_builders import context, swap

    objs = cluster()
    objs["DaemonSet"] = []
    objs["VirtualMachine"] = [k.vm("db-1", NS, [k.Net("default"), k.Net("bridge-net", "vlan-10")])]
    objs["VirtualMachineInstance"] = [
        k.vmi(
            "db-1",
            NS,
            VMI_UID,
            [k.Net("bridge-net", "vlan-10")],
            node="node02",
            pod_uid="p",
            conditions=[k.cond("LiveMigratable", "True")],
        )
    ]
    objs["Pod"] = []
    objs["NetworkAttachmentDefinition"] = [k.nad("vlan-10", NS, 10), k.nad("vlan-20", NS, 20)]
    facts = facts_of(write(tmp_path / "kubectl.yaml", items(objs), captured=None))
    ctx = context([swap()], cluster=facts)
    found = [f for f in run_rules(ctx)[0] if f.code == "GN212"]
    (f,) = found
    assert f.message == (
        f"prod/db-1: cannot decide what the cluster ({tmp_path / 'kubectl.yaml'}) will do with this change; could not "
        "read: daemonsets.apps (the List has no DaemonSet, but KubeVirt kubevirt/kubevirt runs virt-handler as a "
        f"DaemonSet (and 1 more): add `kubectl get ds -A -o yaml` {HINT}). Grant get/list on them (the read-only "
        "role in deploy/) or capture them with `gitnad snapshot`, then re-run"
    )
