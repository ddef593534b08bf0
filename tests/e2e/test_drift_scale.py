"""A live `gitnad drift` over 707 VMs in 7 pages: the verdict for each VM (the cluster holds seven kinds of VM, by
index, and every item must have exactly the state its kind calls for: tests/e2e/scale_world.py), and the cost: HTTP
requests counted by a proxy in front of the real kube-apiserver (list calls per resource type with pagination,
never one call per VM), and wall time."""

from __future__ import annotations

import io
import json
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from gitnad.app import drift as app_drift
from gitnad.config import ClusterSettings, OutputFormat
from gitnad.report import progress, render
from tests import proxy
from tests.e2e import kubevirt_actor as k
from tests.e2e.conftest import Kube
from tests.e2e.scale_world import DECLARED, VMS, WITH_VM, WITH_VMI, kind_of
from tests.envtest import READER_TOKEN, Envtest
from tests.gitutil import Content, commit, make_repo

pytestmark = pytest.mark.slow

PAGE = 100


def _pages(n: int) -> int:
    return max(1, -(-n // PAGE))


# kubevirts, NADs, daemonsets, migrations: one list each; VMs, VMIs and launcher pods paginated.
EXPECTED_LISTS = 4 + _pages(WITH_VM) + 2 * _pages(WITH_VMI)


@pytest.fixture(scope="module")
def big(scale_ns: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """The scale namespace and a GitOps repository declaring its VMs on nad-b (100 per file, the last one 7)."""
    ns = scale_ns
    repo = tmp_path_factory.mktemp("big") / "repo"
    files: dict[str, Content] = {}
    for chunk in range(-(-VMS // 100)):  # 100 VMs per file, as a multi-document YAML
        docs = [k.manifest(f"vm-{i:05d}", ns, DECLARED) for i in range(chunk * 100, min(VMS, chunk * 100 + 100))]
        files[f"vms/batch-{chunk:02d}.yaml"] = "---\n".join(docs)
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
        timeout=timedelta(seconds=5),  # --wait: OutOfSync and MigrationPending items never settle here
        cluster=ClusterSettings(kubeconfig=kubeconfig, page_size=PAGE),
    )
    t0 = time.monotonic()
    result, _ = app_drift.run(req, lambda: progress.display(io.StringIO(), 30, color=False))
    return json.loads(render(result, OutputFormat.JSON)), time.monotonic() - t0


def test_live_drift_over_many_vms_is_a_handful_of_list_calls(
    big: tuple[str, Path], counted: tuple[proxy.FaultProxy, Path], record_property: Callable[[str, object], None]
) -> None:
    _, repo = big
    px, kubeconfig = counted
    doc, seconds = _run(repo, kubeconfig, wait=False)
    items = doc["items"]
    assert isinstance(items, list)
    ns, _ = big
    assert [(i["vm"], i["network"], i["state"]) for i in items] == [
        (f"{ns}/vm-{n:05d}", "bridge-net", kind_of(n)) for n in range(VMS)
    ]
    states = Counter(i["state"] for i in items)
    verbs = Counter(r.split(" ", 1)[0] for r in px.requests)
    print(f"\nlive drift over {VMS} VMs: {len(px.requests)} requests ({dict(verbs)}), {seconds:.1f}s, {dict(states)}")
    record_property(f"drift_requests_{VMS}_vms", len(px.requests))
    record_property(f"drift_seconds_{VMS}_vms", round(seconds, 2))
    assert verbs == {"GET": EXPECTED_LISTS}
    assert all("watch" not in r for r in px.requests)


def test_wait_setup_cost_over_many_vms(
    big: tuple[str, Path], counted: tuple[proxy.FaultProxy, Path], record_property: Callable[[str, object], None]
) -> None:
    """--wait: the same lists, then one list (for the resourceVersion) and one watch per watched type."""
    _ns, repo = big
    px, kubeconfig = counted
    _doc, seconds = _run(repo, kubeconfig, wait=True)
    watches = [r for r in px.requests if "watch=true" in r]
    print(f"\ndrift --wait over {VMS} VMs: {len(px.requests)} requests, {len(watches)} watches, {seconds:.1f}s")
    record_property(f"drift_wait_requests_{VMS}_vms", len(px.requests))
    # The feed lists VMs, VMIs, pods and migrations again (paginated) for the resourceVersion; 4 watches.
    assert len(watches) == 4
    again = _pages(WITH_VM) + 2 * _pages(WITH_VMI) + 1
    assert len(px.requests) == EXPECTED_LISTS + again + 4
