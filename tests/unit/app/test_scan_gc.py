"""`scan_repo` runs no cyclic-GC pass (what it builds is acyclic; at 50,000 files one pass walked the whole heap) and
leaves the collector as it found it."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

import pytest

from gitnad.app.scan import scan_repo
from tests.gitrepo import TempRepo
from tests.vmfactory import Net, nad_yaml, vm_yaml

NETS = [Net("default", kind="pod"), Net("br", nad="vlan-10")]
FILES = {
    "nads/vlan-10.yaml": nad_yaml("vlan-10"),
    **{f"vms/vm-{i}.yaml": vm_yaml(f"vm-{i}", NETS) for i in range(5)},
    "vms/copy.yaml": vm_yaml("vm-0", [Net("default", kind="pod")]),  # a duplicate: GN113 groups run too
}


@pytest.mark.parametrize("enabled", [True, False], ids=["gc-on", "gc-off"])
def test_scan_repo_runs_no_gc_pass_and_restores_the_collector(tmp_path: Path, enabled: bool) -> None:
    repo = TempRepo(tmp_path / "repo")
    repo.commit(FILES, "fleet")
    passes: list[int] = []
    inside = [False]

    def count(phase: str, info: dict[str, Any]) -> None:
        if phase == "start" and inside[0]:
            passes.append(info["generation"])

    threshold = gc.get_threshold()
    gc.set_threshold(50, 1, 1)  # a pass every 50 allocations, were the collector on
    if not enabled:
        gc.disable()
    gc.callbacks.append(count)
    try:
        gc.collect()  # allocation counts from zero: the few objects made before scan_repo turns GC off start no pass
        inside[0] = True
        result = scan_repo(repo.root, "HEAD", None, cache=False)
        inside[0] = False
        state = (gc.isenabled(), gc.get_freeze_count())
    finally:
        gc.callbacks.remove(count)
        gc.set_threshold(*threshold)
        gc.enable()
    assert (passes, state) == ([], (enabled, 0))
    assert len(result.vms) == 6 and [f.code for f in result.findings] == ["GN113"]
