"""`gitnad reconcile` live on a real kube-apiserver, as the reconcile RBAC role: migrations only within the
free slots, labelled and annotated, never duplicated on a second run; a restart goes through KubeVirt's
aggregated subresource API (tests/e2e/virt_api.py registers one with the real aggregator) and is a reported
failure where that API is not served."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gitnad.app import reconcile as app_reconcile
from gitnad.config import ClusterSettings, OutputFormat
from gitnad.errors import ExitCode
from gitnad.report import render
from tests.e2e.conftest import Kube
from tests.e2e.kubevirt_actor import KV_GROUP, KV_VERSION, Net, Seeder, cond, manifest
from tests.e2e.virt_api import VirtApi
from tests.envtest import Envtest
from tests.gitutil import commit, make_repo

pytestmark = pytest.mark.slow

REQUIRED = cond("MigrationRequired", "True", "AutoMigrationDueToLiveUpdate")
MIGRATABLE = cond("LiveMigratable", "True")
NEW = [Net("default"), Net("bridge-net", "nad-b")]


def _world(kube: Kube, tmp_path: Path, pending: int, running: int, restart: bool = False) -> tuple[Seeder, Path, str]:
    """`pending` VMs waiting for a migration, `running` others already migrating (slots taken)."""
    ns = kube.namespace("reconcile")
    s = Seeder(kube.api, ns)
    s.nad("nad-a", 10)
    s.nad("nad-b", 20)
    names = [f"vm-{i}" for i in range(pending)]
    for name in names:
        s.running(name, NEW, NEW, {"bridge-net": f"{ns}/nad-a"}, vmi_conditions=[MIGRATABLE, REQUIRED])
    for i in range(running):
        s.migration(f"busy-{i}", f"other-{i}", "Running")
    if restart:
        names.append("vm-restart")
        s.running(
            "vm-restart",
            NEW,
            [Net("default"), Net("bridge-net", "nad-a")],
            vm_conditions=[cond("RestartRequired", "True")],
        )
    repo_dir = tmp_path / "repo"
    sha = commit(make_repo(repo_dir), {f"vms/{n}.yaml": manifest(n, ns, NEW) for n in names})
    return s, repo_dir, sha


def _reconcile(kube: Kube, repo: Path, *, apply: bool, allow_restart: bool = False) -> tuple[dict[str, Any], ExitCode]:
    req = app_reconcile.ReconcileRequest(
        repo=repo,
        config_file=None,
        ref="HEAD",
        base=None,
        apply=apply,
        allow_restart=allow_restart,
        max_actions=None,
        cluster=ClusterSettings(kubeconfig=kube.kubeconfig("reconciler")),
    )
    result, code = app_reconcile.run(req)
    return json.loads(render(result, OutputFormat.JSON)), code


def _outcomes(doc: dict[str, Any], ns: str) -> list[tuple[str, str, str]]:
    return [(a["vm"].removeprefix(f"{ns}/"), a["kind"], a["outcome"]) for a in doc["actions"]]


def test_apply_within_slots_then_idempotent(kube: Kube, tmp_path: Path) -> None:
    s, repo, sha = _world(kube, tmp_path, pending=5, running=2)  # limit 5, 2 running: 3 free slots
    dry, code = _reconcile(kube, repo, apply=False)
    assert code is ExitCode.FINDINGS
    assert (dry["applied"], dry["free_slots"]) == (False, 3)
    assert _outcomes(dry, s.ns) == [
        (f"vm-{i}", "create-migration", "planned" if i < 3 else "skipped") for i in range(5)
    ]
    assert [m["metadata"]["name"] for m in s.migrations()] == ["busy-0", "busy-1"]  # dry-run changed nothing

    first, _ = _reconcile(kube, repo, apply=True)
    assert _outcomes(first, s.ns) == [
        (f"vm-{i}", "create-migration", "applied" if i < 3 else "skipped") for i in range(5)
    ]
    assert first["actions"][3]["result"] == "no free migration slot (2 running, limit 5)"
    created = [m for m in s.migrations() if not m["metadata"]["name"].startswith("busy-")]
    assert sorted(m["spec"]["vmiName"] for m in created) == ["vm-0", "vm-1", "vm-2"]
    for m in created:
        assert m["metadata"]["name"].startswith(f"gitnad-{m['spec']['vmiName']}-")
        assert m["metadata"]["labels"] == {
            "app.kubernetes.io/managed-by": "gitnad",
            "kubevirt.io/vmi-name": m["spec"]["vmiName"],
        }
        assert m["metadata"]["annotations"] == {"gitnad.dev/commit": sha}
    assert {a["result"] for a in first["actions"][:3]} == {
        f"created migration {m['metadata']['name']}" for m in created
    }

    # Second run: the new migrations are Pending (KubeVirt does not count them as running), so the last
    # two VMs now fit; the first three are MigrationQueued and get nothing.
    second, _ = _reconcile(kube, repo, apply=True)
    assert _outcomes(second, s.ns) == [
        ("vm-0", "none", "skipped"),
        ("vm-1", "none", "skipped"),
        ("vm-2", "none", "skipped"),
        ("vm-3", "create-migration", "applied"),
        ("vm-4", "create-migration", "applied"),
    ]
    third, _ = _reconcile(kube, repo, apply=True)
    assert {a["outcome"] for a in third["actions"]} == {"skipped"}
    per_vmi: dict[str, int] = {}
    for m in s.migrations():
        per_vmi[m["spec"]["vmiName"]] = per_vmi.get(m["spec"]["vmiName"], 0) + 1
    assert per_vmi == {"other-0": 1, "other-1": 1, "vm-0": 1, "vm-1": 1, "vm-2": 1, "vm-3": 1, "vm-4": 1}


def test_restart_without_virt_api_is_a_reported_failure(kube: Kube, tmp_path: Path) -> None:
    s, repo, _ = _world(kube, tmp_path, pending=0, running=0, restart=True)
    skipped, _ = _reconcile(kube, repo, apply=True)
    assert [(a["kind"], a["outcome"], a["result"]) for a in skipped["actions"]] == [
        ("restart-vm", "skipped", "needs --allow-restart")
    ]
    doc, code = _reconcile(kube, repo, apply=True, allow_restart=True)
    (action,) = doc["actions"]
    assert (action["kind"], action["outcome"]) == ("restart-vm", "failed")
    assert action["result"].startswith(
        f"PUT /apis/subresources.kubevirt.io/v1/namespaces/{s.ns}/virtualmachines/vm-restart/restart: 404"
    )
    assert action["result"].endswith(
        "(subresources.kubevirt.io is not served: is KubeVirt's virt-api running and aggregated?)"
    )
    assert code is ExitCode.FINDINGS


@pytest.fixture
def virt_api(envtest: Envtest, kube: Kube) -> Iterator[VirtApi]:
    api = VirtApi(envtest, kube.api).start()
    yield api
    api.stop()


def test_restart_through_kubevirts_subresource_api(kube: Kube, tmp_path: Path, virt_api: VirtApi) -> None:
    """The whole path of a restart: gitnad's request, authorized by the real RBAC of the reconcile role, proxied
    by the real aggregator to virt-api, which asks virt-controller (VM status) to stop and start the VMI."""
    s, repo, _ = _world(kube, tmp_path, pending=0, running=0, restart=True)
    doc, code = _reconcile(kube, repo, apply=True, allow_restart=True)
    assert [(a["vm"], a["kind"], a["outcome"], a["result"]) for a in doc["actions"]] == [
        (f"{s.ns}/vm-restart", "restart-vm", "applied", "restart requested")
    ]
    assert code is ExitCode.FINDINGS  # requested, not done: the VM converges once virt-controller restarts it
    (request,) = virt_api.restarts()
    # KubeVirt's client: PUT .../virtualmachines/<name>/restart with a JSON RestartOptions body ({} for defaults).
    assert (request.method, request.path) == (
        "PUT",
        f"/apis/subresources.kubevirt.io/v1/namespaces/{s.ns}/virtualmachines/vm-restart/restart",
    )
    assert json.loads(request.body) == {} and request.headers["Content-Type"] == "application/json"
    # Authenticated as gitnad's identity by the API server; the credential itself never reaches virt-api.
    assert request.headers["X-Remote-User"] == "gitnad-reconciler"
    assert "Authorization" not in request.headers
    vm = s.co.get_namespaced_custom_object(KV_GROUP, KV_VERSION, s.ns, "virtualmachines", "vm-restart")
    vmi = s.co.get_namespaced_custom_object(KV_GROUP, KV_VERSION, s.ns, "virtualmachineinstances", "vm-restart")
    assert vm["status"]["stateChangeRequests"] == [
        {"action": "Stop", "uid": vmi["metadata"]["uid"]},
        {"action": "Start"},
    ]

    # Run again before virt-controller acted: virt-api refuses a second stop/start, gitnad reports it.
    again, _ = _reconcile(kube, repo, apply=True, allow_restart=True)
    (action,) = again["actions"]
    assert (action["outcome"], action["result"]) == (
        "failed",
        f"PUT /apis/subresources.kubevirt.io/v1/namespaces/{s.ns}/virtualmachines/vm-restart/restart: "
        "500 Internal Server Error: unable to complete request: stop/start already underway",
    )
    assert len(virt_api.restarts()) == 2


def test_restart_is_refused_to_the_read_only_role(kube: Kube, tmp_path: Path, virt_api: VirtApi) -> None:
    """RBAC is the API server's: the reader role never reaches virt-api."""
    s, repo, _ = _world(kube, tmp_path, pending=0, running=0, restart=True)
    req = app_reconcile.ReconcileRequest(
        repo=repo,
        config_file=None,
        ref="HEAD",
        base=None,
        apply=True,
        allow_restart=True,
        max_actions=None,
        cluster=ClusterSettings(kubeconfig=kube.kubeconfig("reader")),
    )
    result, _ = app_reconcile.run(req)
    (action,) = result.actions
    assert action.outcome.value == "failed"
    assert action.result is not None and action.result.startswith(
        f"PUT /apis/subresources.kubevirt.io/v1/namespaces/{s.ns}/virtualmachines/vm-restart/restart: 403 Forbidden: "
        'virtualmachines.subresources.kubevirt.io "vm-restart" is forbidden: User "gitnad-reader" cannot update '
        'resource "virtualmachines/restart" in API group "subresources.kubevirt.io"'
    )
    assert virt_api.restarts() == []
