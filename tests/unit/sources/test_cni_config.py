"""A NAD's `spec.config` is decoded with a depth bound: hostile nesting is a config error (GN112), never a crash."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from gitnad.cli import main
from gitnad.sources.manifests import parse_cni_config
from gitnad.sources.scanner import ScanSettings, scan
from gitnad.sources.trees import directory_reader
from tests.gitrepo import TempRepo
from tests.vmfactory import Net, nad_yaml, vm_yaml

POD = Net("default", kind="pod", binding="masquerade")

# (levels of `[`, config_error): past the interpreter's recursion limit json.loads raises RecursionError.
DEEP = [
    pytest.param(65, "spec.config is nested deeper than 64 levels", id="bound+1"),
    pytest.param(5_000, "spec.config is nested too deeply to decode", id="5k"),
    pytest.param(1_000_000, "spec.config is nested too deeply to decode", id="1M"),
]


@pytest.mark.parametrize(("levels", "error"), DEEP)
def test_deep_config_is_a_config_error(levels: int, error: str) -> None:
    config = "[" * levels + "]" * levels
    assert parse_cni_config(config) == (None, None, error, config)


@pytest.mark.parametrize(("levels", "error"), DEEP)
def test_scan_keeps_a_nad_with_a_deep_config_and_its_error(tmp_path: Path, levels: int, error: str) -> None:
    (tmp_path / "nad.yaml").write_text(nad_yaml("deep", raw_config="[" * levels + "]" * levels))
    result = scan(directory_reader(tmp_path), ScanSettings())
    assert [(n.key, n.cni_type, n.config_error, n.line) for n in result.nads] == [("prod/deep", None, error, 4)]
    assert result.problems == ()


@pytest.mark.parametrize(("levels", "error"), DEEP)
def test_check_reports_gn112_for_a_swap_to_a_nad_with_a_deep_config(tmp_path: Path, levels: int, error: str) -> None:
    repo = TempRepo(tmp_path / "r")
    nads = nad_yaml("vlan-10") + "---\n" + nad_yaml("deep", raw_config="[" * levels + "]" * levels)
    base = repo.commit({"nads/n.yaml": nads, "vms/db-1.yaml": vm_yaml("db-1", [POD, Net("br", nad="vlan-10")])})
    head = repo.commit({"vms/db-1.yaml": vm_yaml("db-1", [POD, Net("br", nad="deep")])})
    r = CliRunner().invoke(
        main, ["check", "--repo", str(repo.root), "--base", base, "--head", head, "--offline", "--format", "json"]
    )
    assert r.exit_code == 1, r.output
    findings = [(f["code"], f["file"], f["line"], f["message"]) for f in json.loads(r.output)["findings"]]
    assert findings == [
        ("GN112", "vms/db-1.yaml", 24, f"prod/db-1 network br moves to prod/deep, whose {error} (nads/n.yaml:16)")
    ]
