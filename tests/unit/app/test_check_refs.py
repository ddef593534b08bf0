"""Which refs `check` compares, on the checkouts CI and hooks really give it: depth-1 clones, runs on the
default branch, origin/HEAD on the branch itself, unrelated histories, pre-commit's refs, a first commit.

Every case is a real repository (shallow ones cloned with `git clone --depth N file://...`, so depth applies)
and runs through the CLI. A base that is head, a missing merge-base or a base a shallow clone lacks is exit 2
with the exact message; the happy paths still check the change.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from gitnad.cli import main
from tests.gitrepo import TempRepo
from tests.gitutil import commit, make_repo
from tests.vmfactory import Net, nad_yaml, vm_yaml

POD = Net("default", kind="pod", binding="masquerade")
NADS = nad_yaml("vlan-10", vlan=10) + "---\n" + nad_yaml("vlan-20", vlan=20)
ZERO = "0" * 40
SHALLOW = "This is a shallow clone (git rev-parse --is-shallow-repository: true), as CI checkouts are by default."
DEEPEN = (
    "fetch the history (actions/checkout with `fetch-depth: 0`; or `git fetch --deepen=N` for N more commits, "
    "`git fetch --unshallow` for all of them)"
)
FULL_HINT = (
    "Pass --base REF with the commit or branch the change is compared with (e.g. --base origin/main for a "
    "pull request, --base HEAD~1 for the last commit), or use --staged to check what is staged."
)
SHALLOW_HINT = f"{SHALLOW} To check a pull request, {DEEPEN} and pass --base REF (e.g. --base origin/main)."


def vm(target: str) -> str:
    return vm_yaml("db-1", [POD, Net("bridge-net", nad=target)])


def gitnad(repo: Path, *args: str, env: dict[str, str | None] | None = None) -> Result:
    """`gitnad check --offline --format json` in `repo`; pre-commit's variables unset unless given."""
    unset = ("PRE_COMMIT_FROM_REF", "PRE_COMMIT_TO_REF", "PRE_COMMIT_REMOTE_NAME", "PRE_COMMIT_LOCAL_BRANCH")
    environ: dict[str, str | None] = {**dict.fromkeys(unset), **(env or {})}
    argv = ["check", "--repo", str(repo), "--offline", "--format", "json", *args]
    return CliRunner().invoke(main, argv, env=environ, catch_exceptions=False)


def error(r: Result) -> str:
    assert r.exit_code == 2, r.output
    return r.output.removeprefix("gitnad: error: ").rstrip("\n")


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def clone(origin: Path, dest: Path, *args: str) -> Path:
    """`git clone` over file:// so that --depth applies (a local path clone ignores it)."""
    subprocess.run(["git", "clone", "-q", *args, origin.resolve().as_uri(), str(dest)], check=True)
    return dest


@pytest.fixture
def origin(tmp_path: Path) -> TempRepo:
    """main: initial -> move db-1 to vlan-20 (two commits of history)."""
    r = TempRepo(tmp_path / "origin")
    r.commit({"nads/vlan.yaml": NADS, "vms/db-1.yaml": vm("vlan-10")}, "initial")
    r.commit({"vms/db-1.yaml": vm("vlan-20")}, "move db-1")
    return r


def test_depth_1_clone_without_base_is_exit_2_not_a_pass(origin: TempRepo, tmp_path: Path) -> None:
    shallow = clone(origin.root, tmp_path / "ci", "--depth", "1")
    head = git(shallow, "rev-parse", "HEAD")
    assert error(gitnad(shallow)) == (
        f"base and head are the same commit ({head[:12]}): no --base given, and the merge-base of HEAD with the "
        "default branch origin/main is HEAD itself (a run on the default branch, or a branch with no commit of "
        f"its own). A check of a commit against itself reads nothing and would pass. {SHALLOW_HINT}"
    )


@pytest.mark.parametrize("which", ["HEAD~1", "first-sha"])
def test_base_missing_from_a_shallow_clone_says_to_deepen(origin: TempRepo, tmp_path: Path, which: str) -> None:
    first = git(origin.root, "rev-parse", "HEAD~1")
    shallow = clone(origin.root, tmp_path / "ci", "--depth", "1")
    ref = first if which == "first-sha" else which
    message = error(gitnad(shallow, "--base", ref))
    assert message.startswith(f"unknown git ref '{ref}': no commit by that name in {shallow.resolve()}")
    assert message.endswith(
        f"; check the spelling or fetch it (git fetch origin). {SHALLOW} The base commit is probably older than "
        f"the history it holds: {DEEPEN}, or pass --base REF with a commit that is here."
    )


def test_deepening_the_shallow_clone_makes_the_same_check_pass(origin: TempRepo, tmp_path: Path) -> None:
    shallow = clone(origin.root, tmp_path / "ci", "--depth", "1")
    assert gitnad(shallow, "--base", "HEAD~1").exit_code == 2
    git(shallow, "fetch", "-q", "--deepen=1")
    r = gitnad(shallow, "--base", "HEAD~1")
    assert r.exit_code == 0, r.output
    assert [(c["kind"], c["to"]) for c in json.loads(r.output)["changes"]] == [("nad-swap", "prod/vlan-20")]


def test_on_the_default_branch_without_base_is_exit_2(origin: TempRepo) -> None:
    head = origin.repo.head.commit.hexsha
    assert error(gitnad(origin.root)) == (
        f"base and head are the same commit ({head[:12]}): no --base given, and the merge-base of HEAD with the "
        "default branch main is HEAD itself (a run on the default branch, or a branch with no commit of its own). "
        f"A check of a commit against itself reads nothing and would pass. {FULL_HINT}"
    )


def test_origin_head_pointing_at_the_branch_itself_is_exit_2(origin: TempRepo, tmp_path: Path) -> None:
    origin.repo.git.checkout("-q", "-b", "feature")
    origin.commit({"vms/db-1.yaml": vm("vlan-10")}, "back")  # origin's HEAD is now `feature`
    work = clone(origin.root, tmp_path / "work")
    assert git(work, "symbolic-ref", "refs/remotes/origin/HEAD") == "refs/remotes/origin/feature"
    head = git(work, "rev-parse", "HEAD")
    assert error(gitnad(work)) == (
        f"base and head are the same commit ({head[:12]}): no --base given, and the merge-base of HEAD with the "
        "default branch origin/feature is HEAD itself (a run on the default branch, or a branch with no commit of "
        f"its own). A check of a commit against itself reads nothing and would pass. {FULL_HINT}"
    )


@pytest.mark.parametrize("ref", ["HEAD", "main"])
def test_explicit_base_and_head_naming_one_commit_is_exit_2(origin: TempRepo, ref: str) -> None:
    head = origin.repo.head.commit.hexsha
    assert error(gitnad(origin.root, "--base", ref, "--head", "HEAD")) == (
        f"base and head are the same commit ({head[:12]}): --base {ref} and --head name the same commit. A check "
        f"of a commit against itself reads nothing and would pass. {FULL_HINT}"
    )


def test_unrelated_histories_have_no_merge_base(origin: TempRepo) -> None:
    main_tip = origin.repo.head.commit.hexsha
    origin.repo.git.checkout("-q", "--orphan", "imported")
    head = origin.commit({"vms/db-1.yaml": vm("vlan-20")}, "imported fleet")
    assert error(gitnad(origin.root)) == (
        f"HEAD ({head[:12]}) and the default branch main ({main_tip[:12]}) have no common ancestor in this "
        "repository, so there is no merge-base to check the change against. Their histories are unrelated: pass "
        "--base REF to say what the change is compared with."
    )


def test_shallow_branches_without_common_history_say_to_deepen(origin: TempRepo, tmp_path: Path) -> None:
    """`--no-single-branch --depth 1`: main and the feature branch each one commit deep, no merge-base visible."""
    origin.repo.git.checkout("-q", "-b", "feature", "HEAD~1")
    origin.commit({"vms/db-1.yaml": vm("prod/vlan-10")}, "feature work")
    origin.repo.git.checkout("-q", "main")
    work = clone(origin.root, tmp_path / "ci", "--depth", "1", "--no-single-branch", "--branch", "feature")
    head, main_tip = git(work, "rev-parse", "HEAD"), git(work, "rev-parse", "origin/main")
    assert error(gitnad(work)) == (
        f"HEAD ({head[:12]}) and the default branch origin/main ({main_tip[:12]}) have no common ancestor in this "
        f"repository, so there is no merge-base to check the change against. {SHALLOW} Their common history is "
        f"probably just not fetched: {DEEPEN}, or pass --base REF."
    )
    git(work, "fetch", "-q", "--unshallow")
    r = gitnad(work)
    assert r.exit_code == 0, r.output
    doc = json.loads(r.output)
    assert doc["refs"] == {"base": git(work, "merge-base", "HEAD", "origin/main"), "head": head}
    assert [(c["kind"], c["to"]) for c in doc["changes"]] == [("cosmetic-rewrite", "prod/vlan-10")]


def test_no_default_branch_is_exit_2(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", branch="trunk")
    commit(repo, {"vms/db-1.yaml": vm("vlan-10")})
    assert error(gitnad(tmp_path / "repo")) == (
        "no --base given and no default branch to take a merge-base with (none of origin/HEAD, origin/main, "
        f"origin/master, main, master exists here). {FULL_HINT}"
    )


def test_feature_branch_without_base_checks_what_it_adds_to_the_default_branch(origin: TempRepo) -> None:
    fork = origin.repo.head.commit.hexsha
    origin.repo.git.checkout("-q", "-b", "feature")
    head = origin.commit({"vms/db-1.yaml": vm("vlan-10")}, "back to vlan-10")
    origin.repo.git.checkout("-q", "main")
    origin.commit({"nads/other.yaml": nad_yaml("vlan-30", vlan=30)}, "main moves on")
    origin.repo.git.checkout("-q", "feature")
    r = gitnad(origin.root)
    assert r.exit_code == 0, r.output
    doc = json.loads(r.output)
    assert doc["refs"] == {"base": fork, "head": head}
    assert [(c["kind"], c["from"], c["to"]) for c in doc["changes"]] == [("nad-swap", "prod/vlan-20", "prod/vlan-10")]


# --- pre-commit ------------------------------------------------------------------------------------------


def test_pre_push_refs_are_the_base_and_head(origin: TempRepo) -> None:
    base, head = origin.repo.head.commit.parents[0].hexsha, origin.repo.head.commit.hexsha
    r = gitnad(origin.root, "--staged", env={"PRE_COMMIT_FROM_REF": base, "PRE_COMMIT_TO_REF": head})
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["refs"] == {"base": base, "head": head}


EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"


def test_pre_push_of_a_root_commit_checks_the_whole_pushed_history(origin: TempRepo) -> None:
    """A new repository's first push (or an orphan branch): pre-commit runs in all-files mode and sets no
    FROM/TO, only the remote and the pushed ref. The pushed history is the change, from the empty tree; before,
    the hook compared the index with HEAD and passed."""
    head = origin.repo.head.commit.hexsha
    origin.commit({"vms/db-1.yaml": vm("Vlan_20")}, "typo")  # HEAD moves on: the pushed ref is what is checked
    env = {"PRE_COMMIT_REMOTE_NAME": "origin", "PRE_COMMIT_LOCAL_BRANCH": head}
    r = gitnad(origin.root, "--staged", env=env)
    assert r.exit_code == 0, r.output
    doc = json.loads(r.output)
    assert doc["refs"] == {"base": EMPTY_TREE, "head": head}
    assert sorted((c["kind"], c["vm"] or c["to"]) for c in doc["changes"]) == [
        ("nad-added", "prod/vlan-10"),
        ("nad-added", "prod/vlan-20"),
        ("vm-added", "prod/db-1"),
    ]
    r = gitnad(origin.root, "--staged", env={**env, "PRE_COMMIT_LOCAL_BRANCH": "refs/heads/main"})
    assert r.exit_code == 1, r.output
    assert [f["code"] for f in json.loads(r.output)["findings"]] == ["GN101"]


def test_null_from_ref_of_a_new_branch_falls_back_to_the_merge_base(origin: TempRepo) -> None:
    fork = origin.repo.head.commit.hexsha
    origin.repo.git.checkout("-q", "-b", "feature")
    head = origin.commit({"vms/db-1.yaml": vm("vlan-10")}, "back")
    r = gitnad(origin.root, "--staged", env={"PRE_COMMIT_FROM_REF": ZERO, "PRE_COMMIT_TO_REF": head})
    assert r.exit_code == 0, r.output
    doc = json.loads(r.output)
    assert doc["refs"] == {"base": fork, "head": head}
    assert [c["to"] for c in doc["changes"]] == ["prod/vlan-10"]


def test_null_from_ref_on_the_default_branch_is_exit_2(origin: TempRepo) -> None:
    head = origin.repo.head.commit.hexsha
    message = error(gitnad(origin.root, env={"PRE_COMMIT_FROM_REF": ZERO, "PRE_COMMIT_TO_REF": head}))
    assert message.startswith(
        f"base and head are the same commit ({head[:12]}): no --base given, and the merge-base of {head} with "
        "the default branch main is "
    )


def test_pre_commit_refs_naming_one_commit_is_exit_2(origin: TempRepo) -> None:
    head = origin.repo.head.commit.hexsha
    message = error(gitnad(origin.root, env={"PRE_COMMIT_FROM_REF": head, "PRE_COMMIT_TO_REF": "HEAD"}))
    assert message.startswith(
        f"base and head are the same commit ({head[:12]}): PRE_COMMIT_FROM_REF and PRE_COMMIT_TO_REF name the "
        "same commit."
    )


def test_null_to_ref_is_a_usage_error(origin: TempRepo) -> None:
    head = origin.repo.head.commit.hexsha
    assert error(gitnad(origin.root, env={"PRE_COMMIT_FROM_REF": head, "PRE_COMMIT_TO_REF": ZERO})) == (
        "PRE_COMMIT_TO_REF is the all-zero sha (a deleted branch): there is no commit to check"
    )


def test_staged_in_a_repository_with_one_commit(tmp_path: Path) -> None:
    r = TempRepo(tmp_path / "repo")
    base = r.commit({"nads/vlan.yaml": NADS, "vms/db-1.yaml": vm("vlan-10")}, "only commit")
    r.stage({"vms/db-1.yaml": vm("vlan-20")})
    res = gitnad(r.root, "--staged")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    assert doc["refs"] == {"base": base, "head": "INDEX"}
    assert [(c["kind"], c["to"]) for c in doc["changes"]] == [("nad-swap", "prod/vlan-20")]


def test_staged_before_the_first_commit_compares_with_the_empty_tree(tmp_path: Path) -> None:
    r = TempRepo(tmp_path / "repo")
    r.stage({"nads/vlan.yaml": NADS, "vms/db-1.yaml": "apiVersion: kubevirt.io/v1\nkind: VirtualMachine\n"})
    res = gitnad(r.root, "--staged")
    assert res.exit_code == 1, res.output
    doc = json.loads(res.output)
    assert doc["refs"] == {"base": git(r.root, "hash-object", "-t", "tree", "--stdin"), "head": "INDEX"}
    assert [(f["code"], f["file"]) for f in doc["findings"]] == [("GN001", "vms/db-1.yaml")]


def test_nothing_staged_is_a_clean_pass(origin: TempRepo) -> None:
    """HEAD vs an unchanged index is the pre-commit case of a commit with no manifest in it: nothing to check."""
    r = gitnad(origin.root, "--staged")
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["changes"] == []
