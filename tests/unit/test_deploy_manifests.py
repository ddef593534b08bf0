"""deploy/: every manifest parses, has the expected kinds, runs the right command with the right identity,
and the RBAC roles grant what the code calls (reads, watches, the two reconcile writes) and no other write."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from gitnad.sources.cluster import actions, kinds
from gitnad.sources.cluster.watch import WATCHED

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
READ_VERBS = {"get", "list", "watch"}

EXPECTED_KINDS = {
    "argocd/postsync-drift-job.yaml": ["Job"],
    "cronjobs/reconcile.yaml": ["CronJob"],
    "cronjobs/drift-report.yaml": ["CronJob"],
    "flux/kustomizations.yaml": ["Kustomization", "Kustomization"],
    "flux/drift-job/kustomization.yaml": ["Kustomization"],
    "flux/drift-job/job.yaml": ["Job"],
    "rbac/clusterrole-reader.yaml": ["ClusterRole"],
    "rbac/clusterrole-reconciler.yaml": ["ClusterRole"],
    "rbac/serviceaccount.yaml": ["ServiceAccount", "ClusterRoleBinding", "ServiceAccount", "ClusterRoleBinding"],
}

# (file, ServiceAccount, ClusterRole it must be bound to, the gitnad command line)
WORKLOADS = [
    (
        "argocd/postsync-drift-job.yaml",
        "gitnad",
        "gitnad-reader",
        'drift --repo /tmp/repo --ref "${GITNAD_REF:-HEAD}" --wait --timeout 15m',
    ),
    ("flux/drift-job/job.yaml", "gitnad", "gitnad-reader", "drift --repo /tmp/repo --ref HEAD --wait --timeout 15m"),
    (
        "cronjobs/reconcile.yaml",
        "gitnad-reconciler",
        "gitnad-reconciler",
        "reconcile --repo /tmp/repo --ref HEAD --apply --max-actions 5",
    ),
    ("cronjobs/drift-report.yaml", "gitnad", "gitnad-reader", "drift --repo /tmp/repo --ref HEAD --format json"),
]


def _docs(rel: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all((DEPLOY / rel).read_text()) if d]


def test_every_file_is_known() -> None:
    found = sorted(str(p.relative_to(DEPLOY)) for p in DEPLOY.rglob("*.yaml"))
    assert found == sorted(EXPECTED_KINDS)


@pytest.mark.parametrize("rel", sorted(EXPECTED_KINDS), ids=sorted(EXPECTED_KINDS))
def test_kinds(rel: str) -> None:
    assert [d["kind"] for d in _docs(rel)] == EXPECTED_KINDS[rel]


def _pod_spec(doc: dict[str, Any]) -> dict[str, Any]:
    if doc["kind"] == "CronJob":
        assert doc["apiVersion"] == "batch/v1"
        spec: dict[str, Any] = doc["spec"]["jobTemplate"]["spec"]["template"]["spec"]
        return spec
    assert (doc["apiVersion"], doc["kind"]) == ("batch/v1", "Job")
    pod: dict[str, Any] = doc["spec"]["template"]["spec"]
    return pod


def _bindings() -> dict[str, str]:
    """ServiceAccount name -> ClusterRole it is bound to."""
    return {
        d["subjects"][0]["name"]: d["roleRef"]["name"]
        for d in _docs("rbac/serviceaccount.yaml")
        if d["kind"] == "ClusterRoleBinding"
    }


@pytest.mark.parametrize(("rel", "sa", "role", "command"), WORKLOADS, ids=[w[0] for w in WORKLOADS])
def test_workloads_install_from_the_index_and_run_as_the_right_identity(
    rel: str, sa: str, role: str, command: str
) -> None:
    (doc,) = _docs(rel)
    spec = _pod_spec(doc)
    (container,) = spec["containers"]
    script = container["args"][0]
    assert container["image"] == "python:3.12-bookworm"
    assert 'pip install --quiet --no-cache-dir "gitnad[cluster]==${GITNAD_VERSION}"' in script
    assert f"exec /tmp/venv/bin/gitnad {command}\n" in script
    assert spec["serviceAccountName"] == sa
    assert _bindings()[sa] == role
    assert spec["restartPolicy"] == "Never"
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert container["securityContext"]["readOnlyRootFilesystem"] is True


def test_argocd_hook_is_post_sync() -> None:
    (job,) = _docs("argocd/postsync-drift-job.yaml")
    assert job["metadata"]["annotations"]["argocd.argoproj.io/hook"] == "PostSync"
    timeout_s = 15 * 60
    assert job["spec"]["activeDeadlineSeconds"] > timeout_s


def test_flux_drift_depends_on_the_fleet() -> None:
    fleet, drift = _docs("flux/kustomizations.yaml")
    assert drift["spec"]["dependsOn"] == [{"name": fleet["metadata"]["name"]}]
    assert drift["spec"]["path"] == "./deploy/flux/drift-job"
    assert (drift["spec"]["force"], drift["spec"]["wait"]) == (True, True)
    assert _docs("flux/drift-job/kustomization.yaml")[0]["resources"] == ["job.yaml"]


def test_reconcile_cronjob_never_overlaps() -> None:
    (cron,) = _docs("cronjobs/reconcile.yaml")
    assert cron["spec"]["concurrencyPolicy"] == "Forbid"


def _grants(rel: str) -> set[tuple[str, str, str]]:
    (role,) = _docs(rel)
    return {
        (g, r, v) for rule in role["rules"] for g in rule["apiGroups"] for r in rule["resources"] for v in rule["verbs"]
    }


CODE_READS = {(r.group, r.plural, "list") for r in kinds.RESOURCES} | {(r.group, r.plural, "watch") for r in WATCHED}
CODE_WRITES = {
    (kinds.MIGRATIONS.group, kinds.MIGRATIONS.plural, "create"),
    (actions.SUBRESOURCES_GROUP, "virtualmachines/restart", "update"),
}


@pytest.mark.parametrize(
    ("rel", "writes"),
    [("rbac/clusterrole-reader.yaml", set()), ("rbac/clusterrole-reconciler.yaml", CODE_WRITES)],
    ids=["reader", "reconciler"],
)
def test_rbac_covers_exactly_what_the_code_calls(rel: str, writes: set[tuple[str, str, str]]) -> None:
    granted = _grants(rel)
    assert CODE_READS | writes <= granted
    read_resources = {(g, r) for g, r, _ in CODE_READS}
    extra = granted - CODE_READS - writes
    # Beyond the calls: only read verbs on resources gitnad already reads (get, watch), never a write.
    assert all((g, r) in read_resources and v in READ_VERBS for g, r, v in extra), extra
    assert {t for t in granted if t[2] not in READ_VERBS} == writes
