"""`gitnad scan`: every VM, VM pool and NAD of the repo (working tree or a ref), with GN001/GN101/GN113 findings
and the notes of what was left out (warnings)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from gitnad import __version__
from gitnad.app.common import finalize, load_config, load_config_at, parse_cache
from gitnad.app.rules_catalogue import catalogue
from gitnad.errors import BareRepositoryError, ExitCode, NotAWorkingCopyError, UsageError
from gitnad.models.findings import Finding, Severity
from gitnad.models.manifest import VM, path_order
from gitnad.models.results import ScanResult
from gitnad.rules import gn101_invalid_nad_reference as gn101
from gitnad.rules import gn113_duplicate_object as gn113
from gitnad.sources.gitrefs import GitRepo, open_worktree
from gitnad.sources.scanner import ScanSettings, scan


def _reference_findings(vms: Sequence[VM]) -> list[Finding]:
    """GN101 for every multus reference of the repo (scan has no 'change' to narrow it to)."""
    return [f for vm in vms for f in gn101.invalid_references(vm, vm.networks)]


def scan_repo(path: Path, ref: str | None, config_file: Path | None, cache: bool = True) -> ScanResult:
    """Scan the working tree at `path` (git-aware when inside a repository), or a ref of its repository; `cache`:
    read and keep parsed files in the repository's parse cache."""
    try:
        repo: GitRepo | None = GitRepo(path)
    except BareRepositoryError:
        raise  # a bare repository is no directory of manifests: refused like everywhere else
    except NotAWorkingCopyError:
        repo = None  # a plain directory of manifests
    sha: str | None = None
    if ref is not None:
        if repo is None:
            raise UsageError(f"--ref {ref} needs a git repository, and {path} is not inside one")
        sha = repo.resolve(ref)
        config = load_config_at(repo, sha, config_file)  # the configuration of the commit scanned
        reader = repo.reader(sha, exclude=config.exclude)
    else:
        config = load_config(repo.root if repo is not None else path, config_file)
        reader = open_worktree(path, exclude=config.exclude)
    settings = ScanSettings(default_namespace=config.default_namespace, max_file_bytes=config.max_file_bytes)
    ms = scan(reader, settings, cache=parse_cache(repo, cache))
    duplicates = gn113.findings(gn113.groups([*ms.vms, *ms.nads]))
    findings = finalize([*ms.problems, *_reference_findings(ms.vms), *duplicates])
    return ScanResult(
        version=__version__,
        ref=sha,
        vms=tuple(sorted(ms.vms, key=path_order)),  # stable: document order within a line of minified JSON
        nads=tuple(sorted(ms.nads, key=path_order)),
        findings=findings,
        files_scanned=len(ms.files),
        rules=catalogue(),
        warnings=tuple(n.text for n in ms.notes),
    )


def run(path: Path, ref: str | None, config_file: Path | None, cache: bool = True) -> tuple[ScanResult, ExitCode]:
    """The scan and its exit code (1 when any error finding is not waived); the cli renders it."""
    result = scan_repo(path, ref, config_file, cache)
    failing = any(f.severity is Severity.ERROR and not f.waived for f in result.findings)
    return result, ExitCode.FINDINGS if failing else ExitCode.OK
