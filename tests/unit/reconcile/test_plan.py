"""Reconcile plan and apply (SPEC §9): one action per VM, slots, --allow-restart, --max-actions, idempotence."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "drift"))

from drift_builders import KubeVirtFacts, cond, declared_vm, gone, migration, world  # type: ignore[import-not-found]

from gitnad.drift import migrations as mig
from gitnad.drift.classify import classify
from gitnad.models.cluster import ClusterFacts, ResourceType
from gitnad.models.results import Action, ActionKind, ActionOutcome, DriftState, Written
from gitnad.reconcile.apply import apply, migration_name
from gitnad.reconcile.plan import Capacity, PlanSettings, plan

REQUIRED = cond("MigrationRequired", "True", "AutoMigrationDueToLiveUpdate")
PENDING = {"pod_status_nad": "prod/nad-a", "vmi_conditions": [cond("LiveMigratable", "True"), REQUIRED]}


def _fleet(knobs: Mapping[str, Mapping[str, Any]], kubevirt: Any = None) -> tuple[list[Any], ClusterFacts]:
    """Several VMs (vm1, vm2, ...) each with its own knobs, merged into one ClusterFacts."""
    worlds: list[Any] = [world(name=name, **k) for name, k in knobs.items()]
    facts = [w.facts() for w in worlds]
    merged = facts[0].model_copy(
        update={
            "vms": tuple(v for f in facts for v in f.vms),
            "vmis": tuple(v for f in facts for v in f.vmis),
            "pods": tuple(p for f in facts for p in f.pods),
            "migrations": tuple(m for f in facts for m in f.migrations),
            "kubevirt": kubevirt if kubevirt is not None else facts[0].kubevirt,
        }
    )
    return [declared_vm(name) for name in knobs], merged


def _plan(knobs: Mapping[str, Mapping[str, Any]], **settings: Any) -> tuple[Action, ...]:
    vms, facts = _fleet(knobs, settings.pop("kubevirt", None))
    return plan(classify(vms, facts), facts, PlanSettings(commit="c0ffee", **settings), _capacity(facts))


def _capacity(facts: ClusterFacts) -> Capacity:
    return Capacity(running=mig.running_count(facts), free=mig.free_slots(facts))


def _summary(actions: tuple[Action, ...]) -> list[tuple[str, str, str, str | None]]:
    return [(a.vm, a.kind.value, a.outcome.value, a.result) for a in actions]


def _kv(parallel: int = 5, **kw: Any) -> Any:
    base: dict[str, Any] = {"namespace": "kubevirt", "name": "kubevirt", "phase": "Deployed"}
    base.update(workload_update_methods=("LiveMigrate",), parallel_migrations_per_cluster=parallel, **kw)
    return KubeVirtFacts(**base)


def test_migrations_only_within_free_slots() -> None:
    knobs = {f"vm{i}": dict(PENDING) for i in range(1, 5)}
    knobs["vm0"] = {
        "pod_status_nad": "prod/nad-a",
        "migrations": [migration(phase="Running", vmi="vm0")],
        "vmi_conditions": [REQUIRED],
    }
    actions = _plan(knobs, kubevirt=_kv(parallel=3))
    assert _summary(actions) == [
        ("prod/vm0", "none", "skipped", None),
        ("prod/vm1", "create-migration", "planned", None),
        ("prod/vm2", "create-migration", "planned", None),
        ("prod/vm3", "create-migration", "skipped", "no free migration slot (1 running, limit 3)"),
        ("prod/vm4", "create-migration", "skipped", "no free migration slot (1 running, limit 3)"),
    ]
    assert actions[0].reason == "a migration is in progress"


@pytest.mark.parametrize(
    ("knobs", "settings", "expected"),
    [
        ({"vm_conditions": [cond("RestartRequired", "True")]}, {}, ("restart-vm", "skipped", "needs --allow-restart")),
        (
            {"vm_conditions": [cond("RestartRequired", "True")]},
            {"allow_restart": True},
            ("restart-vm", "planned", None),
        ),
        ({"pod_status_nad": "prod/nad-a"}, {"allow_restart": True}, ("restart-vm", "planned", None)),
        ({"vm_nad": "nad-a"}, {"allow_restart": True}, ("none", "skipped", None)),
        (
            {**PENDING, "kubevirt": None},
            {},
            ("create-migration", "skipped", "the KubeVirt CR could not be read: free migration slots unknown"),
        ),
        (
            {**PENDING, "kubevirt": _kv(phase="Deploying")},
            {},
            ("create-migration", "skipped", "KubeVirt is not Deployed or is upgrading: migrations would not start"),
        ),
        ({"unreadable": (gone(ResourceType.PODS, "403"),)}, {"allow_restart": True}, ("none", "skipped", None)),
    ],
    ids=[
        "restart-needs-flag",
        "restart-allowed",
        "pod-drift-restart",
        "out-of-sync-is-gitops-job",
        "no-kubevirt-cr",
        "kubevirt-deploying",
        "unknown-never-acts",
    ],
)
def test_single_vm_decisions(knobs: dict[str, Any], settings: dict[str, Any], expected: tuple[object, ...]) -> None:
    vms = [declared_vm()]
    facts = world(**knobs).facts()
    (action,) = plan(classify(vms, facts), facts, PlanSettings(commit="c0ffee", **settings), _capacity(facts))
    assert (action.kind.value, action.outcome.value, action.result) == expected


def test_max_actions_caps_cluster_changes() -> None:
    knobs = {f"vm{i}": dict(PENDING) for i in range(1, 4)}
    actions = _plan(knobs, max_actions=1)
    assert [a.outcome for a in actions] == [ActionOutcome.PLANNED, ActionOutcome.SKIPPED, ActionOutcome.SKIPPED]
    assert actions[1].result == "--max-actions 1 reached"


def test_converged_vms_get_no_action() -> None:
    assert _plan({"vm1": {}, "vm2": {"run_strategy": "Halted", "vmi": False}}) == ()


class Recorder:
    """Executor double: records calls, fails restarts like an API server without virt-api (404); a create of a
    name in `existing` answers like the API server to a second create of one name (409 AlreadyExists)."""

    def __init__(self, existing: tuple[str, ...] = ()) -> None:
        self.calls: list[tuple[object, ...]] = []
        self.existing = set(existing)

    def create_migration(
        self, namespace: str, vmi: str, name: str, labels: dict[str, str], annotations: dict[str, str]
    ) -> tuple[Written, str]:
        self.calls.append(("create", namespace, vmi, name, labels, annotations))
        return (Written.EXISTS if name in self.existing else Written.CREATED), name

    def restart_vm(self, namespace: str, name: str) -> tuple[bool, str]:
        self.calls.append(("restart", namespace, name))
        return False, "PUT .../restart: 404 Not Found"


def test_apply_runs_planned_actions_and_reports_each() -> None:
    knobs: dict[str, dict[str, Any]] = {
        "vm1": dict(PENDING),
        "vm2": {"pod_status_nad": "prod/nad-a"},
        "vm3": {"vm_nad": "nad-a"},
    }
    actions = _plan(knobs, allow_restart=True)
    rec = Recorder()
    done = apply(actions, rec, "c0ffee")
    name = migration_name("prod", "vm1", "c0ffee")
    assert rec.calls == [
        ("create", "prod", "vm1", name, {"app.kubernetes.io/managed-by": "gitnad"}, {"gitnad.dev/commit": "c0ffee"}),
        ("restart", "prod", "vm2"),
    ]
    assert _summary(done) == [
        ("prod/vm1", "create-migration", "applied", f"created migration {name}"),
        ("prod/vm2", "restart-vm", "failed", "PUT .../restart: 404 Not Found"),
        ("prod/vm3", "none", "skipped", None),
    ]
    assert done[2].state is DriftState.OUT_OF_SYNC


def test_a_migration_another_run_created_is_skipped_not_doubled() -> None:
    """Two runs for one commit ask for the same name: the second create meets the first (409) and says so."""
    name = migration_name("prod", "vm1", "c0ffee")
    (done,) = apply(_plan({"vm1": dict(PENDING)}), Recorder(existing=(name,)), "c0ffee")
    assert (done.outcome, done.result) == (
        ActionOutcome.SKIPPED,
        f"migration {name} exists already: another run for this commit created it (never doubled)",
    )


@pytest.mark.parametrize(
    ("namespace", "vmi", "commit", "expected"),
    [
        ("prod", "vm1", "c0ffee", "gitnad-vm1-"),
        ("prod", "db." + "x" * 70, "c0ffee", "gitnad-db." + "x" * 42 + "-"),
        ("prod", "a" * 45 + "-" + "b" * 10, "c0ffee", "gitnad-" + "a" * 45 + "-"),  # no "--" at the cut
    ],
    ids=["short", "long-cut", "cut-at-dash"],
)
def test_migration_name(namespace: str, vmi: str, commit: str, expected: str) -> None:
    name = migration_name(namespace, vmi, commit)
    assert name.startswith(expected) and len(name) == len(expected) + 10 and len(name) <= 63
    assert name == migration_name(namespace, vmi, commit)  # the same for every run of that commit
    assert name != migration_name(namespace, vmi, "d00d")  # another commit, another migration
    assert name != migration_name("staging", vmi, commit)


def test_second_run_never_duplicates() -> None:
    """After --apply the VMI has an unfinished migration: the next plan creates nothing for it."""
    knobs = {"vm1": {**PENDING, "migrations": [migration("gitnad-vm1-abcde", phase=None)]}}
    (action,) = _plan(knobs)
    assert (action.kind, action.state, action.outcome) == (
        ActionKind.NONE,
        DriftState.MIGRATION_QUEUED,
        ActionOutcome.SKIPPED,
    )
