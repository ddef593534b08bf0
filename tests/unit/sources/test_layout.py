"""The reading policy every source shares: candidates, exclude globs, Helm charts, `.gitnad/`, submodules, notes,
symlink resolution, and what "could be ours" means for a file gitnad cannot parse."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gitnad.models.names import printable
from gitnad.sources.layout import (
    INTO_GIT_DIR,
    LEAVES_REPO,
    Excluder,
    Layout,
    LinkProblem,
    Note,
    is_candidate,
    missing_target,
    resolve_link,
    select,
)
from gitnad.sources.ours import names_our_kind, stream_names_our_kind

# (pattern, path, excluded)
EXCLUDES = [
    ("vendor", "vendor/a.yaml", True),
    ("vendor/", "vendor/sub/a.yaml", True),
    ("vendor", "apps/vendor/a.yaml", True),
    ("/vendor", "apps/vendor/a.yaml", False),
    ("/vendor", "vendor/a.yaml", True),
    ("./vendor", "vendor/a.yaml", True),
    ("vendor", "vendored/a.yaml", False),
    ("*.json", "deep/dir/x.json", True),
    ("*.json", "deep/dir/x.yaml", False),
    ("apps/*.yaml", "apps/a.yaml", True),
    ("apps/*.yaml", "apps/sub/a.yaml", False),
    ("apps/**/test-*.yaml", "apps/test-a.yaml", True),
    ("apps/**/test-*.yaml", "apps/x/y/test-a.yaml", True),
    ("apps/**/test-*.yaml", "other/test-a.yaml", False),
    ("charts/**", "charts/x/templates/vm.yaml", True),
    ("**/templates", "charts/x/templates/vm.yaml", True),
    ("charts/*", "charts/x/templates/vm.yaml", True),
    ("v?.yaml", "v1.yaml", True),
    ("v?.yaml", "v10.yaml", False),
    ("[ab].yaml", "b.yaml", True),
    ("[!ab].yaml", "b.yaml", False),
    ("*.y[a]ml", "x.yaml", True),
    ("a+b(c).yaml", "a+b(c).yaml", True),
]


@pytest.mark.parametrize(("pattern", "path", "excluded"), EXCLUDES, ids=[f"{p}~{q}" for p, q, _ in EXCLUDES])
def test_exclude_globs(pattern: str, path: str, excluded: bool) -> None:
    assert Excluder([pattern]).excluded(path) is excluded


def test_no_patterns_exclude_nothing() -> None:
    assert (bool(Excluder([])), bool(Excluder(["", "/"])), Excluder([]).excluded("a.yaml")) == (False, False, False)


@pytest.mark.parametrize(
    ("path", "candidate"),
    [("a.yaml", True), ("a.YML", True), ("dir/a.json", True), ("a.yaml.bak", False), ("yaml", False)],
)
def test_manifest_candidates(path: str, candidate: bool) -> None:
    assert is_candidate(path) is candidate


LINKS = {
    "a.yaml": "b.yaml",
    "up.yaml": "../x.yaml",
    "abs.yaml": "/etc/passwd",
    "dir": "real",
    "real/in.yaml": "../a.yaml",
    "sub/back.yaml": "../dir/file.yaml",
    "sub/escape.yaml": "../dir/../../x.yaml",
    "loop1.yaml": "loop2.yaml",
    "loop2.yaml": "loop1.yaml",
    "dot.yaml": "./sub/../b.yaml",
    "self.yaml": "self.yaml",
    "chain.yaml": "c1.yaml",
    **{f"c{i}.yaml": f"c{i + 1}.yaml" for i in range(1, 38)},
    "c38.yaml": "a.yaml",  # chain.yaml -> c1 ... c38 -> a.yaml -> b.yaml: 40 links, Linux's limit
    "long.yaml": "chain.yaml",  # 41
    "git.yaml": ".git/config",
    "gitcase.yaml": "real/../.Git/HEAD",
    "gitdir": ".git",
}


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ("a.yaml", "b.yaml"),
        ("up.yaml", LinkProblem(LEAVES_REPO)),
        ("abs.yaml", LinkProblem(LEAVES_REPO)),
        ("real/in.yaml", "b.yaml"),
        ("sub/back.yaml", "real/file.yaml"),
        ("sub/escape.yaml", LinkProblem(LEAVES_REPO)),
        ("loop1.yaml", LinkProblem("symlink loop (more than 40 links followed)")),
        ("self.yaml", LinkProblem("symlink loop (more than 40 links followed)")),
        ("dot.yaml", "b.yaml"),
        ("plain.yaml", "plain.yaml"),
        ("dir/../a.yaml", "b.yaml"),
        ("chain.yaml", "b.yaml"),
        ("long.yaml", LinkProblem("symlink loop (more than 40 links followed)")),
        ("git.yaml", LinkProblem(INTO_GIT_DIR)),
        ("gitcase.yaml", LinkProblem(INTO_GIT_DIR)),
        ("gitdir/config", LinkProblem(INTO_GIT_DIR)),
        (".gitx/a.yaml", ".gitx/a.yaml"),
    ],
    ids=lambda v: str(v),
)
def test_symlinks_resolve_inside_the_tree_or_leave_it(path: str, target: str | LinkProblem) -> None:
    assert resolve_link(path, LINKS.get) == target


@pytest.mark.parametrize(
    ("path", "skipped"),
    [
        (".gitnad/tests/vm.yaml", True),
        (".gitnad/policies/p.yaml", True),
        ("apps/.gitnad/vm.yaml", False),
        (".gitnadx/vm.yaml", False),
        ("charts/web/Chart.yaml", True),
        ("charts/web/values.yaml", True),
        ("charts/web/templates/vm.yaml", True),
        ("charts/web/charts/db/templates/x.yaml", True),
        ("charts/other.yaml", False),
        ("apps/vm.yaml", False),
        ("vendor/lib", True),
        ("vendor/lib/vm.yaml", True),
        ("vendor/library.yaml", False),
        ("nested/vm.yaml", True),
    ],
    ids=lambda v: str(v),
)
def test_gitnad_dir_helm_charts_and_submodules_are_not_manifests(path: str, skipped: bool) -> None:
    files = ["charts/web/Chart.yaml", "charts/web/charts/db/Chart.yaml", "apps/vm.yaml", "vendor/lib", "nested/"]
    layout = Layout.of(files, ["vendor/lib", "nested/"])
    assert layout.skipped(path) is skipped


def test_a_chart_at_the_root_covers_the_whole_tree() -> None:
    layout = Layout.of(["Chart.yaml", "templates/vm.yaml"])
    assert select(["Chart.yaml", "templates/vm.yaml", "x.yaml"], Excluder(), layout) == []


def test_notes_say_helm_once_and_each_submodule() -> None:
    files = [f"charts/c{i:02d}/Chart.yaml" for i in range(12)] + ["charts/c00/templates/vm.yaml", "apps/a.yaml"]
    layout = Layout.of([*files, "vendor/lib", "nested/"], ["vendor/lib", "nested/"])
    notes = layout.notes([*files, "vendor/lib", "nested/", "README.md"])
    named = ", ".join(f"charts/c{i:02d} ({2 if i == 0 else 1} file(s))" for i in range(10))
    assert notes == [
        Note(None, f"Helm chart sources not scanned (rendering Helm is out of scope): {named} and 2 more"),
        Note("nested", "submodule not scanned: its files belong to another repository (scan that one on its own)"),
        Note("vendor/lib", "submodule not scanned: its files belong to another repository (scan that one on its own)"),
    ]
    assert layout.notes(["apps/a.yaml"]) == []
    assert Note("a\nb.yaml", "x", 3).text == "a\\nb.yaml:3: x"


@pytest.mark.parametrize(
    ("target", "directories", "message"),
    [
        ("vms/gone.yaml", (), "dangling symlink: vms/gone.yaml does not exist"),
        ("vms", ("vms",), "symlink target vms is a directory, not a file"),
        (
            "vendor/lib/vm.yaml",
            (),
            "symlink target vendor/lib/vm.yaml is inside submodule vendor/lib, which is not scanned",
        ),
        ("a\x1b[31m.yaml", (), "dangling symlink: a\\x1b[31m.yaml does not exist"),
    ],
    ids=["dangling", "directory", "submodule", "escape-sequence"],
)
def test_why_a_symlink_target_cannot_be_read(target: str, directories: tuple[str, ...], message: str) -> None:
    assert missing_target(target, Layout.of([], ["vendor/lib"]), directories) == message


@pytest.mark.parametrize(
    ("text", "shown"),
    [("plain/path.yaml", "plain/path.yaml"), ("a\nb", "a\\nb"), ("\x1b[2J", "\\x1b[2J"), ("bad\udcff", "bad\\xff")],
    ids=["plain", "newline", "escape", "undecodable-byte"],
)
def test_printable(text: str, shown: str) -> None:
    assert printable(text) == shown


@pytest.mark.parametrize(
    ("text", "ours"),
    [
        (b"kind: VirtualMachine\n", True),
        (b'{"kind":"VirtualMachinePool"}', True),
        (b"kind: NetworkAttachmentDefinition", True),
        (b"kind: VirtualMachineList", True),
        (b"kind: VirtualMachineInstance\n", False),
        (b"kind: VirtualMachineSnapshot\n", False),
        (b"kind: MyVirtualMachine\n", False),
        (b"- hosts: all\n  tasks: []\n", False),
        ("kind: VirtualMachine\n".encode("utf-16"), True),
        ("kind: ConfigMap\n".encode("utf-16"), False),
        ("kind: VirtualMachine\n".encode("utf-16-le"), True),
        ("kind: NetworkAttachmentDefinitionList\n".encode("utf-16-be"), True),
        ("kind: VirtualMachineInstance\n".encode("utf-16-le"), False),
        ("kind: VirtualMachineInstance\n".encode("utf-16-be"), False),
        ("kind: ConfigMap\n".encode("utf-16-le"), False),
    ],
    ids=lambda v: str(v)[:40],
)
def test_a_file_names_our_kind(text: bytes, ours: bool) -> None:
    assert names_our_kind(text) is ours
    assert stream_names_our_kind(text[i : i + 7] for i in range(0, len(text), 7)) is (ours or text[:2] == b"\xff\xfe")


@pytest.mark.parametrize("codec", ["utf-8", "utf-16-le", "utf-16-be"])
def test_the_stream_gives_the_whole_text_answer_whatever_the_chunking(codec: str) -> None:
    """Names split across chunks, at chunk edges, and look-alikes (`VirtualMachineInstance`) at every chunk size,
    in UTF-8 and in UTF-16 without a byte-order mark (read as binary, but ours when it names our kind)."""
    words = ["VirtualMachine", "Pool", "NetworkAttachmentDefinition", "List", "Instance", "x", " ", "_", "\n"]
    rng = random.Random(7)
    texts = [
        "".join(rng.choice(words) for _ in range(rng.randint(0, 60))).encode(codec)[rng.randint(0, 1) :]
        for _ in range(400)
    ]
    for text in texts:
        for size in (1, 2, 3, 5, 13, 31, 64, 65, 129, 130, 131, 200, 261):
            chunks = (text[i : i + size] for i in range(0, len(text), size))
            assert stream_names_our_kind(chunks) is names_our_kind(text), (text, size)


_PARTS = ["a", "b", ".gitnad", "chart", "sub", "Chart.yaml", "x.yaml", "y.JSON", "z.txt", ".gitnad"]


@settings(max_examples=300, deadline=None)
@given(
    paths=st.lists(st.lists(st.sampled_from(_PARTS), min_size=1, max_size=4).map("/".join), max_size=30),
    submodules=st.lists(st.lists(st.sampled_from(_PARTS), min_size=1, max_size=3).map("/".join), max_size=3),
    patterns=st.lists(st.sampled_from(["b", "x.yaml", "a/*", "/chart", "**/y.*"]), max_size=2),
)
def test_select_decides_per_directory_what_skipped_decides_per_file(
    paths: list[str], submodules: list[str], patterns: list[str]
) -> None:
    """`select` asks the layout once per directory; the answer is the per-file rule's, for charts at the root or
    below, `.gitnad` as a directory or a file, submodules as a directory or a path, and exclude globs."""
    layout = Layout.of(paths, submodules)
    excluder = Excluder(patterns)
    for accept in (is_candidate, lambda p: True):
        expected = sorted(p for p in paths if accept(p) and not excluder.excluded(p) and not layout.skipped(p))
        assert select(paths, excluder, layout, accept) == expected
