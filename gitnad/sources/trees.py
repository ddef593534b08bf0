"""Where manifests come from: one `TreeReader` interface over a git tree, the index and the working tree.

A reader lists manifest candidates (`*.yaml`, `*.yml`, `*.json`), reads them in bulk with a size limit and
finds files containing fixed strings. Reading never raises for a bad file: it yields a `FileProblem`
(too large, a symlink leaving the repository, not a regular file), which the scanner turns into GN001.

Git access goes through the `GitObjects` protocol, implemented in `gitrefs` (the only module that runs git);
this module holds the policy shared by every source: candidates, `exclude` globs, symlinks, size limits.
"""

from __future__ import annotations

import contextlib
import os
import posixpath
import re
import stat
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Protocol

from gitnad.errors import UsageError

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
MODE_SYMLINK = "120000"
MODE_SUBMODULE = "160000"
MAX_LINK_HOPS = 40
LEAVES_REPO = "symlink leaves the repository"


@dataclass(frozen=True)
class FileProblem:
    """Why a file could not be read; `line` is 1-based when known."""

    message: str
    line: int | None = None


class TreeReader(Protocol):
    """Manifest files of one tree: a commit, the index or the working tree."""

    label: str
    """Commit sha, "index" or "worktree"."""

    def paths(self) -> list[str]:
        """Repo-relative POSIX paths of manifest candidates, sorted, `exclude` applied."""
        ...

    def read(self, paths: Sequence[str], max_bytes: int) -> dict[str, bytes | FileProblem]:
        """Content (or the problem) of each requested path that is a readable candidate of this tree.

        Paths that are absent, excluded, not manifests, or symlinks to files inside the repository
        (their target is read on its own) are left out of the result.
        """
        ...

    def grep(self, needles: Sequence[str]) -> set[str]:
        """Candidates whose content contains any of the fixed strings."""
        ...


def is_candidate(path: str) -> bool:
    return path.lower().endswith(MANIFEST_SUFFIXES)


def every_file(path: str) -> bool:
    """`accept` for readers of kustomize inputs: kustomize reads any file (`Kustomization`, `.env`, ...)."""
    return True


def too_large(size: int, max_bytes: int) -> FileProblem:
    return FileProblem(f"file is {size} bytes, over the {max_bytes}-byte limit (maxFileBytes)")


# --- exclude globs -----------------------------------------------------------------------------------------


@lru_cache(maxsize=256)
def _glob_regex(pattern: str) -> re.Pattern[str]:
    """`*` and `?` stay within a path segment, `**` crosses segments; `**/` also matches no directory."""
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif c == "*":
            out.append("[^/]*")
            i += 1
        elif c == "?":
            out.append("[^/]")
            i += 1
        elif c == "[" and (end := pattern.find("]", i + 2)) != -1:
            body = pattern[i + 1 : end]
            neg = body.startswith(("!", "^"))
            body = body[1:] if neg else body
            out.append("[" + ("^" if neg else "") + body.replace("\\", "\\\\") + "]")
            i = end + 1
        else:
            out.append(re.escape(c))
            i += 1
    return re.compile("".join(out))


class Excluder:
    """`exclude:` globs on repo-relative paths.

    A pattern matches a path or any of its parent directories (`vendor` and `vendor/` exclude everything
    below `vendor/`); a pattern without `/` matches at any depth, like a `.gitignore` line.
    """

    def __init__(self, patterns: Iterable[str] = ()) -> None:
        self._regexes = tuple(_glob_regex(self._normalize(p)) for p in patterns if p.strip("/ "))

    @staticmethod
    def _normalize(pattern: str) -> str:
        p = pattern.strip()
        p = p[2:] if p.startswith("./") else p
        anchored = p.startswith("/")
        p = p.strip("/")
        return p if anchored or "/" in p else "**/" + p

    def __bool__(self) -> bool:
        return bool(self._regexes)

    def excluded(self, path: str) -> bool:
        if not self._regexes:
            return False
        parts = path.split("/")
        prefixes = ["/".join(parts[: k + 1]) for k in range(len(parts))]
        return any(rx.fullmatch(p) for rx in self._regexes for p in prefixes)


def select(paths: Iterable[str], excluder: Excluder, accept: Callable[[str], bool] = is_candidate) -> list[str]:
    """Manifest candidates (or what `accept` takes) among `paths`, excluded ones removed, sorted."""
    return sorted(p for p in paths if accept(p) and not excluder.excluded(p))


# --- git trees -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TreeEntry:
    """One file of a git tree or of the index."""

    path: str
    mode: str
    oid: str
    size: int | None
    """Blob size when the listing gives it (`ls-tree -l`), else None."""


class GitObjects(Protocol):
    """What a git tree reader needs from git (implemented by `gitrefs.GitRepo`)."""

    def entries(self, rev: str) -> list[TreeEntry]:
        """Every blob of the tree at `rev` (or of the index for `INDEX`), symlinks included."""
        ...

    def blob_sizes(self, oids: Sequence[str]) -> dict[str, int]: ...

    def blobs(self, oids: Sequence[str]) -> dict[str, bytes]: ...

    def grep(self, rev: str, needles: Sequence[str]) -> set[str]:
        """Paths at `rev` (or in the index) whose content contains any needle."""
        ...


def resolve_link(path: str, links: dict[str, str]) -> str | None:
    """Follow symlinks inside a tree; the final repo-relative path, or None when it leaves the repository.

    `links` maps every symlink path of the tree to its target; link chains through directories are followed.
    """
    pending = path.split("/")
    done: list[str] = []
    hops = 0
    while pending:
        part = pending.pop(0)
        if part in ("", "."):
            continue
        if part == "..":
            if not done:
                return None
            done.pop()
            continue
        current = "/".join([*done, part])
        target = links.get(current)
        if target is None:
            done.append(part)
            continue
        hops += 1
        if hops > MAX_LINK_HOPS or target.startswith("/"):
            return None
        pending = target.split("/") + pending
    return "/".join(done)


class GitTreeReader:
    """Manifests of a commit or of the index, read from git objects (nothing is checked out)."""

    def __init__(
        self,
        objects: GitObjects,
        rev: str,
        label: str,
        exclude: Sequence[str] = (),
        accept: Callable[[str], bool] = is_candidate,
    ) -> None:
        """`accept` picks the files the reader lists and reads (default: manifest candidates)."""
        self.label = label
        self._objects = objects
        self._rev = rev
        self._excluder = Excluder(exclude)
        self._accept = accept
        self._entries: dict[str, TreeEntry] | None = None
        self._links: dict[str, str] | None = None

    def _all(self) -> dict[str, TreeEntry]:
        if self._entries is None:
            self._entries = {e.path: e for e in self._objects.entries(self._rev) if e.mode != MODE_SUBMODULE}
        return self._entries

    def _link_targets(self) -> dict[str, str]:
        if self._links is None:
            links = [e for e in self._all().values() if e.mode == MODE_SYMLINK]
            data = self._objects.blobs(sorted({e.oid for e in links}))
            self._links = {e.path: data.get(e.oid, b"").decode("utf-8", "surrogateescape") for e in links}
        return self._links

    def paths(self) -> list[str]:
        return select(self._all(), self._excluder, self._accept)

    def links(self) -> dict[str, str]:
        """Every symlink of the tree (accepted or not) -> its target as written."""
        return dict(self._link_targets())

    def read(self, paths: Sequence[str], max_bytes: int) -> dict[str, bytes | FileProblem]:
        entries = self._all()
        wanted = [entries[p] for p in select(set(paths), self._excluder, self._accept) if p in entries]
        out: dict[str, bytes | FileProblem] = {}
        files: list[TreeEntry] = []
        for e in wanted:
            if e.mode == MODE_SYMLINK:
                if resolve_link(e.path, self._link_targets()) is None:
                    out[e.path] = FileProblem(LEAVES_REPO)
            else:
                files.append(e)
        sizes = self._sizes(files)
        small = [e for e in files if sizes.get(e.oid, 0) <= max_bytes]
        for e in files:
            if sizes.get(e.oid, 0) > max_bytes:
                out[e.path] = too_large(sizes[e.oid], max_bytes)
        data = self._objects.blobs(sorted({e.oid for e in small}))
        for e in small:
            blob = data.get(e.oid)
            out[e.path] = blob if blob is not None else FileProblem(f"git object {e.oid} is missing")
        return dict(sorted(out.items()))

    def _sizes(self, files: Sequence[TreeEntry]) -> dict[str, int]:
        known = {e.oid: e.size for e in files if e.size is not None}
        unknown = sorted({e.oid for e in files if e.size is None})
        return known | (self._objects.blob_sizes(unknown) if unknown else {})

    def grep(self, needles: Sequence[str]) -> set[str]:
        if not needles:
            return set()
        return set(select(self._objects.grep(self._rev, needles), self._excluder, self._accept))


# --- the working tree (or a plain directory) -------------------------------------------------------------


def walk(root: Path, subpath: Path | None = None) -> list[str]:
    """Every file below `root` (or `root/subpath`) as repo-relative POSIX paths; `.git` and symlinked
    directories are not entered."""
    start = root / subpath if subpath is not None else root
    out: list[str] = []
    for dirpath, dirnames, filenames in os.walk(start):
        dirnames[:] = sorted(d for d in dirnames if d != ".git")
        rel = Path(dirpath).relative_to(root).as_posix()
        prefix = "" if rel == "." else rel + "/"
        out.extend(prefix + f for f in filenames)
    return out


class WorktreeReader:
    """Manifests on disk: a git working tree (listing from git, so `.gitignore` holds) or a plain directory."""

    label = "worktree"

    def __init__(
        self,
        root: Path,
        listing: Callable[[], list[str]] | None = None,
        exclude: Sequence[str] = (),
        grep: Callable[[Sequence[str]], set[str]] | None = None,
        accept: Callable[[str], bool] = is_candidate,
    ) -> None:
        """`listing` returns the repo-relative files to consider (default: walk the directory);
        `grep` finds files by content (default: search the candidates' bytes); `accept` picks the files
        listed and read (default: manifest candidates)."""
        self.root = root.resolve()
        self._listing = listing or (lambda: walk(self.root))
        self._grep = grep
        self._excluder = Excluder(exclude)
        self._accept = accept
        self._paths: list[str] | None = None
        self._dirs_inside: dict[Path, bool] = {}

    def paths(self) -> list[str]:
        if self._paths is None:
            self._paths = select(self._listing(), self._excluder, self._accept)
        return list(self._paths)

    def links(self) -> dict[str, str]:
        """Listed symlinks -> their targets as written (one directory scan per directory: no syscall per file)."""
        listed = set(self.paths())
        out: dict[str, str] = {}
        for directory in sorted({posixpath.dirname(p) for p in listed}):
            prefix = directory + "/" if directory else ""
            try:
                with os.scandir(self.root / directory) as it:
                    links = [e for e in it if e.is_symlink() and prefix + e.name in listed]
            except OSError:
                continue  # the directory is gone (or unreadable): its files are absent too
            for entry in links:
                with contextlib.suppress(OSError):  # replaced since the scan: no longer a link
                    out[prefix + entry.name] = os.readlink(entry.path)
        return dict(sorted(out.items()))

    def read(self, paths: Sequence[str], max_bytes: int) -> dict[str, bytes | FileProblem]:
        out: dict[str, bytes | FileProblem] = {}
        for path in select(set(paths), self._excluder, self._accept):
            result = self._read_one(path, max_bytes)
            if result is not None:
                out[path] = result
        return out

    def _read_one(self, path: str, max_bytes: int) -> bytes | FileProblem | None:
        full = self.root / path
        try:
            st = full.lstat()
        except OSError:
            return None  # listed by git but deleted from the working tree
        if stat.S_ISLNK(st.st_mode):
            return self._link_problem(full)
        if not self._dir_inside(full.parent):
            return FileProblem(LEAVES_REPO)
        if not stat.S_ISREG(st.st_mode):
            return FileProblem("not a regular file")
        if st.st_size > max_bytes:
            return too_large(st.st_size, max_bytes)
        try:
            with full.open("rb") as f:
                data = f.read(max_bytes + 1)
        except OSError as e:
            return FileProblem(f"cannot read: {e.strerror or e}")
        return too_large(len(data), max_bytes) if len(data) > max_bytes else data

    def _inside(self, full: Path) -> bool:
        target = Path(os.path.realpath(full))
        return target == self.root or self.root in target.parents

    def _dir_inside(self, directory: Path) -> bool:
        """A directory on the way may itself be a symlink out of the repository."""
        if directory not in self._dirs_inside:
            self._dirs_inside[directory] = self._inside(directory)
        return self._dirs_inside[directory]

    def _link_problem(self, full: Path) -> FileProblem | None:
        return None if self._inside(full) else FileProblem(LEAVES_REPO)

    def grep(self, needles: Sequence[str]) -> set[str]:
        if not needles:
            return set()
        if self._grep is not None:
            return set(select(self._grep(needles), self._excluder, self._accept))
        wanted = [n.encode("utf-8") for n in needles]
        found: set[str] = set()
        for path in self.paths():
            full = self.root / path
            if full.is_symlink() or not full.is_file():
                continue
            try:
                data = full.read_bytes()
            except OSError:
                continue
            if any(n in data for n in wanted):
                found.add(path)
        return found


def directory_reader(path: Path, exclude: Sequence[str] = ()) -> WorktreeReader:
    """A plain directory that is not a git repository: every file below it, walked from disk."""
    if not path.is_dir():
        raise UsageError(f"{path} is not a directory; pass the repository (or a directory of manifests) to scan")
    return WorktreeReader(path, exclude=exclude)
