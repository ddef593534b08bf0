"""Decision table for SPEC §8: every state, the precedence between them, and KubeVirt's active-pod choice."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from drift_builders import (  # type: ignore[import-not-found]
    NS,
    T0,
    KubeVirtFacts,
    World,
    cond,
    declared_vm,
    gone,
    migration,
    world,
)

from gitnad.drift.classify import classify
from gitnad.models.cluster import LiveVM, MigrationState, ResourceType, UnreadableCause
from gitnad.models.manifest import VM
from gitnad.models.results import DriftState as S

REQUIRED = cond("MigrationRequired", "True", "AutoMigrationDueToLiveUpdate")
MIGRATABLE = cond("LiveMigratable", "True")
OLD_POD = {"pod_status_nad": "prod/nad-a", "vmi_conditions": [MIGRATABLE, REQUIRED]}


def _running_others(n: int) -> list[object]:
    return [migration(f"other-{i}", "Running", vmi=f"other-{i}") for i in range(n)]


def _kv(**kw: Any) -> Any:
    base: dict[str, Any] = {"namespace": "kubevirt", "name": "kubevirt", "phase": "Deployed"}
    base["workload_update_methods"] = ("LiveMigrate",)
    return KubeVirtFacts(**{**base, **kw})


def _finished_newer_pod(w: World) -> list[object]:
    """A finished pod, newer and on the VMI's node, showing the declared NAD: it must not decide."""
    stale = w.pod(name="virt-launcher-vm1-done", uid="p-done", phase="Succeeded", created=T0 + timedelta(hours=1))
    return [w.pod(network_status=w._status("prod/nad-a")), stale]


def _two_nodes(w: World) -> list[object]:
    """Source pod still running on node01 (newer), active pod on the VMI's node02."""
    src = w.pod(
        name="virt-launcher-vm1-src",
        uid="p-src",
        node_name="node01",
        created=T0 + timedelta(hours=2),
        network_status=w._status("prod/nad-a"),
    )
    return [src, w.pod()]


CASES: list[tuple[str, dict[str, object], S, str]] = [
    ("in-sync", {}, S.IN_SYNC, "VM, VMI and pod virt-launcher-vm1-new on prod/nad-b"),
    ("missing", {"vm": False, "vmi": False}, S.MISSING, "VM not found in the cluster (namespace prod)"),
    (
        "stopped-halted",
        {"run_strategy": "Halted", "vmi": False},
        S.STOPPED,
        "VM not running (runStrategy Halted): the NAD applies at next start",
    ),
    (
        "stopped-halted-beats-out-of-sync",
        {"run_strategy": "Halted", "vm_nad": "nad-a", "vmi": False},
        S.STOPPED,
        "VM not running (runStrategy Halted): the NAD applies at next start",
    ),
    ("stopped-no-vmi", {"vmi": False}, S.STOPPED, "VM has no VMI (printableStatus unknown): nothing to migrate"),
    (
        "stopped-vmi-succeeded",
        {"vmi_phase": "Succeeded"},
        S.STOPPED,
        "VMI Succeeded: the VM is not running, nothing to migrate",
    ),
    (
        "out-of-sync",
        {"vm_nad": "nad-a", "vmi_nad": "nad-a", "pod_status_nad": "prod/nad-a"},
        S.OUT_OF_SYNC,
        "the live VM uses prod/nad-a, git declares prod/nad-b (not synced yet, or edited live)",
    ),
    (
        "out-of-sync-beats-nad-missing",
        {"vm_nad": "nad-a", "nads": ("nad-a",)},
        S.OUT_OF_SYNC,
        "the live VM uses prod/nad-a, git declares prod/nad-b (not synced yet, or edited live)",
    ),
    ("out-of-sync-no-network", {"vm_nad": None}, S.OUT_OF_SYNC, "the live VM has no multus network secondary-network"),
    ("nad-missing", {"nads": ("nad-a",)}, S.NAD_MISSING, "NetworkAttachmentDefinition prod/nad-b does not exist"),
    (
        "nad-missing-beats-restart",
        {"nads": (), "vm_conditions": [cond("RestartRequired", "True")]},
        S.NAD_MISSING,
        "NetworkAttachmentDefinition prod/nad-b does not exist",
    ),
    (
        "restart-required",
        {"vm_conditions": [cond("RestartRequired", "True")], "vmi_nad": "nad-a"},
        S.RESTART_REQUIRED,
        "VM condition RestartRequired=True: a non-live-updatable field was changed in the template spec",
    ),
    (
        "restart-required-false-ignored",
        {"vm_conditions": [cond("RestartRequired", "False")]},
        S.IN_SYNC,
        "VM, VMI and pod virt-launcher-vm1-new on prod/nad-b",
    ),
    (
        "not-propagated",
        {"vmi_nad": "nad-a", "pod_status_nad": "prod/nad-a"},
        S.NOT_PROPAGATED,
        "the VMI spec uses prod/nad-a, the VM prod/nad-b: virt-controller has not copied it "
        "(LiveUpdateNADRef gate off on v1.8?)",
    ),
    (
        "migration-failed",
        {**OLD_POD, "migrations": [migration(phase="Failed", failure_reason="target pod failed")]},
        S.MIGRATION_FAILED,
        "migration kubevirt-workload-update-abc failed: target pod failed",
    ),
    (
        "migration-cancelled",
        {
            **OLD_POD,
            "migrations": [
                migration(
                    phase="Succeeded", state=MigrationState(completed=True, failed=True, abort_status="Succeeded")
                )
            ],
        },
        S.MIGRATION_FAILED,
        "migration kubevirt-workload-update-abc failed: "
        "migration aborted (abortStatus Succeeded): completed and failed",
    ),
    (
        "migration-cancelled-vmi-state",
        {
            **OLD_POD,
            "vmi_migration_state": MigrationState(
                completed=True,
                failed=True,
                migration_uid="mig-m2",
                failure_reason="Live migration failed: unable to connect",
            ),
            "migrations": [migration("m2", phase="Succeeded")],
        },
        S.MIGRATION_FAILED,
        "migration m2 failed: migration failed: Live migration failed: unable to connect",
    ),
    (
        "migration-failed-beats-not-migratable",
        {
            "pod_status_nad": "prod/nad-a",
            "vmi_conditions": [cond("LiveMigratable", "False"), REQUIRED],
            "migrations": [migration(phase="Failed")],
        },
        S.MIGRATION_FAILED,
        "migration kubevirt-workload-update-abc failed: no failureReason recorded",
    ),
    (
        "migrating",
        {**OLD_POD, "migrations": [migration(phase="Running")]},
        S.MIGRATING,
        "migration kubevirt-workload-update-abc is Running",
    ),
    (
        "migrating-newest-decides",
        {
            **OLD_POD,
            "migrations": [
                migration("old", phase="Failed", minutes=1),
                migration("new", phase="Scheduling", minutes=9),
            ],
        },
        S.MIGRATING,
        "migration new is Scheduling",
    ),
    (
        "migrating-vmi-state-only",
        {**OLD_POD, "vmi_migration_state": MigrationState(start_timestamp=T0)},
        S.MIGRATING,
        "VMI status.migrationState started and not ended",
    ),
    (
        "queued",
        {**OLD_POD, "migrations": [migration(phase="Pending")]},
        S.MIGRATION_QUEUED,
        "migration kubevirt-workload-update-abc is Pending (cluster or node limit, or backoff)",
    ),
    (
        "queued-phase-unset",
        {**OLD_POD, "migrations": [migration(phase=None)]},
        S.MIGRATION_QUEUED,
        "migration kubevirt-workload-update-abc is Pending (cluster or node limit, or backoff)",
    ),
    (
        "not-migratable",
        {
            "pod_status_nad": "prod/nad-a",
            "vmi_conditions": [
                cond("LiveMigratable", "False", "DisksNotLiveMigratable", "PVC rwo-disk is not shared"),
                REQUIRED,
            ],
        },
        S.NOT_MIGRATABLE,
        "LiveMigratable=False (DisksNotLiveMigratable: PVC rwo-disk is not shared); the pod is still on prod/nad-a",
    ),
    (
        "pending-no-live-migrate",
        {**OLD_POD, "kubevirt": _kv(workload_update_methods=("Evict",))},
        S.MIGRATION_PENDING,
        "MigrationRequired=True, KubeVirt workloadUpdateMethods lacks LiveMigrate (Evict): no automatic migration",
    ),
    (
        "pending-not-deployed",
        {**OLD_POD, "kubevirt": _kv(phase="Deploying")},
        S.MIGRATION_PENDING,
        "MigrationRequired=True, KubeVirt is not Deployed (phase Deploying): the workload updater waits",
    ),
    (
        "pending-upgrading",
        {**OLD_POD, "kubevirt": _kv(observed_deployment_id="a", target_deployment_id="b")},
        S.MIGRATION_PENDING,
        "MigrationRequired=True, a KubeVirt upgrade is in progress (observedDeploymentID != targetDeploymentID): "
        "the updater waits",
    ),
    (
        "pending-cluster-limit",
        {
            **OLD_POD,
            "migrations": [
                *_running_others(4),
                migration("other-q", "Pending", vmi="q"),
                migration("other-s", "Scheduling", vmi="s"),
            ],
        },
        S.MIGRATION_PENDING,
        "MigrationRequired=True, cluster migration limit reached: 5 of parallelMigrationsPerCluster 5 running",
    ),
    (
        "pending-under-limit",
        {**OLD_POD, "migrations": _running_others(2)},
        S.MIGRATION_PENDING,
        "MigrationRequired=True, no migration yet (2 running, limit 5): the workload updater passes every 30s, "
        "with backoff after failed migrations",
    ),
    (
        "pending-after-old-success",
        {**OLD_POD, "migrations": [migration(phase="Succeeded")]},
        S.MIGRATION_PENDING,
        "MigrationRequired=True, no migration yet (0 running, limit 5): the workload updater passes every 30s, "
        "with backoff after failed migrations",
    ),
    (
        "pending-no-kubevirt-cr",
        {**OLD_POD, "kubevirt": None},
        S.MIGRATION_PENDING,
        "MigrationRequired=True, the KubeVirt CR could not be read: cannot say why no migration was created",
    ),
    (
        "pod-drift",
        {"pod_status_nad": "prod/nad-a"},
        S.POD_DRIFT,
        "the active pod virt-launcher-vm1-new is on prod/nad-a and no migration is coming",
    ),
    (
        "pod-drift-after-success",
        {"pod_status_nad": "prod/nad-a", "migrations": [migration(phase="Succeeded")]},
        S.POD_DRIFT,
        "the active pod virt-launcher-vm1-new is on prod/nad-a and no migration is coming",
    ),
    (
        "pod-drift-no-entry",
        {"pod_status_nad": None},
        S.POD_DRIFT,
        "pod prod/virt-launcher-vm1-new network-status has no entry for interface pod56a025b6623: "
        "KubeVirt skips it and will never migrate it",
    ),
    (
        "active-pod-ignores-finished",
        {"pods": "finished-newer", "vmi_conditions": [MIGRATABLE]},
        S.POD_DRIFT,
        "the active pod virt-launcher-vm1-new is on prod/nad-a and no migration is coming",
    ),
    ("active-pod-on-vmi-node", {"pods": "two-nodes"}, S.IN_SYNC, "VM, VMI and pod virt-launcher-vm1-new on prod/nad-b"),
    (
        "unknown-namespace-not-covered",
        {"namespaces": ("other",)},
        S.UNKNOWN,
        "namespace prod is not covered by the cluster facts",
    ),
    (
        "unknown-vms-unreadable",
        {"unreadable": (gone(ResourceType.VMS, "403 Forbidden"),)},
        S.UNKNOWN,
        "VirtualMachines could not be read: virtualmachines.kubevirt.io: 403 Forbidden",
    ),
    (
        "unknown-vmis-unreadable",
        {"unreadable": (gone(ResourceType.VMIS, "403 Forbidden"),)},
        S.UNKNOWN,
        "VirtualMachineInstances could not be read: virtualmachineinstances.kubevirt.io: 403 Forbidden",
    ),
    (
        "unknown-pods-unreadable",
        {"unreadable": (gone(ResourceType.PODS, "timed out"),)},
        S.UNKNOWN,
        "virt-launcher pods could not be read: pods: timed out",
    ),
    (
        "unknown-migrations-unreadable",
        {"unreadable": (gone(ResourceType.MIGRATIONS, "watch broke: 403 Forbidden"),)},
        S.UNKNOWN,
        "migrations could not be read: virtualmachineinstancemigrations.kubevirt.io: watch broke: 403 Forbidden",
    ),
    (
        "unknown-nads-unreadable",
        {"unreadable": (gone(ResourceType.NADS, "403 Forbidden", namespace=NS),)},
        S.UNKNOWN,
        "NetworkAttachmentDefinitions could not be read: network-attachment-definitions.k8s.cni.cncf.io: 403 Forbidden",
    ),
    (
        "unknown-daemonsets-irrelevant",
        {"unreadable": (gone(ResourceType.DAEMONSETS, "403 Forbidden"),)},
        S.IN_SYNC,
        "VM, VMI and pod virt-launcher-vm1-new on prod/nad-b",
    ),
    (
        "unknown-kubevirt-irrelevant-when-in-sync",
        {"unreadable": (gone(ResourceType.KUBEVIRT, "not in the snapshot"),), "kubevirt": None},
        S.IN_SYNC,
        "VM, VMI and pod virt-launcher-vm1-new on prod/nad-b",
    ),
    (
        "unknown-this-vmi-malformed",
        {
            "vmi": False,
            "unreadable": (
                gone(
                    ResourceType.VMIS,
                    "VirtualMachineInstance prod/vm1: status.interfaces is a string, not a list",
                    namespace=NS,
                    subjects=("prod/vm1",),
                    cause=UnreadableCause.MALFORMED,
                ),
            ),
        },
        S.UNKNOWN,
        "VirtualMachineInstances could not be read: virtualmachineinstances.kubevirt.io: VirtualMachineInstance "
        "prod/vm1: status.interfaces is a string, not a list",
    ),
    (
        "other-vmi-malformed-irrelevant",
        {"unreadable": (gone(ResourceType.VMIS, "prod/vm2 is listed 2 times", namespace=NS, subjects=("prod/vm2",)),)},
        S.IN_SYNC,
        "VM, VMI and pod virt-launcher-vm1-new on prod/nad-b",
    ),
    (
        "other-namespace-pods-irrelevant",
        {"unreadable": (gone(ResourceType.PODS, "a pod of staging", namespace="staging"),)},
        S.IN_SYNC,
        "VM, VMI and pod virt-launcher-vm1-new on prod/nad-b",
    ),
    (
        "unknown-namespace-pods",
        {"unreadable": (gone(ResourceType.PODS, "Pod prod/x: its owner is unreadable", namespace=NS),)},
        S.UNKNOWN,
        "virt-launcher pods could not be read: pods: Pod prod/x: its owner is unreadable",
    ),
    (
        "unknown-declared-nad-duplicate",
        {"unreadable": (gone(ResourceType.NADS, "dup", namespace=NS, subjects=("prod/nad-b",)),)},
        S.UNKNOWN,
        "NetworkAttachmentDefinitions could not be read: network-attachment-definitions.k8s.cni.cncf.io: dup",
    ),
    (
        "other-nad-duplicate-irrelevant",
        {"unreadable": (gone(ResourceType.NADS, "dup", namespace=NS, subjects=("prod/nad-a",)),)},
        S.IN_SYNC,
        "VM, VMI and pod virt-launcher-vm1-new on prod/nad-b",
    ),
    (
        "unknown-no-active-pod",
        {"pods": "only-finished"},
        S.UNKNOWN,
        "no active virt-launcher pod for VMI prod/vm1 on node node02 (1 pod(s) owned by it, none running there)",
    ),
    (
        "unknown-no-network-status",
        {"pods": "no-status"},
        S.UNKNOWN,
        "pod prod/virt-launcher-vm1-new: annotation k8s.v1.cni.cncf.io/network-status is missing",
    ),
    (
        "unknown-bad-network-status",
        {"pods": "bad-status"},
        S.UNKNOWN,
        "pod prod/virt-launcher-vm1-new: network-status is not JSON",
    ),
    (
        "pending-hotplug-not-attached",
        {**OLD_POD, "status_iface": False},
        S.MIGRATION_PENDING,
        "MigrationRequired=True, no migration yet (0 running, limit 5): the workload updater passes every 30s, "
        "with backoff after failed migrations",
    ),
    (
        "pod-drift-not-attached",
        {"status_iface": False},
        S.POD_DRIFT,
        "VMI prod/vm1 reports no interface secondary-network (not attached: a hotplug not done yet?)",
    ),
    (
        "unknown-no-pod-interface-name",
        {"pod_iface": None},
        S.UNKNOWN,
        "VMI prod/vm1 status.interfaces has no podInterfaceName for secondary-network",
    ),
    (
        "unknown-vmi-scheduling",
        {"vmi_phase": "Scheduling"},
        S.UNKNOWN,
        "VMI prod/vm1 is Scheduling: no running launcher pod to prove",
    ),
    (
        "unknown-pod-beats-migration",
        {**OLD_POD, "pods": "no-status", "migrations": [migration(phase="Running")]},
        S.UNKNOWN,
        "pod prod/virt-launcher-vm1-new: annotation k8s.v1.cni.cncf.io/network-status is missing",
    ),
]


def _pods(w: Any, how: object) -> list[Any] | None:
    special: dict[str, Callable[[], list[Any]]] = {
        "finished-newer": lambda: _finished_newer_pod(w),
        "two-nodes": lambda: _two_nodes(w),
        "only-finished": lambda: [w.pod(phase="Failed")],
        "no-status": lambda: [w.pod(network_status=None)],
        "bad-status": lambda: [w.pod(network_status=None, network_status_error="network-status is not JSON")],
    }
    return special[str(how)]() if how is not None else None


@pytest.mark.parametrize(("knobs", "state", "detail"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_decision_table(knobs: dict[str, Any], state: S, detail: str) -> None:
    how = knobs.get("pods")
    w = world(**{k: v for k, v in knobs.items() if k != "pods"})
    w.pods = _pods(w, how)
    (item,) = classify([declared_vm()], w.facts())
    assert (item.state, item.detail) == (state, detail)
    assert item.converged is state.converged
    assert (item.vm, item.network, item.declared) == (f"{NS}/vm1", "secondary-network", "prod/nad-b")


def test_every_state_is_produced() -> None:
    assert {c[2] for c in CASES} == set(S)


def test_observed_columns() -> None:
    w = world(**{**OLD_POD, "migrations": [migration(phase="Running")]})
    (item,) = classify([declared_vm()], w.facts())
    assert (item.live_vm, item.vmi, item.pod, item.migration) == (
        "prod/nad-b",
        "prod/nad-b",
        "prod/nad-a",
        "kubevirt-workload-update-abc",
    )
    assert (item.file, item.line) == ("vms/vm1.yaml", 0)


@pytest.mark.parametrize(
    ("status_nad", "state"),
    [("nad-b", S.IN_SYNC), ("prod/nad-b", S.IN_SYNC), ("prod/nad-a", S.POD_DRIFT)],
    ids=["bare-name", "namespaced", "old"],
)
def test_default_network_proof(status_nad: str, state: S) -> None:
    w = world(default_network=True, pod_status_nad=status_nad)
    (item,) = classify([declared_vm(default=True)], w.facts())
    assert item.state is state
    if state is S.POD_DRIFT:
        assert item.detail == (
            "default network: the pod still has prod/nad-a; KubeVirt never migrates a multus.default swap, "
            "it applies at the next restart"
        )


def test_empty_network_name_is_unknown() -> None:
    vm = declared_vm(nad="")
    (item,) = classify([vm], world().facts())
    expected = "networkName of secondary-network is empty in git: nothing declared to compare"
    assert (item.state, item.detail) == (S.UNKNOWN, expected)


@pytest.mark.parametrize(
    ("namespaces", "state", "detail"),
    [
        (
            ("prod",),
            S.UNKNOWN,
            "NetworkAttachmentDefinitions of namespace shared were not read (the cluster facts cover prod only)",
        ),
        (("prod", "shared"), S.NAD_MISSING, "NetworkAttachmentDefinition shared/nad-x does not exist"),
        (None, S.NAD_MISSING, "NetworkAttachmentDefinition shared/nad-x does not exist"),
    ],
    ids=["nad-namespace-not-read", "nad-namespace-read", "all-namespaces-read"],
)
def test_cross_namespace_nad_is_missing_only_when_its_namespace_was_read(
    namespaces: tuple[str, ...] | None, state: S, detail: str
) -> None:
    """A snapshot limited to the VM's namespace cannot prove that a NAD of another namespace is absent."""
    ref = "shared/nad-x"
    w = world(vm_nad=ref, vmi_nad=ref, pod_status_nad=ref, namespaces=namespaces)
    (item,) = classify([declared_vm(nad=ref)], w.facts())
    assert (item.state, item.detail) == (state, detail)


def _pool_vm(name: str, nad: str, labelled: bool) -> LiveVM:
    vm: LiveVM = world(name=name, vm_nad=nad).live_vm()
    return vm.model_copy(update={"labels": {"kubevirt.io/vmpool": "pool"} if labelled else {}})


def test_pool_members_checked_against_template() -> None:
    base = world(
        vm=False,
        vmi=False,
        extra_vms=[
            _pool_vm("pool-0", "nad-b", True),
            _pool_vm("pool-1", "nad-a", False),
            _pool_vm("poolside-1", "nad-a", False),
        ],
    )
    items = classify([declared_vm("pool", pool=True)], base.facts())
    assert [(i.vm, i.state) for i in items] == [("prod/pool-0", S.STOPPED), ("prod/pool-1", S.STOPPED)]
    # pool-1 declared as a VirtualMachine of its own: checked once, against its own manifest.
    items = classify([declared_vm("pool", pool=True), declared_vm("pool-1")], base.facts())
    assert [(i.vm, i.declared) for i in items] == [("prod/pool-0", "prod/nad-b"), ("prod/pool-1", "prod/nad-b")]
    assert len({i.vm for i in items}) == 2
    halted = world(vm=False, vmi=False, extra_vms=[_pool_vm("pool-0", "nad-a", True)])
    assert [i.state for i in classify([declared_vm("pool", pool=True)], halted.facts())] == [S.STOPPED]


def test_pool_without_members_is_missing() -> None:
    (item,) = classify([declared_vm("pool", pool=True)], world(vm=False, vmi=False).facts())
    assert (item.vm, item.state, item.detail) == (
        "prod/pool",
        S.MISSING,
        "no VM of VirtualMachinePool prod/pool (named <pool>-<n> or labelled kubevirt.io/vmpool) is found in the "
        "cluster (namespace prod)",
    )


def test_items_sorted_and_pod_networks_skipped() -> None:
    vms: list[VM] = [declared_vm("vm2"), declared_vm("vm1")]
    items = classify(vms, world().facts())
    assert [(i.vm, i.network) for i in items] == [("prod/vm1", "secondary-network"), ("prod/vm2", "secondary-network")]
    assert items[1].state is S.MISSING
