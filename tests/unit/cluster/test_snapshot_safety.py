"""What a snapshot may hold and how big it may be: the allow-list keeps credentials, user data and environment
out of written files (and out of memory when reading), and oversized files are refused before they are read."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from gitnad.config import DEFAULT_MAX_SNAPSHOT_BYTES, ClusterSettings
from gitnad.errors import SnapshotError
from gitnad.models.cluster import FactSource
from gitnad.sources.cluster import assemble, kinds, load_facts, snapshot_text
from gitnad.sources.cluster import snapshot as sf
from gitnad.sources.cluster.kinds import Capture, ReadState, ResourceRead
from tests.unit.cluster.listfiles import cluster, items, write

SECRET_URL = "https://admin:s3cr3t-Passw0rd@images.example.com/fedora.qcow2?token=tok-123"
USER_DATA = "#cloud-config\npassword: hunter2-cloud-init\nchpasswd: {expire: false}\n"
ENV_VALUE = "db-password-from-env"
SECRETS = (SECRET_URL, "s3cr3t-Passw0rd", "tok-123", "hunter2-cloud-init", ENV_VALUE, "template-annotation-secret")


def _leaky(objs: dict[str, list[dict[str, Any]]]) -> None:
    """What a real cluster returns beside what gitnad reads: DataVolume URLs, cloud-init, env, annotations."""
    vm = objs["VirtualMachine"][0]
    vm["metadata"]["annotations"] = {
        "kubectl.kubernetes.io/last-applied-configuration": json.dumps({"userData": USER_DATA}),
        "note": "template-annotation-secret",
    }
    vm["metadata"]["managedFields"] = [{"manager": "argocd", "fieldsV1": {"f:spec": {}}}]
    vm["spec"]["dataVolumeTemplates"] = [
        {"metadata": {"name": "root"}, "spec": {"source": {"http": {"url": SECRET_URL}}}}
    ]
    template = vm["spec"]["template"]
    template["metadata"]["annotations"] = {"vm.kubevirt.io/flavor": "template-annotation-secret"}
    template["spec"]["volumes"].append({"name": "cloudinit", "cloudInitNoCloud": {"userData": USER_DATA}})
    vmi = objs["VirtualMachineInstance"][0]
    vmi["spec"]["volumes"].append({"name": "cloudinit", "cloudInitNoCloud": {"userData": USER_DATA}})
    vmi["metadata"]["annotations"] = {
        "kubevirt.io/latest-observed-api-version": "v1",
        "x": "template-annotation-secret",
    }
    vmi["status"]["volumeStatus"] = [{"name": "root", "target": "vda", "hotplugVolume": {"url": SECRET_URL}}]
    pod = objs["Pod"][0]
    pod["spec"]["containers"][0]["env"] = [{"name": "DB_PASSWORD", "value": ENV_VALUE}]
    pod["metadata"]["annotations"]["kubevirt.io/domain"] = "template-annotation-secret"
    objs["VirtualMachineInstanceMigration"] = [
        {
            "apiVersion": "kubevirt.io/v1",
            "kind": "VirtualMachineInstanceMigration",
            "metadata": {"name": "m1", "namespace": "prod", "managedFields": [{"manager": "x"}]},
            "spec": {"vmiName": "vm1", "addedNodeSelector": {"secret": "template-annotation-secret"}},
            "status": {"phase": "Succeeded"},
        }
    ]


def _capture(objs: dict[str, list[dict[str, Any]]]) -> Capture:
    per = {r.name: [] for r in kinds.RESOURCES}  # type: ignore[var-annotated]
    for item in items(objs):
        resource = kinds.resource_of(item["apiVersion"], item["kind"])
        assert resource is not None
        per[resource.name].append(item)
    reads = {r.name: ResourceRead(r, ReadState.READ, items=tuple(per[r.name])) for r in kinds.RESOURCES}
    return Capture(origin="test", captured_at=datetime(2026, 11, 24, 10, 5, tzinfo=UTC), namespaces=None, reads=reads)


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_written_snapshot_holds_no_secret(tmp_path: Path, fmt: str) -> None:
    objs = cluster()
    _leaky(objs)
    capture = _capture(objs)
    text = snapshot_text(capture, fmt)
    assert [s for s in SECRETS if s in text] == []
    for dropped in ("dataVolumeTemplates", "volumes", "volumeStatus", "managedFields", "containers", "env"):
        assert dropped not in text
    # ...and the facts gitnad reads survive the cut unchanged
    path = tmp_path / f"snap.{fmt}"
    path.write_text(text)
    volatile = {"source", "origin", "warnings"}
    assert load_facts(ClusterSettings(snapshot=path)).model_dump(exclude=volatile) == assemble.to_facts(
        capture, FactSource.LIVE
    ).model_dump(exclude=volatile)


def test_strip_keeps_a_wrong_type_for_the_reader_to_report() -> None:
    vmi = cluster()["VirtualMachineInstance"][0]
    vmi["status"]["interfaces"] = "eth0"
    vmi["spec"] = "broken"
    out = sf.strip(kinds.VMIS, vmi)
    assert out is not None and (out["status"]["interfaces"], out["spec"]) == ("eth0", "broken")


def test_reading_drops_what_gitnad_never_reads(tmp_path: Path) -> None:
    """A kubectl List carries env, volumes and managedFields: the capture keeps the allow-list only."""
    objs = cluster()
    _leaky(objs)
    capture = sf.read(write(tmp_path / "kubectl.json", items(objs), captured=None))
    kept = json.dumps({name: read.items for name, read in capture.reads.items()})
    assert [s for s in SECRETS if s in kept] == []


@pytest.mark.parametrize(
    ("limit", "size", "message"),
    [
        (
            DEFAULT_MAX_SNAPSHOT_BYTES,
            DEFAULT_MAX_SNAPSHOT_BYTES + 2**19,
            "256.5 MiB is over the snapshot size limit of 256 MiB",
        ),
        (2 * 2**20, 3 * 2**20, "3 MiB is over the snapshot size limit of 2 MiB"),
    ],
    ids=["default-limit", "configured-limit"],
)
def test_an_oversized_snapshot_is_refused_before_it_is_read(
    tmp_path: Path, limit: int, size: int, message: str
) -> None:
    path = tmp_path / "huge.json"
    with path.open("wb") as f:  # sparse: the size is real, the disk use is not
        f.truncate(size)
    with pytest.raises(SnapshotError) as err:
        load_facts(ClusterSettings(snapshot=path, max_snapshot_bytes=limit))
    assert err.value.message == (
        f"{path}: {message} (cluster.maxSnapshotBytes in .gitnad.yaml): raise the limit, or capture fewer "
        "namespaces (gitnad snapshot --namespace NS)"
    )
    assert err.value.exit_code == 2


def test_a_snapshot_at_the_limit_is_read(tmp_path: Path) -> None:
    path = write(tmp_path / "snap.json", items(cluster()))
    size = path.stat().st_size
    assert [v.key for v in load_facts(ClusterSettings(snapshot=path, max_snapshot_bytes=size)).vms] == ["prod/vm1"]


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_a_device_is_not_read_past_the_limit() -> None:
    with pytest.raises(SnapshotError) as err:
        load_facts(ClusterSettings(snapshot=Path("/dev/zero"), max_snapshot_bytes=4096))
    assert err.value.message.startswith("/dev/zero: is larger than the snapshot size limit of 4096 bytes (")


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("missing/x.yaml", "-o {target}: directory {parent} does not exist; create it first"),
        ("file.txt/x.yaml", "-o {target}: Not a directory"),
        ("sub", "-o {target}: is a directory; name a file"),
        ("ro/x.yaml", "-o {target}: directory {parent} is not writable (the file is written beside it, then renamed)"),
    ],
    ids=["missing-directory", "parent-is-a-file", "target-is-a-directory", "read-only-directory"],
)
def test_destination_checked_before_reading_the_cluster(tmp_path: Path, target: str, message: str) -> None:
    """`gitnad snapshot -o` checks where it writes before it reads the cluster (no cluster is reachable here)."""
    from gitnad.app import snapshot as app_snapshot
    from gitnad.errors import UsageError

    (tmp_path / "file.txt").write_text("x")
    (tmp_path / "sub").mkdir()
    (tmp_path / "ro").mkdir(mode=0o555)
    out = tmp_path / target
    if target.startswith("ro/") and os.access(tmp_path / "ro", os.W_OK):
        pytest.skip("running as a user that can write anywhere (root)")
    unreachable = ClusterSettings(kubeconfig=tmp_path / "no-such-kubeconfig")
    with pytest.raises(UsageError) as err:
        app_snapshot.run(unreachable, (), out, None)
    assert err.value.message == message.format(target=str(out), parent=str(out.parent))


def _kept_keys(allowed: sf.Keep) -> set[str]:
    out = set(allowed)
    for sub in allowed.values():
        if sub is not None:
            out |= _kept_keys(sub)
    return out


def test_keys_dropped_while_decoding_are_never_read() -> None:
    """NEVER_READ is dropped at any depth of a JSON snapshot: no kept key (at any level of KEEP) may be in it."""
    kept = set().union(*(_kept_keys(allowed) for allowed in sf.KEEP.values()))
    assert kept & sf.NEVER_READ == set()


def test_json_snapshot_reads_the_same_facts_with_and_without_the_bulk(tmp_path: Path) -> None:
    objs = cluster()
    _leaky(objs)
    fat = load_facts(ClusterSettings(snapshot=write(tmp_path / "fat.json", items(objs))))
    lean = load_facts(ClusterSettings(snapshot=write(tmp_path / "lean.json", items(cluster()))))
    volatile = {"origin", "warnings", "migrations"}  # _leaky adds a migration
    assert fat.model_dump(exclude=volatile) == lean.model_dump(exclude=volatile)
    assert [m.name for m in fat.migrations] == ["m1"]
