"""Reader policy shared by every source: exclude globs, symlink resolution inside a git tree, plain directories."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gitnad.sources.trees import Excluder, FileProblem, directory_reader, is_candidate, resolve_link

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
}


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ("a.yaml", "b.yaml"),
        ("up.yaml", None),
        ("abs.yaml", None),
        ("real/in.yaml", "b.yaml"),
        ("sub/back.yaml", "real/file.yaml"),
        ("sub/escape.yaml", None),
        ("loop1.yaml", None),
        ("dot.yaml", "b.yaml"),
        ("plain.yaml", "plain.yaml"),
    ],
    ids=lambda v: str(v),
)
def test_symlinks_resolve_inside_the_tree_or_leave_it(path: str, target: str | None) -> None:
    assert resolve_link(path, LINKS) == target


def test_plain_directory_reader(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "vm.yaml").write_text("v: 1\n")
    (tmp_path / "b.json").write_text("{}")
    (tmp_path / "notes.md").write_text("n")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "config.yaml").write_text("never read")
    os.mkfifo(tmp_path / "pipe.yaml")
    reader = directory_reader(tmp_path, exclude=["b.json"])
    assert (reader.label, reader.paths()) == ("worktree", ["a/vm.yaml", "pipe.yaml"])
    assert reader.read(reader.paths(), 100) == {"a/vm.yaml": b"v: 1\n", "pipe.yaml": FileProblem("not a regular file")}
    assert reader.grep(["v: 1", "zzz"]) == {"a/vm.yaml"}
