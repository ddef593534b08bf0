"""Live reads (issue 12, target 7): `gitnad drift` against the real kube-apiserver (envtest) for a small and a
large fleet: the HTTP requests it makes (counted by the test proxy) must not grow with the VM count beyond the
pagination of the big lists, and its wall time is compared with the floor: the same GET requests replayed with
a plain HTTP client on one kept-alive connection, bodies read and discarded (what the lists cost the server
and the wire, with no decoding), measured in the same interleaved rounds.

Needs KUBEBUILDER_ASSETS (`bash ../shared/envtest/ensure-assets.sh | tail -1`).

    .venv/bin/python bench/live_bench.py [--vms 10,2000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import copy
import http.client
import io
import ssl
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kubernetes import client  # noqa: E402
from kubernetes import config as kconfig  # noqa: E402

from gitnad.app import drift as app_drift  # noqa: E402
from gitnad.config import ClusterSettings, OutputFormat  # noqa: E402
from gitnad.report import progress, render  # noqa: E402
from tests import proxy  # noqa: E402
from tests.e2e.conftest import (  # noqa: E402
    NAD,
    OBJECTS,
    Kube,
    _install_cluster_state,
    _install_crds,
    _install_rbac,
)
from tests.envtest import READER_TOKEN, Envtest  # noqa: E402
from tests.gitutil import Content, commit, make_repo  # noqa: E402

PAGE = 500


@dataclass(frozen=True)
class LiveResult:
    vms: int
    requests: int
    drift_s: float
    """`gitnad drift` as a user runs it a second time: the repo's parse cache warm."""
    drift_uncached_s: float
    """The same with `--no-cache`: the repo is parsed again (a fresh clone)."""
    raw_s: float
    items: int

    @property
    def ratio(self) -> float:
        return self.drift_s / self.raw_s

    @property
    def ratio_uncached(self) -> float:
        return self.drift_uncached_s / self.raw_s


@contextmanager
def cluster() -> Iterator[tuple[Envtest, Kube]]:
    """A started envtest with KubeVirt's CRDs, gitnad's RBAC and the cluster-wide state the e2e tests use."""
    env = Envtest().start()
    try:
        api = kconfig.new_client_from_config(config_file=env.admin_kubeconfig)
        _install_crds(api)
        _install_rbac(api)
        _install_cluster_state(Kube(env, api))
        api.close()
        cfg = client.Configuration()
        kconfig.load_kube_config(config_file=env.admin_kubeconfig, client_configuration=cfg)
        cfg.connection_pool_maxsize = 16
        admin = client.ApiClient(cfg)
        try:
            yield env, Kube(env, admin)
        finally:
            admin.close()
    finally:
        env.stop()


def fleet(kube: Kube, count: int, work: Path) -> tuple[str, Path]:
    """`count` running VMs (VM, VMI, launcher pod) in a namespace of their own, and a repo declaring them."""
    ns = kube.namespace(f"bench-{count}")
    for nad in OBJECTS["nads"]:
        kube.create(NAD, ns, "network-attachment-definitions", copy.deepcopy(nad))
    kube.many(ns, count)
    files: dict[str, Content] = {}
    for chunk in range(0, count, 100):  # 100 VMs per file
        docs = []
        for i in range(chunk, min(count, chunk + 100)):
            vm = copy.deepcopy(OBJECTS["vm"])
            vm["metadata"].update(name=f"vm-{i:05d}", namespace=ns)
            docs.append(vm)
        files[f"vms/batch-{chunk // 100:03d}.yaml"] = yaml.safe_dump_all(docs, sort_keys=False)
    repo = work / f"repo-{count}"
    commit(make_repo(repo), files)
    return ns, repo


def drift(repo: Path, kubeconfig: Path, cache: bool = True) -> int:
    """`gitnad drift --format json` in process (the kubernetes client imported once, as a CLI run would)."""
    req = app_drift.DriftRequest(
        repo=repo,
        config_file=None,
        ref="HEAD",
        base=None,
        wait=False,
        timeout=timedelta(seconds=60),
        cluster=ClusterSettings(kubeconfig=kubeconfig, page_size=PAGE),
        cache=cache,
    )
    result, _ = app_drift.run(req, lambda: progress.display(io.StringIO(), 60, color=False))
    render(result, OutputFormat.JSON)
    return len(result.items)


def replay(env: Envtest, requests: list[str]) -> int:
    """The recorded GETs, in order, on one kept-alive TLS connection; bytes read."""
    host = env.url.split("://", 1)[1]
    conn = http.client.HTTPSConnection(host, context=ssl.create_default_context(cafile=env.ca_file))
    headers = {"Authorization": f"Bearer {READER_TOKEN}", "Accept": "application/json"}
    total = 0
    try:
        for line in requests:
            method, path = line.split(" ", 1)
            conn.request(method, path, headers=headers)
            response = conn.getresponse()
            body = response.read()
            if response.status != 200:
                raise RuntimeError(f"replaying {line}: HTTP {response.status}: {body[:200]!r}")
            total += len(body)
    finally:
        conn.close()
    return total


def measure(env: Envtest, kube: Kube, counts: list[int], repeat: int, work: Path) -> list[LiveResult]:
    """Per fleet size: requests gitnad makes (through the counting proxy), then gitnad and the replayed GETs in
    interleaved rounds, each direct to the apiserver; best of `repeat`."""
    direct = Path(env.write_kubeconfig("bench-reader", READER_TOKEN))
    out = []
    for count in counts:
        _ns, repo = fleet(kube, count, work)
        px = proxy.FaultProxy(env.url, env.ca_file, env.key_file, env.ca_file).start()
        try:
            items = drift(repo, Path(env.write_kubeconfig("bench-counted", READER_TOKEN, px.url)))
            recorded = list(px.requests)
        finally:
            px.stop()
        runs: dict[str, Callable[[], object]] = {
            "drift": lambda r=repo: drift(r, direct),
            "uncached": lambda r=repo: drift(r, direct, cache=False),
            "raw": lambda rec=recorded: replay(env, rec),
        }
        best = dict.fromkeys(runs, float("inf"))
        for _ in range(repeat):
            for name, fn in runs.items():
                t0 = time.perf_counter()
                fn()
                best[name] = min(best[name], time.perf_counter() - t0)
        out.append(LiveResult(count, len(recorded), best["drift"], best["uncached"], best["raw"], items))
    return out


def run(counts: list[int], repeat: int, work: Path) -> list[LiveResult]:
    with cluster() as (env, kube):
        return measure(env, kube, counts, repeat, work)


def main(argv: list[str] | None = None) -> int:
    import tempfile

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--vms", default="10,2000")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as work:
        for r in run([int(v) for v in args.vms.split(",")], args.repeat, Path(work)):
            drifts = f"drift {r.drift_s:.2f}s ({r.ratio:.2f}x), --no-cache {r.drift_uncached_s:.2f}s"
            print(f"{r.vms} VMs: {r.requests} requests, raw lists {r.raw_s:.2f}s, {drifts} ({r.ratio_uncached:.2f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
