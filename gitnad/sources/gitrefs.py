"""Git at any ref, without checking anything out: the one module that runs git, always through the git CLI.

Bulk reads use git's batch modes, one process per call: `ls-tree -r -z` / `ls-files -s -z` to list a tree,
one `cat-file --batch` to read every blob, `grep -l -F` to find files by content, `diff --name-status -z -M`
for changes. Per-object reads through GitPython are ten times slower on a 10k-file repository, and even
finding the repository with it cost ~75 ms of imports on the pre-commit path, so the package does not use it
(the tests build their repositories with it).
Every git failure becomes `GitError`; an unknown ref becomes `RefError` naming the ref; a path that is not a
working copy (outside any repository, a bare one) `NotAWorkingCopyError`, a usage error.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from gitnad.errors import BareRepositoryError, GitError, NotAWorkingCopyError, RefError, UsageError
from gitnad.sources.trees import (
    GitTreeReader,
    TreeEntry,
    TreeReader,
    WorktreeReader,
    directory_reader,
    is_candidate,
)

INDEX = "INDEX"
"""Pseudo-rev for the staging area."""
DEFAULT_BRANCHES = (
    "refs/remotes/origin/HEAD",
    "refs/remotes/origin/main",
    "refs/remotes/origin/master",
    "refs/heads/main",
    "refs/heads/master",
)
MAX_NEEDLE = 1024
"""Characters of a grep needle given to git (see `GitRepo._grep`)."""
PATHSPECS = (":(icase)*.yaml", ":(icase)*.yml", ":(icase)*.json")
KEPT_BLOB_BYTES = 64 << 20
"""Most bytes of blobs `keep_blobs` keeps (a check's NAD-bearing files: ~2.5 MB in a 10,000-file repository)."""
MAX_PATHSPEC_BYTES = 64 * 1024
"""Most bytes of pathspecs named to one `git grep` (the kernel caps a command line near 2 MiB)."""
_GIT_ENV = {"GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C", "LANGUAGE": "C"}
_NOT_A_WORKING_COPY = ("not a git repository", "must be run in a work tree")
"""git's own words (LC_ALL=C) for "no working copy here", as opposed to a repository git refuses to read."""
_STATUS: dict[str, Literal["A", "M", "D", "R"]] = {"A": "A", "M": "M", "D": "D", "R": "R", "T": "M", "U": "M"}


@dataclass(frozen=True)
class FileDelta:
    """One changed file. `old_path` is set for renames only; a type change (file <-> symlink) is `M`."""

    status: Literal["A", "M", "D", "R"]
    path: str
    old_path: str | None = None


def parse_name_status(out: bytes) -> list[FileDelta]:
    """`git diff --name-status -z` output -> deltas (copies count as additions)."""
    tokens = out.decode("utf-8", "surrogateescape").split("\0")
    deltas: list[FileDelta] = []
    i = 0
    while i < len(tokens) and tokens[i]:
        letter = tokens[i][0]
        if letter in ("R", "C"):
            old, new = tokens[i + 1], tokens[i + 2]
            deltas.append(FileDelta("R", new, old) if letter == "R" else FileDelta("A", new))
            i += 3
            continue
        deltas.append(FileDelta(_STATUS.get(letter, "M"), tokens[i + 1]))
        i += 2
    return deltas


def parse_batch(out: bytes) -> dict[str, bytes]:
    """`git cat-file --batch` output (`<oid> <type> <size>\\n<data>\\n` per object) -> oid -> data."""
    blobs: dict[str, bytes] = {}
    pos, end = 0, len(out)
    while pos < end:
        nl = out.index(b"\n", pos)
        header = out[pos:nl].split(b" ")
        pos = nl + 1
        if len(header) != 3:
            continue  # "<oid> missing"
        size = int(header[2])
        blobs[header[0].decode("ascii")] = out[pos : pos + size]
        pos += size + 1
    return blobs


def _toplevel(path: Path) -> tuple[Path, Path]:
    """The working tree root of the repository holding `path` and its common git directory (where the parse
    cache lives; shared by linked worktrees), with one `git rev-parse` and no library import.

    Not a working copy (outside any repository, inside a `.git` directory, a bare repository) is the user's
    usage error; any other refusal of git (a broken config, "dubious ownership") is a git failure.
    """
    hint = "run gitnad from a clone of the repository, or pass --repo PATH"
    if not path.is_dir():
        raise NotAWorkingCopyError(f"{path} is not a directory; {hint}")
    try:
        proc = subprocess.run(
            ["git", "rev-parse", "--is-bare-repository", "--show-toplevel", "--git-common-dir"],
            cwd=path,
            capture_output=True,
            env={**os.environ, **_GIT_ENV},
        )
    except OSError as e:
        raise GitError(f"cannot run git: {e}; install git and make sure it is on PATH") from e
    lines = proc.stdout.decode("utf-8", "surrogateescape").splitlines()
    if lines[:1] == ["true"]:
        raise BareRepositoryError(f"{path} is a bare git repository (no working tree); {hint}")
    if proc.returncode == 0 and len(lines) >= 3:
        return Path(lines[1]).resolve(), (path / lines[2]).resolve()  # the git directory may be relative to `path`
    complaint = proc.stderr.decode("utf-8", "replace").strip()
    if any(sign in complaint for sign in _NOT_A_WORKING_COPY):
        raise NotAWorkingCopyError(f"{path} is not inside a git working copy; {hint}")
    raise GitError(f"git rev-parse failed in {path}: {complaint or f'exit code {proc.returncode}'}")


class GitRepo:
    """A git working copy, found from any path inside it."""

    def __init__(self, path: Path) -> None:
        self.root, self.git_dir = _toplevel(path)
        """The working tree's root, and the common git directory (`.git`, or the main one of a linked worktree)."""
        self._listings: dict[str, list[TreeEntry]] = {}
        """Tree listings by rev: the manifest readers and the config files of one ref share one `ls-tree`."""
        self._greps: dict[tuple[str, tuple[str, ...]], frozenset[str]] = {}
        """`grep` results by (rev, needles): the other ref of a check searches only the paths that differ."""
        self._ids: dict[str, frozenset[TreeEntry]] = {}
        self._kept: dict[str, bytes] | None = None
        """Blobs read so far by id, once `keep_blobs` is called."""
        self._kept_budget = 0
        self._empty_tree: str | None = None
        self._commits: set[str] = set()

    # --- plumbing ----------------------------------------------------------------------------------------

    def _run(self, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
        env = {**os.environ, **_GIT_ENV}
        try:
            return subprocess.run(
                ["git", "-c", "core.quotepath=off", *args], cwd=self.root, input=stdin, capture_output=True, env=env
            )
        except OSError as e:
            raise GitError(f"cannot run git: {e}; install git and make sure it is on PATH") from e

    def _git(self, *args: str, stdin: bytes | None = None, ok: tuple[int, ...] = (0,)) -> bytes:
        proc = self._run(*args, stdin=stdin)
        if proc.returncode not in ok:
            msg = proc.stderr.decode("utf-8", "replace").strip() or f"exit code {proc.returncode}"
            raise GitError(f"git {args[0]} failed in {self.root}: {msg}")
        return proc.stdout

    def _rev_parse(self, ref: str) -> tuple[str | None, str]:
        """(sha or None, git's complaint) for `ref` as a commit."""
        proc = self._run("rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}")
        sha = proc.stdout.decode("ascii", "replace").strip() if proc.returncode == 0 else ""
        return sha or None, proc.stderr.decode("utf-8", "replace").strip().removeprefix("fatal: ")

    def _try_resolve(self, ref: str) -> str | None:
        return self._rev_parse(ref)[0]

    # --- refs and changes --------------------------------------------------------------------------------

    def resolve(self, ref: str) -> str:
        """The full sha of the commit `ref` names; RefError naming the ref when there is none."""
        if ref in self._commits:
            return ref  # a sha this repository already resolved (the readers of a check's two refs)
        sha, complaint = (None, "") if not ref or ref.startswith("-") or ref == INDEX else self._rev_parse(ref)
        if sha is not None:
            self._commits.add(sha)
            return sha
        self._git("rev-parse", "--git-dir")  # a broken repository is a GitError, not the user's ref
        detail = f" ({complaint})" if complaint else ""
        raise RefError(
            f"unknown git ref '{ref}': no commit by that name in {self.root}{detail}; check the spelling or fetch "
            "it (git fetch origin)"
        )

    def diff(self, base: str, head: str) -> list[FileDelta]:
        """Files changed from `base` to `head` (a commit, or `INDEX` for what is staged), renames detected."""
        args = ["diff", "--no-ext-diff", "--no-textconv", "--no-relative", "--name-status", "-z", "-M"]
        revs = ["--cached", base] if head == INDEX else [base, head]
        return parse_name_status(self._git(*args, *revs, "--"))

    def default_branch(self) -> tuple[str, str] | None:
        """(ref, sha) of the default branch: the first of origin's HEAD (named by the branch it points to),
        origin/main, origin/master, main, master that exists here; None when none does."""
        for ref in DEFAULT_BRANCHES:
            sha = self._try_resolve(ref)
            if sha is not None:
                return self._symbolic_target(ref) or ref, sha
        return None

    def _symbolic_target(self, ref: str) -> str | None:
        """What a symbolic ref (origin's HEAD) points to, e.g. refs/remotes/origin/main."""
        proc = self._run("symbolic-ref", "-q", ref)
        return proc.stdout.decode("utf-8", "surrogateescape").strip() or None if proc.returncode == 0 else None

    def merge_base(self, a: str, b: str) -> str | None:
        """The best common ancestor of two commits; None when git finds none in this repository."""
        out = self._git("merge-base", "--end-of-options", a, b, ok=(0, 1)).decode("ascii").strip()
        return out or None

    def is_shallow(self) -> bool:
        """A depth-limited clone (CI checkouts by default): older commits are simply not here."""
        return self._git("rev-parse", "--is-shallow-repository").strip() == b"true"

    def has_commits(self) -> bool:
        return self._try_resolve("HEAD") is not None

    def empty_tree(self) -> str:
        """The id of the empty tree (in this repository's hash), the base of a repository's first commit;
        `reader` and `diff` take it like a commit."""
        if self._empty_tree is None:
            self._empty_tree = self._git("hash-object", "-t", "tree", "--stdin", stdin=b"").decode("ascii").strip()
        return self._empty_tree

    # --- trees ---------------------------------------------------------------------------------------------

    def reader(
        self,
        rev: str,
        exclude: Sequence[str] = (),
        accept: Callable[[str], bool] = is_candidate,
        charts: bool = False,
    ) -> GitTreeReader:
        """Manifests (or the files `accept` takes; `charts`: Helm chart sources too) of a commit (any ref) or of the
        index (`INDEX`), read from git objects; readers of one rev share one listing."""
        if rev == INDEX:
            return GitTreeReader(self, INDEX, "index", exclude, accept, charts)
        sha = rev if rev == self._empty_tree else self.resolve(rev)
        return GitTreeReader(self, sha, sha, exclude, accept, charts)

    def worktree_reader(
        self,
        subpath: Path | None = None,
        exclude: Sequence[str] = (),
        accept: Callable[[str], bool] = is_candidate,
        charts: bool = False,
    ) -> WorktreeReader:
        """Manifests (or the files `accept` takes) in the working tree (tracked and untracked files,
        `.gitignore` respected)."""
        spec = self._pathspec(subpath)

        def listing() -> list[str]:
            out = self._git("ls-files", "-c", "-o", "--exclude-standard", "--deduplicate", "-z", "--", *spec)
            return [p for p in out.decode("utf-8", "surrogateescape").split("\0") if p]

        def grep(needles: Sequence[str]) -> set[str]:
            return self._grep(["--untracked"], needles, spec)

        return WorktreeReader(self.root, listing=listing, exclude=exclude, grep=grep, accept=accept, charts=charts)

    def _pathspec(self, subpath: Path | None) -> list[str]:
        if subpath is None:
            return []
        full = subpath.resolve()
        if full == self.root:
            return []
        try:
            return [full.relative_to(self.root).as_posix()]
        except ValueError:
            raise UsageError(f"{subpath} is outside the git repository at {self.root}") from None

    # --- GitObjects (used by GitTreeReader) ---------------------------------------------------------------

    def entries(self, rev: str) -> list[TreeEntry]:
        if rev not in self._listings:
            self._listings[rev] = self._index_entries() if rev == INDEX else self._tree_entries(rev)
        return list(self._listings[rev])

    def _tree_entries(self, rev: str) -> list[TreeEntry]:
        out = self._git("ls-tree", "-r", "-z", "--full-tree", rev)  # no `-l`: sizes only of the blobs read
        entries = []
        for record in out.decode("utf-8", "surrogateescape").split("\0"):
            if not record:
                continue
            meta, path = record.split("\t", 1)
            mode, kind, oid = meta.split()
            if kind in ("blob", "commit"):  # a commit entry is a submodule: the reader names it
                entries.append(TreeEntry(path, mode, oid))
        return entries

    def _index_entries(self) -> list[TreeEntry]:
        out = self._git("ls-files", "-s", "-z")
        by_path: dict[str, TreeEntry] = {}
        for record in out.decode("utf-8", "surrogateescape").split("\0"):
            if not record:
                continue
            meta, path = record.split("\t", 1)
            mode, oid, stage = meta.split()
            if stage == "0" or path not in by_path:
                by_path[path] = TreeEntry(path, mode, oid)
        return list(by_path.values())

    def blob_sizes(self, oids: Sequence[str]) -> dict[str, int]:
        kept = self._kept or {}
        sizes: dict[str, int] = {o: len(kept[o]) for o in oids if o in kept}
        todo = [o for o in oids if o not in sizes]
        if not todo:
            return sizes
        out = self._git("cat-file", "--batch-check", "--buffer", stdin="\n".join(todo).encode("ascii") + b"\n")
        for line in out.decode("ascii", "replace").splitlines():
            parts = line.split()
            if len(parts) == 3:
                sizes[parts[0]] = int(parts[2])
        return sizes

    def keep_blobs(self, budget: int = KEPT_BLOB_BYTES) -> None:
        """Keep blobs read from now on (up to `budget` bytes in all) for later reads of the same ids: the two refs
        of a check mostly share their files, so the second ref reads only what the change made different."""
        self._kept = {}
        self._kept_budget = budget

    def blobs(self, oids: Sequence[str]) -> dict[str, bytes]:
        if not oids:
            return {}
        kept = self._kept
        todo = [o for o in oids if o not in kept] if kept is not None else list(oids)
        stdin = "\n".join(todo).encode("ascii") + b"\n"
        read = parse_batch(self._git("cat-file", "--batch", "--buffer", stdin=stdin)) if todo else {}
        if kept is None:
            return read
        for oid, data in read.items():
            if len(data) <= self._kept_budget:
                kept[oid] = data
                self._kept_budget -= len(data)
        return {o: d for o in oids if (d := kept.get(o, read.get(o))) is not None}

    def stream_blob(self, oid: str, chunk: int) -> Iterator[bytes]:
        """`git cat-file blob` read through a pipe, `chunk` bytes at a time (an over-size file is never held)."""
        try:
            proc = subprocess.Popen(
                ["git", "cat-file", "blob", oid],
                cwd=self.root,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env={**os.environ, **_GIT_ENV},
            )
        except OSError as e:
            raise GitError(f"cannot run git: {e}; install git and make sure it is on PATH") from e
        assert proc.stdout is not None
        with proc:
            yield from iter(lambda: proc.stdout.read(chunk), b"")  # type: ignore[union-attr]
        if proc.returncode != 0:
            raise GitError(f"git cat-file failed in {self.root}: cannot read object {oid}")

    def grep(self, rev: str, needles: Sequence[str]) -> set[str]:
        """Paths at `rev` (or in the index) whose content holds a needle. Once one rev was searched for the same
        needles, another rev is searched only where its listing differs from that one's (a different blob or
        mode at a path, or a path only one of them has): a check's two refs cost one full search, not two."""
        key = (rev, tuple(needles))
        if key not in self._greps:
            derived = self._derived_grep(rev, key[1])
            self._greps[key] = frozenset(self._grep_rev(rev, key[1]) if derived is None else derived)
        return set(self._greps[key])

    def _grep_rev(self, rev: str, needles: Sequence[str], within: Sequence[str] = ()) -> set[str]:
        if rev == INDEX:
            return self._grep(["--cached"], needles, within)
        prefix = rev + ":"
        return {p.removeprefix(prefix) for p in self._grep([rev], needles, within)}

    def _derived_grep(self, rev: str, needles: tuple[str, ...]) -> set[str] | None:
        """`rev`'s hits from another listed rev's hits for the same needles: the paths that are the same blob
        at both keep their answer, the others are searched at `rev`; None when no such rev is at hand or they
        differ in too many paths to name them to git."""
        if rev not in self._listings:
            return None
        for (other, searched), hits in self._greps.items():
            if searched != needles or other not in self._listings:
                continue
            differ = {p for p, _, _ in self._entry_set(rev) ^ self._entry_set(other)}
            present = {p for p, _, _ in self._entry_set(rev)}
            here = sorted(p for p in differ if is_candidate(p) and p in present)  # what PATHSPECS would search
            if sum(len(p) + len(":(literal) ") for p in here) > MAX_PATHSPEC_BYTES:
                return None
            return {p for p in hits if p not in differ} | (self._grep_rev(rev, needles, here) if here else set())
        return None

    def _entry_set(self, rev: str) -> frozenset[TreeEntry]:
        """Every entry (path, mode, blob id) of a listed rev."""
        if rev not in self._ids:
            self._ids[rev] = frozenset(self._listings[rev])
        return self._ids[rev]

    def _grep(self, where: list[str], needles: Sequence[str], within: Sequence[str]) -> set[str]:
        """`git grep -l -F`; a subdirectory is searched whole (the reader keeps only manifest candidates).

        grep finds candidates that callers then parse, so it may find more than asked, never less. Needles go to
        git on stdin (`-f -`), never on the command line, where the kernel refuses any one argument over 128 KiB;
        git reads one pattern per line (a needle holding a newline becomes several, finding more); and git
        compiles each pattern into a regex that glibc caps near 32 KiB, so a needle is cut to its first
        MAX_NEEDLE characters: a file holding the whole needle holds its start.
        """
        if not needles:
            return set()
        patterns = "".join(n[:MAX_NEEDLE] + "\n" for n in needles).encode("utf-8", "surrogateescape")
        specs = [f":(literal){p}" for p in within] if within else list(PATHSPECS)
        threads = [] if "--untracked" in where else ["--threads", "1"]  # git objects: one thread is ~2x faster
        out = self._git("grep", "-l", "-z", "-F", *threads, "-f", "-", *where, "--", *specs, stdin=patterns, ok=(0, 1))
        return {p for p in out.decode("utf-8", "surrogateescape").split("\0") if p}


def open_worktree(path: Path, exclude: Sequence[str] = ()) -> TreeReader:
    """The working tree at `path`: through git when it is inside a repository, else the plain directory."""
    try:
        repo = GitRepo(path)
    except BareRepositoryError:
        raise
    except NotAWorkingCopyError:
        return directory_reader(path, exclude)
    return repo.worktree_reader(path, exclude)
