"""Retry arithmetic of the live reader, and the lazy import of the kubernetes client."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

from gitnad.config import ClusterSettings
from gitnad.errors import ConfigError, keep_secret
from gitnad.sources.cluster import live

DATA = Path(__file__).resolve().parents[2] / "data" / "cluster"


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (None, None),
        ({}, None),
        ({"Retry-After": "3"}, 3.0),
        ({"Retry-After": "0.5"}, 0.5),
        ({"Retry-After": "soon"}, None),
    ],
    ids=["no-headers", "absent", "seconds", "fraction", "garbage"],
)
def test_retry_after(headers: dict[str, str] | None, expected: float | None) -> None:
    assert live.retry_after_of(headers) == expected


def test_retry_after_http_date() -> None:
    when = datetime.now(UTC) + timedelta(seconds=30)
    got = live.retry_after_of({"Retry-After": format_datetime(when, usegmt=True)})
    assert got is not None and 28 <= got <= 30


@pytest.mark.parametrize(
    ("attempt", "retry_after", "expected"),
    [(1, None, 0.2), (2, None, 0.4), (3, None, 0.8), (6, None, 5.0), (1, 3.0, 3.0), (1, 99.0, 10.0), (1, -4.0, 0.0)],
    ids=["first", "second", "third", "backoff-capped", "retry-after", "retry-after-capped", "retry-after-negative"],
)
def test_delay(attempt: int, retry_after: float | None, expected: float) -> None:
    reader = live.LiveReader(ClusterSettings(), api=object())  # no request is made
    assert reader.backoff(attempt, retry_after) == pytest.approx(expected)


def test_snapshot_reads_never_import_the_kubernetes_client() -> None:
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from gitnad.config import ClusterSettings\n"
        "from gitnad.sources.cluster import load_facts\n"
        f"load_facts(ClusterSettings(snapshot=Path({str(DATA / 'kubectl-list.yaml')!r})))\n"
        "import gitnad.cli\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('kubernetes', 'urllib3')))\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert res.stdout == "[]\n"


def test_no_cluster_configured_is_a_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    with pytest.raises(ConfigError) as err:
        live.configuration(ClusterSettings())
    assert err.value.message == (
        "no cluster configured: pass --kubeconfig (or set KUBECONFIG), run in a pod, or use --snapshot"
    )
    assert err.value.exit_code == 2


def test_unknown_context_is_a_usage_error(tmp_path: Path) -> None:
    cfg = tmp_path / "kubeconfig"
    cfg.write_text(
        "apiVersion: v1\nkind: Config\nclusters: []\nusers: []\n"
        "contexts:\n- name: a\n  context: {cluster: c, user: u}\ncurrent-context: a\n"
    )
    with pytest.raises(ConfigError) as err:
        live.configuration(ClusterSettings(kubeconfig=cfg, context="nope"))
    assert err.value.message.startswith(f"kubeconfig {cfg}: ")
    assert "nope" in err.value.message


def test_missing_kubernetes_client_is_a_usage_error(tmp_path: Path) -> None:
    """Without the `cluster` extra, a live read says what to install instead of crashing."""
    blocker = tmp_path / "kubernetes"
    blocker.mkdir()
    (blocker / "__init__.py").write_text("raise ImportError('No module named kubernetes (blocked by the test)')\n")
    code = (
        "from gitnad.config import ClusterSettings\n"
        "from gitnad.errors import UsageError\n"
        "from gitnad.sources.cluster import live\n"
        "try:\n"
        "    live.configuration(ClusterSettings())\n"
        "except UsageError as e:\n"
        "    print(e.exit_code, e.message)\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), os.getcwd()])}
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env, check=True)
    assert res.stdout == (
        "2 live cluster reads need the kubernetes client (No module named kubernetes (blocked by the test)): "
        "pip install 'gitnad[cluster]', or use --snapshot\n"
    )


GOOD_KUBECONFIG = (
    "apiVersion: v1\nkind: Config\ncurrent-context: a\n"
    "clusters:\n- name: c\n  cluster: {server: 'https://127.0.0.1:6443'}\n"
    "users:\n- name: u\n  user: {token: t}\n"
    "contexts:\n- name: a\n  context: {cluster: c, user: u}\n"
)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "- a\n- b\n",
            "{path}:1: not a kubeconfig (found a list; expected one mapping with clusters, contexts and users)",
        ),
        ("hello\n", "{path}:1: not a kubeconfig (found a str; expected one mapping with clusters, contexts and users)"),
        (
            "a: 1\n---\nb: 2\n",
            "{path}:1: not a kubeconfig (found 2 documents; expected one mapping with clusters, contexts and users)",
        ),
        (
            "clusters: [\n",
            "{path}:1: YAML syntax error: did not find expected node content (while parsing a flow node)",
        ),
        (
            GOOD_KUBECONFIG.replace("users:\n- name: u\n  user: {token: t}\n", "users: 5\n"),
            "{path} is not a kubeconfig the client can read (TypeError: 'int' object is not iterable): expected "
            "clusters, contexts and users as lists of named entries",
        ),
    ],
    ids=["a-list", "a-scalar", "two-documents", "syntax-error", "users-a-number"],
)
def test_a_file_that_is_not_a_kubeconfig_is_a_usage_error_naming_it(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "kubeconfig"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        live.configuration(ClusterSettings(kubeconfig=path))
    assert (err.value.exit_code, err.value.message) == (2, "kubeconfig " + message.format(path=path))


def test_kubeconfig_env_entries_are_checked_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    good, bad = tmp_path / "good", tmp_path / "bad"
    good.write_text(GOOD_KUBECONFIG)
    bad.write_text("- not\n- a mapping\n")
    monkeypatch.setenv("KUBECONFIG", os.pathsep.join([str(good), str(bad), str(tmp_path / "absent")]))
    with pytest.raises(ConfigError) as err:
        live.configuration(ClusterSettings())
    assert err.value.message == (
        f"kubeconfig {bad}:1: not a kubeconfig (found a list; expected one mapping with clusters, contexts and users)"
    )


def test_a_good_kubeconfig_loads(tmp_path: Path) -> None:
    path = tmp_path / "kubeconfig"
    path.write_text(GOOD_KUBECONFIG)
    assert live.configuration(ClusterSettings(kubeconfig=path)).host == "https://127.0.0.1:6443"


def test_a_context_in_a_pod_without_kubeconfig_says_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1")
    with pytest.raises(ConfigError) as err:
        live.configuration(ClusterSettings(context="prod"))
    assert err.value.message == (
        "context 'prod' is set (--context or cluster.context in .gitnad.yaml), but there is no kubeconfig: in a pod, "
        "leave it unset to use the pod's service account"
    )


def test_a_message_cut_short_shows_no_piece_of_a_credential() -> None:
    """Server and library text is cut to MAX_MESSAGE characters after redaction: a debugging proxy that echoes the
    request's headers puts the token right where the cut falls."""
    secret = f"tok-{uuid.uuid4().hex}"
    keep_secret(secret)
    text = "headers: authorization: Bearer ".rjust(live.MAX_MESSAGE - 10, "x") + secret
    shown = live.io_error(ConnectionResetError(text), "https://127.0.0.1:6443")
    assert secret[:10] not in shown, shown
    assert shown.endswith("Bearer [redacted])")
