"""`gitnad drift`: declared state from git at --ref, live facts (snapshot or cluster), classified per network.

With `--wait`, the live facts are kept current by watches and re-classified on every event until every
item is converged or cannot change by itself, or until `--timeout`; progress goes to stderr (a live table
on a TTY, plain lines otherwise). Exit codes per SPEC §2: 0 converged, 1 not converged, 3 any Unknown or any
manifest that could not be read at the ref or at `--base` (its VMs would otherwise silently drop out).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TextIO

from gitnad import __version__
from gitnad.app.common import cluster_settings, load_config_at, render_result
from gitnad.config import ClusterSettings, OutputSettings, RepoConfig
from gitnad.drift.affected import affected
from gitnad.drift.classify import classify
from gitnad.drift.wait import Feed, Progress, WaitOutcome, wait_until_settled
from gitnad.errors import ExitCode, UsageError
from gitnad.models.cluster import ClusterFacts
from gitnad.models.findings import Finding
from gitnad.models.manifest import VM, VMKind, first_definitions
from gitnad.models.results import DriftItem, DriftResult, UnreadableManifest
from gitnad.report.text_drift import drift_table, summary_line
from gitnad.rules import gn113_duplicate_object as gn113
from gitnad.sources.cluster import load_facts
from gitnad.sources.gitrefs import GitRepo
from gitnad.sources.scanner import ScanSettings, scan


@dataclass(frozen=True)
class DriftRequest:
    repo: Path
    config_file: Path | None
    ref: str
    base: str | None
    wait: bool
    timeout: timedelta
    cluster: ClusterSettings
    output: OutputSettings


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


def load_declared(repo_path: Path, config_file: Path | None, ref: str, base: str | None) -> Declared:
    """Scan the repo at `ref` (and at `base`, keeping only the VMs whose NAD changed). A GN001 problem at either
    ref is kept as an UnreadableManifest: a VM in that file is missing from the check (or, at `--base`, would
    not count as changed), so the result cannot be converged."""
    repo = GitRepo(repo_path)
    sha = repo.resolve(ref)
    config = load_config_at(repo, sha, config_file)  # the configuration of the declared state
    settings = ScanSettings(default_namespace=config.default_namespace, max_file_bytes=config.max_file_bytes)
    ms = scan(repo.reader(sha, exclude=config.exclude), settings)
    unreadable = [_unreadable(p, sha) for p in ms.problems]
    warnings = tuple(n.text for n in ms.notes)
    warnings += tuple(f.message for f in gn113.findings(gn113.groups(ms.vms)))  # one VM, one answer: the first
    vms: tuple[VM, ...] = tuple(sorted(first_definitions(ms.vms), key=lambda v: v.key))
    base_sha = None
    if base is not None:
        base_sha = repo.resolve(base)
        at_base = scan(repo.reader(base_sha, exclude=config.exclude), settings)
        unreadable += [_unreadable(p, base_sha) for p in at_base.problems]
        vms = affected(first_definitions(at_base.vms), vms)
    order = sorted(unreadable, key=lambda u: (u.file, u.line or 0, u.ref != sha, u.reason))
    return Declared(vms=vms, sha=sha, base_sha=base_sha, unreadable=tuple(order), config=config, warnings=warnings)


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


def run(req: DriftRequest, progress: TextIO | None = None) -> tuple[str, ExitCode]:
    if req.wait and req.cluster.snapshot is not None:
        raise UsageError("--wait watches a live cluster; it cannot be combined with --snapshot")
    declared = load_declared(req.repo, req.config_file, req.ref, req.base)
    cluster = cluster_settings(req.cluster, declared.config)
    if not declared.vms:
        result = nothing_to_check(declared)
    elif req.wait:
        outcome = wait_live(declared, cluster, req.timeout, progress or sys.stderr, req.output.color)
        extra = (f"--wait timed out after {req.timeout}",) if outcome.timed_out else ()
        result = result_of(declared, outcome.items, outcome.facts, *extra)
    else:
        facts = load_facts(cluster, declared.namespaces)
        result = result_of(declared, classify(declared.vms, facts), facts)
    return render_result(result, req.output), exit_code(result)


# --- waiting ----------------------------------------------------------------------------------------


def wait_live(
    declared: Declared, cluster: ClusterSettings, timeout: timedelta, stream: TextIO, color: bool
) -> WaitOutcome:
    """Watch the cluster until the declared VMs settle or `timeout`; progress to `stream`."""
    from gitnad.sources.cluster.watch import LiveFeed

    with LiveFeed(cluster, declared.namespaces) as feed:
        return wait_with_progress(declared, feed, timeout, stream, color)


def wait_with_progress(declared: Declared, feed: Feed, timeout: timedelta, stream: TextIO, color: bool) -> WaitOutcome:
    """A live table when `stream` is a terminal, plain periodic lines otherwise."""
    if stream.isatty():
        return _wait_with_live_table(declared, feed, timeout, stream, color)
    return wait_until_settled(declared.vms, feed, timeout.total_seconds(), PlainProgress(stream))


class PlainProgress:
    """For logs (CI, a Job): one line per change of the summary, and a heartbeat line every interval."""

    def __init__(self, stream: TextIO, every_s: float = 30.0) -> None:
        self.stream = stream
        self.every_s = every_s
        self._last_line = ""
        self._last_at = -every_s

    def __call__(self, p: Progress) -> None:
        line = summary_line(p.items)
        if line != self._last_line or p.elapsed_s - self._last_at >= self.every_s:
            self.stream.write(f"[{p.elapsed_s:6.1f}s] {line}\n")
            self.stream.flush()
            self._last_line, self._last_at = line, p.elapsed_s


def _wait_with_live_table(
    declared: Declared, feed: Feed, timeout: timedelta, stream: TextIO, color: bool
) -> WaitOutcome:
    from rich.console import Console
    from rich.live import Live
    from rich.text import Text

    console = Console(file=stream, force_terminal=True, no_color=not color)

    def view(p: Progress) -> Text:
        lines = [*drift_table(p.items, color=color), "", summary_line(p.items, color=color)]
        lines.append(f"waiting {p.elapsed_s:.0f}s of {timeout.total_seconds():.0f}s (watching VMIs, migrations, pods)")
        return Text.from_ansi("\n".join(lines))

    with Live(Text(""), console=console, refresh_per_second=4, transient=False) as live:
        return wait_until_settled(
            declared.vms, feed, timeout.total_seconds(), lambda p: live.update(view(p)), heartbeat_s=1.0
        )
