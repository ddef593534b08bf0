"""gitnad's own files (`.gitnad.yaml`, policy files) on disk or at a git ref, behind one small interface.

At a ref they are read from git objects through the `GitObjects` of `gitrefs.GitRepo` (the same tree listing
and `cat-file --batch` as the manifest readers), never from a checkout: `check` applies the configuration of
the commit under review, not what the working tree holds. Symlinks are followed inside the repository; one
that leaves it, dangles or names a directory is a `FileProblem` when read, as for manifests.
"""

from __future__ import annotations

import enum
import os
import posixpath
import stat
from pathlib import Path
from typing import Protocol

from gitnad.sources.layout import LEAVES_REPO, follow
from gitnad.sources.trees import MODE_SUBMODULE, MODE_SYMLINK, FileProblem, GitObjects, TreeEntry


class Kind(enum.Enum):
    FILE = "file"
    DIRECTORY = "directory"
    MISSING = "missing"


class OwnFiles(Protocol):
    """Where gitnad's own files are read from."""

    where: str
    """Completes "... does not exist": `on disk`, `at base <sha>`, `at head <sha>`, `in the index`."""

    def kind(self, path: str) -> Kind: ...

    def files_under(self, path: str) -> list[str]:
        """Every file below a directory (symlinks to files included, to directories not), sorted."""
        ...

    def read(self, path: str, max_bytes: int) -> bytes | FileProblem: ...

    def display(self, path: str) -> str:
        """The path as messages show it."""
        ...


def too_large(size: int, max_bytes: int) -> FileProblem:
    return FileProblem(f"larger than {max_bytes} bytes ({size} bytes)")


def display_path(path: Path) -> str:
    """The path as the user would write it: relative to the working directory when inside it."""
    if path.is_absolute():
        try:
            return str(path.relative_to(Path.cwd()))
        except ValueError:
            return str(path)
    return os.path.normpath(path)


class DiskFiles:
    """Files named by the user (paths as given: absolute or relative to the working directory)."""

    where = "on disk"

    def kind(self, path: str) -> Kind:
        p = Path(path)
        return Kind.DIRECTORY if p.is_dir() else Kind.FILE if p.exists() or p.is_symlink() else Kind.MISSING

    def files_under(self, path: str) -> list[str]:
        return sorted(str(f) for f in Path(path).rglob("*") if not f.is_dir() and (f.is_file() or f.is_symlink()))

    def read(self, path: str, max_bytes: int) -> bytes | FileProblem:
        try:
            if not stat.S_ISREG(os.stat(path).st_mode):
                return FileProblem("not a regular file")
            with open(path, "rb") as f:
                data = f.read(max_bytes + 1)
        except OSError as e:
            return FileProblem(f"cannot read: {e.strerror or e}")
        return too_large(len(data), max_bytes) if len(data) > max_bytes else data

    def display(self, path: str) -> str:
        return display_path(Path(path))


class RefFiles:
    """Files of a commit (or of the index) by repo-relative path, read from git objects."""

    def __init__(self, objects: GitObjects, rev: str, where: str) -> None:
        self.where = where
        self._objects = objects
        self._rev = rev
        self._entries: dict[str, TreeEntry] | None = None
        self._links: dict[str, str] | None = None

    def _all(self) -> dict[str, TreeEntry]:
        if self._entries is None:
            self._entries = {e.path: e for e in self._objects.entries(self._rev) if e.mode != MODE_SUBMODULE}
        return self._entries

    def _resolve(self, path: str) -> str | None:
        """The path with symlinks followed (also through linked directories); None when it leaves the repo."""
        clean = self.display(path)
        if clean.startswith("/") or clean == ".." or clean.startswith("../"):
            return None
        entry = self._all().get(clean)
        if entry is not None and entry.mode != MODE_SYMLINK:
            return clean  # the common case: no link on the way, no blob read
        if self._links is None:
            links = [e for e in self._all().values() if e.mode == MODE_SYMLINK]
            data = self._objects.blobs(sorted({e.oid for e in links}))
            self._links = {e.path: data.get(e.oid, b"").decode("utf-8", "surrogateescape") for e in links}
        return follow(clean, self._links)

    def _is_dir(self, path: str) -> bool:
        prefix = "" if path == "." else path + "/"
        return any(p.startswith(prefix) for p in self._all())

    def kind(self, path: str) -> Kind:
        target = self._resolve(path)
        if target is None:
            return Kind.FILE  # reading it says it leaves the repository
        if target in self._all():
            return Kind.FILE
        if self._is_dir(target):
            return Kind.DIRECTORY
        return Kind.FILE if self.display(path) in self._all() else Kind.MISSING  # a dangling link: reading says so

    def files_under(self, path: str) -> list[str]:
        target = self._resolve(path)
        if target is None:
            return []
        prefix = "" if target == "." else target + "/"
        return sorted(p for p in self._all() if p.startswith(prefix) and self.kind(p) is Kind.FILE)

    def read(self, path: str, max_bytes: int) -> bytes | FileProblem:
        target = self._resolve(path)
        if target is None:
            return FileProblem(LEAVES_REPO)
        entry = self._all().get(target)
        if entry is None:
            return FileProblem("is a directory" if self._is_dir(target) else "symlink target is missing")
        size = self._objects.blob_sizes([entry.oid]).get(entry.oid, 0)
        if size > max_bytes:
            return too_large(size, max_bytes)
        data = self._objects.blobs([entry.oid]).get(entry.oid)
        return data if data is not None else FileProblem(f"git object {entry.oid} is missing")

    def display(self, path: str) -> str:
        """Repo-relative and normalized (`./a//b` -> `a/b`), as git names it."""
        return posixpath.normpath(path)
