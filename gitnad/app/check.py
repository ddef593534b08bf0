"""The PR / pre-commit check: resolve the two refs, load the reviewed configuration, parse what the change
needs, judge, report.

Refs: `check_refs`; configuration, policies and GN903: `check_config`; parsing both sides: `check_sides`;
judging: `judge` (shared with `policy test`).
Every object defined more than once is read as its first definition in path order (GN113 names the others).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from gitnad import __version__
from gitnad.app import overlay_roots
from gitnad.app.check_config import Applied, ConfigRequest, apply_config
from gitnad.app.check_kustomize import overlays_at
from gitnad.app.check_refs import CheckRefs, resolve_refs
from gitnad.app.check_sides import Side, parse_change
from gitnad.app.common import (
    cluster_settings,
    finalize,
    findings_exit,
    parse_cache,
    summarize,
)
from gitnad.app.judge import evaluate
from gitnad.app.rules_catalogue import catalogue
from gitnad.config import ClusterSettings, ConfigFrom, RepoConfig
from gitnad.errors import ExitCode
from gitnad.models.changes import Change
from gitnad.models.context import CheckContext, VMDelta
from gitnad.models.findings import Severity
from gitnad.models.results import CheckResult, Refs
from gitnad.rules.migration_plan import migration_plan
from gitnad.sources.gitrefs import INDEX, FileDelta, GitRepo
from gitnad.sources.layout import Excluder, is_candidate, links_through
from gitnad.sources.parsecache import RunMemory
from gitnad.sources.scanner import ScanSettings

if TYPE_CHECKING:
    from gitnad.models.cluster import ClusterFacts


@dataclass(frozen=True)
class CheckRequest:
    repo: Path
    config_file: Path | None
    base: str | None
    head: str | None
    staged: bool
    fail_on: str | None
    policies: tuple[Path, ...]
    cluster: ClusterSettings
    now: datetime | None = None
    config_from: ConfigFrom = ConfigFrom.BASE
    """Where `.gitnad.yaml` and the policy files come from (`--config-from`); `--config`/`--policy` from disk."""
    cache: bool = True
    """Read and keep parsed manifests in the repository's parse cache (`--no-cache`: off)."""


def _namespaces(deltas: Sequence[VMDelta], nad_changes: Sequence[Change]) -> list[str]:
    ns: set[str] = set()
    for d in deltas:
        ns.add(d.key.split("/", 1)[0])
        for c in d.changes:
            for ref in (c.from_, c.to):
                if ref:
                    ns.add(ref.split("/", 1)[0])
    ns.update(c.nad.split("/", 1)[0] for c in nad_changes if c.nad)
    return sorted(ns)


def _load_cluster(settings: ClusterSettings, namespaces: list[str]) -> ClusterFacts | None:
    if settings.offline:
        return None
    from gitnad.sources.cluster import load_facts

    return load_facts(settings, namespaces)


def _cluster_label(settings: ClusterSettings) -> str:
    if settings.offline:
        return "offline"
    if settings.snapshot is not None:
        return f"snapshot:{settings.snapshot}"
    return f"live:{settings.context or 'current-context'}"


def build_context(
    repo: GitRepo,
    refs: CheckRefs,
    file_deltas: Sequence[FileDelta],
    applied: Applied,
    cluster: ClusterSettings,
    now: datetime,
    cache: bool = True,
) -> CheckContext:
    """Parse what the change needs at both refs and assemble the rules' input."""
    config = applied.config
    settings = ScanSettings(default_namespace=config.default_namespace, max_file_bytes=config.max_file_bytes)
    parsed_files = RunMemory(parse_cache(repo, cache))  # a blob both refs hold is parsed once, cache or not
    searched: dict[tuple[str, str, tuple[str, ...]], bool] = {}  # each unchanged file searched once for both refs
    base = Side(
        repo.reader(refs.base, exclude=config.exclude),
        settings,
        overlays_at(repo, refs.base, config),
        parsed_files,
        searched=searched,
    )
    head = Side(
        repo.reader(refs.head, exclude=config.exclude),
        settings,
        overlays_at(repo, refs.head, config),
        parsed_files,
        searched=searched,
    )
    parsed = parse_change(base, head, file_deltas, refs.base)
    facts = _load_cluster(cluster, _namespaces(parsed.deltas, parsed.nad_changes))
    return CheckContext(
        deltas=parsed.deltas,
        nad_changes=parsed.nad_changes,
        base_nads=parsed.base_nads,
        head_nads=parsed.head_nads,
        head_references=parsed.head_references,
        problems=parsed.problems,
        duplicates=parsed.duplicates,
        notes=parsed.notes,
        config_changes=applied.changes,
        cluster=facts,
        now=now,
    )


def exclude_warning(repo: GitRepo, refs: CheckRefs, file_deltas: Sequence[FileDelta], config: RepoConfig) -> str | None:
    """`exclude:` globs that match every manifest file of the head: the check would read nothing at all."""
    if not config.exclude:
        return None
    excluder = Excluder(config.exclude)
    if any(d.status != "D" and is_candidate(d.path) and not excluder.excluded(d.path) for d in file_deltas):
        return None  # a touched manifest is checked: no need to list the tree
    candidates = repo.reader(refs.head).paths()
    if not candidates or any(not excluder.excluded(p) for p in candidates):
        return None
    where = "in the index" if refs.head == INDEX else f"at {refs.head}"
    return (
        f"exclude in {config.source} matches every manifest file {where} ({len(candidates)}): nothing was "
        "checked; narrow the globs"
    )


def _with_links(repo: GitRepo, refs: CheckRefs, deltas: list[FileDelta]) -> list[FileDelta]:
    """The diff plus every symlink, at either ref, that leads through a changed path: git lists a link only when
    the link itself changes, but a change to the file it points at changes what the link's path declares
    (kubectl and Argo CD read the target), so it is checked as a modification of the link."""
    changed = {d.path for d in deltas} | {d.old_path for d in deltas if d.old_path is not None}
    linked = {link for rev in (refs.base, refs.head) for link in links_through(changed, repo.reader(rev).links())}
    return deltas + [FileDelta("M", link) for link in sorted(linked)]


def check(req: CheckRequest) -> tuple[CheckResult, Severity]:
    """The check's result and the severity at which it fails (`--fail-on`, else `failOn`, else error)."""
    repo = GitRepo(req.repo)
    repo.keep_blobs()  # the two refs share most files: each blob is read once
    refs = resolve_refs(repo, req.base, req.head, req.staged, os.environ)
    file_deltas = _with_links(repo, refs, repo.diff(refs.base, refs.head))
    request = ConfigRequest(config_file=req.config_file, policies=req.policies, config_from=req.config_from)
    applied = apply_config(repo, refs, file_deltas, request)  # bad config or policy files: before any cluster read
    now = req.now or datetime.now(UTC)
    cluster = cluster_settings(req.cluster, applied.config)
    ctx = build_context(repo, refs, file_deltas, applied, cluster, now, req.cache)
    findings, skipped = evaluate(ctx, applied.config, applied.policies)
    final = finalize(overlay_roots.check_findings(findings, ctx))
    changes = tuple(sorted(overlay_roots.check_changes(ctx.changes, ctx), key=Change.sort_key))
    excluded = exclude_warning(repo, refs, file_deltas, applied.config)
    warnings = (
        *ctx.notes,
        *(ctx.cluster.warnings if ctx.cluster is not None else ()),
        *([excluded] if excluded else []),
    )
    result = CheckResult(
        version=__version__,
        refs=Refs(base=refs.base, head=refs.head),
        changes=changes,
        findings=final,
        skipped=tuple(skipped),
        summary=summarize(final),
        cluster_source=_cluster_label(cluster),
        warnings=warnings,
        plan=migration_plan(ctx, final),
        rules=catalogue(),
    )
    return result, Severity(req.fail_on) if req.fail_on else applied.config.fail_on


def run(req: CheckRequest) -> tuple[CheckResult, ExitCode]:
    """The check and its exit code (1 when a finding at or above the fail-on severity is not waived)."""
    result, fail_on = check(req)
    return result, findings_exit(result.findings, fail_on)
