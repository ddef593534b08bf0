"""Faults between gitnad and a real kube-apiserver (tests/proxy.py): retries, Retry-After with a cap,
backoff, the overall deadline, exit 3 with a message naming verb and resource, never a partial result."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from gitnad.config import ClusterSettings
from gitnad.errors import ClusterError
from gitnad.models.cluster import FactSource, ResourceType, UnreadableCause
from gitnad.sources.cluster import assemble, load_facts
from gitnad.sources.cluster.live import LiveReader
from tests import proxy
from tests.e2e.conftest import Kube
from tests.envtest import Envtest

pytestmark = pytest.mark.slow

VMIS = "/apis/kubevirt.io/v1/namespaces/{ns}/virtualmachineinstances"
KUBEVIRTS = "/apis/kubevirt.io/v1/kubevirts"
FAST = {"backoff_base_s": 0.2, "backoff_max_s": 1.0, "max_retries": 3, "request_timeout_s": 1.0, "deadline_s": 20.0}


@pytest.fixture(scope="module")
def fault_proxy(envtest: Envtest) -> Iterator[proxy.FaultProxy]:
    p = proxy.FaultProxy(envtest.url, envtest.ca_file, envtest.key_file, envtest.ca_file).start()
    yield p
    p.stop()


@pytest.fixture
def px(fault_proxy: proxy.FaultProxy) -> Iterator[proxy.FaultProxy]:
    fault_proxy.reset_log()
    yield fault_proxy
    fault_proxy.reset_log()


@pytest.fixture(scope="module")
def ns(kube: Kube) -> str:
    name = kube.namespace("faults")
    kube.scenario(name)
    return name


class Sleeps:
    """Records the reader's retry delays (and really sleeps them, so timing stays honest)."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(round(seconds, 3))
        time.sleep(seconds)


def _reader(kube: Kube, px: proxy.FaultProxy, sleeps: Sleeps, **settings: float) -> LiveReader:
    knobs = {**FAST, **settings}
    cs = ClusterSettings(kubeconfig=kube.kubeconfig("reader", px.url), **knobs)  # type: ignore[arg-type]
    return LiveReader(cs, sleep=sleeps)


def _baseline(kube: Kube, ns: str) -> dict[str, object]:
    facts = load_facts(ClusterSettings(kubeconfig=kube.kubeconfig("reader")), [ns])
    return facts.model_dump(exclude={"source", "origin", "captured_at"})


@pytest.mark.parametrize(
    ("faults", "delays", "outcomes"),
    [
        ([proxy.status(429, "1")], [1.0], ["status 429", "forwarded 200"]),
        ([proxy.status(429, "120")], [2.0], ["status 429", "forwarded 200"]),  # Retry-After capped
        ([proxy.status(503, "0")], [0.0], ["status 503", "forwarded 200"]),
        ([proxy.status(500), proxy.status(500)], [0.2, 0.4], ["status 500", "status 500", "forwarded 200"]),
        ([proxy.status(502), proxy.status(504), proxy.status(500)], [0.2, 0.4, 0.8], None),
        ([proxy.reset()], [0.2], ["reset", "forwarded 200"]),
        ([proxy.stall(3.0)], [0.2], ["stall 3s", "forwarded 200"]),  # client read timeout is 1 s
    ],
    ids=["429-retry-after", "429-retry-after-capped", "503-retry-after-0", "500-twice", "5xx-thrice", "reset", "stall"],
)
def test_transient_faults_are_retried_and_the_result_is_complete(
    kube: Kube,
    ns: str,
    px: proxy.FaultProxy,
    faults: list[proxy.Fault],
    delays: list[float],
    outcomes: list[str] | None,
) -> None:
    target = VMIS.format(ns=ns)
    px.inject(*(proxy.Fault(f.kind, f.status, f.headers, f.seconds, match=target) for f in faults))
    sleeps = Sleeps()
    reader = _reader(kube, px, sleeps, max_retry_after_s=2.0)
    facts = assemble.to_facts(reader.capture([ns]), FactSource.LIVE)
    assert sleeps.delays == delays
    assert reader.requests == 7 + len(faults) and reader.retries == len(faults)
    hits = [o for r, o in zip(px.requests, px.outcomes, strict=True) if target in r]
    assert hits == (outcomes or [f"status {f.status}" for f in faults] + ["forwarded 200"])
    assert facts.model_dump(exclude={"source", "origin", "captured_at"}) == _baseline(kube, ns)


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        (
            proxy.status(500),
            "list kubevirts.kubevirt.io in all namespaces: gave up after 4 attempts "
            "(last error: 500 Internal Server Error)",
        ),
        (
            proxy.status(429, "1"),
            "list kubevirts.kubevirt.io in all namespaces: gave up after 4 attempts "
            "(last error: 429 Too Many Requests)",
        ),
    ],
    ids=["500", "429"],
)
def test_persistent_faults_give_up_with_a_clear_error(
    kube: Kube, ns: str, px: proxy.FaultProxy, fault: proxy.Fault, message: str
) -> None:
    px.always = proxy.Fault(fault.kind, fault.status, fault.headers, match=KUBEVIRTS)
    reader = _reader(kube, px, Sleeps())
    with pytest.raises(ClusterError) as err:
        reader.capture([ns])
    assert err.value.message == message
    assert err.value.exit_code == 3
    assert reader.requests == 4


def test_deadline_bounds_a_stalled_server(kube: Kube, ns: str, px: proxy.FaultProxy) -> None:
    px.always = proxy.stall(30.0)
    sleeps = Sleeps()
    reader = _reader(kube, px, sleeps, request_timeout_s=0.5, deadline_s=2.0, max_retries=10)
    t0 = time.monotonic()
    with pytest.raises(ClusterError) as err:
        reader.capture([ns])
    elapsed = time.monotonic() - t0
    assert 1.5 < elapsed < 3.0
    msg = err.value.message
    assert msg.startswith("list kubevirts.kubevirt.io in all namespaces: deadline of 2s exceeded")
    assert "timeout talking to https://127.0.0.1:" in msg and "ReadTimeoutError" in msg
    assert sleeps.delays == [0.2, 0.4][: len(sleeps.delays)] and len(sleeps.delays) >= 1


def test_failure_on_a_later_page_is_an_error_not_a_shorter_list(kube: Kube, px: proxy.FaultProxy) -> None:
    """Page 1 of the VMs arrives, page 2 keeps failing: no facts at all, never the first page as 'all VMs'."""
    ns = kube.namespace("pages")
    kube.many(ns, 5)
    px.always = proxy.status(503, match="continue=")
    reader = _reader(kube, px, Sleeps(), max_retries=2, page_size=2)
    with pytest.raises(ClusterError) as err:
        reader.capture([ns])
    assert err.value.message == (
        f"list virtualmachines.kubevirt.io in namespace {ns}: gave up after 3 attempts "
        "(last error: 503 Service Unavailable)"
    )
    pages = [r for r in px.requests if "/virtualmachines?" in r]
    assert len(pages) == 4 and "continue=" not in pages[0] and all("continue=" in p for p in pages[1:])


def test_404_where_discovery_agrees_means_not_installed(kube: Kube, px: proxy.FaultProxy) -> None:
    """A cluster without the NAD CRD or without KubeVirt: the list answers 404 and API discovery does not list the
    resource. In a namespace where nothing shows otherwise, facts say "not installed", no error."""
    empty = kube.namespace("no-crds")
    px.hide("/apis/k8s.cni.cncf.io/v1", "network-attachment-definitions")
    px.hide("/apis/kubevirt.io/v1", "kubevirts")
    reader = _reader(kube, px, Sleeps())
    facts = assemble.to_facts(reader.capture([empty]), FactSource.LIVE)
    assert (facts.nads, facts.kubevirt, facts.kubevirt_installed, facts.unreadable) == ((), None, False, ())
    assert facts.warnings == (
        "kubevirts.kubevirt.io: not installed (the API server does not serve this API)",
        "network-attachment-definitions.k8s.cni.cncf.io: not installed (the API server does not serve this API)",
    )
    assert reader.retries == 0
    # one list and one discovery request for each; the NAD group/version is not served at all
    assert [(r.split("?")[0], o) for r, o in zip(px.requests, px.outcomes, strict=True) if "hidden" in o] == [
        ("GET /apis/kubevirt.io/v1/kubevirts", "hidden 404"),
        ("GET /apis/kubevirt.io/v1", "hidden 200"),
        (f"GET /apis/k8s.cni.cncf.io/v1/namespaces/{empty}/network-attachment-definitions", "hidden 404"),
        ("GET /apis/k8s.cni.cncf.io/v1", "hidden 404"),
    ]


def test_404_that_discovery_contradicts_is_an_error(kube: Kube, ns: str, px: proxy.FaultProxy) -> None:
    """A 404 on a list while the API server's discovery lists the resource: something in the way answers for it
    (a proxy, a stale aggregated API). Never "none exist"."""
    px.always = proxy.status(404, match="/network-attachment-definitions")
    reader = _reader(kube, px, Sleeps())
    with pytest.raises(ClusterError) as err:
        reader.capture([ns])
    assert err.value.message == (
        f"list network-attachment-definitions.k8s.cni.cncf.io in namespace {ns}: 404 Not Found: injected by the "
        "test proxy: 404, although the API server lists network-attachment-definitions in /apis/k8s.cni.cncf.io/v1 "
        "(API discovery): something in the way of the API server (a proxy, a stale aggregated API) answers for "
        "it, so whether any network-attachment-definitions.k8s.cni.cncf.io exist cannot be told"
    )


def test_absent_api_contradicted_by_the_cluster_is_unknown(kube: Kube, ns: str, px: proxy.FaultProxy) -> None:
    """The NAD CRD is really gone (list and discovery), yet the launcher pod is attached to a NAD through Multus:
    NADs are unreadable, not absent; the same for KubeVirt's migrations while its VMs are served."""
    px.hide("/apis/k8s.cni.cncf.io/v1", "network-attachment-definitions")
    px.hide("/apis/kubevirt.io/v1", "virtualmachineinstancemigrations")
    facts = assemble.to_facts(_reader(kube, px, Sleeps()).capture([ns]), FactSource.LIVE)
    assert [(u.resource, u.cause, u.namespace, u.subjects, u.reason) for u in facts.unreadable] == [
        (
            ResourceType.NADS,
            UnreadableCause.CONTRADICTED,
            None,
            (),
            f"the API server answers 404 (not installed), but launcher pod {ns}/virt-launcher-test-vm-fghij is "
            f"attached to {ns}/nad-with-vlan20 (network-status): a half-installed or upgrading KubeVirt or Multus, or "
            "something in the way of the API server",
        ),
        (
            ResourceType.MIGRATIONS,
            UnreadableCause.CONTRADICTED,
            None,
            (),
            "the API server answers 404 (not installed), but it serves virtualmachines.kubevirt.io, and KubeVirt "
            "installs both together (and 1 more): a half-installed or upgrading KubeVirt or Multus, or something in "
            "the way of the API server",
        ),
    ]
    assert not any("not installed" in w for w in facts.warnings)


def test_a_non_json_answer_is_an_error(kube: Kube, ns: str, px: proxy.FaultProxy) -> None:
    px.inject(proxy.garbage(match=VMIS.format(ns=ns)))
    reader = _reader(kube, px, Sleeps())
    with pytest.raises(ClusterError) as err:
        reader.capture([ns])
    assert err.value.message == (
        f"list virtualmachineinstances.kubevirt.io in namespace {ns}: "
        "the server's answer is not JSON (Expecting value: line 1 column 1 (char 0))"
    )


def test_unreachable_server(kube: Kube, ns: str, tmp_path: Path) -> None:
    dead = proxy.FaultProxy("https://127.0.0.1:1", kube.env.ca_file, kube.env.key_file, kube.env.ca_file)
    url = dead.url
    dead.stop()  # nothing listens on this port any more
    settings = ClusterSettings(kubeconfig=kube.kubeconfig("reader", url), **FAST)  # type: ignore[arg-type]
    reader = LiveReader(settings, sleep=Sleeps())
    with pytest.raises(ClusterError) as err:
        reader.capture([ns])
    assert err.value.message.startswith(
        f"list kubevirts.kubevirt.io in all namespaces: gave up after 4 attempts (last error: cannot reach {url} ("
    )
    assert "Connection refused" in err.value.message


def test_cli_exit_3_and_no_file_on_persistent_500(kube: Kube, ns: str, px: proxy.FaultProxy, tmp_path: Path) -> None:
    px.always = proxy.status(500, match="/pods")
    out = tmp_path / "snap.yaml"
    cfg = kube.kubeconfig("reader", px.url)
    cmd = [sys.executable, "-m", "gitnad.cli", "snapshot", "--kubeconfig", str(cfg), "--namespace", ns, "-o", str(out)]
    t0 = time.monotonic()
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    elapsed = time.monotonic() - t0
    assert res.returncode == 3
    assert res.stderr == (
        f"gitnad: error: list pods (labelSelector kubevirt.io=virt-launcher) in namespace {ns}: "
        "gave up after 6 attempts (last error: 500 Internal Server Error)\n"
    )
    assert res.stdout == "" and list(tmp_path.iterdir()) == []
    assert elapsed > 0.2 + 0.4 + 0.8 + 1.6 + 3.2  # the default backoff really waited
