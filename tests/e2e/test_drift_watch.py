"""The watch adapter of `drift --wait` on a real kube-apiserver: events update the facts, and a real
`410 Gone` (a resourceVersion older than the server's watch window) re-lists and resumes."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from gitnad.config import ClusterSettings
from gitnad.models.cluster import ResourceType, UnreadableCause
from gitnad.sources.cluster import watch as watch_module
from gitnad.sources.cluster.watch import LiveFeed
from tests import proxy
from tests.e2e.conftest import Kube
from tests.e2e.kubevirt_actor import KV_GROUP, KV_VERSION, Net, Seeder, cond
from tests.envtest import READER_TOKEN, Envtest

pytestmark = pytest.mark.slow

NETS = [Net("default"), Net("bridge-net", "nad-a")]


def _until(feed: LiveFeed, check: object, seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if callable(check) and check():
            return True
        feed.wait(0.5)
    return bool(callable(check) and check())


def _set_required(s: Seeder, name: str) -> None:
    vmi = s.co.get_namespaced_custom_object(KV_GROUP, KV_VERSION, s.ns, "virtualmachineinstances", name)
    vmi["status"]["conditions"].append(cond("MigrationRequired", "True", "AutoMigrationDueToLiveUpdate"))
    s.co.replace_namespaced_custom_object(KV_GROUP, KV_VERSION, s.ns, "virtualmachineinstances", name, vmi)


def test_events_update_the_facts(kube: Kube, tmp_path: Path) -> None:
    ns = kube.namespace("watch")
    s = Seeder(kube.api, ns)
    s.nad("nad-a", 10)
    s.running("vm-1", NETS)
    with LiveFeed(ClusterSettings(kubeconfig=kube.kubeconfig("reader")), [ns]) as feed:
        assert feed.facts().vmi(f"{ns}/vm-1").condition("MigrationRequired") is None  # type: ignore[union-attr]
        lists = feed.reader.requests
        _set_required(s, "vm-1")
        s.running("vm-2", NETS)
        assert _until(
            feed, lambda: (v := feed.facts().vmi(f"{ns}/vm-1")) is not None and v.condition("MigrationRequired")
        )
        assert _until(feed, lambda: feed.facts().vm(f"{ns}/vm-2") is not None and len(feed.facts().pods) == 2)
        assert feed.reader.requests == lists  # by watch, not by listing again
        assert feed.watch_requests >= 4 and feed.failed == {}


def test_gone_relists_and_resumes(kube: Kube, envtest: Envtest, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first VMI watch is answered 410 Gone (by a proxy in front of the real server): the feed lists the
    VMIs again and watches on from the new version, so later changes still arrive."""
    monkeypatch.setattr(watch_module, "WATCH_TIMEOUT_S", 2)  # the proxy forwards a watch when it ends
    ns = kube.namespace("watch-gone")
    s = Seeder(kube.api, ns)
    s.nad("nad-a", 10)
    s.running("vm-1", NETS)
    px = proxy.FaultProxy(envtest.url, envtest.ca_file, envtest.key_file, envtest.ca_file).start()
    try:
        kubeconfig = envtest.write_kubeconfig("reader-gone", READER_TOKEN, px.url)
        px.inject(proxy.status(410, match=f"/namespaces/{ns}/virtualmachineinstances?allowWatchBookmarks"))
        with LiveFeed(ClusterSettings(kubeconfig=Path(kubeconfig)), [ns]) as feed:
            assert _until(feed, lambda: feed.relists == 1)
            _set_required(s, "vm-1")
            assert _until(
                feed, lambda: (v := feed.facts().vmi(f"{ns}/vm-1")) is not None and v.condition("MigrationRequired")
            )
            assert feed.failed == {}
        vmi_calls = [
            (r.split("?")[1].split("&"), o)
            for r, o in zip(px.requests, px.outcomes, strict=True)
            if f"/namespaces/{ns}/virtualmachineinstances?" in r
        ]
        gone = next(i for i, (_, o) in enumerate(vmi_calls) if o == "status 410")
        assert "watch=true" in vmi_calls[gone][0]
        assert "watch=true" not in vmi_calls[gone + 1][0]  # the re-list
        assert "watch=true" in vmi_calls[gone + 2][0]  # then watching again
    finally:
        px.stop()


def test_a_broken_watch_makes_its_facts_unreadable(kube: Kube, envtest: Envtest) -> None:
    """A watch refused for good (403) must not leave stale facts looking current: drift fails closed."""
    ns = kube.namespace("watch-403")
    s = Seeder(kube.api, ns)
    s.nad("nad-a", 10)
    s.running("vm-1", NETS)
    px = proxy.FaultProxy(envtest.url, envtest.ca_file, envtest.key_file, envtest.ca_file).start()
    try:
        kubeconfig = envtest.write_kubeconfig("reader-403", READER_TOKEN, px.url)
        px.inject(proxy.status(403, match=f"/namespaces/{ns}/pods?allowWatchBookmarks"))
        with LiveFeed(ClusterSettings(kubeconfig=Path(kubeconfig)), [ns]) as feed:
            assert _until(feed, lambda: bool(feed.failed))
            assert list(feed.failed) == ["pods"]
            (record,) = feed.facts().unreadable
            assert (record.resource, record.cause, record.namespace, record.subjects) == (
                ResourceType.PODS,
                UnreadableCause.NOT_READ,
                None,
                (),
            )
            assert record.text == (
                "pods: watch broke: watch pods (labelSelector kubevirt.io=virt-launcher) "
                f"in namespace {ns}: 403 Forbidden"
            )
    finally:
        px.stop()


@pytest.mark.parametrize(
    "fault",
    [proxy.reset, proxy.garbage],
    ids=["connection-reset", "not-json-stream"],
)
def test_a_transport_error_resumes_the_watch(
    kube: Kube, envtest: Envtest, monkeypatch: pytest.MonkeyPatch, fault: object
) -> None:
    """A dropped connection or a garbled stream is transport trouble: the watch resumes, nothing is lost."""
    monkeypatch.setattr(watch_module, "RECONNECT_PAUSE_S", 0.1)
    monkeypatch.setattr(watch_module, "WATCH_TIMEOUT_S", 2)  # the proxy forwards a watch when it ends
    ns = kube.namespace("watch-drop")
    s = Seeder(kube.api, ns)
    s.nad("nad-a", 10)
    s.running("vm-1", NETS)
    px = proxy.FaultProxy(envtest.url, envtest.ca_file, envtest.key_file, envtest.ca_file).start()
    try:
        kubeconfig = envtest.write_kubeconfig(f"reader-{ns}", READER_TOKEN, px.url)
        px.inject(fault(match=f"/namespaces/{ns}/virtualmachineinstances?allowWatchBookmarks"))  # type: ignore[operator]
        with LiveFeed(ClusterSettings(kubeconfig=Path(kubeconfig)), [ns]) as feed:
            _set_required(s, "vm-1")
            assert _until(
                feed, lambda: (v := feed.facts().vmi(f"{ns}/vm-1")) is not None and v.condition("MigrationRequired")
            )
            assert feed.failed == {} and feed.facts().unreadable == ()
        watches = [r for r in px.requests if f"/namespaces/{ns}/virtualmachineinstances?allowWatchBookmarks" in r]
        assert len(watches) >= 2  # the faulty one, then the resumed one
    finally:
        px.stop()


def test_a_bug_in_a_watch_thread_surfaces_instead_of_a_timeout(kube: Kube, monkeypatch: pytest.MonkeyPatch) -> None:
    """The watch loop retries transport errors only: an exception from gitnad's own code is raised in the
    caller's thread (and reaches the top-level handler as an internal error), never retried into a timeout."""
    ns = kube.namespace("watch-bug")
    s = Seeder(kube.api, ns)
    s.nad("nad-a", 10)
    s.running("vm-1", NETS)

    def broken(*_args: object) -> str:
        raise KeyError("a bug in event handling")

    monkeypatch.setattr(LiveFeed, "_on_event", broken)
    with LiveFeed(ClusterSettings(kubeconfig=kube.kubeconfig("reader")), [ns]) as feed:
        _set_required(s, "vm-1")
        started = time.monotonic()
        with pytest.raises(KeyError, match="a bug in event handling"):
            while time.monotonic() - started < 20:
                feed.wait(0.5)
        assert time.monotonic() - started < 20


@pytest.mark.parametrize(
    ("fault", "failed"),
    [
        (
            proxy.status(500),
            "watch virtualmachineinstances.kubevirt.io in namespace {ns}: gave up after 3 attempts "
            "(last error: watch virtualmachineinstances.kubevirt.io in namespace {ns}: 500 Internal Server Error)",
        ),
        (
            proxy.status(429, "0"),
            "watch virtualmachineinstances.kubevirt.io in namespace {ns}: gave up after 3 attempts "
            "(last error: watch virtualmachineinstances.kubevirt.io in namespace {ns}: 429 Too Many Requests)",
        ),
        (
            proxy.status(410),
            "watch virtualmachineinstances.kubevirt.io in namespace {ns}: gave up after 3 attempts "
            "(last error: watch virtualmachineinstances.kubevirt.io in namespace {ns}: 410 Gone)",
        ),
        (
            proxy.reset(),
            "watch virtualmachineinstances.kubevirt.io in namespace {ns}: gave up after 3 attempts "
            "(last error: cannot reach https://127.0.0.1:",
        ),
    ],
    ids=["500-storm", "429-storm", "410-right-after-every-list", "reset-storm"],
)
def test_a_watch_that_cannot_be_reopened_breaks_for_good(
    kube: Kube, envtest: Envtest, fault: proxy.Fault, failed: str
) -> None:
    """Transient refusals are retried with backoff (max_retries in a row, here 2), then the watch is broken for
    good: its facts are unreadable and `broken()` says why, so `drift --wait` ends instead of waiting on stale
    facts until its timeout. A 410 right after a fresh list counts too (else: re-list, 410, re-list... forever)."""
    ns = kube.namespace("watch-storm")
    s = Seeder(kube.api, ns)
    s.nad("nad-a", 10)
    s.running("vm-1", NETS)
    px = proxy.FaultProxy(envtest.url, envtest.ca_file, envtest.key_file, envtest.ca_file).start()
    try:
        kubeconfig = Path(envtest.write_kubeconfig(f"reader-{ns}", READER_TOKEN, px.url))
        watches = f"/namespaces/{ns}/virtualmachineinstances?allowWatchBookmarks"
        px.always = proxy.Fault(fault.kind, fault.status, fault.headers, match=watches)
        settings = ClusterSettings(kubeconfig=kubeconfig, max_retries=2, backoff_base_s=0.1)
        with LiveFeed(settings, [ns]) as feed:
            assert _until(feed, lambda: bool(feed.failed))
            (why,) = feed.failed.values()
            assert list(feed.failed) == ["virtualmachineinstances.kubevirt.io"] and why.startswith(failed.format(ns=ns))
            assert feed.broken() == f"virtualmachineinstances.kubevirt.io: {why}"
        refused = [r for r in px.requests if watches in r]
        assert len(refused) == 3  # the first attempt and 2 retries
        relists = [r for r in px.requests if f"/namespaces/{ns}/virtualmachineinstances?" in r and watches not in r]
        assert len(relists) == (2 + 2 if fault.status == 410 else 2)  # capture, feed; one per 410 but the last
    finally:
        px.stop()


def test_a_refused_watch_is_retried_and_then_follows(kube: Kube, envtest: Envtest) -> None:
    """One 429 (Retry-After: 1) on the first VMI watch: the feed waits that second, watches again, and later
    changes arrive."""
    ns = kube.namespace("watch-429")
    s = Seeder(kube.api, ns)
    s.nad("nad-a", 10)
    s.running("vm-1", NETS)
    px = proxy.FaultProxy(envtest.url, envtest.ca_file, envtest.key_file, envtest.ca_file).start()
    try:
        kubeconfig = Path(envtest.write_kubeconfig(f"reader-{ns}", READER_TOKEN, px.url))
        px.inject(proxy.status(429, "1", match=f"/namespaces/{ns}/virtualmachineinstances?allowWatchBookmarks"))
        with LiveFeed(ClusterSettings(kubeconfig=kubeconfig), [ns]) as feed:
            _set_required(s, "vm-1")
            assert _until(
                feed, lambda: (v := feed.facts().vmi(f"{ns}/vm-1")) is not None and v.condition("MigrationRequired")
            )
            assert feed.failed == {} and feed.broken() is None
        watches = [
            (r, o) for r, o in zip(px.requests, px.outcomes, strict=True) if f"{ns}/virtualmachineinstances?allow" in r
        ]
        assert [o.split(" (")[0] for _, o in watches[:2]] == ["status 429", "forwarded 200"]
    finally:
        px.stop()
