"""The PR / pre-commit check: resolve the two refs, parse what the change needs, judge, report.

Refs: `check_refs`; parsing both sides: `check_sides`; judging: `judge` (shared with `policy test`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from gitnad import __version__
from gitnad.app.check_refs import resolve_refs
from gitnad.app.check_sides import Side, parse_change
from gitnad.app.common import (
    finalize,
    findings_exit,
    load_config,
    render_result,
    summarize,
)
from gitnad.app.judge import evaluate
from gitnad.app.policy_files import load_policies
from gitnad.app.settings import known_rule
from gitnad.config import DEFAULT_POLICY_DIR, ClusterSettings, OutputSettings, RepoConfig
from gitnad.errors import ExitCode
from gitnad.models.changes import Change
from gitnad.models.cluster import ClusterFacts
from gitnad.models.context import CheckContext, VMDelta
from gitnad.models.findings import Severity
from gitnad.models.results import CheckResult, Refs
from gitnad.policy import PolicySet
from gitnad.sources.gitrefs import GitRepo
from gitnad.sources.scanner import ScanSettings


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
    output: OutputSettings
    now: datetime | None = None


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
    repo: GitRepo, base_sha: str, head_rev: str, config: RepoConfig, cluster: ClusterSettings, now: datetime
) -> CheckContext:
    """Parse what the change needs at both refs and assemble the rules' input."""
    settings = ScanSettings(default_namespace=config.default_namespace, max_file_bytes=config.max_file_bytes)
    base = Side(repo.reader(base_sha, exclude=config.exclude), settings)
    head = Side(repo.reader(head_rev, exclude=config.exclude), settings)
    parsed = parse_change(base, head, repo.diff(base_sha, head_rev), base_sha)
    facts = _load_cluster(cluster, _namespaces(parsed.deltas, parsed.nad_changes))
    return CheckContext(
        deltas=parsed.deltas,
        nad_changes=parsed.nad_changes,
        base_nads=parsed.base_nads,
        head_nads=parsed.head_nads,
        head_references=parsed.head_references,
        problems=parsed.problems,
        cluster=facts,
        now=now,
    )


def load_policy_set(config: RepoConfig, policy_paths: Sequence[Path], repo_root: Path) -> PolicySet:
    """`--policy` paths, else `policies:` of the config, else `.gitnad/policies/` when it exists."""
    paths = list(policy_paths) or [repo_root / p for p in config.policies] or _default_policy_dir(repo_root)
    return load_policies(paths, known_rule=known_rule)  # the same verdict as `policy validate`


def _default_policy_dir(repo_root: Path) -> list[Path]:
    d = repo_root / DEFAULT_POLICY_DIR
    return [d] if d.is_dir() else []


def check(req: CheckRequest) -> tuple[CheckResult, Severity]:
    """The check's result and the severity at which it fails (`--fail-on`, else `failOn`, else error)."""
    repo = GitRepo(req.repo)
    config = load_config(repo.root, req.config_file)
    policies = load_policy_set(config, req.policies, repo.root)  # bad policy files fail before any cluster read
    refs = resolve_refs(repo, req.base, req.head, req.staged, os.environ)
    base_sha, head_rev = refs.base, refs.head
    now = req.now or datetime.now(UTC)
    ctx = build_context(repo, base_sha, head_rev, config, req.cluster, now)
    findings, skipped = evaluate(ctx, config, policies)
    final = finalize(findings)
    changes = tuple(sorted(ctx.changes, key=Change.sort_key))
    warnings = ctx.cluster.warnings if ctx.cluster is not None else ()
    result = CheckResult(
        version=__version__,
        refs=Refs(base=base_sha, head=head_rev),
        changes=changes,
        findings=final,
        skipped=tuple(skipped),
        summary=summarize(final),
        cluster_source=_cluster_label(req.cluster),
        warnings=tuple(warnings),
    )
    return result, Severity(req.fail_on) if req.fail_on else config.fail_on


def run(req: CheckRequest) -> tuple[str, ExitCode]:
    result, fail_on = check(req)
    return render_result(result, req.output), findings_exit(result.findings, fail_on)
