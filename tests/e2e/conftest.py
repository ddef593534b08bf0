"""One real kube-apiserver + etcd per test session (envtest), with KubeVirt's CRDs and gitnad's RBAC roles.

Cluster-scoped state is created once here (the KubeVirt CR, a Dynamic Networks Controller DaemonSet and
an unrelated DaemonSet); every test isolates its namespaced objects in fresh namespaces.
Skips with a clear reason when KUBEBUILDER_ASSETS is unset (`.ci/run` provisions it).
"""

from __future__ import annotations

import copy
import os
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.envtest import (
    ADMIN_TOKEN,
    NS_READER_TOKEN,
    READER_TOKEN,
    RECONCILER_TOKEN,
    STOP_WHEN_DONE,
    USER_TOKEN,
    Envtest,
)
from tests.pki import Authority

client = pytest.importorskip("kubernetes.client")
kconfig = pytest.importorskip("kubernetes.config")

ROOT = Path(__file__).resolve().parents[2]
CRDS = ROOT / "tests" / "crds" / "kubevirt-crds-for-envtest.yaml"
RBAC = ROOT / "deploy" / "rbac"
OBJECTS = yaml.safe_load((ROOT / "tests" / "data" / "cluster" / "objects.yaml").read_text())
CSAFE = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's parser for the 1.6 MB CRD file: the same objects as `yaml.safe_load_all`, in 0.3 s instead of 2.7 s."""
KV = ("kubevirt.io", "v1")
NAD = ("k8s.cni.cncf.io", "v1")


@dataclass(frozen=True)
class Scenario:
    """The objects of one NAD-swap scenario in one namespace (server-assigned UIDs)."""

    namespace: str
    vm_uid: str
    vmi_uid: str
    pod_uid: str


class Kube:
    """Creates test objects as the admin (validated by the real CRD schemas)."""

    def __init__(self, env: Envtest, api: Any) -> None:
        self.env = env
        self.api = api
        self.core = client.CoreV1Api(api)
        self.apps = client.AppsV1Api(api)
        self.co = client.CustomObjectsApi(api)
        self.rbac = client.RbacAuthorizationV1Api(api)

    def kubeconfig(self, who: str = "admin", server: str | None = None) -> Path:
        token = {
            "admin": ADMIN_TOKEN,
            "user": USER_TOKEN,
            "reader": READER_TOKEN,
            "reconciler": RECONCILER_TOKEN,
            "nsreader": NS_READER_TOKEN,
        }
        name = who if server is None else f"{who}-{uuid.uuid4().hex[:6]}"
        return Path(self.env.write_kubeconfig(name, token[who], server))

    def namespace(self, prefix: str) -> str:
        name = f"{prefix}-{uuid.uuid4().hex[:6]}"
        self.core.create_namespace({"metadata": {"name": name}})
        return name

    def create(self, group_version: tuple[str, str], namespace: str, plural: str, body: dict[str, Any]) -> Any:
        return self.co.create_namespaced_custom_object(*group_version, namespace, plural, body)

    def status(self, group_version: tuple[str, str], ns: str, plural: str, name: str, status: Any) -> None:
        self.co.patch_namespaced_custom_object_status(*group_version, ns, plural, name, {"status": status})

    def scenario(self, ns: str, name: str = "test-vm") -> Scenario:
        """NADs (once per namespace), VM (+status), VMI (with status), VMIM (+status), launcher pod (+status)."""
        for nad in OBJECTS["nads"]:
            try:
                self.create(NAD, ns, "network-attachment-definitions", copy.deepcopy(nad))
            except client.exceptions.ApiException as e:
                if e.status != 409:
                    raise
        vm = _named(OBJECTS["vm"], name)
        created_vm = self.create(KV, ns, "virtualmachines", vm)
        self.status(KV, ns, "virtualmachines", name, OBJECTS["vm_status"])
        vmi = _named(OBJECTS["vmi"], name)
        vmi["metadata"]["ownerReferences"] = [_owner("VirtualMachine", name, created_vm["metadata"]["uid"])]
        created_vmi = self.create(KV, ns, "virtualmachineinstances", vmi)
        vmi_uid = created_vmi["metadata"]["uid"]
        vmim = _named(OBJECTS["vmim"], f"{name}-migration")
        vmim["spec"]["vmiName"] = name
        vmim["metadata"]["labels"]["kubevirt.io/vmi-name"] = name
        self.create(KV, ns, "virtualmachineinstancemigrations", vmim)
        self.status(KV, ns, "virtualmachineinstancemigrations", f"{name}-migration", OBJECTS["vmim_status"])
        pod = _named(OBJECTS["pod"], f"virt-launcher-{name}-fghij")
        meta = pod["metadata"]
        meta["labels"]["kubevirt.io/created-by"] = vmi_uid
        meta["ownerReferences"] = [_owner("VirtualMachineInstance", name, vmi_uid)]
        for key, value in meta["annotations"].items():
            meta["annotations"][key] = value.replace("NAMESPACE", ns)
        created_pod = self.core.create_namespaced_pod(ns, pod)
        self.core.patch_namespaced_pod_status(pod["metadata"]["name"], ns, {"status": OBJECTS["pod_status"]})
        return Scenario(ns, created_vm["metadata"]["uid"], vmi_uid, created_pod.metadata.uid)

    def many(self, ns: str, count: int, threads: int = 8) -> float:
        """`count` VMs, each with its VMI and launcher pod (3 creates each, in parallel); returns seconds."""
        t0 = time.monotonic()

        def one(i: int) -> None:
            name = f"vm-{i:05d}"
            self.create(KV, ns, "virtualmachines", _named(OBJECTS["vm"], name))
            vmi = self.create(KV, ns, "virtualmachineinstances", _named(OBJECTS["vmi"], name))
            pod = _named(OBJECTS["pod"], f"virt-launcher-{name}-x")
            pod["metadata"]["ownerReferences"] = [_owner("VirtualMachineInstance", name, vmi["metadata"]["uid"])]
            self.core.create_namespaced_pod(ns, pod)

        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(one, range(count)))
        return time.monotonic() - t0


def _named(template: dict[str, Any], name: str) -> dict[str, Any]:
    body = copy.deepcopy(template)
    body["metadata"]["name"] = name
    return body


def _owner(kind: str, name: str, uid: str) -> dict[str, Any]:
    return {"apiVersion": "kubevirt.io/v1", "kind": kind, "name": name, "uid": uid, "controller": True}


def _install_crds(api: Any) -> None:
    ext = client.ApiextensionsV1Api(api)
    crds = [d for d in yaml.load_all(CRDS.read_text(), Loader=CSAFE) if d]
    for crd in crds:
        ext.create_custom_resource_definition(body=crd)
    for crd in crds:
        deadline = time.monotonic() + 60
        while True:
            conds = ext.read_custom_resource_definition(crd["metadata"]["name"]).status.conditions or []
            state = {c.type: c.status for c in conds}
            if state.get("Established") == "True" and state.get("NamesAccepted") == "True":
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"CRD {crd['metadata']['name']} not established: {state}")
            time.sleep(0.1)


def _install_rbac(api: Any) -> None:
    """deploy/rbac's ClusterRoles, bound to the static-token users gitnad-reader / gitnad-reconciler."""
    rbac = client.RbacAuthorizationV1Api(api)
    for name in ("clusterrole-reader.yaml", "clusterrole-reconciler.yaml"):
        rbac.create_cluster_role(yaml.safe_load((RBAC / name).read_text()))
    for user in ("gitnad-reader", "gitnad-reconciler"):
        rbac.create_cluster_role_binding(
            {
                "metadata": {"name": f"test-{user}"},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": user},
                "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": user}],
            }
        )


def _install_cluster_state(kube: Kube) -> None:
    kube.core.create_namespace({"metadata": {"name": "kubevirt"}})
    kube.create(KV, "kubevirt", "kubevirts", copy.deepcopy(OBJECTS["kubevirt"]))
    kube.status(KV, "kubevirt", "kubevirts", "kubevirt", OBJECTS["kubevirt_status"])
    kube.apps.create_namespaced_daemon_set("kube-system", copy.deepcopy(OBJECTS["daemonset"]))
    other = copy.deepcopy(OBJECTS["daemonset"])
    other["metadata"] = {"name": "kube-proxy", "namespace": "kube-system", "labels": {"app": "kube-proxy"}}
    other["spec"]["selector"]["matchLabels"] = {"app": "kube-proxy"}
    other["spec"]["template"]["metadata"]["labels"] = {"app": "kube-proxy"}
    kube.apps.create_namespaced_daemon_set("kube-system", other)


@pytest.fixture(scope="session")
def client_ca(tmp_path_factory: pytest.TempPathFactory) -> Authority:
    """The CA the API server trusts for client certificates (`--client-ca-file`)."""
    return Authority(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="session")
def envtest(client_ca: Authority) -> Iterator[Envtest]:
    if not os.environ.get("KUBEBUILDER_ASSETS"):
        pytest.skip("KUBEBUILDER_ASSETS is unset: run ../shared/envtest/ensure-assets.sh (as .ci/run does)")
    env = Envtest(client_ca_file=str(client_ca.ca_file)).start()
    try:
        api = kconfig.new_client_from_config(config_file=env.admin_kubeconfig)
        _install_crds(api)
        _install_rbac(api)
        _install_cluster_state(Kube(env, api))
        api.close()
        STOP_WHEN_DONE.append(env)
        yield env
    finally:
        env.stop()


@pytest.fixture(scope="session")
def kube(envtest: Envtest) -> Iterator[Kube]:
    cfg = client.Configuration()
    kconfig.load_kube_config(config_file=envtest.admin_kubeconfig, client_configuration=cfg)
    cfg.connection_pool_maxsize = 16
    api = client.ApiClient(cfg)
    yield Kube(envtest, api)
    api.close()


@pytest.fixture(scope="session")
def scale_ns(kube: Kube) -> str:
    """The scale tests' namespace of 707 VMs (tests/e2e/scale_world.py), seeded once per process (~20 s) for the
    modules that only read it: test_drift_scale.py and test_cluster_scale.py (one xdist group)."""
    from tests.e2e import scale_world

    return scale_world.seed(kube)
