"""The cost of a live `gitnad drift` over 2,000 VMs: HTTP requests counted by a proxy in front of the real
kube-apiserver (list calls per resource type with pagination, never one call per VM), and wall time."""

from __future__ import annotations

import copy
import io
import json
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from gitnad.app import drift as app_drift
from gitnad.config import ClusterSettings, OutputFormat
from gitnad.report import progress, render
from tests import proxy
from tests.e2e.conftest import NAD, OBJECTS, Kube
from tests.envtest import READER_TOKEN, Envtest
from tests.gitutil import Content, commit, make_repo

pytestmark = pytest.mark.slow

VMS = 2000
PAGE = 500
# kubevirts, NADs, VMs, VMIs, migrations, pods, daemonsets: one list each; VMs, VMIs and pods take 4 pages.
EXPECTED_LISTS = 7 + 3 * (VMS // PAGE - 1)


@pytest.fixture(scope="module")
def big(kube: Kube, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    ns = kube.namespace("drift-big")
    for nad in OBJECTS["nads"]:
        kube.create(NAD, ns, "network-attachment-definitions", copy.deepcopy(nad))
    kube.many(ns, VMS)
    repo = tmp_path_factory.mktemp("big") / "repo"
    files: dict[str, Content] = {}
    for chunk in range(VMS // 100):  # 100 VMs per file, as a multi-document YAML
        docs = []
        for i in range(chunk * 100, chunk * 100 + 100):
            vm = copy.deepcopy(OBJECTS["vm"])
            vm["metadata"].update(name=f"vm-{i:05d}", namespace=ns)
            docs.append(vm)
        files[f"vms/batch-{chunk:02d}.yaml"] = yaml.safe_dump_all(docs, sort_keys=False)
    commit(make_repo(repo), files)
    return ns, repo


@pytest.fixture
def counted(envtest: Envtest, kube: Kube) -> Iterator[tuple[proxy.FaultProxy, Path]]:
    p = proxy.FaultProxy(envtest.url, envtest.ca_file, envtest.key_file, envtest.ca_file).start()
    try:
        yield p, Path(envtest.write_kubeconfig("reader-counted", READER_TOKEN, p.url))
    finally:
        p.stop()


def _run(repo: Path, kubeconfig: Path, wait: bool) -> tuple[dict[str, object], float]:
    req = app_drift.DriftRequest(
        repo=repo,
        config_file=None,
        ref="HEAD",
        base=None,
        wait=wait,
        timeout=timedelta(seconds=30),
        cluster=ClusterSettings(kubeconfig=kubeconfig, page_size=PAGE),
    )
    t0 = time.monotonic()
    result, _ = app_drift.run(req, lambda: progress.display(io.StringIO(), 30, color=False))
    return json.loads(render(result, OutputFormat.JSON)), time.monotonic() - t0


def test_live_drift_over_2000_vms_is_a_handful_of_list_calls(
    big: tuple[str, Path], counted: tuple[proxy.FaultProxy, Path], record_property: Callable[[str, object], None]
) -> None:
    _ns, repo = big
    px, kubeconfig = counted
    doc, seconds = _run(repo, kubeconfig, wait=False)
    items = doc["items"]
    assert isinstance(items, list) and len(items) == VMS
    states = Counter(i["state"] for i in items)
    assert len(states) == 1, states  # every VM is built the same way: one verdict for all
    verbs = Counter(r.split(" ", 1)[0] for r in px.requests)
    print(f"\nlive drift over {VMS} VMs: {len(px.requests)} requests ({dict(verbs)}), {seconds:.1f}s, {dict(states)}")
    record_property("drift_requests_2000_vms", len(px.requests))
    record_property("drift_seconds_2000_vms", round(seconds, 2))
    assert verbs == {"GET": EXPECTED_LISTS}
    assert all("watch" not in r for r in px.requests)


def test_wait_setup_cost_over_2000_vms(
    big: tuple[str, Path], counted: tuple[proxy.FaultProxy, Path], record_property: Callable[[str, object], None]
) -> None:
    """--wait: the same lists, then one list (for the resourceVersion) and one watch per watched type."""
    _ns, repo = big
    px, kubeconfig = counted
    _doc, seconds = _run(repo, kubeconfig, wait=True)
    watches = [r for r in px.requests if "watch=true" in r]
    print(f"\ndrift --wait over {VMS} VMs: {len(px.requests)} requests, {len(watches)} watches, {seconds:.1f}s")
    record_property("drift_wait_requests_2000_vms", len(px.requests))
    # VMs, VMIs, pods: 4 pages each again; migrations 1 page; 4 watches.
    assert len(watches) == 4
    assert len(px.requests) == EXPECTED_LISTS + (3 * VMS // PAGE + 1) + 4
