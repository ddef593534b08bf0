"""Nothing lost, nothing doubled (issue 11, proof 4): `gitnad reconcile --apply` as a real process on a real
kube-apiserver, killed with SIGKILL right after its k-th migration create reached the API server (the proxy in
front holds the server's answer back and kills the process first: gitnad never learns that create succeeded),
then run again; and two runs at once. Every case ends with exactly one migration per VMI, named as the plan
names it (tests/proxy.py hooks; SIGKILL leaves no chance to clean up).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from gitnad.reconcile.apply import migration_name
from tests import proxy
from tests.e2e.conftest import Kube
from tests.e2e.kubevirt_actor import Net, Seeder, cond, manifest
from tests.envtest import RECONCILER_TOKEN, Envtest
from tests.gitutil import commit, make_repo

pytestmark = pytest.mark.slow

N = 5
"""VMs waiting for a migration; KubeVirt's default parallelMigrationsPerCluster (5) lets all of them go at once."""
NEW = [Net("default"), Net("bridge-net", "nad-b")]
TIMEOUT_S = 120


def _world(kube: Kube, tmp_path: Path) -> tuple[Seeder, Path, str]:
    ns = kube.namespace("kill")
    s = Seeder(kube.api, ns)
    s.nad("nad-a", 10)
    s.nad("nad-b", 20)
    required = cond("MigrationRequired", "True", "AutoMigrationDueToLiveUpdate")
    names = [f"vm-{i}" for i in range(N)]
    for name in names:
        s.running(
            name, NEW, NEW, {"bridge-net": f"{ns}/nad-a"}, vmi_conditions=[cond("LiveMigratable", "True"), required]
        )
    sha = commit(make_repo(tmp_path / "repo"), {f"vms/{n}.yaml": manifest(n, ns, NEW) for n in names})
    return s, tmp_path / "repo", sha


def _cmd(repo: Path, kubeconfig: str) -> list[str]:
    cli = [sys.executable, "-m", "gitnad.cli", "reconcile", "--apply"]
    return [*cli, "--repo", str(repo), "--format", "json", "--kubeconfig", kubeconfig]


def _per_vmi(s: Seeder) -> Counter[str]:
    return Counter(m["spec"]["vmiName"] for m in s.migrations())


def _actions(stdout: str, ns: str) -> list[tuple[str, str, str, str | None]]:
    doc: dict[str, Any] = json.loads(stdout)
    return [(a["vm"].removeprefix(f"{ns}/"), a["kind"], a["outcome"], a["result"]) for a in doc["actions"]]


@pytest.fixture
def px(envtest: Envtest) -> Any:
    p = proxy.FaultProxy(envtest.url, envtest.ca_file, envtest.key_file, envtest.ca_file).start()
    yield p
    p.stop()


@pytest.mark.parametrize("k", [1, 3, N], ids=["k=1", "k=3", f"k={N}"])
def test_killed_after_k_creates_then_rerun_ends_with_one_migration_each(
    k: int, kube: Kube, envtest: Envtest, px: proxy.FaultProxy, tmp_path: Path
) -> None:
    s, repo, sha = _world(kube, tmp_path)
    kubeconfig = envtest.write_kubeconfig(f"reconciler-{s.ns}", RECONCILER_TOKEN, px.url)
    created: list[str] = []
    proc = subprocess.Popen(_cmd(repo, kubeconfig), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def kill_at_k(request: str, status: int) -> None:
        if request.startswith("POST ") and "/virtualmachineinstancemigrations" in request and status == 201:
            created.append(request)
            if len(created) == k:
                os.kill(proc.pid, signal.SIGKILL)  # before the answer goes back

    px.on_forwarded = kill_at_k
    _out, _err = proc.communicate(timeout=TIMEOUT_S)
    assert proc.returncode == -signal.SIGKILL
    assert len(created) == k
    assert sum(_per_vmi(s).values()) == k  # what reached the server is there, nothing more

    px.on_forwarded = None
    rerun = subprocess.run(_cmd(repo, kubeconfig), capture_output=True, text=True, timeout=TIMEOUT_S)
    assert rerun.returncode == 1, rerun.stderr  # not converged yet: the migrations are Pending
    done = {vm for vm, kind, outcome, _ in _actions(rerun.stdout, s.ns) if outcome == "applied"}
    assert len(done) == N - k
    assert _actions(rerun.stdout, s.ns) == [
        (f"vm-{i}", "create-migration", "applied", f"created migration {migration_name(s.ns, f'vm-{i}', sha)}")
        if f"vm-{i}" in done
        else (f"vm-{i}", "none", "skipped", None)  # MigrationQueued: its migration is there
        for i in range(N)
    ]
    assert _per_vmi(s) == {f"vm-{i}": 1 for i in range(N)}
    assert sorted(m["metadata"]["name"] for m in s.migrations()) == sorted(
        migration_name(s.ns, f"vm-{i}", sha) for i in range(N)
    )


def test_two_runs_at_once_create_each_migration_once(
    kube: Kube, envtest: Envtest, px: proxy.FaultProxy, tmp_path: Path
) -> None:
    """Both runs read before either writes (the proxy holds each create until the other run's matching create
    arrives): both plan all N migrations. The API server creates each name once; the run that comes second for a
    name is told it exists (409) and reports it skipped."""
    s, repo, sha = _world(kube, tmp_path)
    kubeconfig = envtest.write_kubeconfig(f"reconciler-{s.ns}", RECONCILER_TOKEN, px.url)
    gate = threading.Barrier(2, timeout=60)

    def pair_creates(request: str) -> None:
        if request.startswith("POST ") and "/virtualmachineinstancemigrations" in request:
            gate.wait()

    px.on_request = pair_creates
    procs = [subprocess.Popen(_cmd(repo, kubeconfig), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)]
    procs.append(subprocess.Popen(_cmd(repo, kubeconfig), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    results = [p.communicate(timeout=TIMEOUT_S) for p in procs]
    assert [p.returncode for p in procs] == [1, 1], [err for _, err in results]
    runs = [_actions(out, s.ns) for out, _ in results]
    for i in range(N):
        name = migration_name(s.ns, f"vm-{i}", sha)
        outcomes = sorted((run[i][2], run[i][3]) for run in runs)
        assert outcomes == [
            ("applied", f"created migration {name}"),
            ("skipped", f"migration {name} exists already: another run for this commit created it (never doubled)"),
        ]
    assert _per_vmi(s) == {f"vm-{i}": 1 for i in range(N)}
