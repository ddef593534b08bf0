"""One object, one answer (SPEC §3): duplicates are GN113 naming both places, the first definition in path order is
the one read, and every output is the same byte for byte whatever the hash seed, file order or worker count."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gitnad.app.check import CheckRequest, check
from gitnad.app.drift import load_declared
from gitnad.app.scan import scan_repo
from gitnad.config import ClusterSettings
from tests.gitrepo import TempRepo
from tests.vmfactory import Net, nad_yaml, vm_yaml

POD = Net("default", kind="pod", binding="masquerade")
NADS = nad_yaml("vlan-10") + "---\n" + nad_yaml("vlan-20")


def vm(name: str, nad: str) -> str:
    return vm_yaml(name, [POD, Net("br", nad=nad)])


def pool(name: str, nad: str) -> str:
    """A VirtualMachinePool: the same kind family (and key) as a VM of that name."""
    spec = vm(name, nad).split("spec:\n", 1)[1]
    body = "".join(f"      {line}\n" if line else "\n" for line in spec.splitlines())
    return (
        "apiVersion: pool.kubevirt.io/v1alpha1\nkind: VirtualMachinePool\n"
        f"metadata:\n  name: {name}\n  namespace: prod\nspec:\n  virtualMachineTemplate:\n    spec:\n{body}"
    )


BASE = {"nads/vlan.yaml": NADS, "vms/db-1.yaml": vm("db-1", "vlan-10"), "vms/web.yaml": vm("web", "vlan-10")}
# Head: db-1 moves, and a stray copy of it (on an invalid NAD) appears; web is written twice in its file; vlan-20
# is defined again in another file; a pool takes the name of a VM.
HEAD = {
    "vms/db-1.yaml": vm("db-1", "vlan-20"),
    "vms/stray/db-1.yaml": vm("db-1", "bad_name"),
    "vms/web.yaml": vm("web", "vlan-20") + "---\n" + vm("web", "vlan-10"),
    "nads/more/vlan-20.yaml": nad_yaml("vlan-20", cni="macvlan"),
    "pools/web.yaml": pool("web", "vlan-20"),
}

EXPECTED_CHECK = [
    ("GN113", "nads/vlan.yaml", 13, "NetworkAttachmentDefinition prod/vlan-20 is defined at nads/more/vlan-20"
     ".yaml:4 and again at nads/vlan.yaml:13: one object, one definition; gitnad reads the first in path order "
     "(nads/more/vlan-20.yaml:4) until the others go"),
    ("GN113", "vms/stray/db-1.yaml", 4, "VirtualMachine prod/db-1 is defined at vms/db-1.yaml:4 and again at "
     "vms/stray/db-1.yaml:4: one object, one definition; gitnad reads the first in path order (vms/db-1.yaml:4) "
     "until the others go"),
    ("GN113", "vms/web.yaml", 4, "VirtualMachine prod/web is defined at pools/web.yaml:4 (as a VirtualMachinePool) "
     "and again at vms/web.yaml:4: one object, one definition; gitnad reads the first in path order "
     "(pools/web.yaml:4) until the others go"),
    ("GN113", "vms/web.yaml", 29, "VirtualMachine prod/web is defined at pools/web.yaml:4 (as a VirtualMachinePool) "
     "and again at vms/web.yaml:29: one object, one definition; gitnad reads the first in path order "
     "(pools/web.yaml:4) until the others go"),
    # The check reads vlan-20 from nads/more/ (first in path order), a macvlan: both swaps to it change CNI type.
    ("GN110", "pools/web.yaml", 26, "prod/web network br moves prod/vlan-10 -> prod/vlan-20: CNI type bridge -> "
     "macvlan; moving to a different CNI type or device resource may fail"),
    ("GN110", "vms/db-1.yaml", 24, "prod/db-1 network br moves prod/vlan-10 -> prod/vlan-20: CNI type bridge -> "
     "macvlan; moving to a different CNI type or device resource may fail"),
]  # fmt: skip


@pytest.fixture
def repo(tmp_path: Path) -> tuple[TempRepo, str, str]:
    r = TempRepo(tmp_path / "fleet")
    base = r.commit(BASE, "base")
    head = r.commit(HEAD, "head")
    return r, base, head


def _request(root: Path, base: str, head: str) -> CheckRequest:
    return CheckRequest(
        repo=root,
        config_file=None,
        base=base,
        head=head,
        staged=False,
        fail_on=None,
        policies=(),
        cluster=ClusterSettings(offline=True),
    )


def test_check_reports_duplicates_of_what_it_touches_and_reads_the_first(repo: tuple[TempRepo, str, str]) -> None:
    r, base, head = repo
    result, _ = check(_request(r.root, base, head))
    assert [(f.code, f.file, f.line, f.message) for f in result.findings] == EXPECTED_CHECK
    assert [f.vm for f in result.findings] == [None, "prod/db-1", "prod/web", "prod/web", "prod/web", "prod/db-1"]
    # db-1 is read from vms/db-1.yaml (not the stray copy on bad_name: no GN101), web from the pool, vlan-20 from
    # nads/more/: each the first definition in path order.
    changes = [(c.kind.value, c.vm or c.nad, c.file, c.line) for c in result.changes]
    assert changes == [
        ("nad-changed", "prod/vlan-20", "nads/more/vlan-20.yaml", 7),
        ("nad-swap", "prod/web", "pools/web.yaml", 26),
        ("nad-swap", "prod/db-1", "vms/db-1.yaml", 24),
    ]


def test_a_duplicate_only_at_base_is_gone_after_the_change(tmp_path: Path) -> None:
    r = TempRepo(tmp_path / "fleet")
    base = r.commit({"nads/vlan.yaml": NADS, "vms/a.yaml": vm("db-1", "vlan-10"), "vms/z.yaml": vm("db-1", "vlan-20")})
    head = r.commit({"vms/z.yaml": None}, "remove the stray copy")
    result, _ = check(_request(r.root, base, head))
    assert (result.findings, result.changes) == ((), ())  # base read vms/a.yaml too: nothing changed


def test_scan_reports_every_duplicate_of_the_repository(repo: tuple[TempRepo, str, str]) -> None:
    r, _, _ = repo
    result = scan_repo(r.root, None, None)
    gn113 = [(f.file, f.line) for f in result.findings if f.code == "GN113"]
    assert gn113 == [("nads/vlan.yaml", 13), ("vms/stray/db-1.yaml", 4), ("vms/web.yaml", 4), ("vms/web.yaml", 29)]
    assert [(f.code, f.file, f.line) for f in result.findings if f.code != "GN113"] == [
        ("GN101", "vms/stray/db-1.yaml", 24)
    ]
    assert [(v.key, v.file, v.line) for v in result.vms] == [
        ("prod/web", "pools/web.yaml", 4),
        ("prod/db-1", "vms/db-1.yaml", 4),
        ("prod/db-1", "vms/stray/db-1.yaml", 4),
        ("prod/web", "vms/web.yaml", 4),
        ("prod/web", "vms/web.yaml", 29),
    ]


RUN_ALL = """
import sys
from gitnad.cli import main
root, base, head = sys.argv[1:4]
for args in (["scan", root], ["check", "--repo", root, "--base", base, "--head", head, "--offline"]):
    for fmt in ("text", "json"):
        try:
            main([*args, "--format", fmt, "--no-color"], standalone_mode=False)
        except SystemExit as e:
            print(f"exit {e.code}")
        print("\\f")
"""


def test_every_output_is_the_same_under_any_hash_seed(repo: tuple[TempRepo, str, str]) -> None:
    r, base, head = repo
    outputs = {}
    for seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        proc = subprocess.run(
            [sys.executable, "-c", RUN_ALL, str(r.root), base, head], capture_output=True, env=env, check=True
        )
        outputs[seed] = proc.stdout
    assert outputs["1"] == outputs["2"] == outputs["3"]
    scan_text, scan_json, check_text, check_json = [_exit_1(out) for out in outputs["1"].decode().split("\f\n")[:4]]
    assert [(f["code"], f["file"], f["line"], f["message"]) for f in json.loads(check_json)["findings"]] == (
        EXPECTED_CHECK
    )
    assert "GN113 duplicate-object  vms/stray/db-1.yaml:4" in scan_text
    assert "GN113 duplicate-object  vms/stray/db-1.yaml:4" in check_text
    assert sum(1 for f in json.loads(scan_json)["findings"] if f["code"] == "GN113") == 4


def _exit_1(output: str) -> str:
    """The report, once its last line says the run exited 1 (findings)."""
    report, _, status = output.rstrip("\n").rpartition("\n")
    assert status == "exit 1", output
    return report


POOLED = """
import json, sys
from pathlib import Path
from gitnad.rules import gn113_duplicate_object as gn113
from gitnad.sources.scanner import ScanSettings, _workers, scan
from gitnad.sources.trees import directory_reader
reader = directory_reader(Path(sys.argv[1]))
contents = list(reader.read(reader.paths(), 1 << 20).values())
serial, pooled = scan(reader, ScanSettings(workers=1)), scan(reader, ScanSettings(workers=2))
dups = [[(d.file, d.line) for d in g] for g in gn113.groups([*pooled.vms, *pooled.nads])]
print(json.dumps({"workers": _workers(ScanSettings(workers=2), contents), "equal": pooled == serial, "dups": dups}))
"""


def test_a_worker_pool_and_any_file_order_give_the_same_duplicates(tmp_path: Path) -> None:
    """~640 KiB of VMs (a pool starts), written in two creation orders; 4 copies of db-7 across chunks."""
    results = []
    for order in (1, -1):
        root = tmp_path / f"order{order}"
        names = [f"ns-{i % 7}/vm-{i:03d}.yaml" for i in range(300)][::order]
        for rel in names:
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            number = int(rel[-8:-5])
            name = "db-7" if number % 75 == 0 else f"vm-{number:03d}"
            (root / rel).write_text(vm(name, "vlan-10") + "#" * 1400 + "\n")
        out = subprocess.run([sys.executable, "-c", POOLED, str(root)], capture_output=True, text=True, check=True)
        results.append(json.loads(out.stdout))
    assert results[0] == results[1]
    cpus = len(os.sched_getaffinity(0))
    expected = [["ns-0/vm-000.yaml", 4], ["ns-1/vm-225.yaml", 4], ["ns-3/vm-150.yaml", 4], ["ns-5/vm-075.yaml", 4]]
    assert results[0]["workers"] == min(2, cpus) and results[0]["equal"] is True
    assert results[0]["dups"] == [expected]


def test_drift_of_a_vm_defined_twice_is_undecided_naming_both(repo: tuple[TempRepo, str, str]) -> None:
    """Which definition the cluster runs is not in git (the last one synced, or a failed build): the VM's declared
    state is unknown, so drift cannot say converged; each duplicate is an unreadable manifest (exit 3)."""
    r, _, head = repo
    declared = load_declared(r.root, None, "HEAD", None)
    assert [(v.key, v.file, v.line) for v in declared.vms] == [
        ("prod/db-1", "vms/db-1.yaml", 4),
        ("prod/web", "pools/web.yaml", 4),
    ]
    assert not [w for w in declared.warnings if "is defined at" in w]
    assert [(u.file, u.line, u.ref) for u in declared.unreadable if "is defined at" in u.reason] == [
        ("vms/stray/db-1.yaml", 4, head),
        ("vms/web.yaml", 4, head),
        ("vms/web.yaml", 29, head),
    ]
    assert [u.reason for u in declared.unreadable if "is defined at" in u.reason] == [
        "VirtualMachine prod/db-1 is defined at vms/db-1.yaml:4 and again at vms/stray/db-1.yaml:4: one object, one "
        "definition; gitnad reads the first in path order (vms/db-1.yaml:4) until the others go",
        "VirtualMachine prod/web is defined at pools/web.yaml:4 (as a VirtualMachinePool) and again at vms/web.yaml:4:"
        " one object, one definition; gitnad reads the first in path order (pools/web.yaml:4) until the others go",
        "VirtualMachine prod/web is defined at pools/web.yaml:4 (as a VirtualMachinePool) and again at vms/web.yaml:29"
        ": one object, one definition; gitnad reads the first in path order (pools/web.yaml:4) until the others go",
    ]
