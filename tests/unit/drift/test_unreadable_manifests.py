"""A manifest that cannot be read at the ref (or at --base) is never "converged" or "nothing to do": drift and
reconcile exit 3 and list it (`unreadable`), in JSON and text. Real git repositories, a real snapshot file."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from gitnad.app import drift as app_drift
from gitnad.app import reconcile as app_reconcile
from gitnad.cli import main
from gitnad.config import ClusterSettings, OutputFormat
from gitnad.errors import ExitCode
from gitnad.report import render
from tests.gitrepo import TempRepo
from tests.unit.cluster.listfiles import cluster, items, write
from tests.vmfactory import Net, vm_yaml

VM1 = vm_yaml("vm1", [Net("default", kind="pod", binding="masquerade"), Net("secondary-network", nad="nad-b")])
DUPLICATE_KEY = VM1.replace("vm1", "vm2").replace("  namespace: prod\n", "  namespace: prod\n  name: vm2-again\n")
SYNTAX_ERROR = "apiVersion: kubevirt.io/v1\nkind: VirtualMachine\nmetadata: {name: vm3\n"
DUP_REASON = "vms/vm2.yaml:6: duplicate mapping key 'name' (first on line 4)"


@pytest.fixture
def snapshot(tmp_path: Path) -> Path:
    return write(tmp_path / "cluster.json", items(cluster()))


def _drift(repo: Path, snapshot: Path, base: str | None = None) -> tuple[dict[str, object], ExitCode]:
    req = app_drift.DriftRequest(
        repo=repo,
        config_file=None,
        ref="HEAD",
        base=base,
        wait=False,
        timeout=timedelta(seconds=5),
        cluster=ClusterSettings(snapshot=snapshot),
    )
    result, code = app_drift.run(req)
    return json.loads(render(result, OutputFormat.JSON)), code


def test_clean_repo_converges(tmp_path: Path, snapshot: Path) -> None:
    repo = TempRepo(tmp_path / "fleet")
    repo.commit({"vms/vm1.yaml": VM1})
    doc, code = _drift(repo.root, snapshot)
    assert (code, doc["unreadable"], doc["summary"]) == (ExitCode.OK, [], {"InSync": 1, "converged": True})


def test_an_unreadable_vm_file_makes_drift_undecided(tmp_path: Path, snapshot: Path) -> None:
    repo = TempRepo(tmp_path / "fleet")
    sha = repo.commit({"vms/vm1.yaml": VM1, "vms/vm2.yaml": DUPLICATE_KEY})
    doc, code = _drift(repo.root, snapshot)
    assert code is ExitCode.UNDECIDED
    assert doc["unreadable"] == [{"file": "vms/vm2.yaml", "line": 6, "reason": DUP_REASON, "ref": sha}]
    assert doc["summary"] == {"InSync": 1, "converged": False}
    assert [i["state"] for i in doc["items"]] == ["InSync"]  # the readable VM is still checked
    assert DUP_REASON not in doc["warnings"]


def test_the_only_vm_file_unreadable_is_not_nothing_to_check(tmp_path: Path, snapshot: Path) -> None:
    repo = TempRepo(tmp_path / "fleet")
    sha = repo.commit({"vms/vm3.yaml": SYNTAX_ERROR})
    doc, code = _drift(repo.root, snapshot)
    assert code is ExitCode.UNDECIDED
    assert [(u["file"], u["line"], u["ref"]) for u in doc["unreadable"]] == [("vms/vm3.yaml", 3, sha)]  # type: ignore[index]
    assert doc["items"] == []
    text = CliRunner().invoke(main, ["drift", "--repo", str(repo.root), "--snapshot", str(snapshot), "--no-color"])
    assert text.exit_code == 3
    lines = text.output.splitlines()
    assert lines[2:5] == [
        "No VM with a multus network was read at this ref: some manifests could not be read (below).",
        "",
        "UNDECIDED: 0 of 0 network(s) converged (0 items); 1 manifest(s) could not be read",
    ]
    error = " ".join(line.strip() for line in lines[5:])  # wrapped at 100 columns
    assert error.startswith("error: vms/vm3.yaml:3: YAML syntax error: ")
    assert error.endswith(f"(at {sha[:12]}): a VM in it is not checked")


def test_a_file_unreadable_at_base_is_listed_with_the_base(tmp_path: Path, snapshot: Path) -> None:
    """At --base a broken file hides which VMs changed: such a VM would silently drop out of the check."""
    repo = TempRepo(tmp_path / "fleet")
    base = repo.commit({"vms/vm1.yaml": VM1.replace("nad-b", "nad-a"), "vms/vm2.yaml": DUPLICATE_KEY})
    repo.commit({"vms/vm1.yaml": VM1, "vms/vm2.yaml": None})
    doc, code = _drift(repo.root, snapshot, base=base)
    assert code is ExitCode.UNDECIDED
    assert doc["unreadable"] == [{"file": "vms/vm2.yaml", "line": 6, "reason": DUP_REASON, "ref": base}]
    assert [(i["vm"], i["state"]) for i in doc["items"]] == [("prod/vm1", "InSync")]  # type: ignore[index]


def test_reconcile_with_an_unreadable_file_is_undecided(tmp_path: Path, snapshot: Path) -> None:
    repo = TempRepo(tmp_path / "fleet")
    sha = repo.commit({"vms/vm1.yaml": VM1, "vms/vm2.yaml": DUPLICATE_KEY})
    req = app_reconcile.ReconcileRequest(
        repo=repo.root,
        config_file=None,
        ref="HEAD",
        base=None,
        apply=False,
        allow_restart=False,
        max_actions=None,
        cluster=ClusterSettings(snapshot=snapshot),
    )
    result, code = app_reconcile.run(req)
    doc = json.loads(render(result, OutputFormat.JSON))
    assert (code, doc["actions"], doc["summary"]["converged"]) == (ExitCode.UNDECIDED, [], False)
    assert doc["unreadable"] == [{"file": "vms/vm2.yaml", "line": 6, "reason": DUP_REASON, "ref": sha}]
    out = CliRunner().invoke(main, ["reconcile", "--repo", str(repo.root), "--snapshot", str(snapshot)])
    assert out.exit_code == 3
    assert "UNDECIDED: 1 of 1 network(s) converged (1 InSync); 1 manifest(s) could not be read" in out.output
    assert out.output.rstrip().endswith(
        "nothing planned: the drift could not be decided (exit 3), so what is left to do is not known"
    )


def test_unknowns_are_byte_identical_under_any_hash_seed_and_item_order(tmp_path: Path) -> None:
    """Duplicates, malformed objects, contradictions and unreadable files: one output, whatever the hash seed or
    the order of the List's items."""
    import copy
    import os
    import re
    import subprocess
    import sys

    from tests.e2e import kubevirt_actor as k

    objs = cluster()
    objs["VirtualMachineInstance"].append(copy.deepcopy(objs["VirtualMachineInstance"][0]))  # vm1's VMI twice
    vm2 = k.vm("vm2", "prod", [k.Net("default"), k.Net("secondary-network", "nad-b")])
    vm3 = k.vm("vm3", "prod", [k.Net("default"), k.Net("secondary-network", "nad-b")])
    vm3["status"]["conditions"] = {"type": "Ready"}  # wrong type
    objs["VirtualMachine"] += [vm2, vm3]  # vm2: Running, no VMI
    forward = write(tmp_path / "forward.json", items(objs))
    backward = write(tmp_path / "backward.yaml", list(reversed(items(objs))))
    repo = TempRepo(tmp_path / "fleet")
    vms = {f"vms/{n}.yaml": VM1.replace("vm1", n) for n in ("vm1", "vm2", "vm3")}
    repo.commit({**vms, "vms/broken.yaml": DUPLICATE_KEY, "vms/syntax.yaml": SYNTAX_ERROR})
    outputs = set()
    for seed, snap in (("1", forward), ("2", forward), ("3", backward)):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        cmd = [sys.executable, "-m", "gitnad.cli", "drift", "--repo", str(repo.root), "--snapshot", str(snap)]
        res = subprocess.run([*cmd, "--format", "json"], capture_output=True, text=True, env=env, timeout=120)
        assert res.returncode == 3, res.stderr
        doc = json.loads(res.stdout)
        doc["warnings"] = [w.replace(str(snap), "<snap>") for w in doc["warnings"]]
        # a YAML snapshot names the lines of the objects, a JSON one cannot: compare without them
        doc["items"] = [{**i, "detail": re.sub(r" \(lines? [0-9, ]+\)", "", i["detail"])} for i in doc["items"]]
        outputs.add(json.dumps(doc, sort_keys=False))
    (out,) = outputs
    doc = json.loads(out)
    assert [(i["vm"], i["state"]) for i in doc["items"]] == [
        ("prod/vm1", "Unknown"),
        ("prod/vm2", "Unknown"),
        ("prod/vm3", "Unknown"),
    ]
    assert [u["file"] for u in doc["unreadable"]] == ["vms/broken.yaml", "vms/syntax.yaml"]
