"""Where manifests come from: one `TreeReader` interface over a git tree, the index and the working tree.

A reader lists manifest candidates (`layout.select`), reads them in bulk with a size limit, finds files
containing fixed strings, and says what it leaves out (`notes`: Helm charts, submodules). Reading never raises
for a bad file: it yields a `FileProblem` (too large, a symlink that leaves the repository, loops or dangles,
not a regular file), which the scanner turns into GN001 or, for an over-size file that names no kind gitnad
reads, into a note.

Symlinks inside the repository are followed as kubectl and Argo CD follow them: a link to a file this reader
lists anyway is that file (read once, reported at the target's path: never a duplicate of itself); a link to
any other file inside the repository (`db-1.yaml -> db-1.txt`, an excluded file) is read under the link's path.
Both readers resolve links with `layout.resolve_link` and use the same words for every problem.

Git access goes through the `GitObjects` protocol, implemented in `gitrefs` (the only module that runs git).
"""

from __future__ import annotations

import contextlib
import os
import posixpath
import stat
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple, Protocol

from gitnad.errors import UsageError
from gitnad.sources.layout import (
    Excluder,
    Layout,
    LinkProblem,
    Note,
    is_candidate,
    missing_target,
    resolve_link,
    select,
)
from gitnad.sources.ours import stream_names_our_kind

__all__ = [
    "FileProblem",
    "GitTreeReader",
    "Note",
    "TreeEntry",
    "TreeReader",
    "WorktreeReader",
    "directory_reader",
    "is_candidate",
]

MODE_SYMLINK = "120000"
MODE_SUBMODULE = "160000"
CHUNK = 1 << 20
"""Bytes per read when an over-size file is searched for kind names (never held whole)."""


@dataclass(frozen=True)
class FileProblem:
    """Why a file could not be read; `line` is 1-based when known."""

    message: str
    line: int | None = None
    ours: bool = True
    """False only when the content was seen and names no kind gitnad reads (an over-size playbook): a note."""


class TreeReader(Protocol):
    """Manifest files of one tree: a commit, the index or the working tree."""

    label: str
    """Commit sha, "index" or "worktree"."""

    def paths(self) -> list[str]:
        """Repo-relative POSIX paths of manifest candidates, sorted, `exclude` applied."""
        ...

    def read(self, paths: Sequence[str], max_bytes: int) -> dict[str, bytes | FileProblem]:
        """Content (or the problem) of each requested candidate, keyed by the path it is reported at.

        That is the path itself, except for a symlink to a file the reader lists: its target's path (and when
        the target is requested too, once). Absent, excluded and non-candidate paths are left out.
        """
        ...

    def grep(self, needles: Sequence[str]) -> set[str]:
        """Candidates whose content contains any of the fixed strings."""
        ...

    def notes(self, paths: Sequence[str] | None = None) -> list[Note]:
        """What is left out of `paths` (None: the whole tree) without being an error: Helm charts, submodules."""
        ...


def every_file(path: str) -> bool:
    """`accept` for readers of kustomize inputs: kustomize reads any file (`Kustomization`, `.env`, ...)."""
    return True


def too_large(size: int, max_bytes: int, ours: bool = True) -> FileProblem:
    return FileProblem(f"file is {size} bytes, over the {max_bytes}-byte limit (maxFileBytes)", ours=ours)


@dataclass(frozen=True)
class _Target:
    """Where a requested path leads: the path to report, the file to read, or why it cannot be read."""

    report: str | None
    """None: not read under any path (absent, or a link to a file read on its own)."""
    real: str = ""
    problem: FileProblem | None = None


def _target(path: str, real: str | LinkProblem, listed: frozenset[str], requested: frozenset[str]) -> _Target:
    """The reading decision shared by both readers, once the link resolution (`real`) is known."""
    if isinstance(real, LinkProblem):
        return _Target(path, problem=FileProblem(real.message))
    if real == path or real not in listed:
        return _Target(path, real)
    return _Target(None if real in requested else real, real)  # the same file: once, at its own path


# --- git trees -----------------------------------------------------------------------------------------------


class TreeEntry(NamedTuple):
    """One entry of a git tree or of the index: a file, a symlink or a submodule (gitlink). A tuple: a listing
    makes one per file of the tree, and a frozen dataclass costs several times more to build."""

    path: str
    mode: str
    oid: str


class GitObjects(Protocol):
    """What a git tree reader needs from git (implemented by `gitrefs.GitRepo`)."""

    def entries(self, rev: str) -> list[TreeEntry]:
        """Every blob of the tree at `rev` (or of the index for `INDEX`), symlinks and submodules included."""
        ...

    def blob_sizes(self, oids: Sequence[str]) -> dict[str, int]: ...

    def blobs(self, oids: Sequence[str]) -> dict[str, bytes]: ...

    def stream_blob(self, oid: str, chunk: int) -> Iterator[bytes]:
        """A blob's content in chunks of at most `chunk` bytes, never held whole."""
        ...

    def grep(self, rev: str, needles: Sequence[str]) -> set[str]:
        """Paths at `rev` (or in the index) whose content contains any needle."""
        ...


class GitTreeReader:
    """Manifests of a commit or of the index, read from git objects (nothing is checked out)."""

    def __init__(
        self,
        objects: GitObjects,
        rev: str,
        label: str,
        exclude: Sequence[str] = (),
        accept: Callable[[str], bool] = is_candidate,
        charts: bool = False,
    ) -> None:
        """`accept` picks the files the reader lists and reads (default: manifest candidates); `charts`: Helm chart
        sources too (kustomize reads them as a `helmCharts` chart home)."""
        self.label = label
        self._objects = objects
        self._rev = rev
        self._excluder = Excluder(exclude)
        self._accept = accept
        self._charts = charts
        self._entries: dict[str, TreeEntry] | None = None
        self._links: dict[str, str] | None = None
        self._layout: Layout | None = None
        self._listed: frozenset[str] | None = None
        self._sorted: tuple[str, ...] | None = None
        self._dirs: frozenset[str] | None = None

    def _all(self) -> dict[str, TreeEntry]:
        if self._entries is None:
            self._entries = {e.path: e for e in self._objects.entries(self._rev)}
        return self._entries

    def layout(self) -> Layout:
        if self._layout is None:
            entries = self._all()
            subs = [p for p, e in entries.items() if e.mode == MODE_SUBMODULE]
            self._layout = Layout.of(entries, subs)
        return self._layout

    def _kept_out(self) -> Layout:
        """What `select` leaves out: the layout, without its Helm charts when the reader reads them."""
        return self.layout().without_charts() if self._charts else self.layout()

    def _link_targets(self) -> dict[str, str]:
        if self._links is None:
            links = [e for e in self._all().values() if e.mode == MODE_SYMLINK]
            data = self._objects.blobs(sorted({e.oid for e in links}))
            self._links = {e.path: data.get(e.oid, b"").decode("utf-8", "surrogateescape") for e in links}
        return self._links

    def _directories(self) -> frozenset[str]:
        if self._dirs is None:
            self._dirs = frozenset(d for p in self._all() for d in _dirs_of(p))
        return self._dirs

    def paths(self) -> list[str]:
        return list(self._selected())

    def _selected(self) -> tuple[str, ...]:
        if self._sorted is None:
            self._sorted = tuple(select(self._all(), self._excluder, self._kept_out(), self._accept))
            self._listed = frozenset(self._sorted)
        return self._sorted

    def _listed_set(self) -> frozenset[str]:
        self._selected()
        assert self._listed is not None
        return self._listed

    def links(self) -> dict[str, str]:
        """Every symlink of the tree (accepted or not) -> its target as written."""
        return dict(self._link_targets())

    def notes(self, paths: Sequence[str] | None = None) -> list[Note]:
        considered = self._all() if paths is None else paths
        return self.layout().notes(p for p in considered if not self._excluder.excluded(p))

    def read(self, paths: Sequence[str], max_bytes: int) -> dict[str, bytes | FileProblem]:
        return self.fetch(self.locate(paths), max_bytes)

    def locate(self, paths: Sequence[str]) -> dict[str, TreeEntry | FileProblem]:
        """What `read` would read for each requested path, keyed by the path it is reported at: the tree entry of
        the file (its blob id), or the problem. Reads no blob: the parse cache looks blobs up by id first."""
        entries = self._all()
        requested = frozenset(
            p for p in select(set(paths), self._excluder, self._kept_out(), self._accept) if p in entries
        )
        listed = self._listed_set()
        links = self._link_targets()
        out: dict[str, TreeEntry | FileProblem] = {}
        for path in sorted(requested):
            target = _target(path, resolve_link(path, links.get) if links else path, listed, requested)
            report, problem = target.report, target.problem
            if report is None:
                continue
            entry = entries.get(target.real) if problem is None else None
            if problem is None and (entry is None or entry.mode == MODE_SUBMODULE):
                problem = FileProblem(missing_target(target.real, self.layout(), self._directories()))
            if problem is not None:
                out[report] = problem
            elif entry is not None:
                out[report] = entry
        return out

    def fetch(self, located: Mapping[str, TreeEntry | FileProblem], max_bytes: int) -> dict[str, bytes | FileProblem]:
        """The content (or problem) of located files, sorted by path."""
        out: dict[str, bytes | FileProblem] = {p: v for p, v in located.items() if isinstance(v, FileProblem)}
        out.update(self._contents({p: v for p, v in located.items() if isinstance(v, TreeEntry)}, max_bytes))
        return dict(sorted(out.items()))

    def _contents(self, files: dict[str, TreeEntry], max_bytes: int) -> dict[str, bytes | FileProblem]:
        sizes = self._sizes(list(files.values()))
        out: dict[str, bytes | FileProblem] = {}
        small = {p: e for p, e in files.items() if sizes.get(e.oid, 0) <= max_bytes}
        for p, e in files.items():
            if p not in small:
                ours = stream_names_our_kind(self._objects.stream_blob(e.oid, CHUNK))
                out[p] = too_large(sizes[e.oid], max_bytes, ours)
        data = self._objects.blobs(sorted({e.oid for e in small.values()}))
        for p, e in small.items():
            blob = data.get(e.oid)
            out[p] = blob if blob is not None else FileProblem(f"git object {e.oid} is missing")
        return out

    def _sizes(self, files: Sequence[TreeEntry]) -> dict[str, int]:
        """Blob sizes of the files about to be read (listings carry none: only read blobs are asked)."""
        oids = sorted({e.oid for e in files})
        return self._objects.blob_sizes(oids) if oids else {}

    def grep(self, needles: Sequence[str]) -> set[str]:
        if not needles:
            return set()
        return set(select(self._objects.grep(self._rev, needles), self._excluder, self._kept_out(), self._accept))


_READ_FLAGS = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)
"""Bytes as they are on disk (O_BINARY where the platform has text mode), never inherited by a child."""


def _read_upto(path: str, size: int, limit: int) -> bytes:
    """At most `limit` bytes of the regular file at `path`, which `lstat` said holds `size`. The first read asks
    for one byte more than that (a buffer sized by the file, not by the limit, which would cost more than the
    read); a file that grew since is read on, to the limit. A regular file reads short only at its end."""
    fd = os.open(path, _READ_FLAGS)
    try:
        chunks: list[bytes] = []
        got = 0
        ask = min(size + 1, limit)
        while got < limit:
            chunk = os.read(fd, ask)
            chunks.append(chunk)
            got += len(chunk)
            if len(chunk) < ask:
                break
            ask = limit - got
    finally:
        os.close(fd)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _dirs_of(path: str) -> Iterator[str]:
    while "/" in path:
        path = path.rsplit("/", 1)[0]
        yield path


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
        charts: bool = False,
    ) -> None:
        """`listing` returns the repo-relative files to consider (default: walk the directory); a git listing
        names a submodule or a nested repository by its directory (`sub`, `nested/`). `grep` finds files by
        content (default: search the candidates' bytes). `accept` picks the files
        listed and read (default: manifest candidates); `charts`: Helm chart sources too (a kustomize chart
        home)."""
        self.root = root.resolve()
        self._charts = charts
        self._listing = listing or (lambda: walk(self.root))
        self._grep = grep
        self._excluder = Excluder(exclude)
        self._accept = accept
        self._files: list[str] | None = None
        self._layout: Layout | None = None
        self._listed: frozenset[str] | None = None
        self._links: dict[str, str | None] = {}
        self._scanned: set[str] = set()
        """Directories `_scan_dirs` considered."""
        self._plain: set[str] = set()
        """Directories whose every entry is in `_links` (one `scandir` each: no `readlink` per file), none of them
        a symlink or below one."""
        self._base = os.fspath(self.root) + os.sep

    def _all(self) -> list[str]:
        if self._files is None:
            self._files = self._listing()
        return self._files

    def with_accept(self, accept: Callable[[str], bool], charts: bool = False) -> WorktreeReader:
        """The same tree through one listing (taken once, shared) with another `accept` and no `exclude`: the
        reader of kustomize inputs next to the manifest reader costs no second `git ls-files` or walk."""
        return WorktreeReader(self.root, listing=self._all, grep=self._grep, accept=accept, charts=charts)

    def layout(self) -> Layout:
        if self._layout is None:
            files = self._all()
            self._layout = Layout.of(files, [p for p in files if p.endswith("/") or self._is_dir(p)])
        return self._layout

    def _kept_out(self) -> Layout:
        """What `select` leaves out: the layout, without its Helm charts when the reader reads them."""
        return self.layout().without_charts() if self._charts else self.layout()

    def _is_dir(self, path: str) -> bool:
        """A listed path that is a directory on disk is a submodule (only non-candidates are asked: cheap); a
        symlink to a directory is a symlink, which git lists as a file."""
        if is_candidate(path):
            return False
        try:
            return stat.S_ISDIR((self.root / path).lstat().st_mode)
        except OSError:
            return False

    def paths(self) -> list[str]:
        if self._listed is None:
            self._listed = frozenset(select(self._all(), self._excluder, self._kept_out(), self._accept))
        return sorted(self._listed)

    def notes(self, paths: Sequence[str] | None = None) -> list[Note]:
        considered = self._all() if paths is None else paths
        return self.layout().notes(p for p in considered if not self._excluder.excluded(p))

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
        requested = frozenset(select(set(paths), self._excluder, self._kept_out(), self._accept))
        listed = frozenset(self.paths())
        self._scan_dirs({posixpath.dirname(p) for p in requested})
        out: dict[str, bytes | FileProblem] = {}
        for path in sorted(requested):
            if self._is_plain(path):  # what `resolve_link` would say, without walking its parts
                result = self._read_one(path, False, max_bytes)
                if result is not None:
                    out[path] = result
                continue
            target = _target(path, resolve_link(path, self._readlink), listed, requested)
            if target.report is None:
                continue
            result = target.problem or self._read_one(target.real, target.real != path, max_bytes)
            if result is not None:
                out[target.report] = result
        return dict(sorted(out.items()))

    def _readlink(self, rel: str) -> str | None:
        if rel not in self._links:
            try:
                self._links[rel] = os.readlink(self._base + rel)
            except OSError:  # not a symlink (EINVAL), or not there
                self._links[rel] = None
        return self._links[rel]

    def _scan_dirs(self, directories: set[str]) -> None:
        """Learn which entries of these directories (and of every directory above them) are symlinks, one
        `scandir` per directory, so resolving a path asks `readlink` only of links. A directory is scanned only
        when it and every directory above it is known not to be a symlink (it is then `_plain`); a name no scan
        saw is asked of `readlink`, as before."""
        wanted = set(directories)
        for d in directories:
            wanted.update(_dirs_of(d))
        wanted.add("")
        for directory in sorted(wanted, key=lambda d: (d.count("/"), d) if d else (-1, d)):
            if directory in self._scanned:
                continue
            self._scanned.add(directory)
            if directory and (
                posixpath.dirname(directory) not in self._plain or self._links.get(directory, "") is not None
            ):
                continue  # a link, below one, or not seen: resolved on the way (`resolve_link`)
            prefix = directory + "/" if directory else ""
            try:
                with os.scandir(self._base + directory) as it:
                    for entry in it:
                        rel = prefix + entry.name
                        if rel in self._links:
                            continue
                        with contextlib.suppress(OSError):  # replaced since the scan: asked again when needed
                            self._links[rel] = os.readlink(entry.path) if entry.is_symlink() else None
            except OSError:
                continue  # gone or unreadable: its names are asked of `readlink`, which answers as before
            self._plain.add(directory)

    def _is_plain(self, path: str) -> bool:
        """`path` leads to itself: a normal path (no empty, `.`-led or `..` part) that no scanned directory lists
        as a symlink, in a directory that is no link and below none."""
        return (
            "/." not in "/" + path
            and "//" not in path
            and not path.endswith("/")
            and posixpath.dirname(path) in self._plain
            and path in self._links
            and self._links[path] is None
        )

    def _read_one(self, real: str, via_link: bool, max_bytes: int) -> bytes | FileProblem | None:
        full = self._base + real
        if via_link and self.layout().submodule_of(real) is not None:
            return FileProblem(missing_target(real, self.layout(), ()))  # what a git ref cannot read either
        try:
            st = os.lstat(full)
        except OSError:  # not there: a dangling link, or listed by git but deleted from the working tree
            return FileProblem(missing_target(real, self.layout(), ())) if via_link else None
        if via_link and stat.S_ISDIR(st.st_mode):
            return FileProblem(missing_target(real, self.layout(), (real,)))
        if not stat.S_ISREG(st.st_mode):
            return FileProblem("not a regular file")
        if st.st_size > max_bytes:
            return too_large(st.st_size, max_bytes, self._stream_names_kind(full))
        try:
            data = _read_upto(full, st.st_size, max_bytes + 1)
        except OSError as e:
            return FileProblem(f"cannot read: {e.strerror or e}")
        return too_large(len(data), max_bytes, self._stream_names_kind(full)) if len(data) > max_bytes else data

    @staticmethod
    def _stream_names_kind(full: str) -> bool:
        try:
            with open(full, "rb") as f:
                return stream_names_our_kind(iter(lambda: f.read(CHUNK), b""))
        except OSError:
            return True  # could not look: it could be ours

    def grep(self, needles: Sequence[str]) -> set[str]:
        if not needles:
            return set()
        if self._grep is not None:
            return set(select(self._grep(needles), self._excluder, self._kept_out(), self._accept))
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
