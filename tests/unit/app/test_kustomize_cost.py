"""What Kustomize support costs: nothing for a repository without kustomizations (the same git commands as with
`kustomize: false`, no kubectl), and for a repository of overlays one kubectl run per root the change touches, per
ref, not one per overlay of the repository. Processes are counted by spies that call the real functions."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from gitnad.cli import main
from gitnad.sources import gitrefs
from gitnad.sources.kustomize import render as render_module
from tests.gitrepo import TempRepo
from tests.unit.sources.kustomize_repo import gitops_files, replace
from tests.vmfactory import Net, nad_yaml, vm_yaml

POD = Net("default", kind="pod", binding="masquerade")


class Calls:
    """Every git subcommand and every kubectl run, in order."""

    def __init__(self) -> None:
        self.git: list[str] = []
        self.kubectl: list[str] = []


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[Calls]:
    seen = Calls()
    real_git: Callable[..., Any] = gitrefs.GitRepo._run
    real_run = render_module.run_bounded

    def git(self: gitrefs.GitRepo, *args: str, **kw: Any) -> Any:
        seen.git.append(args[2] if args[:1] == ("-c",) else args[0])
        return real_git(self, *args, **kw)

    def kubectl(cmd: list[str], *args: Any) -> Any:
        seen.kubectl.append(Path(cmd[2]).name)
        return real_run(cmd, *args)

    monkeypatch.setattr(gitrefs.GitRepo, "_run", git)
    monkeypatch.setattr(render_module, "run_bounded", kubectl)
    yield seen


def _check(repo: TempRepo, base: str, head: str) -> int:
    args = ["check", "--repo", str(repo.root), "--base", base, "--head", head, "--offline", "--format", "json"]
    return CliRunner().invoke(main, args, catch_exceptions=False).exit_code


def _scan(path: Path, *extra: str) -> int:
    return CliRunner().invoke(main, ["scan", str(path), *extra], catch_exceptions=False).exit_code


@pytest.mark.parametrize("command", ["check", "scan", "scan-ref", "scan-subdirectory"])
def test_a_repository_without_kustomizations_costs_no_git_call_and_no_kubectl(
    tmp_path: Path, calls: Calls, command: str
) -> None:
    runs: dict[str, list[str]] = {}
    for setting in ("false", "true"):
        repo = TempRepo(tmp_path / setting)
        vm = vm_yaml("db-1", [POD, Net("bridge-net", nad="vlan-10")])
        config = {".gitnad.yaml": f"kustomize: {setting}\n"}
        base = repo.commit({"nads/vlan.yaml": nad_yaml("vlan-10"), "vms/db-1.yaml": vm} | config)
        head = repo.commit({"vms/db-1.yaml": vm.replace("vlan-10", "vlan-20")})
        calls.git.clear()
        if command == "check":
            assert _check(repo, base, head) == 0
        elif command == "scan-subdirectory":
            assert _scan(repo.root / "vms") == 0
        else:
            assert _scan(repo.root, *(["--ref", head] if command == "scan-ref" else [])) == 0
        runs[setting] = list(calls.git)
    assert sorted(runs["true"]) == sorted(runs["false"])  # the same commands (discovery lists the tree earlier)
    assert calls.kubectl == []


def _environments() -> dict[str, str]:
    """Eight overlays of one base (a VM, a pool, NADs vlan-10 and vlan-20), each in its namespace with its prefix."""
    files = gitops_files()
    files["base/kustomization.yaml"] += "  - nad-20.yaml\n"
    nad_20 = replace(files["base/nad.yaml"], "vlan-10", "vlan-20")
    files["base/nad-20.yaml"] = nad_20.replace('"vlan": 10', '"vlan": 20')
    staging = files["overlays/staging/kustomization.yaml"]
    for i in range(8):
        files[f"overlays/env{i}/kustomization.yaml"] = staging.replace("stg-", f"env{i}-").replace("staging", f"env{i}")
        files[f"overlays/env{i}/nad-patch.yaml"] = replace(
            files["overlays/staging/nad-patch.yaml"], "vlan-20", f"env{i}-vlan-20"
        )
    return files


def test_a_change_to_one_overlay_renders_that_overlay_only(tmp_path: Path, calls: Calls) -> None:
    """The change moves one overlay's VM between two NADs that overlay renders: two kubectl runs (that root at base
    and at head), whatever the number of overlays."""
    files = _environments()
    repo = TempRepo(tmp_path / "gitops")
    base = repo.commit(files)
    patch = "overlays/env3/nad-patch.yaml"
    head = repo.commit({patch: replace(files[patch], "env3-vlan-20", "env3-vlan-10")})
    assert _check(repo, base, head) == 0
    assert calls.kubectl == ["env3", "env3"]


def test_a_change_to_the_base_renders_every_overlay_of_it(tmp_path: Path, calls: Calls) -> None:
    files = gitops_files()
    repo = TempRepo(tmp_path / "gitops")
    base = repo.commit(files)
    head = repo.commit({"base/pool.yaml": replace(files["base/pool.yaml"], "memory: 1Gi", "memory: 2Gi")})
    assert _check(repo, base, head) == 0
    assert sorted(calls.kubectl) == ["prod", "prod", "staging", "staging"]


def test_a_plain_vm_moving_to_a_nad_of_no_overlay_renders_nothing(tmp_path: Path, calls: Calls) -> None:
    """The target NAD is in no file: overlays that render NADs into other namespaces cannot define it."""
    repo = TempRepo(tmp_path / "gitops")
    vm = vm_yaml("db-1", [POD, Net("bridge-net", nad="vlan-10")], namespace="team-a")
    base = repo.commit(_environments() | {"apps/db-1.yaml": vm, "apps/nads.yaml": nad_yaml("vlan-10", "team-a")})
    head = repo.commit({"apps/db-1.yaml": vm.replace("vlan-10", "vlan-99")})
    assert _check(repo, base, head) == 0  # GN106, a warning
    assert calls.kubectl == []
