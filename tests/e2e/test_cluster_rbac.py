"""deploy/rbac on a real API server: the read-only role suffices for every read gitnad makes and for watches,
and is refused (403) for every write; the reconcile role adds exactly its two writes; no role at all is exit 3."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from gitnad.config import ClusterSettings
from gitnad.errors import ClusterError
from gitnad.models.cluster import FactSource, ResourceType, UnreadableCause
from gitnad.sources.cluster import assemble, load_facts
from gitnad.sources.cluster.live import LiveReader, api_client, custom_objects_api
from tests.e2e.conftest import Kube

pytestmark = pytest.mark.slow

client = pytest.importorskip("kubernetes.client")
VOLATILE = {"source", "origin", "captured_at"}


def _status(call: Callable[[], Any]) -> int:
    """HTTP status of a raw (`_preload_content=False`) client call."""
    try:
        resp = call()
    except client.exceptions.ApiException as e:
        return int(e.status)
    return int(resp.status)


def _writes(api: Any, ns: str) -> dict[str, Callable[[], Any]]:
    co = client.CustomObjectsApi(api)
    core = client.CoreV1Api(api)
    raw = {"_preload_content": False}
    migration = {
        "apiVersion": "kubevirt.io/v1",
        "kind": "VirtualMachineInstanceMigration",
        "metadata": {"generateName": "gitnad-test-"},
        "spec": {"vmiName": "test-vm"},
    }
    nad = {"apiVersion": "k8s.cni.cncf.io/v1", "kind": "NetworkAttachmentDefinition", "metadata": {"name": "x"}}
    label = {"metadata": {"labels": {"x": "y"}}}
    return {
        "create-migration": lambda: co.create_namespaced_custom_object(
            "kubevirt.io", "v1", ns, "virtualmachineinstancemigrations", migration, **raw
        ),
        "restart-vm": lambda: _restart(api, ns),
        "patch-vm": lambda: co.patch_namespaced_custom_object(
            "kubevirt.io", "v1", ns, "virtualmachines", "test-vm", label, **raw
        ),
        "delete-vmi": lambda: co.delete_namespaced_custom_object(
            "kubevirt.io", "v1", ns, "virtualmachineinstances", "test-vm", **raw
        ),
        "create-nad": lambda: co.create_namespaced_custom_object(
            "k8s.cni.cncf.io", "v1", ns, "network-attachment-definitions", nad, **raw
        ),
        "delete-pod": lambda: core.delete_namespaced_pod("virt-launcher-test-vm-fghij", ns, **raw),
        "patch-kubevirt": lambda: co.patch_namespaced_custom_object(
            "kubevirt.io", "v1", "kubevirt", "kubevirts", "kubevirt", label, **raw
        ),
    }


def _restart(api: Any, ns: str) -> Any:
    """PUT .../virtualmachines/<name>/restart (KubeVirt's aggregated API; RBAC verb `update`)."""
    resp = api.call_api(
        *api.param_serialize(
            "PUT",
            f"/apis/subresources.kubevirt.io/v1/namespaces/{ns}/virtualmachines/test-vm/restart",
            auth_settings=["BearerToken"],
            body={},
        )
    )
    resp.read()
    return resp


def test_reader_role_reads_everything_gitnad_needs(kube: Kube) -> None:
    ns = kube.namespace("rbac-read")
    kube.scenario(ns)
    as_admin = load_facts(ClusterSettings(kubeconfig=kube.kubeconfig("admin")), [ns])
    as_reader = load_facts(ClusterSettings(kubeconfig=kube.kubeconfig("reader")), [ns])
    assert as_reader.model_dump(exclude=VOLATILE) == as_admin.model_dump(exclude=VOLATILE)
    assert as_reader.unreadable == () and as_reader.dnc_known
    all_ns = load_facts(ClusterSettings(kubeconfig=kube.kubeconfig("reader")), None)  # cluster-wide lists
    assert f"{ns}/test-vm" in all_ns.vms_by_key


def test_reader_role_can_watch(kube: Kube) -> None:
    """drift --wait watches; one event from a VMI watch proves `watch` is granted."""
    ns = kube.namespace("rbac-watch")
    kube.scenario(ns)
    api = api_client(ClusterSettings(kubeconfig=kube.kubeconfig("reader")))
    co = custom_objects_api(api)
    resp = co.list_namespaced_custom_object(
        "kubevirt.io", "v1", ns, "virtualmachineinstances", watch=True, timeout_seconds=2, _preload_content=False
    )
    first = resp.readline()
    resp.release_conn()
    assert b'"type":"ADDED"' in first and b'"name":"test-vm"' in first


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        (
            "reader",
            {
                "create-migration": 403,
                "restart-vm": 403,
                "patch-vm": 403,
                "delete-vmi": 403,
                "create-nad": 403,
                "delete-pod": 403,
                "patch-kubevirt": 403,
            },
        ),
        (
            "reconciler",
            {
                "create-migration": 201,
                # authorized; the test server has no aggregated subresources.kubevirt.io API (no virt-api)
                "restart-vm": 404,
                "patch-vm": 403,
                "delete-vmi": 403,
                "create-nad": 403,
                "delete-pod": 403,
                "patch-kubevirt": 403,
            },
        ),
    ],
    ids=["reader", "reconciler"],
)
def test_writes_per_role(kube: Kube, who: str, expected: dict[str, int]) -> None:
    ns = kube.namespace(f"rbac-{who}")
    kube.scenario(ns)
    api = api_client(ClusterSettings(kubeconfig=kube.kubeconfig(who)))
    writes = _writes(api, ns)
    assert {name: _status(call) for name, call in writes.items()} == expected


def test_no_role_is_a_clear_exit_3(kube: Kube) -> None:
    with pytest.raises(ClusterError) as err:
        load_facts(ClusterSettings(kubeconfig=kube.kubeconfig("user")), ["default"])
    assert err.value.message.startswith(
        "list kubevirts.kubevirt.io in all namespaces: 403 Forbidden: kubevirts.kubevirt.io is forbidden: "
        'User "envtest-user" cannot list resource "kubevirts" in API group "kubevirt.io" at the cluster scope'
    )
    assert err.value.message.endswith(
        "(the identity lacks RBAC permission; see deploy/rbac/ for the roles gitnad needs)"
    )


def test_cli_snapshot_forbidden_exits_3_and_writes_nothing(kube: Kube, tmp_path: Path) -> None:
    out = tmp_path / "s.yaml"
    cmd = [sys.executable, "-m", "gitnad.cli", "snapshot", "--kubeconfig", str(kube.kubeconfig("user")), "-o", str(out)]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert res.returncode == 3
    assert res.stderr.startswith("gitnad: error: list kubevirts.kubevirt.io in all namespaces: 403 Forbidden: ")
    assert res.stdout == "" and list(tmp_path.iterdir()) == []


def test_daemonsets_forbidden_is_unknown_not_absent(kube: Kube) -> None:
    """A namespaced-only identity: per-namespace fallback for scoped lists, DNC fact marked unknown (GN208)."""
    ns, ns2 = kube.namespace("rbac-ns"), kube.namespace("rbac-ns2")
    for n in (ns, ns2):
        kube.scenario(n)
        kube.rbac.create_namespaced_role_binding(
            n,
            {
                "metadata": {"name": "gitnad-reader"},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "gitnad-reader"},
                "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "gitnad-ns-reader"}],
            },
        )
    kube.rbac.create_cluster_role(
        {
            "metadata": {"name": f"kv-only-{ns}"},
            "rules": [{"apiGroups": ["kubevirt.io"], "resources": ["kubevirts"], "verbs": ["list"]}],
        }
    )
    kube.rbac.create_cluster_role_binding(
        {
            "metadata": {"name": f"kv-only-{ns}"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": f"kv-only-{ns}"},
            "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "gitnad-ns-reader"}],
        }
    )
    reader = LiveReader(ClusterSettings(kubeconfig=kube.kubeconfig("nsreader")))
    facts = assemble.to_facts(reader.capture([ns, ns2]), FactSource.LIVE)
    assert [v.key for v in facts.vms] == sorted([f"{ns}/test-vm", f"{ns2}/test-vm"])
    # kubevirts 1 + daemonsets 1 (403) + per scoped type: cluster-wide 403, then one list per namespace
    assert reader.requests == 2 + 5 * 3
    assert facts.dnc_known is False and facts.dynamic_networks_controller is None
    (record,) = facts.unreadable
    assert (record.resource, record.cause, record.namespace, record.subjects) == (
        ResourceType.DAEMONSETS,
        UnreadableCause.NOT_READ,
        None,
        (),
    )
    assert record.text == (
        "daemonsets.apps: list daemonsets.apps in all namespaces: 403 Forbidden: daemonsets.apps is forbidden: User "
        '"gitnad-ns-reader" cannot list resource "daemonsets" in API group "apps" at the cluster scope '
        "(the identity lacks RBAC permission; see deploy/rbac/ for the roles gitnad needs)"
    )
