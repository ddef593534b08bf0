"""Request count does not grow with VMs (one LIST per resource type and page), and a snapshot of many VMs and its
cost: the scale tests' namespace (tests/e2e/scale_world.py: 606 VMs, 505 VMIs and launcher pods, each list two
pages at the default page size; the 2,000-VM figures are bench/run's, T7) beside a namespace of 10.

Numbers are printed (run with `-s`) and attached as junit properties; the closing note of issue 3 quotes them.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from gitnad.app import snapshot as app_snapshot
from gitnad.config import DEFAULT_PAGE_SIZE, ClusterSettings
from gitnad.sources.cluster import load_facts
from gitnad.sources.cluster.live import LiveReader
from tests.e2e.conftest import Kube
from tests.e2e.scale_world import WITH_VM, WITH_VMI

pytestmark = pytest.mark.slow

BIG = WITH_VM
"""VMs in the big namespace (the scale world's: every one but the Missing kind's)."""
SMALL = 10
RESOURCE_TYPES = 7
SCOPED_WITH_VMS = (WITH_VM, WITH_VMI, WITH_VMI)
"""VMs, VMIs and launcher pods each grow with the VM count: how many of each the big namespace holds."""


@pytest.fixture(scope="module")
def sizes(kube: Kube, scale_ns: str) -> dict[int, str]:
    small = kube.namespace("small")
    seconds = kube.many(small, SMALL)
    print(f"\ncreated {SMALL} VMs + {SMALL} VMIs + {SMALL} pods in {seconds:.1f}s")
    return {SMALL: small, BIG: scale_ns}


def _requests(kube: Kube, ns: str, page_size: int) -> int:
    reader = LiveReader(ClusterSettings(kubeconfig=kube.kubeconfig(), page_size=page_size))
    capture = reader.capture([ns])
    assert len(capture.reads["virtualmachines.kubevirt.io"].items) in (SMALL, BIG)
    return reader.requests


@pytest.mark.parametrize(
    ("page_size", "big_expected"),
    [
        (5000, RESOURCE_TYPES),
        (DEFAULT_PAGE_SIZE, RESOURCE_TYPES + sum(math.ceil(n / DEFAULT_PAGE_SIZE) - 1 for n in SCOPED_WITH_VMS)),
    ],
    ids=["one-page", "default-pages"],
)
def test_request_count_does_not_grow_per_vm(
    kube: Kube, sizes: dict[int, str], page_size: int, big_expected: int, record_property: Callable[[str, object], None]
) -> None:
    small = _requests(kube, sizes[SMALL], page_size)
    big = _requests(kube, sizes[BIG], page_size)
    print(f"\npage size {page_size}: {small} requests for {SMALL} VMs, {big} for {BIG} VMs")
    record_property(f"requests_{SMALL}_vms_page_{page_size}", small)
    record_property(f"requests_{BIG}_vms_page_{page_size}", big)
    assert (small, big) == (RESOURCE_TYPES, big_expected)


@pytest.mark.parametrize("fmt", ["yaml", "json"], ids=["yaml", "json"])
def test_snapshot_of_many_vms(
    kube: Kube, sizes: dict[int, str], tmp_path: Path, fmt: str, record_property: Callable[[str, object], None]
) -> None:
    out = tmp_path / f"big.{fmt}"
    settings = ClusterSettings(kubeconfig=kube.kubeconfig())
    t0 = time.monotonic()
    app_snapshot.run(settings, [sizes[BIG]], out, None)
    write_s = time.monotonic() - t0
    t0 = time.monotonic()
    facts = load_facts(ClusterSettings(snapshot=out))
    read_s = time.monotonic() - t0
    t0 = time.monotonic()
    live = load_facts(settings, [sizes[BIG]])
    live_s = time.monotonic() - t0
    size_mb = out.stat().st_size / 1e6
    print(
        f"\n{fmt} snapshot of {BIG} VMs ({WITH_VMI} VMIs and pods): gitnad snapshot {write_s:.2f}s ({size_mb:.1f} MB), "
        f"load_facts from it {read_s:.2f}s; live load_facts {live_s:.2f}s"
    )
    record_property(f"snapshot_{BIG}_{fmt}_write_s", round(write_s, 2))
    record_property(f"snapshot_{BIG}_{fmt}_read_s", round(read_s, 2))
    assert (len(facts.vms), len(facts.vmis), len(facts.pods)) == SCOPED_WITH_VMS
    volatile = {"source", "origin", "captured_at"}
    assert facts.model_dump(exclude=volatile) == live.model_dump(exclude=volatile)
    assert write_s < 60 and read_s < 60
