"""`gitnad drift`: declared state from git at --ref, live facts (snapshot or cluster), classified per network.

The declared state is what Argo CD or Flux applies: plain manifests and the render of every Kustomize overlay
root (a VM rendered by an overlay is checked under its rendered namespace and name). A root that cannot be
rendered is an unreadable manifest (exit 3), never a VM silently left out.

With `--wait`, the live facts are kept current by watches and re-classified on every event until every
item is converged or cannot change by itself, or until `--timeout`; every evaluation goes to the display the
caller hands in (the cli passes `gitnad.report.progress`: a live table on a TTY, plain lines otherwise).
Exit codes per SPEC §2: 0 converged, 1 not converged, 3 any Unknown or any manifest that could not be read at
the ref or at `--base` (its VMs would otherwise silently drop out).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from gitnad import __version__
from gitnad.app.common import cluster_settings, load_config_at, parse_cache
from gitnad.config import ClusterSettings, RepoConfig
from gitnad.drift.affected import affected
from gitnad.drift.classify import classify
from gitnad.drift.wait import Progress, WaitOutcome, wait_until_settled
from gitnad.errors import ExitCode, UsageError
from gitnad.models.cluster import ClusterFacts
from gitnad.models.findings import Finding
from gitnad.models.manifest import VM, VMKind, first_definitions
from gitnad.models.results import DriftItem, DriftResult, UnreadableManifest
from gitnad.rules import gn113_duplicate_object as gn113
from gitnad.sources.cluster import load_facts
from gitnad.sources.gitrefs import GitRepo
from gitnad.sources.kustomize import input_reader
from gitnad.sources.overlays import Overlays, scan_tree
from gitnad.sources.parsecache import ParseCache
from gitnad.sources.scanner import ManifestSet, ScanSettings


@dataclass(frozen=True)
class DriftRequest:
    repo: Path
    config_file: Path | None
    ref: str
    base: str | None
    wait: bool
    timeout: timedelta
    cluster: ClusterSettings
    cache: bool = True
    """Read and keep parsed manifests in the repository's parse cache (`--no-cache`: off)."""


ProgressDisplay = Callable[[], AbstractContextManager[Callable[[Progress], None]]]
"""Opens the display of a `--wait` and yields the callback that receives every evaluation and heartbeat."""

WAIT_HEARTBEAT_S = 1.0
"""How often the display hears from a wait when nothing changes (its elapsed-time counter moves)."""


@contextmanager
def no_display() -> Iterator[Callable[[Progress], None]]:
    """A `--wait` nobody watches."""
    yield lambda _p: None


@dataclass(frozen=True)
class Declared:
    """The VMs to check, from git, the refs they came from, and the manifests that could not be read there."""

    vms: tuple[VM, ...]
    sha: str
    base_sha: str | None
    warnings: tuple[str, ...] = ()
    unreadable: tuple[UnreadableManifest, ...] = ()
    config: RepoConfig = field(default_factory=RepoConfig)

    @property
    def namespaces(self) -> tuple[str, ...]:
        """Namespaces of the VMs and of the NADs they reference (cross-namespace references included)."""
        out = {vm.namespace for vm in self.vms}
        out |= {n.nad.split("/", 1)[0] for vm in self.vms for n in vm.networks if n.nad and "/" in n.nad}
        return tuple(sorted(out))


def load_declared(
    repo_path: Path, config_file: Path | None, ref: str, base: str | None, cache: bool = True
) -> Declared:
    """Scan the repo at `ref` (and at `base`, keeping only the VMs whose NAD changed). A GN001 problem at either
    ref is kept as an UnreadableManifest: a VM in that file is missing from the check (or, at `--base`, would
    not count as changed), so the result cannot be converged; so is a VM defined twice (GN113)."""
    repo = GitRepo(repo_path)
    sha = repo.resolve(ref)
    config = load_config_at(repo, sha, config_file)  # the configuration of the declared state
    settings = ScanSettings(default_namespace=config.default_namespace, max_file_bytes=config.max_file_bytes)
    parsed = parse_cache(repo, cache)
    ms = _scan_at(repo, sha, config, settings, parsed)
    unreadable = [_unreadable(p, sha) for p in (*ms.problems, *_duplicates(ms))]
    warnings = tuple(n.text for n in ms.notes)
    vms: tuple[VM, ...] = tuple(sorted(first_definitions(ms.vms), key=lambda v: v.key))
    base_sha = None
    if base is not None:
        base_sha = repo.resolve(base)
        at_base = _scan_at(repo, base_sha, config, settings, parsed)
        unreadable += [_unreadable(p, base_sha) for p in (*at_base.problems, *_duplicates(at_base))]
        vms = affected(first_definitions(at_base.vms), vms)
    order = sorted(unreadable, key=lambda u: (u.file, u.line or 0, u.ref != sha, u.reason))
    return Declared(vms=vms, sha=sha, base_sha=base_sha, unreadable=tuple(order), config=config, warnings=warnings)


def _scan_at(
    repo: GitRepo, sha: str, config: RepoConfig, settings: ScanSettings, cache: ParseCache | None
) -> ManifestSet:
    """Every VM and NAD declared at a commit: plain manifests and the render of every Kustomize overlay root."""
    overlays = Overlays(
        input_reader(repo, sha),
        config.kustomize,
        exclude=config.exclude,
        default_namespace=config.default_namespace,
        max_file_bytes=config.max_file_bytes,
    )
    return scan_tree(repo.reader(sha, exclude=config.exclude), overlays, settings, cache)


def _duplicates(ms: ManifestSet) -> list[Finding]:
    """GN113 for every VM or pool declared twice: which of the two Argo CD or Flux ends up applying (the last one
    synced, or a failed build) is not in git, so the declared state is not known and drift cannot be decided."""
    return list(gn113.findings(gn113.groups(ms.vms)))


def _unreadable(problem: Finding, sha: str) -> UnreadableManifest:
    return UnreadableManifest(file=problem.file or "?", line=problem.line, reason=problem.message, ref=sha)


def cluster_source(facts: ClusterFacts) -> str:
    return f"{facts.source.value}:{facts.origin}"


def exit_code(result: DriftResult) -> ExitCode:
    """SPEC §2: Unknown or an unreadable manifest (3) wins over not converged (1)."""
    if not result.decided:
        return ExitCode.UNDECIDED
    return ExitCode.OK if result.converged else ExitCode.FINDINGS


def _pool_note(vms: Sequence[VM]) -> tuple[str, ...]:
    pools = [vm.key for vm in vms if vm.kind is VMKind.VIRTUAL_MACHINE_POOL]
    if not pools:
        return ()
    return (f"VirtualMachinePools ({', '.join(pools)}) are checked through their live VMs <pool>-<n>",)


def result_of(declared: Declared, items: tuple[DriftItem, ...], facts: ClusterFacts, *extra: str) -> DriftResult:
    warnings = (*facts.warnings, *declared.warnings, *_pool_note(declared.vms), *extra)
    return DriftResult(
        version=__version__,
        ref=declared.sha,
        base=declared.base_sha,
        items=items,
        cluster_source=cluster_source(facts),
        warnings=tuple(dict.fromkeys(warnings)),
        unreadable=declared.unreadable,
    )


def nothing_to_check(declared: Declared) -> DriftResult:
    """No declared VM (or none affected by --base): nothing to compare, and no reason to read the cluster."""
    return DriftResult(
        version=__version__,
        ref=declared.sha,
        base=declared.base_sha,
        items=(),
        warnings=declared.warnings,
        unreadable=declared.unreadable,
    )


def run(req: DriftRequest, display: ProgressDisplay = no_display) -> tuple[DriftResult, ExitCode]:
    """The drift result and its exit code; with `--wait`, progress goes to `display`."""
    if req.wait and req.cluster.snapshot is not None:
        raise UsageError("--wait watches a live cluster; it cannot be combined with --snapshot")
    declared = load_declared(req.repo, req.config_file, req.ref, req.base, req.cache)
    cluster = cluster_settings(req.cluster, declared.config)
    if not declared.vms:
        result = nothing_to_check(declared)
    elif req.wait:
        outcome = wait_live(declared, cluster, req.timeout, display)
        extra: tuple[str, ...] = (f"--wait timed out after {req.timeout}",) if outcome.timed_out else ()
        if outcome.broken is not None:
            extra += (f"--wait stopped early: the watches can no longer follow the cluster ({outcome.broken})",)
        result = result_of(declared, outcome.items, outcome.facts, *extra)
    else:
        facts = load_facts(cluster, declared.namespaces)
        result = result_of(declared, classify(declared.vms, facts), facts)
    return result, exit_code(result)


def wait_live(
    declared: Declared, cluster: ClusterSettings, timeout: timedelta, display: ProgressDisplay
) -> WaitOutcome:
    """Watch the cluster until the declared VMs settle or `timeout`; every evaluation goes to `display`."""
    from gitnad.sources.cluster.watch import LiveFeed

    with LiveFeed(cluster, declared.namespaces) as feed, display() as on_update:
        return wait_until_settled(declared.vms, feed, timeout.total_seconds(), on_update, heartbeat_s=WAIT_HEARTBEAT_S)
