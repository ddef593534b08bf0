"""`gitnad scan`: every VM, VM pool and NAD of the repo (working tree or a ref), Kustomize overlays rendered, with
GN001/GN101/GN113 findings and the notes of what was left out (warnings)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from gitnad import __version__
from gitnad.app.common import finalize, load_config, load_config_at, parse_cache
from gitnad.app.overlay_roots import with_roots
from gitnad.app.rules_catalogue import catalogue
from gitnad.config import RepoConfig
from gitnad.errors import BareRepositoryError, ExitCode, NotAWorkingCopyError, UsageError
from gitnad.models.findings import Finding, Severity
from gitnad.models.manifest import VM, path_order
from gitnad.models.results import ScanResult
from gitnad.rules import gn101_invalid_nad_reference as gn101
from gitnad.rules import gn113_duplicate_object as gn113
from gitnad.sources.gcwindow import quiet_gc
from gitnad.sources.gitrefs import GitRepo
from gitnad.sources.kustomize import InputReader, input_reader
from gitnad.sources.overlays import Overlays, has_kustomization, scan_tree
from gitnad.sources.scanner import ScanSettings
from gitnad.sources.trees import TreeReader, directory_reader, every_file


def _reference_findings(vms: Sequence[VM]) -> list[Finding]:
    """GN101 for every multus reference of the repo (scan has no 'change' to narrow it to)."""
    return [f for vm in vms for f in gn101.invalid_references(vm, vm.networks)]


def _readers(repo: GitRepo | None, path: Path, ref: str | None, config_file: Path | None) -> _Tree:
    """The manifests and the kustomize inputs of what `scan` reads, and the configuration that applies to it."""
    if ref is not None:
        if repo is None:
            raise UsageError(f"--ref {ref} needs a git repository, and {path} is not inside one")
        sha = repo.resolve(ref)
        config = load_config_at(repo, sha, config_file)  # the configuration of the commit scanned
        return _Tree(sha, config, repo.reader(sha, exclude=config.exclude), input_reader(repo, sha))
    if repo is None:
        config = load_config(path, config_file)
        reader = directory_reader(path, exclude=config.exclude)
        return _Tree(None, config, reader, reader.with_accept(every_file, charts=True))
    config = load_config(repo.root, config_file)
    reader = repo.worktree_reader(path, exclude=config.exclude)
    here = reader.with_accept(every_file, charts=True)  # the kustomize inputs share the one listing
    under = path.resolve().relative_to(repo.root).as_posix()
    if under == "." or not has_kustomization(here.paths()):
        return _Tree(None, config, reader, here)
    # Overlays in a subdirectory may build on bases elsewhere in the repository: those are read too.
    return _Tree(None, config, reader, input_reader(repo, None), under)


@dataclass(frozen=True)
class _Tree:
    sha: str | None
    config: RepoConfig
    reader: TreeReader
    inputs: InputReader
    under: str = ""
    """Only the overlay roots in or below this directory are rendered (`scan PATH` of a subdirectory)."""


def scan_repo(path: Path, ref: str | None, config_file: Path | None, cache: bool = True) -> ScanResult:
    """Scan the working tree at `path` (git-aware when inside a repository), or a ref of its repository; Kustomize
    overlays are rendered and their VMs reported with the root they came from. `cache`: read and keep parsed files
    in the repository's parse cache.

    No cyclic-GC pass runs meanwhile (`quiet_gc`): what the scan builds is acyclic, and at 50,000 files the first
    pass after it (grouping duplicates) walked the whole heap, ~30 us per file."""
    with quiet_gc():
        return _scan_repo(path, ref, config_file, cache)


def _scan_repo(path: Path, ref: str | None, config_file: Path | None, cache: bool) -> ScanResult:
    try:
        repo: GitRepo | None = GitRepo(path)
    except BareRepositoryError:
        raise  # a bare repository is no directory of manifests: refused like everywhere else
    except NotAWorkingCopyError:
        repo = None  # a plain directory of manifests
    tree = _readers(repo, path, ref, config_file)
    config = tree.config
    settings = ScanSettings(default_namespace=config.default_namespace, max_file_bytes=config.max_file_bytes)
    overlays = Overlays(
        tree.inputs,
        config.kustomize,
        exclude=config.exclude,
        default_namespace=config.default_namespace,
        max_file_bytes=config.max_file_bytes,
        under=tree.under,
    )
    ms = scan_tree(tree.reader, overlays, settings, parse_cache(repo, cache))
    duplicates = gn113.findings(gn113.groups([*ms.vms, *ms.nads]))
    findings = with_roots([*ms.problems, *_reference_findings(ms.vms), *duplicates], ms.vms)
    return ScanResult(
        version=__version__,
        ref=tree.sha,
        vms=tuple(sorted(ms.vms, key=path_order)),  # stable: document order within a line of minified JSON
        nads=tuple(sorted(ms.nads, key=path_order)),
        findings=finalize(findings),
        files_scanned=len(ms.files),
        rules=catalogue(),
        warnings=tuple(n.text for n in ms.notes),
    )


def run(path: Path, ref: str | None, config_file: Path | None, cache: bool = True) -> tuple[ScanResult, ExitCode]:
    """The scan and its exit code (1 when any error finding is not waived); the cli renders it."""
    result = scan_repo(path, ref, config_file, cache)
    failing = any(f.severity is Severity.ERROR and not f.waived for f in result.findings)
    return result, ExitCode.FINDINGS if failing else ExitCode.OK
