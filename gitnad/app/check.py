"""The PR / pre-commit check: diff two refs, parse only what the change touches, classify, judge, report.

Work is proportional to the change, not to the repository: only touched files are parsed, plus the
files `git grep` finds for NAD resolution (NetworkAttachmentDefinitions, references to removed NADs,
VMs that look removed).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from gitnad import __version__
from gitnad.app.common import (
    finalize,
    findings_exit,
    load_config,
    summarize,
)
from gitnad.app.judge import evaluate, referencing, vm_deltas
from gitnad.app.policy_files import load_policies
from gitnad.app.settings import known_rule
from gitnad.changes import classify_nads
from gitnad.config import DEFAULT_POLICY_DIR, ClusterSettings, RepoConfig
from gitnad.errors import ExitCode, UsageError
from gitnad.models.changes import Change, ChangeKind
from gitnad.models.cluster import ClusterFacts
from gitnad.models.context import CheckContext, VMDelta
from gitnad.models.findings import Finding, Severity
from gitnad.models.manifest import NAD, VM
from gitnad.models.results import CheckResult, Refs
from gitnad.policy import PolicySet
from gitnad.sources.gitrefs import INDEX, FileDelta, GitRepo
from gitnad.sources.scanner import ManifestSet, ScanSettings, scan
from gitnad.sources.trees import TreeReader, is_candidate

NAD_NEEDLE = "NetworkAttachmentDefinition"


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


@dataclass
class _Side:
    """One ref of the check: its reader and everything parsed from it so far (parsed at most once)."""

    reader: TreeReader
    settings: ScanSettings
    vms: dict[str, VM] = field(default_factory=dict)
    nads: dict[str, NAD] = field(default_factory=dict)
    problems: list[Finding] = field(default_factory=list)
    unreadable: set[str] = field(default_factory=set)
    parsed: set[str] = field(default_factory=set)
    vms_by_file: dict[str, list[VM]] = field(default_factory=dict)

    def parse(self, paths: Iterable[str]) -> None:
        todo = sorted({p for p in paths if p not in self.parsed and is_candidate(p)})
        if not todo:
            return
        result: ManifestSet = scan(self.reader, self.settings, paths=todo)
        self.parsed.update(todo)
        for vm in result.vms:
            self.vms.setdefault(vm.key, vm)
            self.vms_by_file.setdefault(vm.file, []).append(vm)
        for nad in result.nads:
            self.nads.setdefault(nad.key, nad)
        self.problems.extend(result.problems)
        self.unreadable.update(result.unreadable)

    def vms_in(self, paths: Iterable[str]) -> dict[str, VM]:
        return {vm.key: vm for p in paths for vm in self.vms_by_file.get(p, ())}


def _refs(repo: GitRepo, req: CheckRequest) -> tuple[str, str, str | None]:
    """(base sha, head sha or INDEX, head label)."""
    env_from, env_to = os.environ.get("PRE_COMMIT_FROM_REF"), os.environ.get("PRE_COMMIT_TO_REF")
    if req.staged and not (env_from and env_to):
        return repo.resolve(req.base or "HEAD"), INDEX, None
    base = req.base or env_from
    head = req.head or env_to or "HEAD"
    if base is None:
        base = repo.default_base()
        if base is None:
            raise UsageError("no --base given and no default branch to take a merge-base with; pass --base REF")
    head_sha = repo.resolve(head)
    return repo.resolve(base), head_sha, head_sha


def _touched(deltas: Sequence[FileDelta]) -> tuple[set[str], set[str]]:
    base_paths: set[str] = set()
    head_paths: set[str] = set()
    for d in deltas:
        if d.status in ("M", "D", "R"):
            base_paths.add(d.old_path or d.path)
        if d.status in ("A", "M", "R"):
            head_paths.add(d.path)
    return base_paths, head_paths


def _referencing(side: _Side, nad_keys: set[str]) -> dict[str, tuple[VM, ...]]:
    if not nad_keys:
        return {}
    side.parse(side.reader.grep(sorted({k.split("/", 1)[1] for k in nad_keys})))
    return referencing(side.vms.values(), nad_keys)


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
    base = _Side(repo.reader(base_sha, exclude=config.exclude), settings)
    head = _Side(repo.reader(head_rev, exclude=config.exclude), settings)
    file_deltas = repo.diff(base_sha, head_rev)
    base_paths, head_paths = _touched(file_deltas)
    base.parse(base_paths)
    head.parse(head_paths)
    base_vms, head_vms = base.vms_in(base_paths), head.vms_in(head_paths)
    # A VM that seems gone from the touched files may live on in an untouched file at head.
    gone = sorted(k for k in base_vms.keys() - head_vms.keys())
    if gone:
        head.parse(head.reader.grep([k.split("/", 1)[1] for k in gone]))
        head_vms.update({k: head.vms[k] for k in gone if k in head.vms})
    new = sorted(k for k in head_vms.keys() - base_vms.keys())
    if new:
        base.parse(base.reader.grep([k.split("/", 1)[1] for k in new]))
        base_vms.update({k: base.vms[k] for k in new if k in base.vms})
    # Every NAD of the repo at both refs, found by git grep (no full parse of the repo).
    base.parse(base.reader.grep([NAD_NEEDLE]))
    head.parse(head.reader.grep([NAD_NEEDLE]))
    deltas = vm_deltas(base_vms, head_vms, head.unreadable)
    nad_changes = classify_nads(base.nads, head.nads)
    removed = {c.nad for c in nad_changes if c.kind is ChangeKind.NAD_REMOVED and c.nad}
    references = _referencing(head, removed)
    facts = _load_cluster(cluster, _namespaces(deltas, nad_changes))
    return CheckContext(
        deltas=deltas,
        nad_changes=nad_changes,
        base_nads=dict(base.nads),
        head_nads=dict(head.nads),
        head_references=references,
        problems=tuple(head.problems),
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
    base_sha, head_rev, head_label = _refs(repo, req)
    now = req.now or datetime.now(UTC)
    ctx = build_context(repo, base_sha, head_rev, config, req.cluster, now)
    findings, skipped = evaluate(ctx, config, policies)
    final = finalize(findings)
    changes = tuple(sorted(ctx.changes, key=Change.sort_key))
    warnings = ctx.cluster.warnings if ctx.cluster is not None else ()
    result = CheckResult(
        version=__version__,
        refs=Refs(base=base_sha, head=head_label or "INDEX"),
        changes=changes,
        findings=final,
        skipped=tuple(skipped),
        summary=summarize(final),
        cluster_source=_cluster_label(req.cluster),
        warnings=tuple(warnings),
    )
    return result, Severity(req.fail_on) if req.fail_on else config.fail_on


def run(req: CheckRequest) -> tuple[CheckResult, ExitCode]:
    """The check and its exit code (1 when a finding at or above the fail-on severity is not waived)."""
    result, fail_on = check(req)
    return result, findings_exit(result.findings, fail_on)
