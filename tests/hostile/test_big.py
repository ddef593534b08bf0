"""The big ones, generated once per session into tmp (never committed): two 100 MB manifests (plain YAML, and
YAML whose last document is a VirtualMachine), a List of 100,000 objects (50,000 running VMs and their VMIs) as
JSON and one of 20,000 objects as YAML.

Bounds: a 100 MB manifest is never parsed (over maxFileBytes it is searched for kind names as a stream), so it
keeps the default 10 s / 500 MiB. A big List is read whole, and every VM and VMI in it is converted: its bounds
are set from measurement, with room for a loaded 2-core machine (seen there: 100k JSON 84 s and 1.37 GiB; 100k
YAML 186 s and 1.29 GiB, so 20k YAML about a fifth; the figures table prints each run's), to catch a super-linear
regression, not to promise speed. `drift` reads the 100k JSON List; `drift` and `check` read the YAML one (both
commands share the snapshot reader, whose JSON and YAML paths differ).
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
LIST_YAML = Bounds(wall_s=120.0, rss_mib=1024.0)
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
def test_a_big_list_is_read_within_its_bounds(
    big_files: corpus.BigFiles, fmt: str, bounds: Bounds, tmp_path: Path
) -> None:
    """The declared VM prod/vm1 is judged InSync among 100,000 (JSON) or 20,000 (YAML) other objects; from the
    YAML one, check finds only that the cluster already runs the head's NAD (GN211)."""
    root = tmp_path / "fleet"
    base, head = corpus.fleet(root, {})
    snapshot = big_files.snapshot_json if fmt == "json" else big_files.snapshot_yaml
    args = ["drift", "--snapshot", str(snapshot), "--format", "json"]
    run = gitnad(f"big-list-{fmt}", args, cwd=root, bounds=bounds)
    assert_bounded(run, {0}, unreadable=False)
    assert [(i["vm"], i["state"]) for i in json.loads(run.stdout)["items"]] == [("prod/vm1", "InSync")]
    if fmt == "yaml":
        args = ["check", "--snapshot", str(snapshot), "--base", base, "--head", head, "--format", "json"]
        run = gitnad(f"big-list-{fmt}", args, cwd=root, bounds=bounds)
        assert_bounded(run, {0}, unreadable=False)
        assert [(f["code"], f["vm"]) for f in json.loads(run.stdout)["findings"]] == [("GN211", "prod/vm1")]
