"""`.gitnad.yaml` `cluster:` reaches the cluster reads of check, drift and reconcile (flags win): context,
deadlineSeconds, requestTimeoutSeconds, maxSnapshotBytes. Real repositories, config files, kubeconfigs and
sockets (a closed port, a server that never answers); no cluster is needed."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from gitnad.app import check as app_check
from gitnad.app import drift as app_drift
from gitnad.app import reconcile as app_reconcile
from gitnad.app.common import cluster_settings, load_config
from gitnad.config import (
    DEFAULT_CLUSTER_DEADLINE_S,
    DEFAULT_REQUEST_TIMEOUT_S,
    ClusterSettings,
    RepoConfig,
)
from gitnad.errors import ClusterError, ConfigError, SnapshotError
from tests.gitrepo import TempRepo
from tests.unit.cluster.listfiles import cluster, items, write
from tests.vmfactory import Net, vm_yaml

VM1 = vm_yaml("vm1", [Net("default", kind="pod", binding="masquerade"), Net("secondary-network", nad="nad-b")])


@pytest.mark.parametrize(
    ("flags", "config", "expected"),
    [
        (ClusterSettings(), RepoConfig(), (None, DEFAULT_CLUSTER_DEADLINE_S, DEFAULT_REQUEST_TIMEOUT_S, 256 * 2**20)),
        (
            ClusterSettings(),
            RepoConfig(
                cluster_context="prod",
                cluster_deadline_s=5,
                cluster_request_timeout_s=2,
                cluster_max_snapshot_bytes=4096,
            ),
            ("prod", 5, 2, 4096),
        ),
        (
            ClusterSettings(context="staging"),
            RepoConfig(cluster_context="prod"),
            ("staging", DEFAULT_CLUSTER_DEADLINE_S, DEFAULT_REQUEST_TIMEOUT_S, 256 * 2**20),
        ),
    ],
    ids=["defaults", "config-fills", "flag-wins"],
)
def test_flags_win_over_config(
    flags: ClusterSettings, config: RepoConfig, expected: tuple[str | None, float, float, int]
) -> None:
    got = cluster_settings(flags, config)
    assert (got.context, got.deadline_s, got.request_timeout_s, got.max_snapshot_bytes) == expected


@pytest.mark.parametrize(
    ("yaml_text", "expected"),
    [
        ("cluster: {}\n", (5, 0.2, 5.0, 10.0)),
        (
            "cluster:\n  maxRetries: 0\n  backoffBaseSeconds: 0.01\n  backoffMaxSeconds: 0.05\n"
            "  maxRetryAfterSeconds: 0\n",
            (0, 0.01, 0.05, 0.0),
        ),
    ],
    ids=["defaults", "all-set"],
)
def test_retry_policy_from_config(tmp_path: Path, yaml_text: str, expected: tuple[int, float, float, float]) -> None:
    """The retry policy is tunable like the timeouts (a CI job that must fail fast, a test of faults)."""
    (tmp_path / ".gitnad.yaml").write_text(yaml_text)
    got = cluster_settings(ClusterSettings(), load_config(tmp_path, None))
    assert (got.max_retries, got.backoff_base_s, got.backoff_max_s, got.max_retry_after_s) == expected


@pytest.mark.parametrize(
    ("yaml_text", "pointer"),
    [
        ("cluster:\n  maxRetries: -1\n", "/cluster/maxRetries"),
        ("cluster:\n  maxRetries: 1.5\n", "/cluster/maxRetries"),
        ("cluster:\n  backoffBaseSeconds: 0\n", "/cluster/backoffBaseSeconds"),
        ("cluster:\n  maxRetryAfterSeconds: soon\n", "/cluster/maxRetryAfterSeconds"),
    ],
    ids=["negative-retries", "fractional-retries", "zero-backoff", "string-retry-after"],
)
def test_bad_retry_policy_is_a_config_error(tmp_path: Path, yaml_text: str, pointer: str) -> None:
    (tmp_path / ".gitnad.yaml").write_text(yaml_text)
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path, None)
    assert pointer in err.value.message, err.value.message


def _repo(tmp_path: Path, config: str) -> TempRepo:
    repo = TempRepo(tmp_path / "fleet")
    repo.commit({"vms/vm1.yaml": VM1, ".gitnad.yaml": config})
    return repo


def _kubeconfig(tmp_path: Path, server: str) -> Path:
    path = tmp_path / "kubeconfig"
    path.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: a\n"
        f"clusters:\n- name: c\n  cluster: {{server: '{server}'}}\n"
        "users:\n- name: u\n  user: {token: t}\n"
        "contexts:\n- name: a\n  context: {cluster: c, user: u}\n"
    )
    return path


def _drift(repo: TempRepo, cluster_flags: ClusterSettings) -> None:
    app_drift.run(
        app_drift.DriftRequest(
            repo=repo.root,
            config_file=None,
            ref="HEAD",
            base=None,
            wait=False,
            timeout=timedelta(seconds=5),
            cluster=cluster_flags,
        )
    )


def test_max_snapshot_bytes_from_config(tmp_path: Path) -> None:
    snap = write(tmp_path / "cluster.json", items(cluster()))
    repo = _repo(tmp_path, "cluster:\n  maxSnapshotBytes: 1024\n")
    with pytest.raises(SnapshotError) as err:
        _drift(repo, ClusterSettings(snapshot=snap))
    assert err.value.message.startswith(
        f"{snap}: {snap.stat().st_size} bytes is over the snapshot size limit of 1024 bytes"
    )


def test_context_from_config_is_used_by_drift_and_reconcile(tmp_path: Path) -> None:
    repo = _repo(tmp_path, "cluster:\n  context: prod-east\n")
    kubeconfig = _kubeconfig(tmp_path, "https://127.0.0.1:1")
    with pytest.raises(ConfigError) as err:
        _drift(repo, ClusterSettings(kubeconfig=kubeconfig))
    assert err.value.message.startswith(f"kubeconfig {kubeconfig}: ") and "prod-east" in err.value.message
    req = app_reconcile.ReconcileRequest(
        repo=repo.root,
        config_file=None,
        ref="HEAD",
        base=None,
        apply=False,
        allow_restart=False,
        max_actions=None,
        cluster=ClusterSettings(kubeconfig=kubeconfig),
    )
    with pytest.raises(ConfigError) as err2:
        app_reconcile.run(req)
    assert err2.value.message == err.value.message


def test_context_from_config_is_used_by_check(tmp_path: Path) -> None:
    repo = _repo(tmp_path, "cluster:\n  context: prod-east\n")
    base = repo.repo.head.commit.hexsha
    repo.commit({"vms/vm1.yaml": VM1.replace("nad-b", "nad-a")})
    kubeconfig = _kubeconfig(tmp_path, "https://127.0.0.1:1")
    req = app_check.CheckRequest(
        repo=repo.root,
        config_file=None,
        base=base,
        head="HEAD",
        staged=False,
        fail_on=None,
        policies=(),
        cluster=ClusterSettings(kubeconfig=kubeconfig),
    )
    with pytest.raises(ConfigError) as err:
        app_check.run(req)
    assert "prod-east" in err.value.message


def test_deadline_from_config(tmp_path: Path) -> None:
    """A closed port refuses at once: retries with backoff go on until the configured deadline, not 60s."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again when the block ends: connections are refused
    repo = _repo(tmp_path, "cluster:\n  deadlineSeconds: 0.5\n")
    started = time.monotonic()
    with pytest.raises(ClusterError) as err:
        _drift(repo, ClusterSettings(kubeconfig=_kubeconfig(tmp_path, f"https://127.0.0.1:{port}")))
    assert time.monotonic() - started < 5
    assert "deadline of 0.5s exceeded" in err.value.message


@pytest.fixture
def silent_server() -> Iterator[int]:
    """Accepts TCP connections and never answers (not even the TLS handshake)."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        srv.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(srv.accept()[0])
            except OSError:
                continue

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    yield srv.getsockname()[1]
    stop.set()
    t.join()
    for c in held:
        c.close()
    srv.close()


def test_request_timeout_from_config(tmp_path: Path, silent_server: int) -> None:
    repo = _repo(tmp_path, "cluster:\n  requestTimeoutSeconds: 0.3\n  deadlineSeconds: 1.5\n")
    started = time.monotonic()
    with pytest.raises(ClusterError) as err:
        _drift(repo, ClusterSettings(kubeconfig=_kubeconfig(tmp_path, f"https://127.0.0.1:{silent_server}")))
    assert time.monotonic() - started < 6
    assert "timeout talking to https://127.0.0.1:" in err.value.message and "deadline of 1.5s" in err.value.message


def test_snapshot_destination_is_checked_before_the_cluster_is_read(tmp_path: Path, silent_server: int) -> None:
    """`gitnad snapshot -o DIR/missing/x.yaml` fails at once (exit 2), not after minutes of reading."""
    from click.testing import CliRunner

    from gitnad.cli import main

    out = tmp_path / "missing" / "x.yaml"
    kubeconfig = _kubeconfig(tmp_path, f"https://127.0.0.1:{silent_server}")
    started = time.monotonic()
    res = CliRunner().invoke(main, ["snapshot", "--kubeconfig", str(kubeconfig), "-o", str(out)])
    assert time.monotonic() - started < 5
    assert (res.exit_code, res.output) == (
        2,
        f"gitnad: error: -o {out}: directory {out.parent} does not exist; create it first\n",
    )
