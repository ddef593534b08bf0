"""The big ones, generated once per session into tmp (never committed): two 100 MB manifests (plain YAML, and
YAML whose last document is a VirtualMachine) and a List of 100,000 objects (50,000 running VMs and their VMIs)
as JSON and as YAML.

Bounds: a 100 MB manifest is never parsed (over maxFileBytes it is searched for kind names as a stream), so it
keeps the default 10 s / 500 MiB. The 100k-object List is read whole, and every VM and VMI in it is converted:
its bounds are set from measurement, with room for a loaded 2-core machine (seen there: JSON 84 s and 1.37 GiB,
YAML 186 s and 1.29 GiB; the figures table prints each run's), to catch a super-linear regression, not to
promise speed.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from git import Repo

from tests.gitutil import commit
from tests.hostile import corpus
from tests.hostile.harness import Bounds, assert_bounded, gitnad

pytestmark = pytest.mark.slow

LIST_JSON = Bounds(wall_s=240.0, rss_mib=2048.0)
LIST_YAML = Bounds(wall_s=400.0, rss_mib=3072.0)
OVER_SIZE = "over the 4194304-byte limit (maxFileBytes)"


def test_100mb_manifests_are_searched_never_parsed(big_files: corpus.BigFiles, tmp_path: Path) -> None:
    root = tmp_path / "fleet"
    base, _ = corpus.fleet(root, {})
    shutil.copy(big_files.plain_yaml, root / "vms" / "plain.yaml")
    shutil.copy(big_files.vm_yaml, root / "vms" / "big-vm.yaml")
    repo = Repo(root)
    repo.git.add("vms/plain.yaml", "vms/big-vm.yaml")
    head = commit(repo, {}, "two 100 MB files")
    for args in (
        ["scan", "--format", "json"],
        ["check", "--offline", "--base", base, "--head", head, "--format", "json"],
    ):
        run = gitnad("100mb-manifests", args, cwd=root)
        assert_bounded(run, {1})
        doc = json.loads(run.stdout)
        assert [(f["code"], f["file"]) for f in doc["findings"] if f["code"] == "GN001"] == [
            ("GN001", "vms/big-vm.yaml")
        ]
        assert any(w.startswith("vms/plain.yaml: skipped, file is 99960007 bytes") for w in doc["warnings"])
        assert OVER_SIZE in next(f["message"] for f in doc["findings"] if f["code"] == "GN001")


@pytest.mark.parametrize(("fmt", "bounds"), [("json", LIST_JSON), ("yaml", LIST_YAML)])
def test_a_100k_object_list_is_read_within_its_bounds(
    big_files: corpus.BigFiles, fmt: str, bounds: Bounds, tmp_path: Path
) -> None:
    """The declared VM prod/vm1 is judged InSync among 100,000 other objects, and check finds only that the cluster
    already runs the head's NAD (GN211). check reads the YAML List exactly as drift does, so it runs on JSON only
    (a YAML run takes about three minutes on a loaded machine)."""
    root = tmp_path / "fleet"
    base, head = corpus.fleet(root, {})
    snapshot = big_files.snapshot_json if fmt == "json" else big_files.snapshot_yaml
    args = ["drift", "--snapshot", str(snapshot), "--format", "json"]
    run = gitnad(f"100k-list-{fmt}", args, cwd=root, bounds=bounds)
    assert_bounded(run, {0}, unreadable=False)
    assert [(i["vm"], i["state"]) for i in json.loads(run.stdout)["items"]] == [("prod/vm1", "InSync")]
    if fmt == "json":
        args = ["check", "--snapshot", str(snapshot), "--base", base, "--head", head, "--format", "json"]
        run = gitnad(f"100k-list-{fmt}", args, cwd=root, bounds=bounds)
        assert_bounded(run, {0}, unreadable=False)
        assert [(f["code"], f["vm"]) for f in json.loads(run.stdout)["findings"]] == [("GN211", "prod/vm1")]
