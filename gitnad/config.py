"""Settings: `.gitnad.yaml` + command-line flags -> frozen settings. Every default lives here."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from gitnad.models.severity import Severity

DEFAULT_MAX_FILE_BYTES = 4 * 1024 * 1024
DEFAULT_NAMESPACE = "default"
DEFAULT_POLICY_DIR = ".gitnad/policies"
CONFIG_FILE_NAME = ".gitnad.yaml"
DEFAULT_WAIT_TIMEOUT = timedelta(minutes=15)
DEFAULT_CLUSTER_DEADLINE_S = 60.0
DEFAULT_REQUEST_TIMEOUT_S = 15.0
DEFAULT_MAX_RETRIES = 5
DEFAULT_MAX_RETRY_AFTER_S = 10.0
DEFAULT_PAGE_SIZE = 500
DEFAULT_BACKOFF_BASE_S = 0.2
"""First retry delay; doubles per retry up to DEFAULT_BACKOFF_MAX_S (when no Retry-After is sent)."""
DEFAULT_BACKOFF_MAX_S = 5.0
DEFAULT_WIDTH = 100
"""Columns the text report wraps long details at (the CLI passes the terminal's width)."""
DEFAULT_MAX_SNAPSHOT_BYTES = 256 * 2**20
"""A snapshot takes several times its size in memory while read; bigger files are refused (cluster.maxSnapshotBytes)."""
MAX_DURATION = timedelta(days=366)
"""The longest duration a flag takes (`--timeout`, `--max-snapshot-age`): anything longer is a typo."""
DEFAULT_KUSTOMIZE_TIMEOUT_S = 30.0
"""Seconds one `kubectl kustomize` (one overlay root) may run before it is killed (kustomize.timeoutSeconds)."""


class OutputFormat(enum.StrEnum):
    """Output formats (SPEC §10); each member has a renderer in gitnad.report (a test holds it to that).

    Which result each format can render is decided in one place, `gitnad.report.supports`
    (openmetrics is for drift and reconcile only).
    """

    TEXT = "text"
    JSON = "json"
    GITHUB = "github"
    SARIF = "sarif"
    JUNIT = "junit"
    MARKDOWN = "markdown"
    OPENMETRICS = "openmetrics"


class ConfigFrom(enum.StrEnum):
    """Which ref `check` reads `.gitnad.yaml` and the policy files from (`--config-from`)."""

    BASE = "base"
    """The reviewed state: a change cannot relax the rules that judge it (default)."""
    HEAD = "head"
    """The change's own configuration, for repositories that want it."""


@dataclass(frozen=True)
class ClusterSettings:
    """How to reach the cluster (live) or which snapshot to read."""

    offline: bool = False
    snapshot: Path | None = None
    kubeconfig: Path | None = None
    context: str | None = None
    max_snapshot_age: timedelta | None = None
    deadline_s: float = DEFAULT_CLUSTER_DEADLINE_S
    request_timeout_s: float = DEFAULT_REQUEST_TIMEOUT_S
    max_retries: int = DEFAULT_MAX_RETRIES
    max_retry_after_s: float = DEFAULT_MAX_RETRY_AFTER_S
    page_size: int = DEFAULT_PAGE_SIZE
    backoff_base_s: float = DEFAULT_BACKOFF_BASE_S
    backoff_max_s: float = DEFAULT_BACKOFF_MAX_S
    max_snapshot_bytes: int = DEFAULT_MAX_SNAPSHOT_BYTES

    @property
    def live(self) -> bool:
        return not self.offline and self.snapshot is None


@dataclass(frozen=True)
class KustomizeSettings:
    """`.gitnad.yaml` `kustomize:` (README "Kustomize overlays"): which overlay roots are rendered, and how."""

    enabled: bool = True
    """False: no kustomization is discovered or rendered; every file is read as a plain manifest."""
    kubectl: str | None = None
    """The kubectl to render with (an absolute path or a command on PATH); None: the `kustomize` extra's, else
    PATH's."""
    roots: tuple[str, ...] = ()
    """Globs on root directories (the repository root is `.`) to render; empty: every root."""
    exclude_roots: tuple[str, ...] = ()
    """Globs on root directories never rendered (their inputs are not read as plain manifests either)."""
    timeout_s: float = DEFAULT_KUSTOMIZE_TIMEOUT_S
    allow_helm: bool = False
    """Let kustomize inflate `helmCharts` (runs `helm` from PATH; charts must be vendored: no network)."""


@dataclass(frozen=True)
class RepoConfig:
    """`.gitnad.yaml` (SPEC §12)."""

    default_namespace: str = DEFAULT_NAMESPACE
    exclude: tuple[str, ...] = ()
    policies: tuple[str, ...] = ()
    severity: dict[str, Severity] = field(default_factory=dict)
    """Overrides keyed by rule code or name."""
    fail_on: Severity = Severity.ERROR
    kustomize: KustomizeSettings = field(default_factory=KustomizeSettings)
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    cluster_context: str | None = None
    cluster_deadline_s: float | None = None
    cluster_request_timeout_s: float | None = None
    source: str | None = None
    """Where it was read, for messages (`.gitnad.yaml at base <sha>`); None for the defaults."""
    cluster_max_snapshot_bytes: int | None = None
    cluster_max_retries: int | None = None
    cluster_backoff_base_s: float | None = None
    cluster_backoff_max_s: float | None = None
    cluster_max_retry_after_s: float | None = None


@dataclass(frozen=True)
class OutputTarget:
    """One report of a run: a format and where it goes (None: stdout)."""

    format: OutputFormat = OutputFormat.TEXT
    path: Path | None = None


@dataclass(frozen=True)
class OutputSettings:
    """The reports of one run (the result is rendered once per target) and how text reports look."""

    targets: tuple[OutputTarget, ...] = (OutputTarget(),)
    color: bool = False
    """Colour the text report on stdout (the cli decides: a terminal, no --no-color, no NO_COLOR)."""
    quiet: bool = False
    width: int = DEFAULT_WIDTH
