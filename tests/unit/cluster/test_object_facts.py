"""One object's facts that cannot be trusted, in a List whose kinds were all captured: an object another one shows
but that is missing, two objects with one name or uid, a field of the wrong type, a timestamp without a zone.
Each makes the VMs it concerns `Unknown` (naming the object and the field), never Stopped, InSync or PodDrift,
and never depends on list order. Real files (YAML and JSON), real reader and classifier.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from gitnad.errors import SnapshotError
from gitnad.models.cluster import ResourceType, UnreadableCause
from gitnad.models.results import DriftState as S
from tests.e2e import kubevirt_actor as k
from tests.unit.cluster.listfiles import (
    NETS,
    NS,
    POD_UID,
    VMI_UID,
    Bend,
    cluster,
    declared,
    drift,
    facts_of,
    items,
    write,
)

Objs = dict[str, list[dict[str, Any]]]
IN_SYNC = (S.IN_SYNC, "VM, VMI and pod virt-launcher-vm1-abcde on prod/nad-b")


def _vm2(objs: Objs, **status: Any) -> None:
    """A second VM prod/vm2 (no VMI) whose status says what the test wants."""
    vm = k.vm("vm2", NS, NETS, printable="Stopped")
    vm["status"].update(status)
    objs["VirtualMachine"].append(vm)


# --- objects shown by others but missing (captured kinds) ---------------------------------------------------------


def _no_vmi(objs: Objs) -> None:
    objs["VirtualMachineInstance"] = []
    objs["Pod"] = []


def _migration_gone(objs: Objs) -> None:
    objs["VirtualMachineInstance"][0]["status"]["migrationState"] = {
        "startTimestamp": "2026-11-24T10:04:00Z",
        "migrationUid": "uid-mig-2",
        "sourceNode": "node02",
        "targetNode": "node01",
    }
    objs["VirtualMachineInstanceMigration"] = [
        k.migration("old", NS, "vm1", phase="Succeeded", created="2026-11-20T10:00:00Z")
    ]


def _migration_there(objs: Objs) -> None:
    _migration_gone(objs)
    mig = k.migration("new", NS, "vm1", phase="Running", created="2026-11-24T10:03:00Z")
    mig["metadata"]["uid"] = "uid-mig-2"
    objs["VirtualMachineInstanceMigration"].append(mig)


def _active_pod_gone(objs: Objs) -> None:
    """The VMI's active pod (restarted in place) was not captured; an older pod on the same node was."""
    objs["VirtualMachineInstance"][0]["status"]["activePods"] = {"uid-newer-pod": "node02"}
    objs["Pod"][0]["metadata"]["uid"] = "uid-older-pod"


GAPS: list[tuple[str, Bend, tuple[S, str], list[tuple[ResourceType, str, tuple[str, ...]]]]] = [
    (
        "vm-running-no-vmi-captured",
        _no_vmi,
        (
            S.UNKNOWN,
            "VirtualMachineInstances could not be read: virtualmachineinstances.kubevirt.io: VirtualMachine prod/vm1 "
            "reports printableStatus Running, but no VirtualMachineInstance prod/vm1 was captured",
        ),
        [
            (
                ResourceType.VMIS,
                "VirtualMachine prod/vm1 reports printableStatus Running, but no VirtualMachineInstance prod/vm1 was "
                "captured",
                ("prod/vm1",),
            )
        ],
    ),
    (
        "vm-created-no-vmi-captured",
        lambda o: (_no_vmi(o), o["VirtualMachine"][0]["status"].update(printableStatus="Starting", created=True)),
        (
            S.UNKNOWN,
            "VirtualMachineInstances could not be read: virtualmachineinstances.kubevirt.io: VirtualMachine prod/vm1 "
            "reports status.created: true, but no VirtualMachineInstance prod/vm1 was captured",
        ),
        [
            (
                ResourceType.VMIS,
                "VirtualMachine prod/vm1 reports status.created: true, but no VirtualMachineInstance prod/vm1 was "
                "captured",
                ("prod/vm1",),
            )
        ],
    ),
    (
        "vm-always-without-status-no-vmi-captured",
        lambda o: (_no_vmi(o), o["VirtualMachine"][0].pop("status")),
        (
            S.UNKNOWN,
            "VirtualMachineInstances could not be read: virtualmachineinstances.kubevirt.io: VirtualMachine prod/vm1 "
            "reports runStrategy Always and no status, but no VirtualMachineInstance prod/vm1 was captured",
        ),
        [
            (
                ResourceType.VMIS,
                "VirtualMachine prod/vm1 reports runStrategy Always and no status, but no VirtualMachineInstance "
                "prod/vm1 was captured",
                ("prod/vm1",),
            )
        ],
    ),
    (
        "vm-always-crash-looping-no-vmi-is-consistent",
        lambda o: (_no_vmi(o), o["VirtualMachine"][0]["status"].update(printableStatus="CrashLoopBackOff")),
        (S.STOPPED, "VM has no VMI (printableStatus CrashLoopBackOff): nothing to migrate"),
        [],
    ),
    (
        "vm-stopped-no-vmi-is-consistent",
        lambda o: (_no_vmi(o), o["VirtualMachine"][0]["status"].update(printableStatus="Stopped")),
        (S.STOPPED, "VM has no VMI (printableStatus Stopped): nothing to migrate"),
        [],
    ),
    (
        "migration-in-flight-not-captured",
        _migration_gone,
        (
            S.UNKNOWN,
            "migrations could not be read: virtualmachineinstancemigrations.kubevirt.io: VirtualMachineInstance "
            "prod/vm1 reports migration uid-mig-2 in flight (status.migrationState), but no "
            "VirtualMachineInstanceMigration with that uid was captured",
        ),
        [
            (
                ResourceType.MIGRATIONS,
                "VirtualMachineInstance prod/vm1 reports migration uid-mig-2 in flight (status.migrationState), but no "
                "VirtualMachineInstanceMigration with that uid was captured",
                ("prod/vm1",),
            )
        ],
    ),
    ("migration-in-flight-captured", _migration_there, IN_SYNC, []),
    (
        "active-pod-not-captured",
        _active_pod_gone,
        (
            S.UNKNOWN,
            "virt-launcher pods could not be read: pods: VirtualMachineInstance prod/vm1 lists launcher pod "
            "uid-newer-pod on node node02 in status.activePods, but no pod with that uid was captured",
        ),
        [
            (
                ResourceType.PODS,
                "VirtualMachineInstance prod/vm1 lists launcher pod uid-newer-pod on node node02 in status.activePods, "
                "but no pod with that uid was captured",
                ("prod/vm1",),
            )
        ],
    ),
    (
        "another-vm-without-its-vmi-does-not-matter",
        lambda o: _vm2(o, printableStatus="Running"),
        IN_SYNC,
        [
            (
                ResourceType.VMIS,
                "VirtualMachine prod/vm2 reports printableStatus Running, but no VirtualMachineInstance prod/vm2 was "
                "captured",
                ("prod/vm2",),
            )
        ],
    ),
]


@pytest.mark.parametrize(("bend", "verdict", "records"), [g[1:] for g in GAPS], ids=[g[0] for g in GAPS])
def test_objects_missing_although_shown(
    tmp_path: Path, bend: Bend, verdict: tuple[S, str], records: list[tuple[ResourceType, str, tuple[str, ...]]]
) -> None:
    objs = cluster()
    bend(objs)
    path = write(tmp_path / "snap.yaml", items(objs))
    facts = facts_of(path)
    assert [(u.resource, u.reason, u.subjects) for u in facts.unreadable] == records
    assert all(u.cause is UnreadableCause.CONTRADICTED and u.namespace == NS for u in facts.unreadable)
    (item,) = drift(path)
    assert (item.state, item.detail) == verdict


# --- duplicates ----------------------------------------------------------------------------------------------------


def _twice(kind: str, change: Any = None) -> Bend:
    """The first object of `kind` listed again (changed by `change`), right after the original."""

    def bend(objs: Objs) -> None:
        copy_ = copy.deepcopy(objs[kind][0])
        if change is not None:
            change(copy_)
        objs[kind].insert(1, copy_)

    return bend


def _pod_on(nad: str) -> Any:
    def change(pod: dict[str, Any]) -> None:
        status = [{"name": "ovn-kubernetes", "interface": "eth0", "default": True}]
        status.append({"name": nad, "interface": k.pod_iface("secondary-network")})
        pod["metadata"]["annotations"][k.NETWORK_STATUS_ANNOTATION] = k.json.dumps(status)

    return change


def _renamed(name: str) -> Any:
    def change(obj: dict[str, Any]) -> None:
        obj["metadata"]["name"] = name

    return change


def _vmi_spec_nad(nad: str) -> Any:
    def change(vmi: dict[str, Any]) -> None:
        vmi["spec"]["networks"][1]["multus"]["networkName"] = nad

    return change


VMIS_TEXT = "VirtualMachineInstances could not be read: virtualmachineinstances.kubevirt.io: "
DUPLICATES: list[tuple[str, Bend, ResourceType, str, tuple[str, ...], str]] = [
    (
        "vmi-twice-one-on-the-old-nad",
        _twice("VirtualMachineInstance", _vmi_spec_nad("nad-a")),
        ResourceType.VMIS,
        "VirtualMachineInstance prod/vm1 is listed 2 times",
        ("prod/vm1",),
        VMIS_TEXT + "VirtualMachineInstance prod/vm1 is listed 2 times",
    ),
    (
        "vmis-sharing-a-uid",
        _twice("VirtualMachineInstance", _renamed("vm1-copy")),
        ResourceType.VMIS,
        f"VirtualMachineInstances prod/vm1, prod/vm1-copy share metadata.uid {VMI_UID}",
        ("prod/vm1", "prod/vm1-copy"),
        VMIS_TEXT + f"VirtualMachineInstances prod/vm1, prod/vm1-copy share metadata.uid {VMI_UID}",
    ),
    (
        "vm-twice",
        _twice("VirtualMachine", lambda vm: vm["spec"].update(runStrategy="Halted")),
        ResourceType.VMS,
        "VirtualMachine prod/vm1 is listed 2 times",
        ("prod/vm1",),
        "VirtualMachines could not be read: virtualmachines.kubevirt.io: VirtualMachine prod/vm1 is listed 2 times",
    ),
    (
        "pod-twice-on-different-nads",
        _twice("Pod", _pod_on("prod/nad-a")),
        ResourceType.PODS,
        "Pod prod/virt-launcher-vm1-abcde is listed 2 times",
        ("prod/vm1",),
        "virt-launcher pods could not be read: pods: Pod prod/virt-launcher-vm1-abcde is listed 2 times",
    ),
    (
        "pods-sharing-a-uid",
        _twice("Pod", _renamed("virt-launcher-vm1-zzzzz")),
        ResourceType.PODS,
        f"Pods prod/virt-launcher-vm1-abcde, prod/virt-launcher-vm1-zzzzz share metadata.uid {POD_UID}",
        ("prod/vm1",),
        "virt-launcher pods could not be read: pods: Pods prod/virt-launcher-vm1-abcde, prod/virt-launcher-vm1-zzzzz "
        f"share metadata.uid {POD_UID}",
    ),
    (
        "nad-twice",
        lambda o: o["NetworkAttachmentDefinition"].append(copy.deepcopy(o["NetworkAttachmentDefinition"][1])),
        ResourceType.NADS,
        "NetworkAttachmentDefinition prod/nad-b is listed 2 times",
        ("prod/nad-b",),
        "NetworkAttachmentDefinitions could not be read: network-attachment-definitions.k8s.cni.cncf.io: "
        "NetworkAttachmentDefinition prod/nad-b is listed 2 times",
    ),
]


def _with_migration_twice(objs: Objs) -> None:
    objs["VirtualMachineInstance"][0]["status"]["conditions"].append(
        k.cond("MigrationRequired", "True", "AutoMigrationDueToLiveUpdate")
    )
    objs["Pod"] = [_pod_on_old(objs["Pod"][0])]
    objs["VirtualMachineInstanceMigration"] = [
        k.migration("m1", NS, "vm1", phase="Failed", created="2026-11-24T10:01:00Z"),
        k.migration("m1", NS, "vm1", phase="Running", created="2026-11-24T10:01:00Z"),
    ]


def _pod_on_old(pod: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(pod)
    _pod_on("prod/nad-a")(out)
    return out


DUPLICATES.append(
    (
        "migration-twice-failed-and-running",
        _with_migration_twice,
        ResourceType.MIGRATIONS,
        "VirtualMachineInstanceMigration prod/m1 is listed 2 times",
        ("prod/vm1",),
        "migrations could not be read: virtualmachineinstancemigrations.kubevirt.io: VirtualMachineInstanceMigration "
        "prod/m1 is listed 2 times",
    )
)


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
@pytest.mark.parametrize(
    ("bend", "resource", "reason", "subjects", "detail"), [d[1:] for d in DUPLICATES], ids=[d[0] for d in DUPLICATES]
)
def test_duplicates_are_unknown_in_either_order(
    tmp_path: Path, suffix: str, bend: Bend, resource: ResourceType, reason: str, subjects: tuple[str, ...], detail: str
) -> None:
    objs = cluster()
    bend(objs)
    forward = write(tmp_path / f"forward{suffix}", items(objs))
    backward = write(tmp_path / f"backward{suffix}", list(reversed(items(objs))))
    results = []
    for path in (forward, backward):
        facts = facts_of(path)
        (record,) = facts.unreadable
        assert (record.resource, record.cause, record.subjects) == (resource, UnreadableCause.DUPLICATE, subjects)
        lines = record.reason.removeprefix(reason)
        assert lines == "" if suffix == ".json" else lines.startswith(" (lines ")  # YAML: both places named
        (item,) = drift(path)
        results.append((item.state, item.detail.removesuffix(lines)))
    assert results == [(S.UNKNOWN, detail), (S.UNKNOWN, detail)]


def test_duplicate_lines_in_a_yaml_snapshot(tmp_path: Path) -> None:
    objs = cluster()
    _twice("VirtualMachineInstance")(objs)
    path = write(tmp_path / "snap.yaml", items(objs))
    text = path.read_text().splitlines()
    starts = [
        i + 1
        for i, line in enumerate(text)
        if line == "- apiVersion: kubevirt.io/v1" and "VirtualMachineInstance" in text[i + 1]
    ]
    (record,) = facts_of(path).unreadable
    assert record.reason == f"VirtualMachineInstance prod/vm1 is listed 2 times (lines {starts[0]}, {starts[1]})"


def test_duplicate_kubevirt_cr_leaves_kubevirt_unknown(tmp_path: Path) -> None:
    objs = cluster()
    _twice("KubeVirt", lambda kv: kv["spec"]["workloadUpdateStrategy"].update(workloadUpdateMethods=[]))(objs)
    facts = facts_of(write(tmp_path / "snap.json", items(objs)))
    (record,) = facts.unreadable
    assert (record.resource, record.namespace, record.subjects, record.reason) == (
        ResourceType.KUBEVIRT,
        None,
        (),
        "KubeVirt kubevirt/kubevirt is listed 2 times",
    )
    assert (facts.kubevirt, facts.kubevirt_installed) == (None, True)


def test_json_snapshot_with_a_duplicate_key_is_refused_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path / "snap.json", items(cluster()))
    lines = path.read_text().splitlines()
    at = next(i for i, line in enumerate(lines) if '"runStrategy"' in line)
    lines.insert(at + 1, lines[at].replace('"Always"', '"Halted"'))
    path.write_text("\n".join(lines))
    with pytest.raises(SnapshotError) as err:
        facts_of(path)
    start = next(i for i in range(at, -1, -1) if lines[i].endswith("{")) + 1
    assert err.value.message == (
        f"{path}:{start}: not valid JSON: duplicate key 'runStrategy' (in the object starting on line {start})"
    )
    assert err.value.exit_code == 2


# --- fields of the wrong type, timestamps --------------------------------------------------------------------------


def _set(kind: str, path: str, value: Any) -> Bend:
    def bend(objs: Objs) -> None:
        node = objs[kind][0]
        *parents, last = path.split(".")
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node.setdefault(key, {})
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value

    return bend


VMI_AT = "VirtualMachineInstance prod/vm1"
MALFORMED: list[tuple[str, Bend, ResourceType, str, str]] = [
    (
        "vmi-interfaces-a-string",
        _set("VirtualMachineInstance", "status.interfaces", "eth0"),
        ResourceType.VMIS,
        f"{VMI_AT}: status.interfaces is a string, not a list",
        "VirtualMachineInstances could not be read: virtualmachineinstances.kubevirt.io: ",
    ),
    (
        "vmi-conditions-a-mapping",
        _set("VirtualMachineInstance", "status.conditions", {"type": "Ready", "status": "True"}),
        ResourceType.VMIS,
        f"{VMI_AT}: status.conditions is a mapping, not a list",
        "VirtualMachineInstances could not be read: virtualmachineinstances.kubevirt.io: ",
    ),
    (
        "vmi-migration-state-a-list",
        _set("VirtualMachineInstance", "status.migrationState", [{"completed": True}]),
        ResourceType.VMIS,
        f"{VMI_AT}: status.migrationState is a list, not a mapping",
        "VirtualMachineInstances could not be read: virtualmachineinstances.kubevirt.io: ",
    ),
    (
        "vmi-pod-interface-name-a-number",
        _set("VirtualMachineInstance", "status.interfaces.1.podInterfaceName", 7),
        ResourceType.VMIS,
        f"{VMI_AT}: status.interfaces[1].podInterfaceName is a number, not a string",
        "VirtualMachineInstances could not be read: virtualmachineinstances.kubevirt.io: ",
    ),
    (
        "vmi-migration-start-not-a-time",
        _set("VirtualMachineInstance", "status.migrationState", {"startTimestamp": "yesterday"}),
        ResourceType.VMIS,
        f"{VMI_AT}: status.migrationState.startTimestamp is 'yesterday', not an RFC 3339 time",
        "VirtualMachineInstances could not be read: virtualmachineinstances.kubevirt.io: ",
    ),
    (
        "vmi-networks-a-mapping",
        _set("VirtualMachineInstance", "spec.networks", {"name": "secondary-network"}),
        ResourceType.VMIS,
        f"{VMI_AT}: spec.networks is a mapping, not a list",
        "VirtualMachineInstances could not be read: virtualmachineinstances.kubevirt.io: ",
    ),
    (
        "vm-condition-a-string",
        _set("VirtualMachine", "status.conditions", ["RestartRequired"]),
        ResourceType.VMS,
        "VirtualMachine prod/vm1: status.conditions[0] is a string, not a mapping",
        "VirtualMachines could not be read: virtualmachines.kubevirt.io: ",
    ),
    (
        "vm-running-a-string",
        _set("VirtualMachine", "spec.running", "false"),
        ResourceType.VMS,
        "VirtualMachine prod/vm1: spec.running is a string, not a boolean",
        "VirtualMachines could not be read: virtualmachines.kubevirt.io: ",
    ),
    (
        "pod-node-a-number",
        _set("Pod", "spec.nodeName", 2),
        ResourceType.PODS,
        "Pod prod/virt-launcher-vm1-abcde: spec.nodeName is a number, not a string",
        "virt-launcher pods could not be read: pods: ",
    ),
    (
        "pod-created-not-a-time",
        _set("Pod", "metadata.creationTimestamp", "last tuesday"),
        ResourceType.PODS,
        "Pod prod/virt-launcher-vm1-abcde: metadata.creationTimestamp is 'last tuesday', not an RFC 3339 time",
        "virt-launcher pods could not be read: pods: ",
    ),
    (
        "pod-annotation-not-a-string",
        lambda o: o["Pod"][0]["metadata"]["annotations"].update(
            {k.NETWORK_STATUS_ANNOTATION: [{"name": "prod/nad-b"}]}
        ),
        ResourceType.PODS,
        f"Pod prod/virt-launcher-vm1-abcde: metadata.annotations['{k.NETWORK_STATUS_ANNOTATION}'] is a list, "
        "not a string",
        "virt-launcher pods could not be read: pods: ",
    ),
]


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
@pytest.mark.parametrize(
    ("bend", "resource", "reason", "detail"), [m[1:] for m in MALFORMED], ids=[m[0] for m in MALFORMED]
)
def test_a_field_of_the_wrong_type_leaves_its_object_unknown(
    tmp_path: Path, suffix: str, bend: Bend, resource: ResourceType, reason: str, detail: str
) -> None:
    objs = cluster()
    bend(objs)
    path = write(tmp_path / f"snap{suffix}", items(objs))
    (record,) = facts_of(path).unreadable
    kind, rest = reason.split(": ", 1)
    line = "" if suffix == ".json" else f" (line {_item_line(path, kind)})"
    expected = f"{kind}{line}: {rest}"
    assert (record.resource, record.cause, record.reason, record.namespace, record.subjects) == (
        resource,
        UnreadableCause.MALFORMED,
        expected,
        NS,
        ("prod/vm1",),
    )
    (item,) = drift(path)
    assert (item.state, item.detail) == (S.UNKNOWN, detail + expected)


def _item_line(path: Path, kind_and_key: str) -> int:
    kind, key = kind_and_key.split(" ")
    name = key.split("/")[1]
    lines = path.read_text().splitlines()
    for i, line in enumerate(lines):
        if (
            line.startswith("- apiVersion")
            and lines[i + 1] == f"  kind: {kind}"
            and f"    name: {name}" in lines[i + 2 : i + 12]
        ):
            return i + 1
    raise AssertionError(f"{kind_and_key} not in {path}")


def test_kubevirt_with_a_wrong_type_is_unknown_not_defaulted(tmp_path: Path) -> None:
    objs = cluster()
    _set("KubeVirt", "spec.configuration.migrations.parallelMigrationsPerCluster", True)(objs)
    facts = facts_of(write(tmp_path / "snap.json", items(objs)))
    (record,) = facts.unreadable
    assert (record.resource, record.namespace, record.subjects, record.reason) == (
        ResourceType.KUBEVIRT,
        None,
        (),
        "KubeVirt kubevirt/kubevirt: spec.configuration.migrations.parallelMigrationsPerCluster is a boolean, "
        "not an integer",
    )
    assert facts.kubevirt is None and facts.kubevirt_installed


@pytest.mark.parametrize(
    ("levels", "what"),
    [(100, "nested deeper than 64 levels"), (5_000, "nested too deeply to decode")],
    ids=["over-the-bound", "over-the-recursion-limit"],
)
def test_deep_network_status_names_the_pod(tmp_path: Path, levels: int, what: str) -> None:
    objs = cluster()
    objs["Pod"][0]["metadata"]["annotations"][k.NETWORK_STATUS_ANNOTATION] = "[" * levels + "]" * levels
    (item,) = drift(write(tmp_path / "snap.json", items(objs)))
    assert (item.state, item.detail) == (
        S.UNKNOWN,
        f"pod prod/virt-launcher-vm1-abcde: k8s.v1.cni.cncf.io/network-status is {what}",
    )


def test_deep_network_entry_in_a_json_snapshot_names_the_object(tmp_path: Path) -> None:
    """Under the decoder's recursion limit, but too deep to re-encode safely: that object is unreadable."""
    path = write(tmp_path / "snap.json", items(cluster()))
    text = path.read_text()
    marker = '"networkName": "nad-b"'
    at = text.index(marker, text.index('"kind": "VirtualMachineInstance"')) + len(marker)
    path.write_text(text[:at] + ', "extra": ' + '{"x": ' * 800 + "{}" + "}" * 800 + text[at:])
    (record,) = facts_of(path).unreadable
    assert record.reason == f"{VMI_AT}: spec.networks[1] is nested deeper than 64 levels"


@pytest.mark.parametrize("levels", [1_000, 100_000], ids=["1k", "100k"])
def test_a_json_snapshot_nested_too_deeply_is_refused(tmp_path: Path, levels: int) -> None:
    path = tmp_path / "snap.json"
    path.write_text('{"apiVersion": "v1", "kind": "List", "items": ' + "[" * levels + "]" * levels + "}")
    with pytest.raises(SnapshotError) as err:
        facts_of(path)
    assert err.value.message == f"{path}:1: not a usable JSON List: nested too deeply to decode"


@pytest.mark.parametrize(
    ("older", "newer", "state"),
    [
        ("2026-11-24T10:00:00", "2026-11-24T10:05:02Z", S.IN_SYNC),
        ("2026-11-24T10:00:00Z", "2026-11-24T10:05:02", S.IN_SYNC),
        ("2026-11-24T12:00:00+02:00", "2026-11-24T10:05:02", S.IN_SYNC),
    ],
    ids=["naive-then-aware", "aware-then-naive", "offset-then-naive"],
)
def test_timestamps_with_and_without_a_zone(tmp_path: Path, older: str, newer: str, state: S) -> None:
    """Two launcher pods on the VMI's node: the newest decides, whatever zone notation each time uses."""
    objs = cluster()
    new_pod = objs["Pod"][0]
    new_pod["metadata"]["creationTimestamp"] = newer
    old_pod = _pod_on_old(new_pod)
    old_pod["metadata"].update(name="virt-launcher-vm1-older", uid="uid-older", creationTimestamp=older)
    objs["Pod"].append(old_pod)
    objs["VirtualMachineInstance"][0]["status"]["activePods"] = {POD_UID: "node02", "uid-older": "node02"}
    objs["VirtualMachineInstanceMigration"] = [
        k.migration("m-aware", NS, "vm1", phase="Failed", created="2026-11-24T09:00:00Z"),
        k.migration("m-naive", NS, "vm1", phase="Succeeded", created="2026-11-24T09:30:00"),
    ]
    (item,) = drift(write(tmp_path / "snap.yaml", items(objs)))
    assert (item.state, item.pod, item.migration) == (state, "prod/nad-b", "m-naive")


def test_declared_vm_with_an_unreadable_other_vm_is_decided(tmp_path: Path) -> None:
    objs = cluster()
    _vm2(objs)
    objs["VirtualMachine"][1]["status"]["conditions"] = "broken"
    path = write(tmp_path / "snap.yaml", items(objs))
    items_ = drift(path, [declared(), declared("vm2")])
    assert [(i.vm, i.state) for i in items_] == [("prod/vm1", S.IN_SYNC), ("prod/vm2", S.UNKNOWN)]
