"""Shared wiring for the use cases: repo config, severity overrides, summaries and exit codes."""

from __future__ import annotations

from pathlib import Path

from gitnad.config import RepoConfig
from gitnad.errors import ExitCode
from gitnad.models.findings import Finding, Severity, sort_findings
from gitnad.models.results import Summary


def load_config(repo_root: Path, config_file: Path | None) -> RepoConfig:
    """`.gitnad.yaml` (or `--config`), validated; defaults when there is none."""
    import gitnad.app.settings as settings

    return settings.load_repo_config(repo_root, config_file)


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
