"""`gitnad drift` live on a real kube-apiserver: every SPEC §8 state from schema-validated objects, read with
the read-only RBAC role, and the same verdicts from a snapshot of that cluster."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from gitnad.app import drift as app_drift
from gitnad.app import snapshot as app_snapshot
from gitnad.config import ClusterSettings, OutputFormat
from gitnad.errors import ExitCode
from gitnad.report import render
from tests.e2e.conftest import Kube
from tests.e2e.kubevirt_actor import Net, Seeder, cond, manifest
from tests.gitutil import Content, commit, make_repo

pytestmark = pytest.mark.slow

REQUIRED = cond("MigrationRequired", "True", "AutoMigrationDueToLiveUpdate")
MIGRATABLE = cond("LiveMigratable", "True")


def nets(nad: str) -> list[Net]:
    return [Net("default"), Net("bridge-net", nad)]


OLD, NEW = nets("nad-a"), nets("nad-b")


def _seed(s: Seeder) -> None:
    """One VM per state. Git declares every VM on nad-b (vm-nad-missing on nad-c)."""
    ns = s.ns
    old_pod = {"bridge-net": f"{ns}/nad-a"}
    s.nad("nad-a", 10)
    s.nad("nad-b", 20)
    s.running("vm-in-sync", NEW)
    s.vm("vm-stopped", NEW, run_strategy="Halted")
    s.running("vm-out-of-sync", OLD)
    s.running("vm-nad-missing", nets("nad-c"), OLD, old_pod)
    s.running("vm-restart", NEW, OLD, vm_conditions=[cond("RestartRequired", "True")])
    s.running("vm-not-propagated", NEW, OLD)
    s.running("vm-failed", NEW, NEW, old_pod, vmi_conditions=[MIGRATABLE, REQUIRED])
    s.migration("mig-failed", "vm-failed", "Failed", {"completed": True, "failed": True, "failureReason": "aborted"})
    s.running("vm-migrating", NEW, NEW, old_pod, vmi_conditions=[MIGRATABLE, REQUIRED])
    s.migration("mig-running", "vm-migrating", "Running")
    s.running("vm-queued", NEW, NEW, old_pod, vmi_conditions=[MIGRATABLE, REQUIRED])
    s.migration("mig-pending", "vm-queued", "Pending")
    blocked = cond("LiveMigratable", "False", "DisksNotLiveMigratable", "PVC data is not shared")
    s.running("vm-not-migratable", NEW, NEW, old_pod, vmi_conditions=[blocked, REQUIRED])
    s.running("vm-pending", NEW, NEW, old_pod, vmi_conditions=[MIGRATABLE, REQUIRED])
    s.running("vm-pod-drift", NEW, NEW, old_pod)
    s.running("vm-unknown", NEW, network_status=False)
    s.vm("vm-no-vmi", NEW)  # reports printableStatus Running, yet no VMI exists: not Stopped


EXPECTED = {
    "vm-in-sync": ("InSync", "nad-b", "nad-b", "nad-b", "nad-b"),
    "vm-stopped": ("Stopped", "nad-b", "nad-b", None, None),
    "vm-out-of-sync": ("OutOfSync", "nad-b", "nad-a", "nad-a", "nad-a"),
    "vm-nad-missing": ("NADMissing", "nad-c", "nad-c", "nad-a", "nad-a"),
    "vm-restart": ("RestartRequired", "nad-b", "nad-b", "nad-a", "nad-a"),
    "vm-not-propagated": ("NotPropagated", "nad-b", "nad-b", "nad-a", "nad-a"),
    "vm-failed": ("MigrationFailed", "nad-b", "nad-b", "nad-b", "nad-a"),
    "vm-migrating": ("Migrating", "nad-b", "nad-b", "nad-b", "nad-a"),
    "vm-queued": ("MigrationQueued", "nad-b", "nad-b", "nad-b", "nad-a"),
    "vm-not-migratable": ("NotMigratable", "nad-b", "nad-b", "nad-b", "nad-a"),
    "vm-pending": ("MigrationPending", "nad-b", "nad-b", "nad-b", "nad-a"),
    "vm-pod-drift": ("PodDrift", "nad-b", "nad-b", "nad-b", "nad-a"),
    "vm-unknown": ("Unknown", "nad-b", "nad-b", "nad-b", None),
    "vm-no-vmi": ("Unknown", "nad-b", "nad-b", None, None),
    "vm-missing": ("Missing", "nad-b", None, None, None),
}


@pytest.fixture(scope="module")
def world(kube: Kube, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    ns = kube.namespace("drift")
    _seed(Seeder(kube.api, ns))
    repo_dir = tmp_path_factory.mktemp("gitops") / "repo"
    repo = make_repo(repo_dir)
    files: dict[str, Content] = {
        f"vms/{name}.yaml": manifest(name, ns, nets("nad-c" if name == "vm-nad-missing" else "nad-b"))
        for name in EXPECTED
    }
    commit(repo, files)
    return ns, repo_dir


def _drift(repo: Path, cluster: ClusterSettings) -> tuple[dict[str, Any], ExitCode]:
    req = app_drift.DriftRequest(
        repo=repo,
        config_file=None,
        ref="HEAD",
        base=None,
        wait=False,
        timeout=timedelta(seconds=30),
        cluster=cluster,
    )
    result, code = app_drift.run(req)
    return json.loads(render(result, OutputFormat.JSON)), code


def _states(doc: dict[str, Any], ns: str) -> dict[str, tuple[str | None, ...]]:
    def short(nad: str | None) -> str | None:
        return None if nad is None else nad.removeprefix(f"{ns}/")

    return {
        i["vm"].removeprefix(f"{ns}/"): (
            i["state"],
            short(i["declared"]),
            short(i["live_vm"]),
            short(i["vmi"]),
            short(i["pod"]),
        )
        for i in doc["items"]
    }


def test_every_state_live_with_the_read_only_role(kube: Kube, world: tuple[str, Path]) -> None:
    ns, repo = world
    doc, code = _drift(repo, ClusterSettings(kubeconfig=kube.kubeconfig("reader")))
    assert _states(doc, ns) == EXPECTED
    assert code is ExitCode.UNDECIDED  # one Unknown: exit 3 wins over 1
    details = {i["vm"].removeprefix(f"{ns}/"): i["detail"] for i in doc["items"]}
    assert details["vm-failed"] == "migration mig-failed failed: aborted"
    assert details["vm-not-migratable"] == (
        f"LiveMigratable=False (DisksNotLiveMigratable: PVC data is not shared); the pod is still on {ns}/nad-a"
    )
    assert details["vm-unknown"] == (
        f"pod {ns}/virt-launcher-vm-unknown-abcde: annotation k8s.v1.cni.cncf.io/network-status is missing"
    )
    assert details["vm-pending"].startswith("MigrationRequired=True, no migration yet (1 running")
    assert details["vm-no-vmi"] == (
        "VirtualMachineInstances could not be read: virtualmachineinstances.kubevirt.io: VirtualMachine "
        f"{ns}/vm-no-vmi reports printableStatus Running, but no VirtualMachineInstance {ns}/vm-no-vmi was captured"
    )


def test_live_records_are_structured(kube: Kube, world: tuple[str, Path]) -> None:
    """The live reader hands the same Unreadable records as a snapshot: resource, cause, namespace, subjects."""
    from gitnad.models.cluster import ResourceType, UnreadableCause
    from gitnad.sources.cluster import load_facts

    ns, _ = world
    facts = load_facts(ClusterSettings(kubeconfig=kube.kubeconfig("reader")), [ns])
    assert [(u.resource, u.cause, u.namespace, u.subjects) for u in facts.unreadable] == [
        (ResourceType.VMIS, UnreadableCause.CONTRADICTED, ns, (f"{ns}/vm-no-vmi",))
    ]


def test_snapshot_of_the_cluster_gives_the_same_verdicts(kube: Kube, world: tuple[str, Path], tmp_path: Path) -> None:
    ns, repo = world
    live, _ = _drift(repo, ClusterSettings(kubeconfig=kube.kubeconfig("reader")))
    snap = tmp_path / "snap.yaml"
    app_snapshot.run(ClusterSettings(kubeconfig=kube.kubeconfig("reader")), [ns], snap, None)
    offline, code = _drift(repo, ClusterSettings(snapshot=snap))
    assert offline["items"] == live["items"]
    assert code is ExitCode.UNDECIDED


def test_forbidden_user_is_exit_3(kube: Kube, world: tuple[str, Path]) -> None:
    from gitnad.errors import ClusterError

    _, repo = world
    with pytest.raises(ClusterError) as err:
        _drift(repo, ClusterSettings(kubeconfig=kube.kubeconfig("user")))
    assert err.value.exit_code is ExitCode.UNDECIDED
