"""Snapshot files: kubectl Lists, gitnad Lists (annotations), stale warnings, errors with file and line, stripping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from gitnad.config import ClusterSettings
from gitnad.errors import SnapshotError
from gitnad.models.cluster import FactSource, ResourceType, UnreadableCause
from gitnad.sources.cluster import assemble, kinds, load_facts, snapshot_text
from gitnad.sources.cluster import snapshot as sf
from gitnad.sources.cluster.kinds import Capture, ReadState, ResourceRead

DATA = Path(__file__).resolve().parents[2] / "data" / "cluster"
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def test_kubectl_list_without_annotations() -> None:
    """A kind absent from a hand-made List is empty only when nothing in the List contradicts it (SPEC §7)."""
    path = DATA / "kubectl-list.yaml"
    facts = load_facts(ClusterSettings(snapshot=path))
    assert facts.source is FactSource.SNAPSHOT and facts.namespaces is None and facts.captured_at is None
    assert [v.key for v in facts.vms] == ["default/test-vm"]
    assert [n.key for n in facts.nads] == ["default/nad-with-vlan20"]
    assert [(v.key, v.uid, v.phase) for v in facts.vmis] == [
        ("default/test-vm", "11111111-2222-3333-4444-555555555555", "Running")
    ]
    hint = "to it, or write it with gitnad snapshot"
    assert [(u.resource, u.cause, u.reason, u.namespace, u.subjects) for u in facts.unreadable] == [
        (
            ResourceType.KUBEVIRT,
            UnreadableCause.CONTRADICTED,
            "the List has no KubeVirt CR, but VirtualMachine default/test-vm needs it (and 1 more): "
            f"add `kubectl get kubevirt -A -o yaml` {hint}",
            None,
            (),
        ),
        (
            ResourceType.PODS,
            UnreadableCause.CONTRADICTED,
            "the List has no virt-launcher pod, but VirtualMachineInstance default/test-vm is Running: "
            f"add `kubectl get pods -A -l kubevirt.io=virt-launcher -o yaml` {hint}",
            None,
            (),
        ),
        (
            ResourceType.DAEMONSETS,
            UnreadableCause.CONTRADICTED,
            "the List has no DaemonSet, but VirtualMachineInstance default/test-vm is Running (virt-handler, a "
            f"DaemonSet, runs it): add `kubectl get ds -A -o yaml` {hint}",
            None,
            (),
        ),
    ]
    assert (facts.kubevirt_installed, facts.kubevirt, facts.dnc_known, facts.migrations) == (True, None, False, ())
    assert facts.warnings == (
        f"{path}: ignored 1 object(s) of kind Service",
        f"{path}: no VirtualMachineInstanceMigration in the List and nothing in it shows one exists: taken as none "
        "(virtualmachineinstancemigrations.kubevirt.io assumed empty; a List written by gitnad snapshot says what "
        "it captured)",
    )


def _capture(**reads: ResourceRead) -> Capture:
    full = {r.name: ResourceRead(r, ReadState.READ) for r in kinds.RESOURCES}
    full.update({k: v for k, v in reads.items()})
    return Capture(origin="test", captured_at=NOW - timedelta(hours=3), namespaces=("ns",), reads=full)


def _pod(**meta: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": "virt-launcher-a",
            "namespace": "ns",
            "uid": "p1",
            "labels": {"kubevirt.io": "virt-launcher"},
            "annotations": {
                "k8s.v1.cni.cncf.io/networks": "[]",
                "kubectl.kubernetes.io/last-applied-configuration": "x",
            },
            "managedFields": [{"manager": "m"}],
            **meta,
        },
        "spec": {"nodeName": "n1", "containers": [{"name": "c", "env": [{"name": "SECRET", "value": "s"}]}]},
        "status": {"phase": "Running", "podIP": "10.0.0.1"},
    }


def test_round_trip_with_annotations(tmp_path: Path) -> None:
    capture = _capture(
        **{
            "pods": ResourceRead(kinds.PODS, ReadState.READ, items=(_pod(),)),
            "network-attachment-definitions.k8s.cni.cncf.io": ResourceRead(
                kinds.NADS, ReadState.NOT_INSTALLED, reason=kinds.NOT_INSTALLED_REASON
            ),
            "daemonsets.apps": ResourceRead(kinds.DAEMONSETS, ReadState.UNREADABLE, reason="403 Forbidden"),
        }
    )
    path = tmp_path / "s.yaml"
    path.write_text(snapshot_text(capture, "yaml"))
    facts = load_facts(ClusterSettings(snapshot=path, max_snapshot_age=timedelta(hours=1)), now=NOW)
    expected = assemble.to_facts(capture, FactSource.LIVE)
    volatile = {"source", "origin", "warnings"}
    assert facts.model_dump(exclude=volatile) == expected.model_dump(exclude=volatile)
    assert [u.text for u in facts.unreadable] == ["daemonsets.apps: 403 Forbidden"] and not facts.dnc_known
    assert (facts.kubevirt_installed, facts.kubevirt) == (False, None)  # read, and there is no KubeVirt CR
    assert facts.warnings == (
        f"snapshot {path} is stale: captured 2026-11-25T09:00:00Z, 3h ago (more than --max-snapshot-age 1h)",
        *expected.warnings,
    )
    assert expected.warnings == (
        "network-attachment-definitions.k8s.cni.cncf.io: not installed (the API server does not serve this API)",
        "no KubeVirt CR in the cluster: KubeVirt is not deployed",
    )


def test_pod_is_stripped() -> None:
    assert sf.strip(kinds.PODS, _pod()) == {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": "virt-launcher-a",
            "namespace": "ns",
            "uid": "p1",
            "labels": {"kubevirt.io": "virt-launcher"},
            "annotations": {"k8s.v1.cni.cncf.io/networks": "[]"},
        },
        "spec": {"nodeName": "n1"},
        "status": {"phase": "Running"},
    }


def test_vm_volumes_and_managed_fields_are_dropped_without_touching_the_capture() -> None:
    vm: dict[str, Any] = {
        "apiVersion": "kubevirt.io/v1",
        "kind": "VirtualMachine",
        "metadata": {"name": "a", "namespace": "ns", "managedFields": [{}]},
        "spec": {"template": {"spec": {"volumes": [{"name": "ci"}], "networks": []}}},
    }
    out = sf.strip(kinds.VMS, vm)
    assert out == {
        "apiVersion": "kubevirt.io/v1",
        "kind": "VirtualMachine",
        "metadata": {"name": "a", "namespace": "ns"},
        "spec": {"template": {"spec": {"networks": []}}},
    }
    assert vm["spec"]["template"]["spec"]["volumes"] == [{"name": "ci"}]


@pytest.mark.parametrize(
    ("max_age", "captured", "warning"),
    [
        (None, "2026-11-20T00:00:00Z", None),
        (timedelta(days=7), "2026-11-20T00:00:00Z", None),
        (
            timedelta(minutes=30),
            "2026-11-25T11:15:30Z",
            "is stale: captured 2026-11-25T11:15:30Z, 44m30s ago (more than --max-snapshot-age 30m)",
        ),
        (timedelta(hours=1), None, "has no gitnad.dev/captured-at annotation: its age cannot be checked"),
    ],
    ids=["no-limit", "fresh", "stale", "no-capture-time"],
)
def test_max_snapshot_age(tmp_path: Path, max_age: timedelta | None, captured: str | None, warning: str | None) -> None:
    ann = f"\n  annotations:\n    gitnad.dev/captured-at: '{captured}'" if captured else ""
    path = tmp_path / "s.yaml"
    path.write_text(f"apiVersion: v1\nkind: List\nmetadata:{ann or ' {}'}\nitems: []\n")
    capture = sf.read(path, max_age, NOW)
    assert capture.warnings == ((f"snapshot {path} {warning}",) if warning else ())


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "apiVersion: v1\nkind: List\nitems: []\nkind: List\n",
            "{path}:4: duplicate mapping key 'kind' (first on line 2)",
        ),
        (
            "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\n",
            "{path}:1: not a Kubernetes v1 List (kind: 'Pod'); write it with gitnad snapshot",
        ),
        ("- a\n- b\n", "{path}:1: not a Kubernetes v1 List (the document is not a mapping)"),
        ("kind: List\nitems: {}\n", "{path}:1: items is not a list"),
        ("kind: List\nitems:\n- x\n", "{path}:3: list item is not an object"),
        ("kind: List\nitems:\n- kind: VirtualMachine\n", "{path}:3: list item without apiVersion/kind"),
        (
            "kind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: p}\n"
            "- apiVersion: kubevirt.io/v1\n  kind: VirtualMachineInstance\n  metadata: {name: a, namespace: ns}\n",
            "{path}:6: VirtualMachineInstance ns/a without metadata.uid",
        ),
        ("kind: List\n---\nkind: List\n", "{path}:1: expected one Kubernetes v1 List document, found 2 documents"),
        ('{"kind": "List", "items": [}', "{path}:1: not valid JSON: Expecting value: line 1 column 28 (char 27)"),
        (
            '{"kind": "List", "items": [{"apiVersion": "v1", "kind": "Pod", '
            '"metadata": {"name": "p", "namespace": "n", "labels": {"kubevirt.io": "virt-launcher"}}}]}',
            "{path}: Pod #1: Pod n/p without metadata.uid",
        ),
        (
            "kind: List\nmetadata:\n  annotations: {gitnad.dev/captured-at: yesterday}\nitems: []\n",
            "{path}: annotation gitnad.dev/captured-at: 'yesterday' is not an RFC 3339 time",
        ),
    ],
    ids=[
        "yaml-duplicate-key",
        "not-a-list",
        "not-a-mapping",
        "items-not-a-list",
        "item-not-object",
        "item-without-apiversion",
        "vmi-without-uid-line",
        "two-documents",
        "json-syntax",
        "json-item-error",
        "bad-captured-at",
    ],
)
def test_bad_files_name_file_and_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "snap.json" if text.startswith("{") else tmp_path / "snap.yaml"
    path.write_text(text)
    with pytest.raises(SnapshotError) as err:
        load_facts(ClusterSettings(snapshot=path))
    assert err.value.message == message.format(path=path)
    assert err.value.exit_code == 2


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SnapshotError) as err:
        load_facts(ClusterSettings(snapshot=tmp_path / "nope.yaml"))
    assert err.value.message == f"cannot read snapshot {tmp_path / 'nope.yaml'}: No such file or directory"


@pytest.mark.parametrize(
    "reason",
    [
        "403 Forbidden",
        'list daemonsets.apps in all namespaces: 403 Forbidden: User "a=b" cannot list resource "daemonsets" '
        "(the identity lacks RBAC permission; see deploy/rbac/ for the roles gitnad needs)",
    ],
    ids=["plain", "with-semicolon-and-equals"],
)
def test_unreadable_reasons_survive_the_annotation(tmp_path: Path, reason: str) -> None:
    """`gitnad.dev/unreadable` keys are the resource names, so an API message with `;` or `=` is kept whole."""
    capture = _capture(
        **{
            "daemonsets.apps": ResourceRead(kinds.DAEMONSETS, ReadState.UNREADABLE, reason=reason),
            "pods": ResourceRead(kinds.PODS, ReadState.UNREADABLE, reason="timed out; retried 5 times"),
        }
    )
    path = tmp_path / "s.yaml"
    path.write_text(snapshot_text(capture, "yaml"))
    facts = load_facts(ClusterSettings(snapshot=path))
    assert [u.text for u in facts.unreadable] == [
        "pods: timed out; retried 5 times",
        f"daemonsets.apps: {reason}",
    ]


@pytest.mark.parametrize(
    ("meta", "message"),
    [
        (
            '{name: "vm1\\n\\e[31mred", namespace: prod}',
            "{path}:3: VirtualMachine metadata.name 'vm1\\n\\x1b[31mred' is not a Kubernetes object name",
        ),
        (
            "{name: vm1, namespace: Prod_Env}",
            "{path}:3: VirtualMachine vm1: metadata.namespace 'Prod_Env' is not a Kubernetes namespace name",
        ),
    ],
    ids=["escape-sequence-in-name", "invalid-namespace"],
)
def test_a_name_the_api_server_would_refuse_is_refused(tmp_path: Path, meta: str, message: str) -> None:
    """Hostile names (newlines, terminal escapes) never reach a message: the file is refused, escaped."""
    path = tmp_path / "snap.yaml"
    path.write_text(f"kind: List\nitems:\n- apiVersion: kubevirt.io/v1\n  kind: VirtualMachine\n  metadata: {meta}\n")
    with pytest.raises(SnapshotError) as err:
        load_facts(ClusterSettings(snapshot=path))
    assert err.value.message == message.format(path=path)
