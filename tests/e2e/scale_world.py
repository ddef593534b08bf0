"""TEST HELPER: the big namespace of the scale tests, seeded once per test process and only read by them:
test_drift_scale.py (every VM's drift verdict and the list calls it costs) and test_cluster_scale.py (request count
flat in the VM count, a snapshot of many VMs). tests/xdist_groups.py keeps both modules in one process (the one of
every e2e module, where they run last), and the session fixture `scale_ns` (tests/e2e/conftest.py) seeds it when the
first of them needs it.

vm-<i> is of kind KINDS[i % 7], and drift must find exactly that state for it:
InSync: VM, VMI and launcher pod on nad-b (declared); OutOfSync: the live VM (and its VMI and pod) still on
nad-a; Stopped: runStrategy Halted, no VMI; Missing: not in the cluster; MigrationPending: VM and VMI on nad-b,
the pod on nad-a, MigrationRequired=True; PodDrift: the same without MigrationRequired; NotMigratable: the
same with LiveMigratable=False.

VMS = 707 (101 of each kind): 606 VMs and 505 VMIs and launcher pods in the cluster, so each of the three lists
that grow with the VM count takes two pages at gitnad's default page size (500) and 6-7 at drift_scale's 100.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from gitnad.config import DEFAULT_PAGE_SIZE
from tests.e2e import kubevirt_actor as k
from tests.e2e.conftest import Kube, client
from tests.e2e.kubevirt_actor import KV_GROUP, KV_VERSION, NAD_GROUP, NAD_VERSION, Net

VMS = 707  # the 2,000-VM figure is bench/run's (T7); seeding 2,000 here cost ~85 s of the suite
DECLARED = [Net("default"), Net("bridge-net", "nad-b")]
OLD = [Net("default"), Net("bridge-net", "nad-a")]
KINDS = ("InSync", "OutOfSync", "Stopped", "Missing", "MigrationPending", "PodDrift", "NotMigratable")


def kind_of(i: int) -> str:
    return KINDS[i % len(KINDS)]


IN_CLUSTER = {kind: sum(1 for i in range(VMS) if kind_of(i) == kind) for kind in KINDS}
WITH_VM = VMS - IN_CLUSTER["Missing"]
"""VirtualMachines in the namespace."""
WITH_VMI = WITH_VM - IN_CLUSTER["Stopped"]
"""VirtualMachineInstances, and as many launcher pods."""
assert min(WITH_VM, WITH_VMI) > DEFAULT_PAGE_SIZE  # every list that grows with the VMs is paginated by default


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


def seed(kube: Kube) -> str:
    """A new namespace holding the NADs nad-a and nad-b and the VMS VMs of their kinds; returns its name."""
    ns = kube.namespace("scale")
    co: Any = client.CustomObjectsApi(kube.api)
    core: Any = client.CoreV1Api(kube.api)
    for nad in ("nad-a", "nad-b"):
        co.create_namespaced_custom_object(NAD_GROUP, NAD_VERSION, ns, "network-attachment-definitions", k.nad(nad, ns))
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda i: _seed_one(co, core, ns, i), range(VMS)))
    return ns
