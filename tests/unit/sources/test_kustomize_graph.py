"""Discovery on real git repositories: which kustomizations are roots, what each root reads, which files must be
manifests, and the problems of references that cannot work (no process is started here)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitnad.sources.gitrefs import INDEX, GitRepo
from gitnad.sources.kustomize import input_reader
from gitnad.sources.kustomize.graph import discover
from gitnad.sources.kustomize.model import KustomizeGraph, Problem, ProblemKind, SourceLocation, Via
from gitnad.sources.kustomize.render import render
from tests.gitrepo import TempRepo
from tests.gitutil import Content, Symlink
from tests.unit.sources.kustomize_repo import gitops_files

VM = "apiVersion: kubevirt.io/v1\nkind: VirtualMachine\nmetadata:\n  name: {name}\nspec: {{}}\n"


def _graph(tmp_path: Path, files: dict[str, Content], rev: str | None = "HEAD", **kw: object) -> KustomizeGraph:
    repo = TempRepo(tmp_path / "repo")
    repo.commit(files)
    return discover(input_reader(GitRepo(repo.root), rev), **kw)  # type: ignore[arg-type]


def _k(*lines: str) -> str:
    return "".join(line + "\n" for line in lines)


def test_fixture_roots_inputs_and_manifests(tmp_path: Path) -> None:
    graph = _graph(tmp_path, dict(gitops_files()))
    assert graph.roots == ("overlays/prod", "overlays/staging")
    assert {d: (k.component, k.consumes) for d, k in graph.kustomizations.items()} == {
        "base": (False, ()),
        "components/pool-net": (True, ()),
        "overlays/prod": (False, ("base", "components/pool-net")),
        "overlays/staging": (False, ("base",)),
    }
    assert sorted(graph.inputs["overlays/staging"]) == [
        "base/Kustomization",
        "base/kustomization.yaml",
        "base/kustomization.yml",
        "base/nad.yaml",
        "base/pool.yaml",
        "base/vm.yaml",
        "overlays/staging/Kustomization",
        "overlays/staging/kustomization.yaml",
        "overlays/staging/kustomization.yml",
        "overlays/staging/nad-patch.yaml",
    ]
    assert graph.manifest_files == {"base/nad.yaml", "base/pool.yaml", "base/vm.yaml"}
    assert graph.named_files == frozenset(gitops_files())
    assert graph.problems == ()


@pytest.mark.parametrize(
    ("changed", "roots"),
    [
        (["base/vm.yaml"], ("overlays/prod", "overlays/staging")),
        (["overlays/prod/binding.yaml"], ("overlays/prod",)),
        (["components/pool-net/pool-nad.yaml"], ("overlays/prod",)),
        (["base/kustomization.yml"], ("overlays/prod", "overlays/staging")),
        (["README.md", "base/other.yaml"], ()),
    ],
    ids=["base", "prod-patch", "component", "second-kustomization-file", "unrelated"],
)
def test_roots_reading_a_change(tmp_path: Path, changed: list[str], roots: tuple[str, ...]) -> None:
    assert _graph(tmp_path, dict(gitops_files())).roots_reading(changed) == roots


def test_an_overlay_consumed_by_another_is_not_a_root(tmp_path: Path) -> None:
    files: dict[str, Content] = {
        **gitops_files(),
        "clusters/eu/kustomization.yaml": _k("resources:", "- ../../overlays/prod"),
    }
    graph = _graph(tmp_path, files)
    assert graph.roots == ("clusters/eu", "overlays/staging")
    assert "overlays/prod/binding.yaml" in graph.inputs["clusters/eu"]


def test_kustomizations_consuming_each_other_are_each_a_cycle_problem(tmp_path: Path) -> None:
    graph = _graph(
        tmp_path,
        {"a/kustomization.yaml": _k("resources:", "- ../b"), "b/kustomization.yaml": _k("resources:", "- ../a")},
    )
    assert graph.roots == ()
    assert graph.problems == (
        Problem(
            "a/kustomization.yaml",
            None,
            ProblemKind.CYCLE,
            "consumed only by kustomizations in a cycle (b/kustomization.yaml): nothing renders it",
        ),
        Problem(
            "b/kustomization.yaml",
            None,
            ProblemKind.CYCLE,
            "consumed only by kustomizations in a cycle (a/kustomization.yaml): nothing renders it",
        ),
    )


# (files, roots, problems)
CASES: dict[str, tuple[dict[str, Content], tuple[str, ...], tuple[Problem, ...]]] = {
    "base-above-the-overlay": (
        {
            "app/kustomization.yaml": _k("resources:", "- vm.yaml"),
            "app/vm.yaml": VM.format(name="a"),
            "app/dev/kustomization.yaml": _k("namespace: dev", "resources:", "- .."),
        },
        ("app/dev",),
        (
            Problem(
                "app/dev/kustomization.yaml",
                3,
                ProblemKind.CYCLE,
                "resources: '..' is at or above this kustomization (kustomize: cycle)",
            ),
        ),
    ),
    "extension-less-Kustomization": (
        {"app/Kustomization": _k("resources:", "- vm.yaml"), "app/vm.yaml": VM.format(name="a")},
        ("app",),
        (),
    ),
    "two-kustomization-files": (
        {"app/kustomization.yaml": _k("resources: []"), "app/kustomization.yml": _k("resources: []")},
        ("app",),
        (
            Problem(
                "app/kustomization.yaml",
                None,
                ProblemKind.INVALID,
                "several kustomization files in one directory: ['app/kustomization.yaml', 'app/kustomization.yml']",
            ),
        ),
    ),
    "component-in-resources": (
        {"c/kustomization.yaml": _k("kind: Component"), "app/kustomization.yaml": _k("resources:", "- ../c")},
        ("app",),
        (
            Problem(
                "app/kustomization.yaml",
                2,
                ProblemKind.INVALID,
                "resources: '../c' is a Component: list it in components",
            ),
        ),
    ),
    "kustomization-in-components": (
        {"c/kustomization.yaml": _k("resources: []"), "app/kustomization.yaml": _k("components:", "- ../c")},
        ("app",),
        (Problem("app/kustomization.yaml", 2, ProblemKind.INVALID, "components: '../c' is not a kind: Component"),),
    ),
    "unused-component": (
        {"c/kustomization.yaml": _k("kind: Component", "patches:", "- path: p.yaml"), "c/p.yaml": "[]\n"},
        (),
        (),
    ),
    "directory-without-kustomization": (
        {"app/kustomization.yaml": _k("resources:", "- ../plain"), "plain/vm.yaml": VM.format(name="a")},
        ("app",),
        (
            Problem(
                "app/kustomization.yaml",
                2,
                ProblemKind.MISSING,
                "resources: directory 'plain' holds no kustomization file",
            ),
        ),
    ),
    "component-is-a-file": (
        {"app/kustomization.yaml": _k("components:", "- vm.yaml"), "app/vm.yaml": VM.format(name="a")},
        ("app",),
        (
            Problem(
                "app/kustomization.yaml", 2, ProblemKind.INVALID, "components: 'vm.yaml' is a file, not a directory"
            ),
        ),
    ),
    "resource-symlink-leaving-the-repository": (
        {"app/kustomization.yaml": _k("resources:", "- vm.yaml"), "app/vm.yaml": Symlink("/etc/hostname")},
        ("app",),
        (
            Problem(
                "app/kustomization.yaml", 2, ProblemKind.OUTSIDE, "resources: 'vm.yaml': symlink leaves the repository"
            ),
        ),
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_discovery_cases(tmp_path: Path, case: str) -> None:
    files, roots, problems = CASES[case]
    graph = _graph(tmp_path, files)
    assert (graph.roots, graph.problems) == (roots, problems)


def test_problems_of_a_root_are_those_in_the_files_it_reads(tmp_path: Path) -> None:
    files: dict[str, Content] = {
        **gitops_files(),
        "base/kustomization.yaml": gitops_files()["base/kustomization.yaml"] + "  - gone.yaml\n",
        "other/kustomization.yaml": _k("resources:", "- missing.yaml"),
    }
    graph = _graph(tmp_path, files)
    gone = Problem(
        "base/kustomization.yaml", 7, ProblemKind.MISSING, "resources: 'gone.yaml' does not exist (base/gone.yaml)"
    )
    missing = Problem(
        "other/kustomization.yaml",
        2,
        ProblemKind.MISSING,
        "resources: 'missing.yaml' does not exist (other/missing.yaml)",
    )
    assert graph.problems == (gone, missing)
    assert [graph.problems_of(r) for r in graph.roots] == [(missing,), (gone,), (gone,)]
    assert "base/gone.yaml" in graph.inputs["overlays/prod"]  # adding it later must re-render


@pytest.mark.parametrize(
    ("exclude", "roots"),
    [(["overlays/staging"], ("overlays/prod",)), (["overlays"], ())],
    ids=["one-overlay", "every-overlay"],
)
def test_excluded_roots_are_not_rendered_and_their_bases_are_no_cycle(
    tmp_path: Path, exclude: list[str], roots: tuple[str, ...]
) -> None:
    graph = _graph(tmp_path, dict(gitops_files()), exclude=exclude)
    assert (graph.roots, sorted(graph.kustomizations), graph.problems) == (
        roots,
        ["base", "components/pool-net", "overlays/prod", "overlays/staging"],
        (),
    )


def _linked(patch_link: str, patch_file: str) -> dict[str, Content]:
    files: dict[str, Content] = dict(gitops_files())
    staging = files["overlays/staging/kustomization.yaml"]
    assert isinstance(staging, str)
    return files | {
        "overlays/staging/base": Symlink("../../base"),
        "overlays/staging/kustomization.yaml": staging.replace("../../base", "base"),
        "overlays/staging/nad-patch.yaml": Symlink(patch_link),
        patch_file: gitops_files()["overlays/staging/nad-patch.yaml"],
    }


def test_symlinked_base_directory_and_patch_file_resolve_inside_the_repository(tmp_path: Path) -> None:
    repo = TempRepo(tmp_path / "repo")
    repo.commit(_linked("patches/nad.yaml", "overlays/staging/patches/nad.yaml"))
    reader = input_reader(GitRepo(repo.root), "HEAD")
    graph = discover(reader)
    assert (graph.problems, graph.kustomizations["overlays/staging"].consumes) == ((), ("base",))
    assert {"overlays/staging/base", "overlays/staging/nad-patch.yaml", "overlays/staging/patches/nad.yaml"} <= (
        graph.inputs["overlays/staging"]
    )
    (staging,) = render(reader, graph, ["overlays/staging"])
    vm = next(o for o in staging.objects if o.body["kind"] == "VirtualMachine")
    assert (staging.problems, vm.body["metadata"]["name"]) == ((), "stg-web")
    assert vm.locate(("spec", "template", "spec", "networks", 1, "multus", "networkName")) == SourceLocation(
        "overlays/staging/patches/nad.yaml", 4, Via.JSON6902
    )
    assert vm.origin == SourceLocation("base/vm.yaml", 4, Via.RESOURCE)


def test_a_symlinked_patch_reaching_outside_its_kustomization_is_refused_like_kustomize_does(tmp_path: Path) -> None:
    graph = _graph(tmp_path, _linked("../../patches/nad.yaml", "patches/nad.yaml"))
    assert graph.problems == (
        Problem(
            "overlays/staging/kustomization.yaml",
            8,
            ProblemKind.OUTSIDE,
            "patches: 'nad-patch.yaml' is not in or below overlays/staging; kustomize loads files only from the "
            "kustomization's own directory (LoadRestrictionsRootOnly): move the file there or make its directory a "
            "base",
        ),
    )


@pytest.mark.parametrize("where", ["index", "worktree"])
def test_index_and_working_tree_are_discovered_the_same_way(tmp_path: Path, where: str) -> None:
    repo = TempRepo(tmp_path / "repo")
    repo.commit({"README.md": "x\n"})
    new = {"app/Kustomization": _k("resources:", "- vm.yaml"), "app/vm.yaml": VM.format(name="a")}
    if where == "index":
        repo.stage(new)
    else:
        repo.write(new)
    graph = discover(input_reader(GitRepo(repo.root), INDEX if where == "index" else None))
    assert (graph.roots, graph.manifest_files) == (("app",), frozenset({"app/vm.yaml"}))


def test_a_symlinked_kustomization_file_is_read_at_its_target_and_located_there(tmp_path: Path) -> None:
    staging = gitops_files()["overlays/staging/kustomization.yaml"]
    files: dict[str, Content] = {
        **gitops_files(),
        "overlays/staging/kustomization.yaml": Symlink("staging.yaml"),
        "overlays/staging/staging.yaml": staging,
        "overlays/qa/kustomization.yaml": Symlink("../staging/staging.yaml"),
    }
    repo = TempRepo(tmp_path / "repo")
    repo.commit(files)
    reader = input_reader(GitRepo(repo.root), "HEAD")
    graph = discover(reader)
    assert (graph.roots, graph.problems) == (
        ("overlays/prod", "overlays/qa", "overlays/staging"),
        (
            Problem(
                "overlays/qa/kustomization.yaml",
                None,
                ProblemKind.OUTSIDE,
                "a symlink to overlays/staging/staging.yaml, outside its directory: kustomize does not load it there "
                "(LoadRestrictionsRootOnly)",
            ),
        ),
    )
    qa, stg = render(reader, graph, ["overlays/qa", "overlays/staging"])
    assert (qa.objects, qa.problems) == ((), graph.problems)
    vm = next(o for o in stg.objects if o.body["kind"] == "VirtualMachine")
    assert (stg.problems, vm.kustomizations) == ((), ("overlays/staging/kustomization.yaml",))
    assert vm.locate(("metadata", "namespace")) == SourceLocation("overlays/staging/staging.yaml", 3, Via.KUSTOMIZATION)


PATCH_CONFIG = """apiVersion: builtin
kind: PatchTransformer
metadata:
  name: staging-nad
path: nad-patch.yaml
target:
  kind: VirtualMachine
  name: web
"""


def test_files_loaded_by_builtin_transformer_configurations_are_inputs(tmp_path: Path) -> None:
    staging = gitops_files()["overlays/staging/kustomization.yaml"]
    patches = staging[staging.index("patches:") :]
    files: dict[str, Content] = {
        **gitops_files(),
        "overlays/staging/kustomization.yaml": staging.replace(patches, "transformers:\n  - patch-config.yaml\n"),
        "overlays/staging/patch-config.yaml": PATCH_CONFIG,
    }
    repo = TempRepo(tmp_path / "repo")
    repo.commit(files)
    reader = input_reader(GitRepo(repo.root), "HEAD")
    graph = discover(reader)
    assert graph.problems == ()
    assert {"overlays/staging/patch-config.yaml", "overlays/staging/nad-patch.yaml"} <= graph.inputs["overlays/staging"]
    (staging_result,) = render(reader, graph, ["overlays/staging"])
    vm = next(o for o in staging_result.objects if o.body["kind"] == "VirtualMachine")
    path = ("spec", "template", "spec", "networks", 1, "multus", "networkName")
    assert staging_result.problems == ()
    # A patch configured through a transformer file is applied, but not pinned to its line: the object's line.
    assert (vm.body["spec"]["template"]["spec"]["networks"][1]["multus"]["networkName"], vm.locate(path)) == (
        "vlan-20",
        SourceLocation("base/vm.yaml", 4, Via.OBJECT),
    )


def test_hostile_names_are_escaped_in_messages(tmp_path: Path) -> None:
    graph = _graph(tmp_path, {"app/kustomization.yaml": 'resources:\n- "vm\\e[2J\\n.yaml"\n'})
    assert graph.problems == (
        Problem(
            "app/kustomization.yaml",
            2,
            ProblemKind.MISSING,
            "resources: 'vm\\x1b[2J\\x0a.yaml' does not exist (app/vm\\x1b[2J\\x0a.yaml)",
        ),
    )


def test_a_kustomization_over_the_size_limit_is_unreadable(tmp_path: Path) -> None:
    graph = _graph(tmp_path, {"app/kustomization.yaml": "resources: []\n" + "#" * 100 + "\n"}, max_file_bytes=64)
    assert (graph.roots, graph.problems) == (
        ("app",),
        (
            Problem(
                "app/kustomization.yaml",
                None,
                ProblemKind.UNREADABLE,
                "file is 115 bytes, over the 64-byte limit (maxFileBytes)",
            ),
        ),
    )


@pytest.mark.parametrize("where", ["commit", "index", "worktree"])
def test_input_readers_list_every_file_and_their_symlinks(tmp_path: Path, where: str) -> None:
    repo = TempRepo(tmp_path / "repo")
    files: dict[str, Content] = {
        "app/Kustomization": "resources: [vm.yaml]\n",
        "app/app.env": "A=1\n",
        "app/vm.yaml": VM.format(name="a"),
        "app/base": Symlink("../base"),
        "base/kustomization.yaml": "resources: []\n",
        "link.yaml": Symlink("app/vm.yaml"),
    }
    sha = repo.commit(files)
    repo.write({"app/app.env": None} if where == "worktree" else {})  # deleted on disk only
    reader = input_reader(GitRepo(repo.root), {"commit": sha, "index": INDEX, "worktree": None}[where])
    assert reader.links() == {"app/base": "../base", "link.yaml": "app/vm.yaml"}
    expected = {"app/Kustomization": b"resources: [vm.yaml]\n", "app/app.env": b"A=1\n"}
    if where == "worktree":
        del expected["app/app.env"]
    assert reader.read(["app/Kustomization", "app/app.env"], 1000) == expected
