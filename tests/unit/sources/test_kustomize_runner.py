"""Running kubectl: which kubectl, the limits (time, output) that kill its process group, and the environment it
gets (nothing of the user's but PATH)."""

from __future__ import annotations

import ast
import os
import shutil
import sys
import sysconfig
from pathlib import Path

import pytest

from gitnad.sources.gitrefs import GitRepo
from gitnad.sources.kustomize import input_reader
from gitnad.sources.kustomize.graph import discover
from gitnad.sources.kustomize.model import Problem, ProblemKind
from gitnad.sources.kustomize.render import RenderOptions, render
from gitnad.sources.kustomize.runner import DEAD_PROXY, KubectlMissing, find_kubectl, scrubbed_env
from tests.gitrepo import TempRepo
from tests.unit.sources.kustomize_repo import gitops_repo

WHEEL_KUBECTL = Path(sysconfig.get_path("scripts")) / "kubectl"


def test_the_wheels_kubectl_next_to_the_interpreter_is_the_default() -> None:
    assert find_kubectl() == WHEEL_KUBECTL
    assert WHEEL_KUBECTL.parent == Path(sys.executable).parent


def test_an_explicit_kubectl_wins_and_a_bare_name_is_looked_up_on_path(tmp_path: Path) -> None:
    copy = tmp_path / "my-kubectl"
    copy.symlink_to(WHEEL_KUBECTL)
    assert find_kubectl(copy) == copy
    assert find_kubectl("sh") == Path(str(shutil.which("sh")))


@pytest.mark.parametrize("name", ["missing", "not-executable"])
def test_an_explicit_kubectl_that_cannot_run_is_an_error_naming_it(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    if name == "not-executable":
        path.write_text("#!/bin/sh\n")
    with pytest.raises(KubectlMissing) as err:
        find_kubectl(path)
    assert str(err.value) == f"kubectl '{path}' (kustomize.kubectl) is not an executable file"


def test_a_kubectl_that_does_not_start_is_a_problem_of_each_root(tmp_path: Path) -> None:
    fake = tmp_path / "kubectl"
    fake.write_bytes(b"\x7fELF not really\n")
    fake.chmod(0o755)
    repo, sha = gitops_repo(tmp_path / "repo")
    reader = input_reader(GitRepo(repo.root), sha)
    results = render(reader, discover(reader), options=RenderOptions(kubectl=fake))
    assert [r.problems for r in results] == [
        (
            Problem(
                f"{root}/kustomization.yaml",
                None,
                ProblemKind.NO_KUBECTL,
                f"cannot run {fake}: Exec format error",
                root,
            ),
        )
        for root in ("overlays/prod", "overlays/staging")
    ]


def test_the_environment_keeps_nothing_of_the_users(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KUBECONFIG", "/home/me/.kube/config")
    monkeypatch.setenv("GITHUB_TOKEN", "secret")
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.corp:3128")
    env = scrubbed_env(tmp_path)
    assert "GITHUB_TOKEN" not in env
    assert (env["HOME"], env["KUBECONFIG"], env["HTTPS_PROXY"], env["https_proxy"], env["GIT_TERMINAL_PROMPT"]) == (
        str(tmp_path),
        str(tmp_path / "no-kubeconfig"),
        DEAD_PROXY,
        DEAD_PROXY,
        "0",
    )
    assert env["PATH"] == os.environ["PATH"]


def _kubectl_processes(marker: str) -> list[int]:
    """Live processes whose command line mentions `marker`."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if marker.encode() in cmdline:
            found.append(int(pid))
    return found


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc to find left-over processes")
def test_a_render_past_its_time_limit_is_killed_and_leaves_nothing_behind(tmp_path: Path) -> None:
    repo, sha = gitops_repo(tmp_path / "repo")
    reader = input_reader(GitRepo(repo.root), sha)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    options = RenderOptions(timeout=0.001, tmp_dir=scratch)
    results = render(reader, discover(reader), options=options)
    assert [r.problems for r in results] == [
        (
            Problem(
                f"{root}/kustomization.yaml",
                None,
                ProblemKind.TIMEOUT,
                "kubectl kustomize ran past 0.001 s and was killed; simplify the overlay or raise "
                "kustomize.timeoutSeconds",
                root,
            ),
        )
        for root in ("overlays/prod", "overlays/staging")
    ]
    assert all(r.seconds < 1.0 for r in results)
    assert _kubectl_processes(str(scratch)) == []
    assert list(scratch.iterdir()) == []  # the temporary tree is gone


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc to find left-over processes")
def test_a_slow_but_valid_overlay_is_killed_mid_render(tmp_path: Path) -> None:
    """kustomize's name-reference pass is quadratic: 1500 objects under a namePrefix take well over 10 s."""
    many = "---\n".join(
        f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c{i}\ndata:\n  k: v\n" for i in range(1500)
    )
    repo = TempRepo(tmp_path / "repo")
    sha = repo.commit({"big/kustomization.yaml": "namePrefix: x-\nresources:\n- many.yaml\n", "big/many.yaml": many})
    reader = input_reader(GitRepo(repo.root), sha)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    (big,) = render(reader, discover(reader), options=RenderOptions(timeout=1.0, tmp_dir=scratch))
    assert [p.kind for p in big.problems] == [ProblemKind.TIMEOUT]
    assert 1.0 <= big.seconds < 3.0
    assert _kubectl_processes(str(scratch)) == []


def test_a_render_printing_more_than_the_limit_is_killed(tmp_path: Path) -> None:
    repo, sha = gitops_repo(tmp_path / "repo")
    reader = input_reader(GitRepo(repo.root), sha)
    (prod,) = render(reader, discover(reader), ["overlays/prod"], RenderOptions(max_output_bytes=100))
    assert prod.problems == (
        Problem(
            "overlays/prod/kustomization.yaml",
            None,
            ProblemKind.TOO_LARGE,
            "kubectl kustomize printed more than 100 bytes and was killed",
            "overlays/prod",
        ),
    )


PROCESS_STARTERS = {"gitnad/sources/gitrefs.py", "gitnad/sources/fixture_repo.py", "gitnad/sources/kustomize/runner.py"}
_OS_SPAWN = ("system", "popen", "exec", "spawn", "posix_spawn", "fork")


def _starts_processes(tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.split(".")[0] in ("subprocess", "pty")]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in ("subprocess", "pty"):
            found.append(str(node.module))
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if node.value.id == "os" and node.attr.startswith(_OS_SPAWN):
                found.append(f"os.{node.attr}")
            if node.value.id == "asyncio" and node.attr.startswith("create_subprocess"):
                found.append(f"asyncio.{node.attr}")
    return found


def test_only_git_and_kubectl_adapters_start_processes() -> None:
    """import-linter keeps `subprocess` out of the listed modules; this also covers new modules and os.* calls."""
    package = Path(__file__).resolve().parents[3] / "gitnad"
    offenders = {
        path.relative_to(package.parent).as_posix(): found
        for path in sorted(package.rglob("*.py"))
        if (found := _starts_processes(ast.parse(path.read_text())))
    }
    assert set(offenders) == PROCESS_STARTERS
