"""A live `gitnad drift` over 700 VMs in 7 pages: the verdict for each VM (the cluster holds seven kinds of VM, by
index, and every item must have exactly the state its kind calls for), and the cost: HTTP requests counted by a
proxy in front of the real kube-apiserver (list calls per resource type with pagination, never one call per
VM), and wall time."""

from __future__ import annotations

import io
import json
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from gitnad.app import drift as app_drift
from gitnad.config import ClusterSettings, OutputFormat
from gitnad.report import progress, render
from tests import proxy
from tests.e2e import kubevirt_actor as k
from tests.e2e.conftest import Kube, client
from tests.e2e.kubevirt_actor import KV_GROUP, KV_VERSION, NAD_GROUP, NAD_VERSION, Net
from tests.envtest import READER_TOKEN, Envtest
from tests.gitutil import Content, commit, make_repo

pytestmark = pytest.mark.slow

VMS = 700  # seven pages: the 2,000-VM figure is bench/run's (T7); seeding 2,000 here cost ~85 s of the suite
PAGE = 100
DECLARED = [Net("default"), Net("bridge-net", "nad-b")]
OLD = [Net("default"), Net("bridge-net", "nad-a")]
KINDS = ("InSync", "OutOfSync", "Stopped", "Missing", "MigrationPending", "PodDrift", "NotMigratable")
"""vm-<i> is of kind KINDS[i % 7], and drift must find exactly that state for it:
InSync: VM, VMI and launcher pod on nad-b (declared); OutOfSync: the live VM (and its VMI and pod) still on
nad-a; Stopped: runStrategy Halted, no VMI; Missing: not in the cluster; MigrationPending: VM and VMI on nad-b,
the pod on nad-a, MigrationRequired=True; PodDrift: the same without MigrationRequired; NotMigratable: the
same with LiveMigratable=False."""


def kind_of(i: int) -> str:
    return KINDS[i % len(KINDS)]


def _seed_one(co: Any, core: Any, ns: str, i: int) -> None:
    """vm-<i> as its kind calls for: VM, VMI and launcher pod with the status their verdict reads."""
    kind, name = kind_of(i), f"vm-{i:05d}"
    if kind == "Missing":
        return
    nets = OLD if kind == "OutOfSync" else DECLARED
    vm = k.vm(name, ns, nets, run_strategy="Halted" if kind == "Stopped" else "Always")
    status = vm.pop("status")
    co.create_namespaced_custom_object(KV_GROUP, KV_VERSION, ns, "virtualmachines", vm)
    if kind == "Stopped":  # the others' verdicts come from their VMI and pod: one call less each (seeding dominates)
        co.patch_namespaced_custom_object_status(KV_GROUP, KV_VERSION, ns, "virtualmachines", name, {"status": status})
        return
    conditions = [k.cond("LiveMigratable", "False" if kind == "NotMigratable" else "True")]
    if kind == "MigrationPending":
        conditions.append(k.cond("MigrationRequired", "True", "AutoMigrationDueToLiveUpdate"))
    body = k.vmi(name, ns, "x", nets, node="node01", pod_uid="x", conditions=conditions)
    del body["metadata"]["uid"], body["metadata"]["ownerReferences"]
    vmi = co.create_namespaced_custom_object(KV_GROUP, KV_VERSION, ns, "virtualmachineinstances", body)
    uid = vmi["metadata"]["uid"]
    on = f"{ns}/nad-a" if kind != "InSync" else f"{ns}/nad-b"
    pod = k.launcher_pod(
        name, ns, uid, f"virt-launcher-{name}-x", None, nets, node="node01", attached={"bridge-net": on}
    )
    del pod["status"]
    created = core.create_namespaced_pod(ns, pod)
    core.patch_namespaced_pod_status(created.metadata.name, ns, {"status": {"phase": "Running"}})
    # The VMI CRD of the envtest CRDs has no status subresource (as Seeder does): status is replaced with the
    # object, now that the launcher pod's uid is known.
    vmi["status"] = k.vmi(name, ns, uid, nets, node="node01", pod_uid=created.metadata.uid, conditions=conditions)[
        "status"
    ]
    co.replace_namespaced_custom_object(KV_GROUP, KV_VERSION, ns, "virtualmachineinstances", name, vmi)


def _pages(n: int) -> int:
    return max(1, -(-n // PAGE))


IN_CLUSTER = {kind: sum(1 for i in range(VMS) if kind_of(i) == kind) for kind in KINDS}
WITH_VMI = VMS - IN_CLUSTER["Missing"] - IN_CLUSTER["Stopped"]
# kubevirts, NADs, daemonsets, migrations: one list each; VMs, VMIs and launcher pods paginated.
EXPECTED_LISTS = 4 + _pages(VMS - IN_CLUSTER["Missing"]) + 2 * _pages(WITH_VMI)


@pytest.fixture(scope="module")
def big(kube: Kube, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    ns = kube.namespace("drift-big")
    co: Any = client.CustomObjectsApi(kube.api)
    core: Any = client.CoreV1Api(kube.api)
    for nad in ("nad-a", "nad-b"):
        co.create_namespaced_custom_object(NAD_GROUP, NAD_VERSION, ns, "network-attachment-definitions", k.nad(nad, ns))
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda i: _seed_one(co, core, ns, i), range(VMS)))
    repo = tmp_path_factory.mktemp("big") / "repo"
    files: dict[str, Content] = {}
    for chunk in range(VMS // 100):  # 100 VMs per file, as a multi-document YAML
        docs = [k.manifest(f"vm-{i:05d}", ns, DECLARED) for i in range(chunk * 100, chunk * 100 + 100)]
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
    again = _pages(VMS - IN_CLUSTER["Missing"]) + 2 * _pages(WITH_VMI) + 1
    assert len(px.requests) == EXPECTED_LISTS + again + 4
