"""Commands that read manifests at a ref read `.gitnad.yaml` of that ref (from git objects); plain `scan` of the
working tree reads the working tree's; `--config FILE` always wins. Real repositories through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from gitnad.cli import main
from tests.gitrepo import TempRepo

VM = """\
apiVersion: kubevirt.io/v1
kind: VirtualMachine
metadata: {name: db-1}
spec:
  template:
    spec:
      domain: {devices: {interfaces: [{name: net, bridge: {}}]}}
      networks: [{name: net, multus: {networkName: vlan-10}}]
"""
SNAPSHOT = "apiVersion: v1\nkind: List\nitems: []\n"


@pytest.fixture
def repo(tmp_path: Path) -> TempRepo:
    r = TempRepo(tmp_path / "fleet")
    r.commit({"vms/db-1.yaml": VM, ".gitnad.yaml": "defaultNamespace: committed\n"}, "initial")
    r.write({".gitnad.yaml": "defaultNamespace: worktree\n"})  # an uncommitted edit
    return r


def run(*args: str, code: int = 0) -> dict[str, object]:
    r = CliRunner().invoke(main, [*args, "--format", "json"], catch_exceptions=False)
    assert r.exit_code == code, r.output
    doc: dict[str, object] = json.loads(r.output)
    return doc


def namespaces(items: object, key: str) -> list[str]:
    assert isinstance(items, list)
    return [str(i[key]).split("/")[0] if key == "vm" else str(i[key]) for i in items]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["scan", "--ref", "HEAD"], "committed"),
        (["scan"], "worktree"),
    ],
    ids=["scan-ref", "scan-worktree"],
)
def test_scan_reads_the_configuration_of_what_it_scans(repo: TempRepo, args: list[str], expected: str) -> None:
    doc = run(*args, "--repo", str(repo.root))
    assert namespaces(doc["vms"], "namespace") == [expected]


def test_drift_reads_the_configuration_of_the_declared_ref(repo: TempRepo, tmp_path: Path) -> None:
    snapshot = tmp_path / "cluster.yaml"
    snapshot.write_text(SNAPSHOT)
    # An empty kubectl List: every kind is taken as read and empty (SPEC §7), so the VM is Missing.
    doc = run("drift", "--repo", str(repo.root), "--ref", "HEAD", "--snapshot", str(snapshot), code=1)
    assert namespaces(doc["items"], "vm") == ["committed"]


def test_reconcile_reads_the_configuration_of_the_declared_ref(repo: TempRepo, tmp_path: Path) -> None:
    snapshot = tmp_path / "cluster.yaml"
    snapshot.write_text(SNAPSHOT)
    doc = run("reconcile", "--repo", str(repo.root), "--snapshot", str(snapshot), code=1)
    assert namespaces(doc["items"], "vm") == ["committed"]


def test_an_explicit_config_file_wins_at_a_ref(repo: TempRepo, tmp_path: Path) -> None:
    config = tmp_path / "ci.yaml"
    config.write_text("defaultNamespace: explicit\n")
    doc = run("scan", "--ref", "HEAD", "--repo", str(repo.root), "--config", str(config))
    assert namespaces(doc["vms"], "namespace") == ["explicit"]
