"""The pre-commit hook (.pre-commit-hooks.yaml) with the real pre-commit client, in real git repositories.

pre-commit pip-installs this project into its own environment (core dependencies only: no kubernetes
client), as it does for users. The README's `.pre-commit-config.yaml` snippets are used as written, with
only `repo:` and `rev:` pointed at a local copy of this project; one PRE_COMMIT_HOME is shared, so the hook
environment is built once for them (`try-repo` always builds its own, in a temporary store).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from git import Repo

from tests.gitutil import commit, make_repo, stage
from tests.vmfactory import Net, nad_yaml, vm_yaml

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
README_REPO, README_REV = "https://github.com/gitnad/gitnad", "v0.1.0"
HOOK = "gitnad (KubeVirt VM network moves)"
VM_LINE = 24  # the networkName of bridge-net in vm()


def vm(target: str) -> str:
    return vm_yaml("db-1", [Net("default", kind="pod", binding="masquerade"), Net("bridge-net", nad=target)])


def readme_snippets() -> list[str]:
    """The ```yaml blocks of the README's pre-commit section, in order."""
    section = ROOT.joinpath("README.md").read_text().split("\n## pre-commit\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```yaml\n(.*?)```", section, flags=re.S)


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """This project as pre-commit fetches a hook repository: a git repository at a commit (local edits included)."""
    src = tmp_path_factory.mktemp("hook-source") / "gitnad"
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for rel in filter(None, listed.split("\0")):
        if (ROOT / rel).is_file():
            (src / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, src / rel)
    repo = make_repo(src)
    repo.git.add("--all")
    repo.index.commit("gitnad as a hook repository")
    return src, repo.head.commit.hexsha


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


def run(cmd: list[str], cwd: Path, home: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PRE_COMMIT", "GIT_"))}
    env |= {"PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"}
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=900, check=False)


def pre_commit(*args: str, cwd: Path, home: Path) -> subprocess.CompletedProcess[str]:
    return run([sys.executable, "-m", "pre_commit", *args], cwd, home)


def fleet(path: Path, config: str | None = None) -> Path:
    """A user's GitOps repo: two NADs and a VM on vlan-10, with pre-commit's hooks installed when `config`."""
    repo = make_repo(path)
    files = {"nads/vlan-10.yaml": nad_yaml("vlan-10", vlan=10), "nads/vlan-20.yaml": nad_yaml("vlan-20", vlan=20)}
    files["vms/db-1.yaml"] = vm("vlan-10")
    if config is not None:
        files[".pre-commit-config.yaml"] = config
    commit(repo, files, "initial")
    repo.git.config("--unset", "core.hooksPath")  # make_repo disables hooks; these tests want pre-commit's
    return path


def snippet(index: int, hook_repo: tuple[Path, str]) -> str:
    text = readme_snippets()[index]
    assert text.count(README_REPO) == 1 and text.count(f"rev: {README_REV}") == 1
    return text.replace(README_REPO, str(hook_repo[0])).replace(f"rev: {README_REV}", f"rev: {hook_repo[1]}")


def failed_with(res: subprocess.CompletedProcess[str], finding: str) -> bool:
    out = res.stdout + res.stderr
    return res.returncode != 0 and f"{HOOK}" in out and "Failed" in out and finding in out


def test_try_repo_fails_a_staged_invalid_reference(hook_repo: tuple[Path, str], home: Path, tmp_path: Path) -> None:
    """The command of the pre-commit docs: `pre-commit try-repo <this repo> gitnad` in the user's repo."""
    user = fleet(tmp_path / "fleet")
    stage(Repo(user), {"vms/db-1.yaml": vm("prod/vlan/20")})
    res = pre_commit("try-repo", str(hook_repo[0]), "gitnad", "--ref", hook_repo[1], cwd=user, home=home)
    assert failed_with(res, f"GN101 invalid-nad-reference  vms/db-1.yaml:{VM_LINE}"), res.stdout + res.stderr
    assert "- exit code: 1" in res.stdout


@pytest.fixture
def installed(hook_repo: tuple[Path, str], home: Path, tmp_path: Path) -> Path:
    """A fleet repo with the README's first snippet as its config, `pre-commit install`ed, pushed to a remote."""
    user = fleet(tmp_path / "fleet", snippet(0, hook_repo))
    subprocess.run(["git", "init", "-q", "--bare", str(tmp_path / "remote.git")], check=True)
    Repo(user).create_remote("origin", str(tmp_path / "remote.git"))
    res = pre_commit("install", cwd=user, home=home)
    assert res.returncode == 0 and "pre-commit installed at .git/hooks/pre-commit" in res.stdout, res.stdout
    assert "pre-commit installed at .git/hooks/pre-push" in res.stdout
    assert git(user, home, "push", "-q", "origin", "main").returncode == 0
    return user


def git(user: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run(["git", *args], user, home)


def passed(res: subprocess.CompletedProcess[str]) -> bool:
    return res.returncode == 0 and re.search(rf"{re.escape(HOOK)}\.+Passed", res.stdout + res.stderr) is not None


def test_commit_of_a_valid_move_passes(installed: Path, home: Path) -> None:
    stage(Repo(installed), {"vms/db-1.yaml": vm("vlan-20")})
    res = git(installed, home, "commit", "-m", "move db-1 to vlan-20")
    assert passed(res), res.stdout + res.stderr


def test_commit_deleting_a_nad_still_referenced_is_refused(installed: Path, home: Path) -> None:
    """A deletion-only commit: pre-commit hands hooks no deleted files, which is why the hook always runs."""
    repo = Repo(installed)
    stage(repo, {"nads/vlan-10.yaml": None})  # only a deletion: db-1 is still on vlan-10
    res = git(installed, home, "commit", "-m", "drop vlan-10")
    assert failed_with(res, "GN109 nad-still-referenced  vms/db-1.yaml:"), res.stdout + res.stderr
    assert repo.head.commit.message == "initial\n"


def test_push_of_an_invalid_reference_is_refused(installed: Path, home: Path) -> None:
    """pre-push checks the pushed range (PRE_COMMIT_FROM_REF..TO_REF), not the index."""
    repo = Repo(installed)
    pushed = repo.head.commit.hexsha
    commit(repo, {"vms/db-1.yaml": vm("Vlan_20")}, "typo")  # --no-verify: past the pre-commit stage
    res = git(installed, home, "push", "origin", "main")
    assert failed_with(res, f"GN101 invalid-nad-reference  vms/db-1.yaml:{VM_LINE}"), res.stdout + res.stderr
    assert git(installed, home, "ls-remote", "origin", "main").stdout.split()[0] == pushed


def test_pre_push_run_with_from_and_to_refs(installed: Path, home: Path) -> None:
    repo = Repo(installed)
    base = repo.head.commit.hexsha
    head = commit(repo, {"vms/db-1.yaml": vm("vlan-20")}, "move db-1")
    res = pre_commit("run", "--hook-stage", "pre-push", "--from-ref", base, "--to-ref", head, cwd=installed, home=home)
    assert passed(res), res.stdout


def test_pre_push_only_variant(hook_repo: tuple[Path, str], home: Path, tmp_path: Path) -> None:
    """The README's second snippet: nothing at commit time, the pushed range at pre-push."""
    user = fleet(tmp_path / "fleet", snippet(1, hook_repo))
    repo = Repo(user)
    base = repo.head.commit.hexsha
    stage(repo, {"vms/db-1.yaml": vm("prod/vlan/20")})
    res = pre_commit("run", cwd=user, home=home)  # the pre-commit stage: the hook is not in it
    assert res.returncode == 0 and HOOK not in res.stdout, res.stdout
    head = commit(repo, {}, "typo")
    res = pre_commit("run", "--hook-stage", "pre-push", "--from-ref", base, "--to-ref", head, cwd=user, home=home)
    assert failed_with(res, f"GN101 invalid-nad-reference  vms/db-1.yaml:{VM_LINE}"), res.stdout


def test_first_push_of_a_new_repository_is_checked(hook_repo: tuple[Path, str], home: Path, tmp_path: Path) -> None:
    """A push holding a root commit (a new repository, an orphan branch): pre-commit runs in all-files mode and
    sets no FROM/TO refs. The hook checks the whole pushed history; it used to compare the index with HEAD and
    pass."""
    user = fleet(tmp_path / "fleet", snippet(1, hook_repo))
    commit(Repo(user), {"vms/db-1.yaml": vm("Vlan_20")}, "typo")
    subprocess.run(["git", "init", "-q", "--bare", str(tmp_path / "remote.git")], check=True)
    Repo(user).create_remote("origin", str(tmp_path / "remote.git"))
    res = pre_commit("install", cwd=user, home=home)
    assert res.returncode == 0 and "pre-commit installed at .git/hooks/pre-push" in res.stdout, res.stdout
    res = git(user, home, "push", "origin", "main")
    assert failed_with(res, f"GN101 invalid-nad-reference  vms/db-1.yaml:{VM_LINE}"), res.stdout + res.stderr
    assert git(user, home, "ls-remote", "origin").stdout == ""
