"""Equal networks and interfaces are converted once per capture (`convert.Memo`): the facts are exactly those of
converting every object on its own, for every cluster snapshot in the repository, every field of every kind given
the wrong type, and values built to look alike (one differing only in type, key order or namespace)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from gitnad.errors import SnapshotError
from gitnad.models.cluster import ClusterFacts, FactSource, ResourceType
from gitnad.sources.cluster import assemble, convert, kinds
from gitnad.sources.cluster import snapshot as sf
from gitnad.sources.cluster.kinds import Capture, ReadState, ResourceRead
from tests.e2e import kubevirt_actor as k
from tests.unit.cluster.listfiles import NETS, NS, cluster, items, write

ROOT = Path(__file__).resolve().parents[3]
Obj = dict[str, Any]


def _snapshot_files() -> list[Path]:
    out = []
    for top in ("fixtures", "tests", "policies"):
        for path in sorted((ROOT / top).rglob("*")):
            if path.suffix in (".yaml", ".json") and path.is_file() and path.stat().st_size < 2**20:
                text = path.read_text(encoding="utf-8", errors="replace")
                if "kind: List" in text or '"kind": "List"' in text:
                    out.append(path)
    return out


SNAPSHOTS = _snapshot_files()


def _facts(capture: Capture) -> ClusterFacts | str:
    """The facts, or the message of the object that makes the whole read fail."""
    try:
        return assemble.to_facts(capture, FactSource.SNAPSHOT)
    except assemble.ItemError as e:
        return f"{e.resource.kind} #{e.index}: {e.message}"


def _both(capture: Capture, monkeypatch: pytest.MonkeyPatch) -> tuple[ClusterFacts | str, ClusterFacts | str]:
    """(facts with the memo, facts with every object converted on its own)."""
    shared = _facts(capture)
    with monkeypatch.context() as m:
        m.setattr(convert.Memo, "networks", lambda _self, _ns, _values, convert: convert())
        alone = _facts(capture)
    return shared, alone


def _read(capture: Capture, monkeypatch: pytest.MonkeyPatch) -> ClusterFacts:
    """The facts of a capture that reads, the same both ways."""
    shared, alone = _both(capture, monkeypatch)
    assert shared == alone
    assert isinstance(shared, ClusterFacts), shared
    return shared


def _capture(objs: list[Obj]) -> Capture:
    """The objects as a snapshot reader would hand them over (every kind read), without a file."""
    per: dict[str, list[Obj]] = {r.name: [] for r in kinds.RESOURCES}
    for obj in objs:
        resource = kinds.resource_of(obj["apiVersion"], obj["kind"])
        assert resource is not None
        per[resource.name].append(obj)
    reads = {r.name: ResourceRead(r, ReadState.READ, items=tuple(per[r.name])) for r in kinds.RESOURCES}
    return Capture(origin="test", captured_at=None, namespaces=None, reads=reads, warnings=())


def test_the_corpus_has_the_repository_snapshots() -> None:
    assert len(SNAPSHOTS) >= 20, SNAPSHOTS


@pytest.mark.parametrize("path", SNAPSHOTS, ids=[str(p.relative_to(ROOT)) for p in SNAPSHOTS])
def test_every_snapshot_in_the_repository(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    try:
        capture = sf.read(path)
    except SnapshotError:
        pytest.skip("not a readable snapshot (tested as such elsewhere)")
    shared, alone = _both(capture, monkeypatch)
    assert shared == alone


def test_a_vm_and_its_vmi_share_what_they_declare_alike(monkeypatch: pytest.MonkeyPatch) -> None:
    """Not a vacuous memo: the VMI's networks are the very models of its VM's template."""
    shared = _read(_capture(items(cluster())), monkeypatch)
    with monkeypatch.context() as m:
        m.setattr(convert.Memo, "networks", lambda _self, _ns, _values, convert: convert())
        alone = _read(_capture(items(cluster())), m)
    assert shared.vms[0].networks[1] is shared.vmis[0].networks[1]
    assert alone.vms[0].networks[1] is not alone.vmis[0].networks[1]


WRONG: tuple[Any, ...] = (7, ["x"], {"a": 1}, "x", True, None)
DONE = k.migration("vm1-done", NS, "vm1", phase="Succeeded", created="2026-11-24T09:00:00Z")


def _wrong_type_cases() -> Iterator[tuple[str, list[Obj]]]:
    """The healthy cluster with one field of snapshot.KEEP given a wrong value, next to an untouched copy of the
    object (so the memo holds the good value when the bad one comes, and the other way round)."""
    for resource, keep in sf.KEEP.items():
        if resource is kinds.DAEMONSETS:
            continue
        for path in _paths(keep):
            for value in WRONG:
                objs = [*items(cluster()), copy.deepcopy(DONE)]
                target = next(o for o in objs if o["kind"] == resource.kind)
                twin = copy.deepcopy(target)
                twin["metadata"]["name"] += "-twin"
                twin["metadata"]["uid"] = "uid-twin"
                _set(target, path, value)
                yield f"{resource.kind}:{'.'.join(path)}={value!r}", [*objs, twin]


def _paths(keep: sf.Keep, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for key, sub in keep.items():
        yield (*prefix, key)
        if sub is not None:
            yield from _paths(sub, (*prefix, key))


def _set(obj: Obj, path: tuple[str, ...], value: Any) -> None:
    for part in path[:-1]:
        if not isinstance(obj.get(part), dict):
            obj[part] = {}
        obj = obj[part]
    obj[path[-1]] = copy.deepcopy(value)


WRONG_TYPE = list(_wrong_type_cases())


@pytest.mark.parametrize(("case", "objs"), WRONG_TYPE, ids=[c for c, _ in WRONG_TYPE])
def test_every_field_with_the_wrong_type(case: str, objs: list[Obj], monkeypatch: pytest.MonkeyPatch) -> None:
    shared, alone = _both(_capture(objs), monkeypatch)
    assert shared == alone


def _vm(name: str, ns: str, networks: Any, interfaces: Any, domain: Any = None) -> Obj:
    body = k.vm(name, ns, NETS)
    spec = body["spec"]["template"]["spec"]
    spec["networks"] = networks
    spec["domain"] = {"devices": {"interfaces": interfaces}} if domain is None else domain
    return body


def _multus(name: Any, **extra: Any) -> list[Obj]:
    return [{"name": "default", "pod": {}}, {"name": "secondary-network", "multus": {"networkName": name, **extra}}]


def _nested(depth: int) -> Any:
    value: Any = []
    for _ in range(depth):
        value = [value]
    return value


IFACES = [{"name": "default", "masquerade": {}}, {"name": "secondary-network", "bridge": {}}]
LOOK_ALIKES: list[tuple[Any, Any, Any]] = [
    (_multus("nad-b"), IFACES, None),
    (_multus(5), IFACES, None),
    (_multus("5"), IFACES, None),
    (_multus(5.0), IFACES, None),
    (_multus(True), IFACES, None),
    (_multus("true"), IFACES, None),
    (_multus("nad-b", default=True), IFACES, None),
    (_multus("nad-b", default="true"), IFACES, None),
    (list(reversed(_multus("nad-b"))), IFACES, None),
    ([{"multus": {"networkName": "nad-b"}, "name": "secondary-network"}], IFACES, None),
    ([{"name": "secondary-network", "multus": {"networkName": "nad-b", 1: "int key"}}], IFACES, None),
    ([{"name": "secondary-network", "multus": {"networkName": "nad-b", "1": "int key"}}], IFACES, None),
    (_multus("nad-b", since=datetime(2026, 1, 1)), IFACES, None),
    (_multus("nad-b", since="2026-01-01 00:00:00"), IFACES, None),
    (_multus("nad-b"), [{"name": "secondary-network", "bridge": {}, "macAddress": "02:00:00:00:00:01"}], None),
    (_multus("nad-b"), [{"name": "secondary-network", "binding": {"name": "passt"}}], None),
    (_multus("nad-b"), [{"name": "secondary-network", "passt": {}}], None),
    (_multus("nad-b"), IFACES, {"devices": "not a mapping"}),
    (_multus("nad-b"), None, {"devices": "not a mapping"}),
    (_multus("nad-b"), None, "not a mapping"),
    (_multus("nad-b"), None, {}),
    ("not a list", IFACES, None),
    ([{"name": "deep", "pod": _nested(70)}], IFACES, None),
]


@pytest.mark.parametrize("order", ["forward", "backward"])
def test_values_that_look_alike_convert_as_they_would_alone(order: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each look-alike in two namespaces and twice in each (a hit after the first), in both orders (so each is met
    with the memo holding the others): whatever differs in type, key order or namespace converts on its own; an
    unreadable one stays unreadable (as `domain` not a mapping while the interfaces it would hold are absent,
    next to a readable VM without interfaces)."""
    objs = [k.kubevirt_cr()]
    for i, (networks, interfaces, domain) in enumerate(LOOK_ALIKES):
        for ns in (NS, "other"):
            for copy_ in ("a", "b"):
                objs.append(_vm(f"vm{i}-{copy_}", ns, copy.deepcopy(networks), copy.deepcopy(interfaces), domain))
    shared = _read(_capture(objs if order == "forward" else objs[::-1]), monkeypatch)
    assert {u.reason.split(":")[0] for u in shared.unknown(ResourceType.VMS)} == {
        f"VirtualMachine {ns}/vm{i}-{c}" for i in (17, 18, 19, 21, 22) for ns in (NS, "other") for c in "ab"
    }
    by_key = {vm.key: vm for vm in shared.vms}
    assert by_key["prod/vm1-a"].networks[1] == by_key["prod/vm2-a"].networks[1]  # 5 and "5": one NAD name
    assert by_key["prod/vm3-a"].networks[1].nad_raw == "5.0"
    assert by_key["prod/vm0-a"].networks[1].nad == "prod/nad-b"
    assert by_key["other/vm0-a"].networks[1].nad == "other/nad-b"


def test_a_written_list_reads_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The look-alikes that JSON can hold, through a real JSON file and the real reader."""
    objs: list[Obj] = [k.kubevirt_cr()]
    for i, (networks, interfaces, domain) in enumerate(LOOK_ALIKES):
        if i in (10, 12):
            continue  # an int key and a datetime: not JSON
        for copy_ in ("a", "b"):
            objs.append(_vm(f"vm{i}-{copy_}", NS, copy.deepcopy(networks), copy.deepcopy(interfaces), domain))
    _read(sf.read(write(tmp_path / "list.json", objs)), monkeypatch)
