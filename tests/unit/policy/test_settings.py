"""`.gitnad.yaml`: schema-validated settings with file, line and JSON pointer in every error."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitnad.app.settings import load_repo_config
from gitnad.config import KustomizeSettings, RepoConfig
from gitnad.errors import ConfigError
from gitnad.models.findings import Severity

FULL = """\
defaultNamespace: prod
exclude: ["charts/**", "*.tmpl.yaml"]
policies: [.gitnad/policies, extra/p.yaml]
severity:
  GN111: error
  gn107: warning
  cosmetic-rewrite: warning
  allowed-vlans: warning
failOn: warning
kustomize:
  enabled: true
  kubectl: /usr/local/bin/kubectl
  roots: ["clusters/*"]
  excludeRoots: ["clusters/lab"]
  timeoutSeconds: 12.5
  allowHelm: true
maxFileBytes: 1048576
cluster: {context: prod-east, deadlineSeconds: 90, requestTimeoutSeconds: 10}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / ".gitnad.yaml"
    path.write_text(text)
    return path


def test_full_config(tmp_path: Path) -> None:
    path = write(tmp_path, FULL)
    cfg = load_repo_config(tmp_path, None)
    assert cfg == RepoConfig(
        default_namespace="prod",
        exclude=("charts/**", "*.tmpl.yaml"),
        policies=(".gitnad/policies", "extra/p.yaml"),
        severity={
            "GN111": Severity.ERROR,
            "GN107": Severity.WARNING,
            "cosmetic-rewrite": Severity.WARNING,
            "allowed-vlans": Severity.WARNING,
        },
        fail_on=Severity.WARNING,
        kustomize=KustomizeSettings(
            enabled=True,
            kubectl="/usr/local/bin/kubectl",
            roots=("clusters/*",),
            exclude_roots=("clusters/lab",),
            timeout_s=12.5,
            allow_helm=True,
        ),
        max_file_bytes=1048576,
        cluster_context="prod-east",
        cluster_deadline_s=90,
        cluster_request_timeout_s=10,
        source=f"{path} on disk",
    )


def test_no_config_gives_defaults(tmp_path: Path) -> None:
    assert load_repo_config(tmp_path, None) == RepoConfig()


KUSTOMIZE = [
    ("default", "failOn: error\n", KustomizeSettings()),
    ("true", "kustomize: true\n", KustomizeSettings()),
    ("false", "kustomize: false\n", KustomizeSettings(enabled=False)),
    ("mapping-off", "kustomize: {enabled: false, kubectl: kubectl}\n", KustomizeSettings(False, "kubectl")),
    ("command-on-path", "kustomize: {kubectl: kubectl-1.31}\n", KustomizeSettings(kubectl="kubectl-1.31")),
    ("integer-timeout", "kustomize: {timeoutSeconds: 5}\n", KustomizeSettings(timeout_s=5.0)),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in KUSTOMIZE], ids=[c[0] for c in KUSTOMIZE])
def test_kustomize_settings(tmp_path: Path, text: str, expected: KustomizeSettings) -> None:
    write(tmp_path, text)
    assert load_repo_config(tmp_path, None).kustomize == expected


def test_explicit_config_must_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as e:
        load_repo_config(tmp_path, tmp_path / "nope.yaml")
    assert e.value.message == f"{tmp_path / 'nope.yaml'}: configuration file not found on disk"


INVALID = [
    (
        "unknown-key",
        "failOn: error\nfail_on: warning\n",
        ["2: /: Additional properties are not allowed ('fail_on' was unexpected)"],
    ),
    ("bad-fail-on", "failOn: critical\n", ["1: /failOn: 'critical' is not one of ['error', 'warning', 'info']"]),
    (
        "bad-severity-value",
        "severity:\n  GN111: high\n",
        ["2: /severity/GN111: 'high' is not one of ['error', 'warning', 'info']"],
    ),
    (
        "bad-namespace",
        "defaultNamespace: Prod\n",
        ["1: /defaultNamespace: 'Prod' does not match '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$'"],
    ),
    (
        "bad-kustomize",
        "kustomize: {enable: true}\n",
        ["1: /kustomize: Additional properties are not allowed ('enable' was unexpected)"],
    ),
    ("kustomize-string", "kustomize: yes please\n", ["1: /kustomize: 'yes please' is not of type 'boolean', 'object'"]),
    (
        "kustomize-relative-kubectl",
        "kustomize:\n  kubectl: bin/kubectl\n",
        [
            "2: /kustomize/kubectl: 'bin/kubectl' is a relative path; give an absolute path or a command name found "
            "on PATH"
        ],
    ),
    (
        "kustomize-timeout",
        "kustomize: {timeoutSeconds: 0}\n",
        ["1: /kustomize/timeoutSeconds: 0 is less than or equal to the minimum of 0"],
    ),
    (
        "kustomize-roots-not-a-list",
        "kustomize:\n  roots: overlays/*\n",
        ["2: /kustomize/roots: 'overlays/*' is not of type 'array'"],
    ),
    (
        "kustomize-helm-string",
        "kustomize: {allowHelm: 'yes'}\n",
        ["1: /kustomize/allowHelm: 'yes' is not of type 'boolean'"],
    ),
    (
        "bad-deadline",
        "cluster:\n  deadlineSeconds: 0\n",
        ["2: /cluster/deadlineSeconds: 0 is less than or equal to the minimum of 0"],
    ),
    ("not-a-mapping", "- a\n", ["1: /: ['a'] is not of type 'object'"]),
    (
        "unknown-rule",
        "severity:\n  GN999: error\n  no-such-rule: info\n",
        [
            "2: /severity/GN999: 'GN999' is not a rule code or name",
            "3: /severity/no-such-rule: 'no-such-rule' is not a rule code or name",
        ],
    ),
    (
        "exclude-globs-gitnad-refuses",
        "exclude:\n  - charts/**\n  - '[z-a].yaml'\n  - '**a*b**c*d'\n",
        [
            "3: /exclude/1: '[z-a].yaml' is not an exclude glob gitnad can match: [z-a] is not a character class "
            "(the range z-a is reversed)",
            "4: /exclude/2: '**a*b**c*d' is not an exclude glob gitnad can match: 2 of its stars would be retried in "
            "every combination against a long path (a `**` followed by a `*`, or a `/` or a character class between "
            "two `*`): simplify it",
        ],
    ),
]


@pytest.mark.parametrize(("text", "errors"), [c[1:] for c in INVALID], ids=[c[0] for c in INVALID])
def test_invalid_config(tmp_path: Path, text: str, errors: list[str]) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as e:
        load_repo_config(tmp_path, None)
    assert e.value.exit_code == 2
    head, *lines = e.value.message.splitlines()
    assert head in ("invalid configuration:",)
    assert lines == [f"{path}:{err}" for err in errors]
