"""Symlinks, loops, Helm charts, `.gitnad/` and submodules read the same at a commit, in the index and in the
working tree: the same objects at the same paths, the same GN001 words, the same notes."""

from __future__ import annotations

from pathlib import Path

import pytest
from git import Repo

from gitnad.app.check import CheckRequest, check
from gitnad.config import ClusterSettings
from gitnad.models.results import CheckResult
from gitnad.sources.gitrefs import INDEX, GitRepo
from gitnad.sources.layout import INTO_GIT_DIR
from gitnad.sources.scanner import ManifestSet, ScanSettings, scan
from gitnad.sources.trees import TreeReader
from tests.gitutil import Content, Symlink, commit, make_repo, stage
from tests.vmfactory import Net, nad_yaml, vm_yaml

SOURCES = ["commit", "index", "worktree"]
POD = Net("default", kind="pod", binding="masquerade")
SUBMODULE_NOTE = "submodule not scanned: its files belong to another repository (scan that one on its own)"


def _vm(name: str, nad: str = "vlan-10") -> str:
    return vm_yaml(name, [POD, Net("br", nad=nad)])


def _reader(repo: Repo, source: str) -> TreeReader:
    git_repo = GitRepo(Path(str(repo.working_tree_dir)))
    if source == "commit":
        return git_repo.reader("HEAD")
    return git_repo.reader(INDEX) if source == "index" else git_repo.worktree_reader()


def _put(repo: Repo, files: dict[str, Content], source: str) -> TreeReader:
    commit(repo, {"README.md": "base\n"})
    (commit if source == "commit" else stage)(repo, files)
    return _reader(repo, source)


def _submodule(repo: Repo, path: str, files: dict[str, Content]) -> None:
    """A repository of its own at `path`, recorded in the outer index as a gitlink (mode 160000)."""
    inner = make_repo(Path(str(repo.working_tree_dir)) / path)
    sha = commit(inner, files)
    repo.git.update_index("--add", "--cacheinfo", f"160000,{sha},{path}")


def _summary(result: ManifestSet) -> tuple[list[tuple[str, str]], list[tuple[str | None, str]], list[str]]:
    return (
        [(vm.key, vm.file) for vm in result.vms],
        [(p.file, p.message) for p in result.problems],
        [n.text for n in result.notes],
    )


@pytest.mark.parametrize("source", SOURCES)
def test_a_link_to_a_non_manifest_file_is_that_vm_under_the_links_path(tmp_path: Path, source: str) -> None:
    files: dict[str, Content] = {"vms/db-1.txt": _vm("db-1"), "vms/db-1.yaml": Symlink("db-1.txt")}
    result = scan(_put(make_repo(tmp_path), files, source), ScanSettings())
    assert _summary(result) == ([("prod/db-1", "vms/db-1.yaml")], [], [])
    assert result.vms[0].networks[1].line == 24


@pytest.mark.parametrize("source", SOURCES)
def test_a_link_to_another_manifest_is_that_file_not_a_copy(tmp_path: Path, source: str) -> None:
    files: dict[str, Content] = {
        "apps/web.yaml": _vm("web"),
        "apps/alias.yaml": Symlink("web.yaml"),
        "other/via-dir.yaml": Symlink("../apps/alias.yaml"),
    }
    reader = _put(make_repo(tmp_path), files, source)
    assert _summary(scan(reader, ScanSettings())) == ([("prod/web", "apps/web.yaml")], [], [])
    # Asked for the link alone (as `check` asks for a touched file), the target is read, at its own path.
    only_link = scan(reader, ScanSettings(), paths=["apps/alias.yaml"])
    assert (_summary(only_link), only_link.files) == (([("prod/web", "apps/web.yaml")], [], []), ("apps/web.yaml",))


@pytest.mark.parametrize("source", SOURCES)
def test_a_link_to_an_excluded_file_is_read_under_the_links_path(tmp_path: Path, source: str) -> None:
    repo = make_repo(tmp_path)
    commit(repo, {"README.md": "base\n"})
    (commit if source == "commit" else stage)(
        repo, {"vendor/db-1.yaml": _vm("db-1"), "vms/db-1.yaml": Symlink("../vendor/db-1.yaml")}
    )
    git_repo = GitRepo(tmp_path)
    reader = {
        "commit": lambda: git_repo.reader("HEAD", exclude=["vendor"]),
        "index": lambda: git_repo.reader(INDEX, exclude=["vendor"]),
        "worktree": lambda: git_repo.worktree_reader(exclude=["vendor"]),
    }[source]()
    assert _summary(scan(reader, ScanSettings())) == ([("prod/db-1", "vms/db-1.yaml")], [], [])


LOOP = "symlink loop (more than 40 links followed)"


@pytest.mark.parametrize("source", SOURCES)
def test_links_that_cannot_be_followed_are_gn001_with_the_same_words_everywhere(tmp_path: Path, source: str) -> None:
    outside = tmp_path / "outside.yaml"
    outside.write_text(_vm("secret"))
    files: dict[str, Content] = {
        "apps/web.yaml": _vm("web"),
        "loop1.yaml": Symlink("loop2.yaml"),
        "loop2.yaml": Symlink("loop1.yaml"),
        "self.yaml": Symlink("self.yaml"),
        "gone.yaml": Symlink("vms/missing.yaml"),
        "dir.yaml": Symlink("apps"),
        "escape.yaml": Symlink("../outside.yaml"),
        "absolute.yaml": Symlink(str(outside)),
        "evil.yaml": Symlink("x\n\x1b[2Jy.yaml"),
        "gitconfig.yaml": Symlink(".git/config"),  # the working tree has it, a ref cannot: never read
        "githead.yaml": Symlink("apps/../.GIT/HEAD"),
        "gitdir/x.yaml": Symlink("../.git/refs/heads/main"),
    }
    result = scan(_put(make_repo(tmp_path / "repo"), files, source), ScanSettings())
    assert _summary(result) == (
        [("prod/web", "apps/web.yaml")],
        [
            ("absolute.yaml", "absolute.yaml: symlink leaves the repository"),
            ("dir.yaml", "dir.yaml: symlink target apps is a directory, not a file"),
            ("escape.yaml", "escape.yaml: symlink leaves the repository"),
            ("evil.yaml", "evil.yaml: dangling symlink: x\\n\\x1b[2Jy.yaml does not exist"),
            ("gitconfig.yaml", f"gitconfig.yaml: {INTO_GIT_DIR}"),
            ("gitdir/x.yaml", f"gitdir/x.yaml: {INTO_GIT_DIR}"),
            ("githead.yaml", f"githead.yaml: {INTO_GIT_DIR}"),
            ("gone.yaml", "gone.yaml: dangling symlink: vms/missing.yaml does not exist"),
            ("loop1.yaml", f"loop1.yaml: {LOOP}"),
            ("loop2.yaml", f"loop2.yaml: {LOOP}"),
            ("self.yaml", f"self.yaml: {LOOP}"),
        ],
        [],
    )
    assert all(p.code == "GN001" and p.line is None for p in result.problems)


@pytest.mark.parametrize("source", SOURCES)
def test_helm_charts_are_one_note_and_gitnad_fixtures_are_not_manifests(tmp_path: Path, source: str) -> None:
    files: dict[str, Content] = {
        "apps/web.yaml": _vm("web"),
        "charts/db/Chart.yaml": "apiVersion: v2\nname: db\nversion: 0.1.0\n",
        "charts/db/values.yaml": "replicas: 1\n",
        "charts/db/templates/vm.yaml": "kind: VirtualMachine\nmetadata:\n  name: {{ .Release.Name }}\n",
        "charts/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
        ".gitnad/policies/tests/fixtures/vm.yaml": _vm("fixture-vm"),
        ".gitnad/policies/tests/fixtures/nad.yaml": nad_yaml("fixture-nad"),
    }
    result = scan(_put(make_repo(tmp_path), files, source), ScanSettings())
    assert _summary(result) == (
        [("prod/web", "apps/web.yaml")],
        [],
        [
            "Helm chart sources not scanned (rendering Helm is out of scope): charts/db (3 file(s)), "
            "charts/web (1 file(s))"
        ],
    )
    assert result.nads == ()


@pytest.mark.parametrize("source", SOURCES)
def test_submodules_are_named_in_a_note_and_links_into_them_are_gn001(tmp_path: Path, source: str) -> None:
    repo = make_repo(tmp_path)
    commit(repo, {"README.md": "base\n"})
    _submodule(repo, "vendor/lib", {"vm.yaml": _vm("vendored")})
    files: dict[str, Content] = {"apps/web.yaml": _vm("web"), "apps/lib-vm.yaml": Symlink("../vendor/lib/vm.yaml")}
    (commit if source == "commit" else stage)(repo, files)
    result = scan(_reader(repo, source), ScanSettings())
    assert _summary(result) == (
        [("prod/web", "apps/web.yaml")],
        [
            (
                "apps/lib-vm.yaml",
                "apps/lib-vm.yaml: symlink target vendor/lib/vm.yaml is inside submodule vendor/lib, "
                "which is not scanned",
            )
        ],
        [f"vendor/lib: {SUBMODULE_NOTE}"],
    )


def test_a_nested_repository_in_the_working_tree_is_named_in_a_note(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    commit(repo, {"apps/web.yaml": _vm("web")})
    commit(make_repo(tmp_path / "nested"), {"vm.yaml": _vm("nested-vm")})
    result = scan(GitRepo(tmp_path).worktree_reader(), ScanSettings())
    assert _summary(result) == ([("prod/web", "apps/web.yaml")], [], [f"nested: {SUBMODULE_NOTE}"])


def _check(root: Path, base: str, head: str | None) -> CheckResult:
    """`gitnad check --offline` of base..head (`head` None: the index, as `--staged`)."""
    req = CheckRequest(
        repo=root,
        config_file=None,
        base=base,
        head=head,
        staged=head is None,
        fail_on=None,
        policies=(),
        cluster=ClusterSettings(offline=True),
    )
    return check(req)[0]


def test_check_names_a_touched_submodule_in_its_warnings(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    base = commit(repo, {"apps/web.yaml": _vm("web")})
    _submodule(repo, "vendor/lib", {"vm.yaml": _vm("vendored")})
    head = commit(repo, {})
    result = _check(tmp_path, base, head)
    assert (result.findings, result.warnings) == ((), (f"vendor/lib: {SUBMODULE_NOTE}",))


LINKED_CHANGES = [
    pytest.param(
        {"vms/db-1.txt": _vm("db-1"), "vms/db-1.yaml": Symlink("db-1.txt")},
        {"vms/db-1.txt": vm_yaml("db-1", [POD, Net("br", nad="vlan-20", binding="sriov")])},
        ["nad-swap prod/db-1 vms/db-1.yaml", "restart-required prod/db-1 vms/db-1.yaml"],
        [("GN102", "vms/db-1.yaml"), ("GN103", "vms/db-1.yaml"), ("GN111", "vms/db-1.yaml")],
        id="target-edited",
    ),
    pytest.param(
        {"vms/db-1.txt": _vm("db-1"), "vms/hop.txt": Symlink("db-1.txt"), "vms/db-1.yaml": Symlink("hop.txt")},
        {"vms/db-1.txt": _vm("db-1", nad="vlan-20")},
        ["nad-swap prod/db-1 vms/db-1.yaml"],
        [],
        id="target-edited-two-hops-away",
    ),
    pytest.param(
        {
            "vms/db-1.txt": _vm("db-1"),
            "vms/other.txt": _vm("db-1", nad="vlan-20"),
            "vms/db-1.yaml": Symlink("db-1.txt"),
        },
        {"vms/db-1.txt": None, "vms/db-1.yaml": None, "vms/db-2.yaml": Symlink("other.txt")},
        ["nad-swap prod/db-1 vms/db-2.yaml"],
        [],
        id="vm-moved-behind-another-link",
    ),
    pytest.param(
        {
            "nads/vlan-10.txt": nad_yaml("vlan-10"),
            "nads/vlan-10.yaml": Symlink("vlan-10.txt"),
            "vms/db-1.yaml": _vm("db-1"),
        },
        {"nads/vlan-10.txt": None},
        [],
        [("GN001", "nads/vlan-10.yaml")],
        id="nad-target-deleted",
    ),
]


@pytest.mark.parametrize(("before", "after", "changes", "findings"), LINKED_CHANGES)
@pytest.mark.parametrize("head", ["commit", "index"])
def test_check_sees_a_change_made_through_a_links_target(
    tmp_path: Path,
    before: dict[str, Content],
    after: dict[str, Content],
    changes: list[str],
    findings: list[tuple[str, str]],
    head: str,
) -> None:
    """git lists a symlink only when the link itself changes; a change to the file it leads to changes what the
    link's path declares, as kubectl and Argo CD read it: check reads it again (a PR, and `--staged`)."""
    repo = make_repo(tmp_path)
    base = commit(repo, {"nads/vlan-20.yaml": nad_yaml("vlan-20"), **before})
    if head == "commit":
        result = _check(tmp_path, base, commit(repo, after))
    else:
        stage(repo, after)
        result = _check(tmp_path, base, None)
    assert sorted(f"{c.kind} {c.vm} {c.file}" for c in result.changes) == sorted(changes)
    assert [(f.code, f.file) for f in result.findings] == findings
