"""The tree kustomize sees: every file of a reader (a commit, the index, the working tree), its directories and
its symlinks, with paths resolved the way kustomize resolves them (relative to a kustomization, through symlinks
that stay inside the repository: trees.py's policy).
"""

from __future__ import annotations

import posixpath
from typing import Protocol

from gitnad.sources.layout import follow
from gitnad.sources.trees import TreeReader

KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
"""konfig.RecognizedKustomizationFileNames, in kustomize's order."""


class InputReader(TreeReader, Protocol):
    """A TreeReader over every file (`accept=every_file`) that also tells its symlinks."""

    def links(self) -> dict[str, str]: ...


def parent(path: str) -> str:
    return posixpath.dirname(path)


def join(directory: str, rel: str) -> str | None:
    """`directory/rel` normalized, or None when it climbs out of the repository (or is absolute)."""
    if rel.startswith("/"):
        return None
    p = posixpath.normpath(posixpath.join(directory, rel)) if directory else posixpath.normpath(rel)
    if p == ".." or p.startswith("../"):
        return None
    return "" if p == "." else p


def inside(path: str, directory: str) -> bool:
    """`path` is `directory` or below it ("" is the repository root)."""
    return directory == "" or path == directory or path.startswith(directory + "/")


class Tree:
    """The listing of a reader: files, directories and symlinks, for resolving kustomize paths."""

    def __init__(self, reader: InputReader) -> None:
        self.files = set(reader.paths())
        self.links = reader.links()
        self.dirs = {""}
        for f in self.files:
            d = parent(f)
            while d not in self.dirs:
                self.dirs.add(d)
                d = parent(d)

    def real(self, path: str) -> str | None:
        """The path with every symlink on it followed; None when a link leaves the repository."""
        return follow(path, self.links) if self.links else path

    def kind(self, real: str) -> str:
        if real in self.files and real not in self.links:
            return "file"
        return "dir" if real in self.dirs else "missing"

    def kustomization_files(self, directory: str) -> list[str]:
        prefix = directory + "/" if directory else ""
        return [prefix + n for n in KUSTOMIZATION_FILES if prefix + n in self.files]

    def link_chain(self, path: str) -> set[str]:
        """The symlinks met on the way to `path` (they must be materialized too)."""
        parts = path.split("/")
        return {"/".join(parts[: i + 1]) for i in range(len(parts)) if "/".join(parts[: i + 1]) in self.links}
