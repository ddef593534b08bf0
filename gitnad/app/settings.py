"""`.gitnad.yaml` (SPEC §12) -> frozen `RepoConfig`, validated by `policies/schema/config.schema.json`.

Errors name the file, line and JSON pointer and exit 2 (`ConfigError`). Severity overrides are keyed by
rule code or name; unknown rules are an error here rather than a silently ignored override.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from gitnad.app import rules_catalogue
from gitnad.app.policy_files import load_validated
from gitnad.config import CONFIG_FILE_NAME, DEFAULT_MAX_FILE_BYTES, DEFAULT_NAMESPACE, RepoConfig
from gitnad.errors import ConfigError
from gitnad.models.findings import Severity
from gitnad.policy.loader import problem_at
from gitnad.policy.schemas import SchemaName

_CODE = re.compile(r"gn[0-9]{3}", re.IGNORECASE)


def known_rule(code_or_name: str) -> bool:
    """A built-in rule, a policy code (GN3xx) or a waiver meta code (GN9xx), by code or name."""
    return rules_catalogue.lookup(code_or_name) is not None


def _kustomize(value: Any) -> tuple[bool, str | None]:
    if isinstance(value, Mapping):
        return value.get("enabled", True) is not False, value.get("kubectl")
    return value is not False, None


def _severity(file: str, data: Mapping[str, Any]) -> dict[str, Severity]:
    overrides = data.get("severity", {})
    unknown = [k for k in overrides if not known_rule(k)]
    if unknown:
        problems = [problem_at(file, data, ["severity", k], f"{k!r} is not a rule code or name") for k in unknown]
        raise ConfigError("invalid configuration:\n" + "\n".join(problems))
    return {(k.upper() if _CODE.fullmatch(k) else k): Severity(v) for k, v in overrides.items()}


def to_config(file: str, data: Mapping[str, Any], source: Path) -> RepoConfig:
    kustomize, kubectl = _kustomize(data.get("kustomize", True))
    cluster = data.get("cluster", {})
    return RepoConfig(
        default_namespace=data.get("defaultNamespace", DEFAULT_NAMESPACE),
        exclude=tuple(data.get("exclude", ())),
        policies=tuple(data.get("policies", ())),
        severity=_severity(file, data),
        fail_on=Severity(data.get("failOn", Severity.ERROR.value)),
        kustomize=kustomize,
        kubectl=kubectl,
        max_file_bytes=data.get("maxFileBytes", DEFAULT_MAX_FILE_BYTES),
        cluster_context=cluster.get("context"),
        cluster_deadline_s=cluster.get("deadlineSeconds"),
        cluster_request_timeout_s=cluster.get("requestTimeoutSeconds"),
        source=source,
    )


def load_repo_config(repo_root: Path, config_file: Path | None) -> RepoConfig:
    """`--config FILE` (must exist), else `.gitnad.yaml` at the repo root if present, else the defaults."""
    path = config_file if config_file is not None else repo_root / CONFIG_FILE_NAME
    if not path.is_file():
        if config_file is not None:
            raise ConfigError(f"{config_file}: configuration file not found")
        return RepoConfig()
    file, data = load_validated(path, SchemaName.CONFIG, "configuration")
    return to_config(file, data, path)
