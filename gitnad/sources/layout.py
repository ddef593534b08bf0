"""Which files of a tree are manifests to read, and where its symlinks lead: the policy every reader shares.

A candidate is a `*.yaml`/`*.yml`/`*.json` file (any case) that no `exclude:` glob matches and that is not
- under gitnad's own `.gitnad/` (policies and their test fixtures: VMs there are examples, not the fleet),
- under a directory holding `Chart.yaml` (Helm chart sources are templates; rendering Helm is out of scope),
- inside a submodule (its files belong to another repository).
Helm charts and submodules are said once, as notes; `.gitnad/` and excluded files are left out silently.

Symlinks are resolved component by component exactly as the kernel does (relative to the link's directory,
at most 40 links, `..` above the root leaves the repository), from a `readlink` callable: a git tree answers
from its link blobs, the working tree from the filesystem, so both give the same answer and the same words.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from gitnad.models.names import printable
from gitnad.sources.globs import GlobError, compile_glob

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
GITNAD_DIR = ".gitnad"
HELM_CHART_FILE = "Chart.yaml"
HELM_CHART_ROOT = ""
"""`Layout.charts` entry of a chart at the repository's root."""
MAX_LINK_HOPS = 40
"""Linux's limit (ELOOP) on symlinks followed while resolving one path."""
LEAVES_REPO = "symlink leaves the repository"
SYMLINK_LOOP = f"symlink loop (more than {MAX_LINK_HOPS} links followed)"
INTO_GIT_DIR = "symlink points into .git, which holds git's own files, not the repository's"
MAX_NAMED = 10
"""Helm chart directories named in the note; the rest are counted."""


def is_candidate(path: str) -> bool:
    return path.lower().endswith(MANIFEST_SUFFIXES)


# --- exclude globs -----------------------------------------------------------------------------------------


class Excluder:
    """`exclude:` globs on repo-relative paths.

    A pattern matches a path or any of its parent directories (`vendor` and `vendor/` exclude everything
    below `vendor/`); a pattern without `/` matches at any depth, like a `.gitignore` line. A pattern gitnad
    refuses to match (`globs.GlobError`) is refused here: `glob_problem` says why beforehand.
    """

    def __init__(self, patterns: Iterable[str] = ()) -> None:
        self._regexes = tuple(compile_glob(self._normalize(p)) for p in patterns if p.strip("/ "))

    @staticmethod
    def _normalize(pattern: str) -> str:
        p = pattern.strip()
        p = p[2:] if p.startswith("./") else p
        anchored = p.startswith("/")
        p = p.strip("/")
        return p if anchored or "/" in p else "**/" + p

    @classmethod
    def problem(cls, pattern: str) -> str | None:
        """Why `pattern` cannot be an exclude glob (an invalid class, stars whose retries multiply), else None."""
        try:
            if pattern.strip("/ "):
                compile_glob(cls._normalize(pattern))
        except GlobError as e:
            return str(e)
        return None

    def __bool__(self) -> bool:
        return bool(self._regexes)

    def excluded(self, path: str) -> bool:
        if not self._regexes:
            return False
        parts = path.split("/")
        prefixes = ["/".join(parts[: k + 1]) for k in range(len(parts))]
        return any(rx.fullmatch(p) for rx in self._regexes for p in prefixes)


# --- Helm charts, .gitnad/, submodules ------------------------------------------------------------------------


def _parents(path: str) -> Iterable[str]:
    """`a/b/c.yaml` -> `a/b`, `a`, `` (the root)."""
    while "/" in path:
        path = path.rsplit("/", 1)[0]
        yield path
    yield ""


@dataclass(frozen=True)
class Note:
    """Something a scan leaves out that is not an error (SPEC §3): said, never silently dropped."""

    file: str | None
    message: str
    line: int | None = None

    @property
    def text(self) -> str:
        if self.file is None:
            return self.message
        where = printable(self.file) + (f":{self.line}" if self.line is not None else "")
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class Layout:
    """The directories of one tree that are not read as manifests."""

    charts: frozenset[str] = frozenset()
    """Directories holding `Chart.yaml` ("" is the root)."""
    submodules: frozenset[str] = frozenset()
    """Submodule (gitlink) paths, and nested repositories of a working tree."""

    @classmethod
    def of(cls, files: Iterable[str], submodules: Iterable[str] = ()) -> Layout:
        named = (p.rpartition("/") for p in files if p.endswith(HELM_CHART_FILE))
        charts = {directory for directory, _, name in named if name == HELM_CHART_FILE}
        return cls(frozenset(charts), frozenset(s.rstrip("/") for s in submodules))

    def without_charts(self) -> Layout:
        """The same tree with Helm chart sources read like any file (kustomize's `helmCharts` chart home)."""
        return Layout(submodules=self.submodules)

    def chart_of(self, path: str) -> str | None:
        """The outermost chart directory holding `path`, else None."""
        if not self.charts:
            return None
        return next((d for d in reversed(list(_parents(path))) if d in self.charts), None)

    def submodule_of(self, path: str) -> str | None:
        if not self.submodules:
            return None
        return path if path in self.submodules else next((d for d in _parents(path) if d in self.submodules), None)

    def skipped(self, path: str) -> bool:
        """Not a manifest to read: under `.gitnad/`, in a Helm chart or a submodule."""
        own = path == GITNAD_DIR or path.startswith(GITNAD_DIR + "/")
        return own or self.chart_of(path) is not None or self.submodule_of(path) is not None

    def skipped_directory(self, directory: str) -> bool:
        """Every file directly in `directory` ("" the root) is skipped: it is `.gitnad/` or below it, or inside a
        Helm chart or a submodule (a file is skipped when this holds for its directory or the file is itself
        `.gitnad` or a submodule)."""
        if not directory:
            return HELM_CHART_ROOT in self.charts
        return self.skipped(directory) or directory in self.charts

    def notes(self, paths: Iterable[str]) -> list[Note]:
        """One note for Helm chart sources among `paths`, one per submodule among (or holding) them."""
        per_chart: dict[str, int] = {}
        subs: set[str] = set()
        for p in paths:
            sub = self.submodule_of(p)
            if sub is not None:
                subs.add(sub)
            elif is_candidate(p) and (chart := self.chart_of(p)) is not None:
                per_chart[chart] = per_chart.get(chart, 0) + 1
        notes = [_charts_note(per_chart)] if per_chart else []
        return notes + [
            Note(s, "submodule not scanned: its files belong to another repository (scan that one on its own)")
            for s in sorted(subs)
        ]


def _charts_note(per_chart: dict[str, int]) -> Note:
    dirs = sorted(per_chart)
    named = ", ".join(f"{printable(d or '.')} ({per_chart[d]} file(s))" for d in dirs[:MAX_NAMED])
    more = f" and {len(dirs) - MAX_NAMED} more" if len(dirs) > MAX_NAMED else ""
    return Note(None, f"Helm chart sources not scanned (rendering Helm is out of scope): {named}{more}")


def select(
    paths: Iterable[str], excluder: Excluder, layout: Layout = Layout(), accept: Callable[[str], bool] = is_candidate
) -> list[str]:
    """Manifest candidates (or what `accept` takes) among `paths`: excluded, gitnad's own and Helm/submodule files
    removed; sorted. Whether a directory is left out is decided once per directory, not once per file."""
    if not (layout.charts or layout.submodules or excluder):  # the common tree: only `.gitnad/` to leave out
        own = GITNAD_DIR + "/"
        if accept is is_candidate:
            return sorted(p for p in paths if p.lower().endswith(MANIFEST_SUFFIXES) and not p.startswith(own))
        return sorted(p for p in paths if accept(p) and p != GITNAD_DIR and not p.startswith(own))
    out: list[str] = []
    left_out: dict[str, bool] = {}
    excluded = excluder.excluded if excluder else None
    for p in paths:
        if not accept(p):
            continue
        directory = p.rpartition("/")[0]
        skip = left_out.get(directory)
        if skip is None:
            skip = left_out[directory] = layout.skipped_directory(directory)
        if skip or p == GITNAD_DIR or p in layout.submodules or (excluded is not None and excluded(p)):
            continue
        out.append(p)
    out.sort()
    return out


# --- symlinks --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LinkProblem:
    """Why a path does not lead to a file inside the repository."""

    message: str


def resolve_link(path: str, readlink: Callable[[str], str | None]) -> str | LinkProblem:
    """The repo-relative path `path` leads to once every symlink on the way is followed.

    `readlink(p)` gives the target of the symlink at repo-relative `p`, or None when `p` is not a symlink.
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
                return LinkProblem(LEAVES_REPO)
            done.pop()
            continue
        current = "/".join([*done, part])
        target = readlink(current)
        if target is None:
            done.append(part)
            continue
        hops += 1
        if hops > MAX_LINK_HOPS:
            return LinkProblem(SYMLINK_LOOP)
        if target.startswith("/"):
            return LinkProblem(LEAVES_REPO)  # absolute: not inside the repository wherever it is checked out
        pending = target.split("/") + pending
    if any(part.lower() == ".git" for part in done):  # git tracks no such path (any case): at a ref it dangles
        return LinkProblem(INTO_GIT_DIR)
    return "/".join(done)


def follow(path: str, links: Mapping[str, str]) -> str | None:
    """`resolve_link` over a tree's symlinks (path -> target as written): where `path` leads, or None when it
    leads nowhere inside the repository (out of it, or a loop)."""
    real = resolve_link(path, links.get)
    return None if isinstance(real, LinkProblem) else real


def links_through(changed: AbstractSet[str], links: Mapping[str, str]) -> list[str]:
    """The symlinks of a tree (path -> target as written) whose resolution passes through a changed path, sorted.

    Reading such a link reads the changed file (`vms/db-1.yaml -> db-1.txt` when a change edits, deletes or
    replaces `db-1.txt`, or any link on the way), so for what it declares the link changed too, although git's
    diff does not list it."""
    return sorted(link for link in links if link not in changed and not changed.isdisjoint(_visited(link, links)))


def _visited(path: str, links: Mapping[str, str]) -> set[str]:
    """Every repo-relative path `resolve_link` looks at while it follows `path` (each prefix of each hop)."""
    seen: set[str] = set()

    def readlink(p: str) -> str | None:
        seen.add(p)
        return links.get(p)

    resolve_link(path, readlink)
    return seen


def missing_target(target: str, layout: Layout, directories: Collection[str]) -> str:
    """Why a symlink's resolved target cannot be read: it is a directory, in a submodule, or not there."""
    shown = printable(target)
    if target in directories:
        return f"symlink target {shown} is a directory, not a file"
    sub = layout.submodule_of(target)
    if sub is not None:
        return f"symlink target {shown} is inside submodule {printable(sub)}, which is not scanned"
    return f"dangling symlink: {shown} does not exist"
