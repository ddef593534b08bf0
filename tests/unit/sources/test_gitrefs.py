"""GitRepo on real temporary repositories: refs, diffs (renames, type changes, the index), default base,
tree readers at a commit / the index / the working tree, grep, and that nothing is ever checked out."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from git import Repo

from gitnad.errors import BareRepositoryError, ExitCode, GitError, NotAWorkingCopyError, RefError, UsageError
from gitnad.sources.gitrefs import INDEX, FileDelta, GitRepo, open_worktree, parse_batch, parse_name_status
from gitnad.sources.trees import FileProblem, WorktreeReader
from tests.gitutil import Content, Symlink, commit, make_repo, stage, write

VM = "apiVersion: kubevirt.io/v1\nkind: VirtualMachine\nmetadata:\n  name: {name}\nspec: {{}}\n"
NAD = "apiVersion: k8s.cni.cncf.io/v1\nkind: NetworkAttachmentDefinition\nmetadata:\n  name: {name}\n"
LONG = "".join(f"# line {i} keeps the content similar enough for rename detection\n" for i in range(30))


def _repo(tmp_path: Path) -> tuple[Repo, GitRepo]:
    repo = make_repo(tmp_path / "repo")
    return repo, GitRepo(tmp_path / "repo")


def test_repository_is_found_from_a_subdirectory(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    commit(repo, {"apps/team/vm.yaml": VM.format(name="a")})
    assert GitRepo(tmp_path / "repo" / "apps" / "team").root == (tmp_path / "repo").resolve()


HINT = "run gitnad from a clone of the repository, or pass --repo PATH"


def _where(tmp_path: Path, case: str) -> Path:
    """A directory that is not a working copy, built for real."""
    if case == "bare":
        make_repo(tmp_path / "work")
        Repo.init(tmp_path / "bare.git", bare=True)
        return tmp_path / "bare.git"
    if case == "dot-git":
        commit(make_repo(tmp_path / "work"), {"a.yaml": "a: 1\n"})
        return tmp_path / "work" / ".git"
    if case == "file":
        (tmp_path / "vm.yaml").write_text("a: 1\n")
        return tmp_path / "vm.yaml"
    (tmp_path / "plain").mkdir()
    return tmp_path / "plain"


@pytest.mark.parametrize(
    ("case", "error", "message"),
    [
        ("plain", NotAWorkingCopyError, "{path} is not inside a git working copy; " + HINT),
        ("dot-git", NotAWorkingCopyError, "{path} is not inside a git working copy; " + HINT),
        ("file", NotAWorkingCopyError, "{path} is not a directory; " + HINT),
        ("bare", BareRepositoryError, "{path} is a bare git repository (no working tree); " + HINT),
    ],
    ids=["plain-directory", "inside-dot-git", "a-file", "bare-repository"],
)
def test_not_a_working_copy_is_a_usage_error(tmp_path: Path, case: str, error: type, message: str) -> None:
    path = _where(tmp_path, case)
    with pytest.raises(NotAWorkingCopyError) as err:
        GitRepo(path)
    assert type(err.value) is error
    assert err.value.message == message.format(path=path)
    assert err.value.exit_code is ExitCode.USAGE


def test_a_repository_git_refuses_to_read_is_a_git_error_not_a_usage_error(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    commit(repo, {"a.yaml": "a: 1\n"})
    (tmp_path / "repo" / ".git" / "config").write_text("[core\nbroken")
    with pytest.raises(GitError) as err:
        GitRepo(tmp_path / "repo")
    assert err.value.message.startswith(f"git rev-parse failed in {tmp_path / 'repo'}: fatal: bad config line 1")
    assert err.value.exit_code is ExitCode.UNDECIDED


@pytest.mark.parametrize("ref", ["HEAD", "main", "v1", "HEAD~1", "short"], ids=str)
def test_resolve_gives_the_full_commit_sha(tmp_path: Path, ref: str) -> None:
    repo, git_repo = _repo(tmp_path)
    first = commit(repo, {"a.yaml": "a: 1\n"})
    second = commit(repo, {"a.yaml": "a: 2\n"})
    repo.create_tag("v1", message="annotated tag")  # resolves through the tag object to the commit
    expected = {"HEAD": second, "main": second, "v1": second, "HEAD~1": first, "short": second}[ref]
    assert git_repo.resolve(second[:10] if ref == "short" else ref) == expected


@pytest.mark.parametrize("ref", ["no-such-branch", "HEAD~5", "--output=/tmp/x", "", INDEX, "HEAD:a.yaml"], ids=repr)
def test_unknown_ref_is_a_ref_error_naming_the_ref(tmp_path: Path, ref: str) -> None:
    repo, git_repo = _repo(tmp_path)
    commit(repo, {"a.yaml": "a: 1\n"})
    with pytest.raises(RefError) as err:
        git_repo.resolve(ref)
    assert err.value.message.startswith(f"unknown git ref '{ref}': no commit by that name in ")
    assert err.value.exit_code is ExitCode.USAGE


# (id, files at base, change, expected deltas)
def test_ref_error_carries_gits_reason(tmp_path: Path) -> None:
    repo, git_repo = _repo(tmp_path)
    commit(repo, {"a.yaml": "a: 1\n"})
    with pytest.raises(RefError) as err:
        git_repo.resolve("@{upstream}")
    assert err.value.message == (
        f"unknown git ref '@{{upstream}}': no commit by that name in {git_repo.root} (no upstream configured for "
        "branch 'main'); check the spelling or fetch it (git fetch origin)"
    )


def test_a_repository_broken_after_opening_is_a_git_error_not_a_ref_error(tmp_path: Path) -> None:
    repo, git_repo = _repo(tmp_path)
    commit(repo, {"a.yaml": "a: 1\n"})
    (git_repo.root / ".git" / "HEAD").write_text("garbage\n")
    with pytest.raises(GitError, match=r"^git rev-parse failed in .*not a git repository") as err:
        git_repo.resolve("main")
    assert err.value.exit_code is ExitCode.UNDECIDED


# (files at base, change, expected deltas)
DIFFS = [
    pytest.param({"a.yaml": "a: 1\n"}, {"b.yaml": "b: 1\n"}, [FileDelta("A", "b.yaml")], id="add"),
    pytest.param({"a.yaml": "a: 1\n"}, {"a.yaml": "a: 2\n"}, [FileDelta("M", "a.yaml")], id="modify"),
    pytest.param({"a.yaml": "a: 1\n", "b.yaml": "b: 1\n"}, {"a.yaml": None}, [FileDelta("D", "a.yaml")], id="delete"),
    pytest.param(
        {"vms/a.yaml": LONG},
        {"vms/a.yaml": None, "moved/b.yaml": LONG},
        [FileDelta("R", "moved/b.yaml", "vms/a.yaml")],
        id="rename",
    ),
    pytest.param(
        {"a.yaml": LONG},
        {"a.yaml": None, "b.yaml": LONG + "x: 1\n"},
        [FileDelta("R", "b.yaml", "a.yaml")],
        id="rename-and-edit",
    ),
    pytest.param(
        {"a.yaml": "a: 1\n", "b.yaml": "b: 1\n"},
        {"a.yaml": Symlink("b.yaml")},
        [FileDelta("M", "a.yaml")],
        id="type-change",
    ),
    pytest.param(
        {"x.yaml": "x: 1\n"},
        {"dir with space/ü\tname.yaml": "a: 1\n"},
        [FileDelta("A", "dir with space/ü\tname.yaml")],
        id="odd-names",
    ),
    pytest.param(
        {"a.yaml": "a: 1\n", "c.yaml": "c: 1\n"},
        {"a.yaml": None, "b.yaml": "b: 1\n", "c.yaml": "c: 2\n"},
        [FileDelta("D", "a.yaml"), FileDelta("A", "b.yaml"), FileDelta("M", "c.yaml")],
        id="several-sorted",
    ),
]


@pytest.mark.parametrize("staged", [False, True], ids=["commits", "index"])
@pytest.mark.parametrize(("base", "change", "expected"), DIFFS)
def test_diff_between_commits_and_against_the_index(
    tmp_path: Path, staged: bool, base: dict[str, Content], change: dict[str, Content], expected: list[FileDelta]
) -> None:
    repo, git_repo = _repo(tmp_path)
    base_sha = commit(repo, base)
    if staged:
        stage(repo, change)
        write(repo, {"unstaged.yaml": "not staged\n"})  # the working tree does not count for INDEX
        assert git_repo.diff(base_sha, INDEX) == expected
    else:
        head_sha = commit(repo, change)
        assert git_repo.diff(base_sha, head_sha) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"", []),
        (b"M\0a.yaml\0", [FileDelta("M", "a.yaml")]),
        (b"R087\0old.yaml\0new.yaml\0A\0b.yaml\0", [FileDelta("R", "new.yaml", "old.yaml"), FileDelta("A", "b.yaml")]),
        (b"C075\0src.yaml\0copy.yaml\0", [FileDelta("A", "copy.yaml")]),
        (b"T\0link.yaml\0U\0conflict.yaml\0", [FileDelta("M", "link.yaml"), FileDelta("M", "conflict.yaml")]),
    ],
    ids=["empty", "modify", "rename-then-add", "copy-is-add", "typechange-and-unmerged"],
)
def test_name_status_parsing(raw: bytes, expected: list[FileDelta]) -> None:
    assert parse_name_status(raw) == expected


def test_batch_parsing_keeps_binary_data_and_skips_missing_objects() -> None:
    out = b"aaa blob 3\nx\ny\nbbb missing\nccc blob 0\n\n"
    assert parse_batch(out) == {"aaa": b"x\ny", "ccc": b""}


def test_merge_base_with_the_default_branch(tmp_path: Path) -> None:
    repo, git_repo = _repo(tmp_path)
    fork_point = commit(repo, {"a.yaml": "a: 1\n"})
    repo.git.checkout("-q", "-b", "feature")
    feature = commit(repo, {"a.yaml": "a: 2\n"})
    repo.git.checkout("-q", "main")
    main = commit(repo, {"b.yaml": "b: 1\n"})
    repo.git.checkout("-q", "feature")
    assert git_repo.default_branch() == ("refs/heads/main", main)
    assert git_repo.merge_base(feature, main) == fork_point


def test_no_merge_base_between_unrelated_histories(tmp_path: Path) -> None:
    repo, git_repo = _repo(tmp_path)
    main = commit(repo, {"a.yaml": "a: 1\n"})
    repo.git.checkout("-q", "--orphan", "other")
    other = commit(repo, {"b.yaml": "b: 1\n"})
    assert git_repo.merge_base(other, main) is None


def test_default_branch_prefers_origin_named_by_what_its_head_points_to(tmp_path: Path) -> None:
    origin = make_repo(tmp_path / "origin")
    shared = commit(origin, {"a.yaml": "a: 1\n"})
    Repo.clone_from(str(tmp_path / "origin"), str(tmp_path / "clone"))
    clone = make_repo(tmp_path / "clone")  # re-init keeps the clone, sets the test identity
    commit(clone, {"local.yaml": "l: 1\n"})  # local main moves ahead of origin/main
    assert GitRepo(tmp_path / "clone").default_branch() == ("refs/remotes/origin/main", shared)


@pytest.mark.parametrize("branch", ["trunk", "develop"])
def test_no_default_branch(tmp_path: Path, branch: str) -> None:
    repo = make_repo(tmp_path / "repo", branch=branch)
    commit(repo, {"a.yaml": "a: 1\n"})
    assert GitRepo(tmp_path / "repo").default_branch() is None


def test_empty_repository_has_no_commits_and_no_default_branch(tmp_path: Path) -> None:
    make_repo(tmp_path / "repo")
    git_repo = GitRepo(tmp_path / "repo")
    assert (git_repo.has_commits(), git_repo.default_branch()) == (False, None)


def test_shallowness_is_what_git_says(tmp_path: Path) -> None:
    repo, git_repo = _repo(tmp_path)
    commit(repo, {"a.yaml": "a: 1\n"})
    commit(repo, {"a.yaml": "a: 2\n"})
    shallow = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", git_repo.root.as_uri(), str(shallow)], check=True)
    assert (git_repo.is_shallow(), GitRepo(shallow).is_shallow()) == (False, True)


def test_the_empty_tree_reads_as_a_tree_without_files(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    stage(repo, {"a.yaml": "a: 1\n"})
    git_repo = GitRepo(tmp_path / "repo")
    empty = git_repo.empty_tree()
    assert empty == "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
    assert (git_repo.reader(empty).paths(), git_repo.diff(empty, INDEX)) == ([], [FileDelta("A", "a.yaml")])


def test_readers_at_a_commit_the_index_and_the_working_tree_see_their_own_content(tmp_path: Path) -> None:
    repo, git_repo = _repo(tmp_path)
    old = commit(repo, {"vm.yaml": "v: committed\n", "gone.yaml": "g: 1\n", "README.md": "r\n"})
    stage(repo, {"vm.yaml": "v: staged\n", "gone.yaml": None, "new.yml": "n: 1\n"})
    write(repo, {"vm.yaml": "v: worktree\n", "scratch.json": "{}"})
    readers = {"commit": git_repo.reader(old), "index": git_repo.reader(INDEX), "worktree": git_repo.worktree_reader()}
    seen = {name: (r.label, r.paths(), r.read(r.paths(), 1000)) for name, r in readers.items()}
    assert seen == {
        "commit": (old, ["gone.yaml", "vm.yaml"], {"gone.yaml": b"g: 1\n", "vm.yaml": b"v: committed\n"}),
        "index": ("index", ["new.yml", "vm.yaml"], {"new.yml": b"n: 1\n", "vm.yaml": b"v: staged\n"}),
        "worktree": (
            "worktree",
            ["new.yml", "scratch.json", "vm.yaml"],
            {"new.yml": b"n: 1\n", "scratch.json": b"{}", "vm.yaml": b"v: worktree\n"},
        ),
    }
    # reading an old commit never touches the working tree or the index
    assert (Path(str(repo.working_tree_dir)) / "vm.yaml").read_text() == "v: worktree\n"
    assert git_repo.diff(old, INDEX) == [
        FileDelta("D", "gone.yaml"),
        FileDelta("A", "new.yml"),
        FileDelta("M", "vm.yaml"),
    ]


def test_reader_takes_any_ref_and_rejects_unknown_ones(tmp_path: Path) -> None:
    repo, git_repo = _repo(tmp_path)
    sha = commit(repo, {"a.yaml": "a: 1\n"})
    assert git_repo.reader("main").label == sha
    with pytest.raises(RefError, match="unknown git ref 'nope'"):
        git_repo.reader("nope")


def test_blobs_over_the_limit_are_problems_at_every_source(tmp_path: Path) -> None:
    """The over-size content is streamed for kind names (never parsed): only a file naming one could be ours."""
    repo, git_repo = _repo(tmp_path)
    vm = "#" * 40 + "\nkind: VirtualMachine\n"
    sha = commit(repo, {"big.yaml": "x" * 50 + "\n", "vm.yaml": vm, "small.yaml": "s: 1\n"})
    expected = {
        "big.yaml": FileProblem("file is 51 bytes, over the 20-byte limit (maxFileBytes)", ours=False),
        "small.yaml": b"s: 1\n",
        "vm.yaml": FileProblem("file is 62 bytes, over the 20-byte limit (maxFileBytes)", ours=True),
    }
    for reader in (git_repo.reader(sha), git_repo.reader(INDEX), git_repo.worktree_reader()):
        assert reader.read(["big.yaml", "small.yaml", "vm.yaml"], 20) == expected


def test_worktree_respects_gitignore_and_keeps_untracked_files(tmp_path: Path) -> None:
    repo, git_repo = _repo(tmp_path)
    commit(repo, {".gitignore": "build/\n*.generated.yaml\n", "tracked.yaml": "t: 1\n"})
    write(repo, {"build/out.yaml": "b: 1\n", "x.generated.yaml": "g: 1\n", "untracked.yaml": "u: 1\n"})
    reader = git_repo.worktree_reader()
    assert reader.paths() == ["tracked.yaml", "untracked.yaml"]
    assert reader.grep(["1"]) == {"tracked.yaml", "untracked.yaml"}


def test_worktree_subpath_limits_the_listing_but_paths_stay_repo_relative(tmp_path: Path) -> None:
    repo, git_repo = _repo(tmp_path)
    commit(repo, {"apps/a/vm.yaml": "a: 1\n", "apps/b/vm.yaml": "b: 1\n", "top.yaml": "t: 1\n"})
    reader = git_repo.worktree_reader(tmp_path / "repo" / "apps" / "a")
    assert (reader.paths(), reader.grep([": 1"])) == (["apps/a/vm.yaml"], {"apps/a/vm.yaml"})
    with pytest.raises(UsageError, match="is outside the git repository"):
        git_repo.worktree_reader(tmp_path)


def test_worktree_skips_files_deleted_but_still_tracked(tmp_path: Path) -> None:
    repo, git_repo = _repo(tmp_path)
    commit(repo, {"a.yaml": "a: 1\n", "b.yaml": "b: 1\n"})
    write(repo, {"a.yaml": None})
    reader = git_repo.worktree_reader()
    assert reader.read(reader.paths(), 100) == {"b.yaml": b"b: 1\n"}


@pytest.mark.parametrize("source", ["commit", "index", "worktree"])
def test_grep_finds_candidate_files_by_fixed_strings(tmp_path: Path, source: str) -> None:
    repo, git_repo = _repo(tmp_path)
    files: dict[str, Content] = {
        "nads/vlan-10.yaml": NAD.format(name="vlan-10"),
        "vms/web.yaml": VM.format(name="web") + "# uses vlan-10\n",
        "vms/db.YML": VM.format(name="db.*"),
        "notes.txt": "NetworkAttachmentDefinition vlan-10\n",
        "vendor/nad.yaml": NAD.format(name="vendored"),
    }
    commit(repo, {"README.md": "r\n"})
    if source == "commit":
        commit(repo, files)
    else:
        stage(repo, files)
    exclude = ["vendor"]
    reader = {
        "commit": git_repo.reader("HEAD", exclude=exclude),
        "index": git_repo.reader(INDEX, exclude=exclude),
        "worktree": git_repo.worktree_reader(exclude=exclude),
    }[source]
    assert reader.grep(["NetworkAttachmentDefinition"]) == {"nads/vlan-10.yaml"}
    assert reader.grep(["vlan-10", "db.*"]) == {"nads/vlan-10.yaml", "vms/web.yaml", "vms/db.YML"}
    assert reader.grep(["absent"]) == set()
    assert reader.grep([]) == set()


@pytest.mark.parametrize("source", ["commit", "index", "worktree"])
def test_grep_takes_needles_past_the_argument_size_limit(tmp_path: Path, source: str) -> None:
    """A 1 MB name (the kernel refuses any single argument over 128 KiB) goes to git on stdin."""
    repo, git_repo = _repo(tmp_path)
    name = "vm-" + "x" * 1024 * 1024
    files: dict[str, Content] = {"vms/huge.yaml": VM.format(name=name), "vms/small.yaml": VM.format(name="small")}
    if source == "index":
        stage(repo, files)
    else:
        commit(repo, files)
    reader = (
        git_repo.worktree_reader() if source == "worktree" else git_repo.reader(INDEX if source == "index" else "HEAD")
    )
    assert reader.grep([name, "absent\nsmall"]) == {"vms/huge.yaml", "vms/small.yaml"}
    assert reader.grep([name]) == {"vms/huge.yaml"}
    assert reader.grep([name[:-1] + "y"]) == {"vms/huge.yaml"}  # cut to its start: more found, never less


def test_exclude_globs_apply_to_listing_reading_and_grep(tmp_path: Path) -> None:
    repo, git_repo = _repo(tmp_path)
    commit(repo, {"apps/vm.yaml": "a: 1\n", "charts/x/templates/vm.yaml": "c: 1\n", "apps/test-vm.yaml": "t: 1\n"})
    reader = git_repo.reader("HEAD", exclude=["charts/**", "test-*"])
    assert reader.paths() == ["apps/vm.yaml"]
    assert reader.read(["charts/x/templates/vm.yaml", "apps/test-vm.yaml", "apps/vm.yaml"], 100) == {
        "apps/vm.yaml": b"a: 1\n"
    }
    assert reader.grep([": 1"]) == {"apps/vm.yaml"}


def test_open_worktree_uses_git_inside_a_repository_and_the_directory_elsewhere(tmp_path: Path) -> None:
    repo, _ = _repo(tmp_path)
    commit(repo, {".gitignore": "ignored.yaml\n", "a.yaml": "a: 1\n"})
    write(repo, {"ignored.yaml": "i: 1\n"})
    plain = tmp_path / "plain"
    (plain / "sub").mkdir(parents=True)
    (plain / "sub" / "b.yaml").write_text("b: 1\n")
    (plain / ".git-not").mkdir()
    in_repo, outside = open_worktree(tmp_path / "repo"), open_worktree(plain)
    assert (in_repo.label, in_repo.paths()) == ("worktree", ["a.yaml"])
    assert isinstance(outside, WorktreeReader)
    assert (outside.paths(), outside.grep(["b: "])) == (["sub/b.yaml"], {"sub/b.yaml"})


@pytest.mark.parametrize("name", ["missing", "file.yaml"])
def test_open_worktree_refuses_what_is_not_a_directory(tmp_path: Path, name: str) -> None:
    (tmp_path / "file.yaml").write_text("a: 1\n")
    with pytest.raises(UsageError, match=f"{name} is not a directory") as err:
        open_worktree(tmp_path / name)
    assert err.value.exit_code is ExitCode.USAGE


BASE_FILES: dict[str, Content] = {
    "nads/vlan-10.yaml": NAD.format(name="vlan-10"),
    "nads/vlan-20.yaml": NAD.format(name="vlan-20"),
    "vms/web.yaml": VM.format(name="web") + "# on vlan-10\n",
    "vms/db.yaml": VM.format(name="db"),
    "vms/cache.YAML": VM.format(name="cache") + "# vlan-20\n",
    "docs/notes.txt": "vlan-10 NetworkAttachmentDefinition\n",
    "old/gone.yaml": NAD.format(name="gone"),
}
CHANGES: dict[str, dict[str, Content]] = {
    "modified-gains-needle": {"vms/db.yaml": VM.format(name="db") + "# now vlan-10\n"},
    "modified-loses-needle": {"vms/web.yaml": VM.format(name="web")},
    "added": {"vms/new.yml": VM.format(name="new") + "# vlan-20\n"},
    "deleted": {"nads/vlan-10.yaml": None},
    "case-of-suffix": {"vms/UPPER.JSON": '{"kind": "NetworkAttachmentDefinition"}\n'},
    "not-a-candidate": {"docs/notes.txt": "vlan-20\n", "docs/more.txt": "vlan-10\n"},
    "symlink": {"vms/link.yaml": Symlink("web.yaml"), "vms/db.yaml": Symlink("../nads/vlan-10.yaml")},
    "special-characters": {"vms/[a]*?.yaml": "vlan-10\n", "vms/:(icase)x.yaml": "vlan-20\n"},
    "many": {f"gen/vm-{i:03}.yaml": VM.format(name=f"vm-{i}") + ("# vlan-10\n" if i % 3 else "") for i in range(60)},
}
NEEDLES = [["vlan-10", "NetworkAttachmentDefinition"], ["vlan-20"], ["absent"]]


@pytest.mark.parametrize("head", ["commit", "index"])
@pytest.mark.parametrize("change", sorted(CHANGES))
def test_grep_of_the_second_ref_is_what_a_fresh_search_finds(tmp_path: Path, change: str, head: str) -> None:
    """A check greps its first ref whole and the second only where the two listings differ: the second ref's
    answer must be exactly what searching it whole finds, in either order, for every kind of difference."""
    repo = make_repo(tmp_path / "repo")
    base = commit(repo, BASE_FILES)
    (commit if head == "commit" else stage)(repo, CHANGES[change])
    head_rev = repo.head.commit.hexsha if head == "commit" else INDEX
    for first, second in ((base, head_rev), (head_rev, base)):
        for needles in NEEDLES:
            shared = GitRepo(tmp_path / "repo")
            shared.entries(first), shared.entries(second)  # both listed, as a check's two readers list them
            shared.grep(first, needles)
            alone = GitRepo(tmp_path / "repo")
            assert shared.grep(second, needles) == alone.grep(second, needles), (first, second, needles)


def test_kept_blobs_are_read_once_and_sizes_come_from_them(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    commit(repo, {"a.yaml": "a: 1\n", "b.yaml": "b: 22\n"})
    git_repo = GitRepo(tmp_path / "repo")
    oids = {e.path: e.oid for e in git_repo.entries(repo.head.commit.hexsha)}
    git_repo.keep_blobs(budget=5)  # room for a.yaml (5 bytes), not for b.yaml (6)
    assert git_repo.blobs([oids["a.yaml"], oids["b.yaml"]]) == {oids["a.yaml"]: b"a: 1\n", oids["b.yaml"]: b"b: 22\n"}
    subprocess.run(["git", "-C", str(tmp_path / "repo"), "prune-packed"], check=True)
    for obj in (tmp_path / "repo" / ".git" / "objects").glob("??/*"):
        obj.chmod(0o644)
        obj.unlink()  # every object gone from disk: only what was kept can still be read
    assert git_repo.blobs([oids["a.yaml"], oids["b.yaml"]]) == {oids["a.yaml"]: b"a: 1\n"}
    assert git_repo.blob_sizes([oids["a.yaml"]]) == {oids["a.yaml"]: 5}
