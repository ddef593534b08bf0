"""Plain directories as a source: what the working-tree reader lists and reads without git."""

from __future__ import annotations

import os
from pathlib import Path

from gitnad.sources.trees import FileProblem, directory_reader


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
