"""`gitnad drift --wait` converges by watch: a test-side actor plays KubeVirt (VMI spec + MigrationRequired,
a migration through its phases, a target launcher pod with the new network-status, the VMI moved) while
the command watches; it returns converged before its timeout, and stops early on a terminal state."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from gitnad.app import drift as app_drift
from gitnad.config import ClusterSettings, OutputFormat
from gitnad.errors import ExitCode
from gitnad.report import progress, render
from tests.e2e.conftest import Kube
from tests.e2e.kubevirt_actor import KV_GROUP, KV_VERSION, KubeVirtActor, Net, Seeder, SwapPlan, manifest
from tests.gitutil import commit, make_repo

pytestmark = pytest.mark.slow

OLD = [Net("default"), Net("bridge-net", "nad-a")]
NEW = [Net("default"), Net("bridge-net", "nad-b")]
TIMEOUT_S = 60


def _request(kube: Kube, repo: Path, timeout_s: float) -> app_drift.DriftRequest:
    return app_drift.DriftRequest(
        repo=repo,
        config_file=None,
        ref="HEAD",
        base=None,
        wait=True,
        timeout=timedelta(seconds=timeout_s),
        cluster=ClusterSettings(kubeconfig=kube.kubeconfig("reader")),
    )


def _drift(req: app_drift.DriftRequest, lines: io.StringIO) -> tuple[str, ExitCode]:
    """`drift --wait --format json` with its progress lines (stderr is not a TTY here) captured in `lines`."""
    result, code = app_drift.run(req, lambda: progress.display(lines, req.timeout.total_seconds(), color=False))
    return render(result, OutputFormat.JSON), code


def _sync_vm(s: Seeder, name: str, nets: list[Net]) -> None:
    """What Argo CD does: the live VM's template now has the new NAD."""
    vm: Any = s.co.get_namespaced_custom_object(KV_GROUP, KV_VERSION, s.ns, "virtualmachines", name)
    vm["spec"]["template"]["spec"]["networks"] = [
        {"name": n.name, "pod": {}} if n.nad is None else {"name": n.name, "multus": {"networkName": n.nad}}
        for n in nets
    ]
    s.co.replace_namespaced_custom_object(KV_GROUP, KV_VERSION, s.ns, "virtualmachines", name, vm)


def test_wait_converges_while_kubevirt_migrates(kube: Kube, tmp_path: Path) -> None:
    ns = kube.namespace("wait")
    s = Seeder(kube.api, ns)
    s.nad("nad-a", 10)
    s.nad("nad-b", 20)
    s.running("db-1", OLD)
    repo = tmp_path / "repo"
    commit(make_repo(repo), {"vms/db-1.yaml": manifest("db-1", ns, NEW)})
    _sync_vm(s, "db-1", NEW)

    plan = SwapPlan(vm="db-1", ns=ns, nets_before=OLD, network="bridge-net", new_nad="nad-b", step_s=0.4)
    actor = KubeVirtActor(kube.api, plan, start_delay_s=2.0)
    lines = io.StringIO()
    actor.start()
    t0 = time.monotonic()
    text, code = _drift(_request(kube, repo, TIMEOUT_S), lines)
    elapsed = time.monotonic() - t0
    plan.done.wait(30)
    assert plan.error == []

    (item,) = json.loads(text)["items"]
    assert (code, item["state"], item["pod"], item["vmi"]) == (ExitCode.OK, "InSync", f"{ns}/nad-b", f"{ns}/nad-b")
    assert item["detail"] == f"VM, VMI and pod virt-launcher-db-1-target on {ns}/nad-b"
    assert elapsed < TIMEOUT_S / 2
    # The states it watched go by, one plain line per change (stderr is not a TTY here).
    seen = [line.rsplit("(", 1)[1] for line in lines.getvalue().splitlines()]
    assert seen[0] == "1 NotPropagated)"
    assert seen[-1] == "1 InSync)"
    assert {"1 MigrationPending)", "1 Migrating)"} <= set(seen), seen
    assert "vmi-on-target" in actor.steps


def test_wait_stops_early_on_a_terminal_state(kube: Kube, tmp_path: Path) -> None:
    """A default-network swap never migrates (PodDrift): --wait returns at once, not at its timeout."""
    ns = kube.namespace("wait-terminal")
    s = Seeder(kube.api, ns)
    s.nad("prim-a", 10)
    s.nad("prim-b", 20)
    new = [Net("primary", "prim-b", default=True)]
    s.running("router-1", new, new, {"primary": f"{ns}/prim-a"})
    repo = tmp_path / "repo"
    commit(make_repo(repo), {"vms/router-1.yaml": manifest("router-1", ns, new)})
    t0 = time.monotonic()
    text, code = _drift(_request(kube, repo, TIMEOUT_S), io.StringIO())
    assert time.monotonic() - t0 < 15
    assert code is ExitCode.FINDINGS
    assert json.loads(text)["items"][0]["state"] == "PodDrift"


def test_wait_times_out_when_nothing_moves(kube: Kube, tmp_path: Path) -> None:
    ns = kube.namespace("wait-timeout")
    s = Seeder(kube.api, ns)
    s.nad("nad-a", 10)
    s.nad("nad-b", 20)
    s.running("web-1", OLD)
    repo = tmp_path / "repo"
    commit(make_repo(repo), {"vms/web-1.yaml": manifest("web-1", ns, NEW)})
    _sync_vm(s, "web-1", NEW)  # synced, but no KubeVirt here to propagate it: NotPropagated forever
    t0 = time.monotonic()
    text, code = _drift(_request(kube, repo, 3), io.StringIO())
    assert 3 <= time.monotonic() - t0 < 15
    doc = json.loads(text)
    assert (code, doc["items"][0]["state"]) == (ExitCode.FINDINGS, "NotPropagated")
    assert "--wait timed out after 0:00:03" in doc["warnings"]


def test_cli_wait_ends_with_its_exit_code(kube: Kube, tmp_path: Path) -> None:
    """The real command ends with the verdict's code: its watch threads are stopped and joined first. (They were
    left reading their TLS streams, and the interpreter's exit then aborted the process: SIGABRT, exit 134, for
    every `drift --wait`, converged or not.)"""
    ns = kube.namespace("wait-cli")
    s = Seeder(kube.api, ns)
    s.nad("nad-b", 20)
    s.running("db-1", NEW)
    repo = tmp_path / "repo"
    commit(make_repo(repo), {"vms/db-1.yaml": manifest("db-1", ns, NEW)})
    cmd = [sys.executable, "-m", "gitnad.cli", "drift", "--wait", "--repo", str(repo), "--format", "json"]
    cmd += ["--kubeconfig", str(kube.kubeconfig("reader"))]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env={**os.environ, "NO_COLOR": "1"})
    assert (res.returncode, json.loads(res.stdout)["summary"]) == (0, {"InSync": 1, "converged": True})
    assert res.stderr == "[   0.0s] CONVERGED: 1 of 1 network(s) converged (1 InSync)\n"
