"""The working-tree reader's fast path: a path that `scandir` shows is no symlink, in directories that are no
links, is read without walking `resolve_link` over its parts. Whatever the tree holds, the reader answers
exactly as it does when every path is resolved part by part with `readlink` (the reference below), and a file
is read whole, to the limit, however its size changed since `lstat`."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gitnad.sources import trees
from gitnad.sources.trees import FileProblem, WorktreeReader, walk

DIRS = ["", "a", "a/b", "c", ".hidden", "a/.git"]
NAMES = ["x.yaml", "y.yml", "z.json"]
TARGETS = [
    "x.yaml",
    "../x.yaml",
    "../../x.yaml",
    "b/x.yaml",
    "b",
    "../c",
    "a",
    "/etc/hostname",
    ".git/config",
    "missing.yaml",
    "loop.yaml",
    ".",
    "..",
]


class _PartByPart(WorktreeReader):
    """The reference: no directory is scanned, so every path is resolved part by part with `readlink`."""

    def _scan_dirs(self, directories: set[str]) -> None:
        return None


def _answers(reader: WorktreeReader, paths: list[str], limit: int) -> dict[str, bytes | str]:
    return {p: (v.message if isinstance(v, FileProblem) else v) for p, v in reader.read(paths, limit).items()}


@st.composite
def _trees(draw: st.DrawFn) -> tuple[list[tuple[str, str, str]], list[str]]:
    """Entries (kind: file, link or dir-link; path; content or target) and extra listed paths that may not exist."""
    entries = []
    for _ in range(draw(st.integers(1, 12))):
        directory = draw(st.sampled_from(DIRS))
        name = draw(st.sampled_from([*NAMES, "loop.yaml", "d"]))
        path = f"{directory}/{name}" if directory else name
        kind = draw(st.sampled_from(["file", "file", "link"]))
        entries.append((kind, path, draw(st.sampled_from(TARGETS)) if kind == "link" else draw(st.text(max_size=40))))
    extra = draw(
        st.lists(
            st.sampled_from(
                ["a/b/x.yaml", "d/x.yaml", "c/y.yml", "a/./x.yaml", "a//x.yaml", "a/.git/x.yaml", "a/../c/y.yml"]
            ),
            max_size=3,
        )
    )
    return entries, extra


def _build(root: Path, entries: list[tuple[str, str, str]]) -> None:
    for kind, path, value in entries:
        full = root / path
        if full.is_symlink() or full.exists():
            continue
        try:
            full.parent.mkdir(parents=True, exist_ok=True)
            if kind == "file":
                full.write_text(value, encoding="utf-8", errors="surrogateescape")
            else:
                full.symlink_to(value)
        except OSError:
            continue  # a parent is a file or a link: this entry cannot exist


@given(_trees(), st.sampled_from([5, 40, 1 << 20]))
def test_the_fast_path_reads_what_part_by_part_resolution_reads(
    tmp_path_factory: pytest.TempPathFactory, tree: tuple[list[tuple[str, str, str]], list[str]], limit: int
) -> None:
    entries, extra = tree
    root = tmp_path_factory.mktemp("wt")
    try:
        _build(root, entries)
        listing: Callable[[], list[str]] = lambda: sorted({*walk(root), *extra})  # noqa: E731
        paths = listing()
        fast = WorktreeReader(root, listing=listing)
        assert _answers(fast, paths, limit) == _answers(_PartByPart(root, listing=listing), paths, limit)
        # Asked again (the scans are kept), and for one path at a time, the answer is the same.
        assert _answers(fast, paths, limit) == _answers(_PartByPart(root, listing=listing), paths, limit)
        single = WorktreeReader(root, listing=listing)
        for p in paths:
            assert _answers(single, [p], limit) == _answers(_PartByPart(root, listing=listing), [p], limit)
    finally:
        shutil.rmtree(root)


def test_a_directory_replaced_by_a_link_is_resolved_not_read_through(tmp_path: Path) -> None:
    """git lists `apps/vm.yaml`; on disk `apps` is now a link out of the repository: never read as plain."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "vm.yaml").write_text("kind: VirtualMachine\n")
    root = tmp_path / "repo"
    root.mkdir()
    (root / "apps").symlink_to(outside)
    reader = WorktreeReader(root, listing=lambda: ["apps/vm.yaml"])
    got = reader.read(["apps/vm.yaml"], 1 << 20)
    assert isinstance(got["apps/vm.yaml"], FileProblem)
    assert "outside" not in got["apps/vm.yaml"].message  # a problem, never the outside file's bytes
    assert _answers(reader, ["apps/vm.yaml"], 1 << 20) == _answers(
        _PartByPart(root, listing=lambda: ["apps/vm.yaml"]), ["apps/vm.yaml"], 1 << 20
    )


@pytest.mark.parametrize(
    ("content", "said", "limit", "expected"),
    [
        (b"abc", 3, 11, b"abc"),  # as `lstat` said
        (b"", 0, 11, b""),  # empty
        (b"abcdef", 3, 11, b"abcdef"),  # grew since `lstat`: read on
        (b"abcdefghijklmnop", 3, 11, b"abcdefghijk"),  # grew past the limit: the limit, which says too large
        (b"a", 3, 11, b"a"),  # shrank since
        (b"abcdefghijk", 11, 11, b"abcdefghijk"),  # exactly the limit
        (b"abcdefghijkl", 11, 11, b"abcdefghijk"),  # one more than the limit: cut at it
        (b"x" * 100_000, 10, 200_001, b"x" * 100_000),  # many times what `lstat` said
    ],
)
def test_a_file_is_read_whole_to_the_limit_whatever_lstat_said(
    tmp_path: Path, content: bytes, said: int, limit: int, expected: bytes
) -> None:
    path = tmp_path / "f"
    path.write_bytes(content)
    assert trees._read_upto(os.fspath(path), said, limit) == expected


@pytest.mark.parametrize("size", [0, 1, 99, 100, 101, 5000])
def test_the_limit_reads_the_same_through_both_paths(tmp_path: Path, size: int) -> None:
    (tmp_path / "vm.yaml").write_bytes(b"k" * size)
    (tmp_path / "link.yaml").symlink_to("vm.yaml")
    listing = lambda: ["link.yaml", "vm.yaml"]  # noqa: E731
    fast = _answers(WorktreeReader(tmp_path, listing=listing), listing(), 100)
    assert fast == _answers(_PartByPart(tmp_path, listing=listing), listing(), 100)
    assert isinstance(fast["vm.yaml"], str if size > 100 else bytes)
