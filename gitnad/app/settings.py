"""`.gitnad.yaml` (SPEC §12) -> frozen `RepoConfig`, validated by `policies/schema/config.schema.json`.

Errors name the file, line and JSON pointer and exit 2 (`ConfigError`). Severity overrides are keyed by
rule code or name; unknown rules are an error here rather than a silently ignored override. Policy paths are
relative to the repository root and may not leave it (absolute, `..`): the configuration of a commit names
files of that commit, never of the machine that runs the check.

The file comes from disk (`--config FILE`, the working tree of `scan`) or from a git ref (`check`, `drift`,
`reconcile`, `scan --ref`), through `gitnad.sources.ownfiles`.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from gitnad.app import rules_catalogue
from gitnad.app.policy_files import DISK, validated_document
from gitnad.config import (
    CONFIG_FILE_NAME,
    DEFAULT_KUSTOMIZE_TIMEOUT_S,
    DEFAULT_MAX_FILE_BYTES,
    DEFAULT_NAMESPACE,
    KustomizeSettings,
    RepoConfig,
)
from gitnad.errors import ConfigError
from gitnad.models.findings import Severity
from gitnad.policy.loader import problem_at
from gitnad.policy.schemas import SchemaName
from gitnad.sources.layout import Excluder
from gitnad.sources.ownfiles import Kind, OwnFiles

_CODE = re.compile(r"gn[0-9]{3}", re.IGNORECASE)
_DRIVE = re.compile(r"[A-Za-z]:")


def known_rule(code_or_name: str) -> bool:
    """A built-in rule, a policy code (GN3xx) or a waiver meta code (GN9xx), by code or name."""
    return rules_catalogue.lookup(code_or_name) is not None


def _kustomize(value: Any) -> KustomizeSettings:
    """`kustomize: true|false` or the mapping (already validated by the schema)."""
    if not isinstance(value, Mapping):
        return KustomizeSettings(enabled=value is not False)
    return KustomizeSettings(
        enabled=value.get("enabled", True) is not False,
        kubectl=value.get("kubectl"),
        roots=tuple(value.get("roots", ())),
        exclude_roots=tuple(value.get("excludeRoots", ())),
        timeout_s=float(value.get("timeoutSeconds", DEFAULT_KUSTOMIZE_TIMEOUT_S)),
        allow_helm=value.get("allowHelm", False) is True,
    )


def _relative_command(path: str) -> bool:
    """A path with a directory that is not absolute: it would name a file relative to wherever gitnad runs (in CI,
    the checkout of the change under review)."""
    return ("/" in path or "\\" in path) and not path.startswith("/") and not _DRIVE.match(path)


def leaves_repository(path: str) -> bool:
    """Absolute (POSIX, Windows drive or UNC) or climbing out with `..` once normalized."""
    if path.startswith(("/", "\\")) or _DRIVE.match(path):
        return True
    normal = posixpath.normpath(path.replace("\\", "/"))
    return normal == ".." or normal.startswith("../")


def config_problems(file: str, data: Mapping[str, Any]) -> list[str]:
    """What the schema cannot say: unknown rules in `severity`, exclude globs gitnad refuses to match (an invalid
    character class, stars whose retries multiply), policy paths that leave the repository."""
    problems = [
        problem_at(file, data, ["severity", k], f"{k!r} is not a rule code or name")
        for k in data.get("severity", {})
        if not known_rule(k)
    ]
    problems += [
        problem_at(file, data, ["exclude", i], f"{p!r} is not an exclude glob gitnad can match: {why}")
        for i, p in enumerate(data.get("exclude", ()))
        if (why := Excluder.problem(p)) is not None
    ]
    problems += [
        problem_at(file, data, ["policies", i], f"{p!r} leaves the repository; policy paths are relative to its root")
        for i, p in enumerate(data.get("policies", ()))
        if leaves_repository(p)
    ]
    kustomize = data.get("kustomize")
    kubectl = kustomize.get("kubectl") if isinstance(kustomize, Mapping) else None
    if isinstance(kubectl, str) and _relative_command(kubectl):
        problems.append(
            problem_at(
                file,
                data,
                ["kustomize", "kubectl"],
                f"{kubectl!r} is a relative path; give an absolute path or a command name found on PATH",
            )
        )
    return problems


def _severity(data: Mapping[str, Any]) -> dict[str, Severity]:
    overrides = data.get("severity", {})
    return {(k.upper() if _CODE.fullmatch(k) else k): Severity(v) for k, v in overrides.items()}


def to_config(file: str, data: Mapping[str, Any], source: str) -> RepoConfig:
    problems = config_problems(file, data)
    if problems:
        raise ConfigError("invalid configuration:", problems)
    cluster = data.get("cluster", {})
    return RepoConfig(
        default_namespace=data.get("defaultNamespace", DEFAULT_NAMESPACE),
        exclude=tuple(data.get("exclude", ())),
        policies=tuple(data.get("policies", ())),
        severity=_severity(data),
        fail_on=Severity(data.get("failOn", Severity.ERROR.value)),
        kustomize=_kustomize(data.get("kustomize", True)),
        max_file_bytes=data.get("maxFileBytes", DEFAULT_MAX_FILE_BYTES),
        cluster_context=cluster.get("context"),
        cluster_deadline_s=cluster.get("deadlineSeconds"),
        cluster_request_timeout_s=cluster.get("requestTimeoutSeconds"),
        cluster_max_snapshot_bytes=cluster.get("maxSnapshotBytes"),
        cluster_max_retries=cluster.get("maxRetries"),
        cluster_backoff_base_s=cluster.get("backoffBaseSeconds"),
        cluster_backoff_max_s=cluster.get("backoffMaxSeconds"),
        cluster_max_retry_after_s=cluster.get("maxRetryAfterSeconds"),
        source=source,
    )


def load_config_file(files: OwnFiles, path: str, required: bool = False) -> RepoConfig:
    """The configuration in `path` of `files`; the defaults when it is absent (a ConfigError if `required`)."""
    kind = files.kind(path)
    if kind is Kind.MISSING and not required:
        return RepoConfig()
    if kind is not Kind.FILE:
        what = "not found" if kind is Kind.MISSING else "is a directory"
        raise ConfigError(f"{files.display(path)}: configuration file {what} {files.where}".rstrip())
    file, data, errors = validated_document(path, SchemaName.CONFIG, files)
    if errors:
        raise ConfigError("invalid configuration:", errors)
    return to_config(file, data, f"{file} {files.where}")


def load_repo_config(repo_root: Path, config_file: Path | None) -> RepoConfig:
    """`--config FILE` (must exist), else `.gitnad.yaml` of the working tree at the repo root, else defaults."""
    if config_file is not None:
        return load_config_file(DISK, str(config_file), required=True)
    return load_config_file(DISK, str(repo_root / CONFIG_FILE_NAME))
