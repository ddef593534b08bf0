"""Shared wiring for the use cases: repo config, cluster settings, severity overrides, summaries and exit codes."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TypeVar

from gitnad.config import CONFIG_FILE_NAME, ClusterSettings, RepoConfig
from gitnad.errors import ExitCode
from gitnad.models.findings import Finding, Severity, sort_findings
from gitnad.models.results import Summary
from gitnad.sources.gitrefs import GitRepo
from gitnad.sources.ownfiles import RefFiles
from gitnad.sources.parsecache import ParseCache

T = TypeVar("T")


def load_config(repo_root: Path, config_file: Path | None) -> RepoConfig:
    """`--config FILE`, else `.gitnad.yaml` of the working tree, validated; defaults when there is none."""
    import gitnad.app.settings as settings

    return settings.load_repo_config(repo_root, config_file)


def load_config_at(repo: GitRepo, sha: str, config_file: Path | None) -> RepoConfig:
    """`--config FILE`, else `.gitnad.yaml` of the commit whose manifests are read (from git objects)."""
    import gitnad.app.settings as settings

    if config_file is not None:
        return settings.load_repo_config(repo.root, config_file)
    return settings.load_config_file(RefFiles(repo, sha, f"at {sha}"), CONFIG_FILE_NAME)


def cluster_settings(flags: ClusterSettings, config: RepoConfig) -> ClusterSettings:
    """The cluster settings of a run: `.gitnad.yaml` `cluster:` fills what the flags leave unset, flags win.

    Only `--context` has a flag; the other keys (`deadlineSeconds`, `requestTimeoutSeconds`, `maxSnapshotBytes`,
    `maxRetries`, `backoffBaseSeconds`, `backoffMaxSeconds`, `maxRetryAfterSeconds`) replace the built-in defaults.
    """
    c = config
    return dataclasses.replace(
        flags,
        context=_or(flags.context, c.cluster_context),
        deadline_s=_or(c.cluster_deadline_s, flags.deadline_s),
        request_timeout_s=_or(c.cluster_request_timeout_s, flags.request_timeout_s),
        max_snapshot_bytes=_or(c.cluster_max_snapshot_bytes, flags.max_snapshot_bytes),
        max_retries=_or(c.cluster_max_retries, flags.max_retries),
        backoff_base_s=_or(c.cluster_backoff_base_s, flags.backoff_base_s),
        backoff_max_s=_or(c.cluster_backoff_max_s, flags.backoff_max_s),
        max_retry_after_s=_or(c.cluster_max_retry_after_s, flags.max_retry_after_s),
    )


def _or(value: T | None, fallback: T) -> T:
    """`value` unless it is unset (None; 0 is a setting)."""
    return fallback if value is None else value


def apply_severity(findings: list[Finding], config: RepoConfig) -> list[Finding]:
    """Config overrides by code or name win over a rule's default (and over escalations)."""
    if not config.severity:
        return findings
    out = []
    for f in findings:
        sev = config.severity.get(f.code) or config.severity.get(f.rule)
        out.append(f.model_copy(update={"severity": sev}) if sev is not None and sev is not f.severity else f)
    return out


def summarize(findings: tuple[Finding, ...]) -> Summary:
    active = [f for f in findings if not f.waived]
    return Summary(
        error=sum(1 for f in active if f.severity is Severity.ERROR),
        warning=sum(1 for f in active if f.severity is Severity.WARNING),
        info=sum(1 for f in active if f.severity is Severity.INFO),
        waived=len(findings) - len(active),
    )


def findings_exit(findings: tuple[Finding, ...], fail_on: Severity) -> ExitCode:
    failing = any(not f.waived and f.severity.rank >= fail_on.rank for f in findings)
    return ExitCode.FINDINGS if failing else ExitCode.OK


def finalize(findings: list[Finding]) -> tuple[Finding, ...]:
    """Deduplicated, deterministic order."""
    return sort_findings(list(dict.fromkeys(findings)))


CACHE_DIR = "gitnad"
"""The parse cache's directory inside the repository's (common) git directory: `.git/gitnad/`."""


def parse_cache(repo: GitRepo | None, enabled: bool) -> ParseCache | None:
    """The repository's parse cache (`--no-cache`: none; a plain directory has no git directory to keep it in)."""
    return ParseCache(repo.git_dir / CACHE_DIR) if enabled and repo is not None else None
