"""Hostile snapshot files through the real CLI (`check --snapshot`, `drift --snapshot`), and every field gitnad
reads of every kind (`snapshot.KEEP`) given the wrong type.

A snapshot that cannot be read is exit 2 with one line naming the file (never a traceback, never a verdict); one
that reads but hides what a VM's verdict needs is GN212 / `Unknown`, never InSync or a clean check.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from gitnad.cli import main
from gitnad.sources.cluster import snapshot as sf
from tests.hostile import corpus
from tests.hostile.harness import assert_bounded, gitnad

UNREADABLE = corpus.snapshot_cases()
READABLE = corpus.readable_snapshot_cases()


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    root = tmp_path_factory.mktemp("snapshots") / "fleet"
    base, head = corpus.fleet(root, {})
    return root, base, head


def commands(snapshot: Path, base: str, head: str) -> list[list[str]]:
    return [
        ["check", "--snapshot", str(snapshot), "--base", base, "--head", head, "--format", "json"],
        ["drift", "--snapshot", str(snapshot), "--format", "json"],
    ]


@pytest.mark.slow
@pytest.mark.parametrize(("case", "content", "words"), UNREADABLE, ids=[c[0] for c in UNREADABLE])
def test_an_unreadable_snapshot_is_exit_2_naming_it(
    case: str, content: bytes, words: str, fleet: tuple[Path, str, str], tmp_path: Path
) -> None:
    root, base, head = fleet
    snapshot = tmp_path / "cluster.yaml"
    snapshot.write_bytes(content)
    for args in commands(snapshot, base, head):
        run = gitnad(f"snapshot-{case}", args, cwd=root)
        assert_bounded(run, {2})
        assert run.stdout == ""
        assert run.stderr.startswith(f"gitnad: error: {snapshot}"), run.stderr
        assert words in run.stderr, run.stderr
        assert run.stderr.count("\n") == 1, run.stderr


@pytest.mark.slow
@pytest.mark.parametrize(("case", "content"), READABLE, ids=[c[0] for c in READABLE])
def test_a_hostile_but_readable_snapshot_gives_the_healthy_verdict(
    case: str, content: bytes, fleet: tuple[Path, str, str], tmp_path: Path
) -> None:
    """Extra VMs with hostile names, a UTF-16 file, times far away: prod/vm1 is still InSync."""
    root, base, head = fleet
    snapshot = tmp_path / "cluster.json"
    snapshot.write_bytes(content)
    check, drift = commands(snapshot, base, head)
    run = gitnad(f"snapshot-{case}", check, cwd=root)
    assert_bounded(run, {0}, unreadable=False)
    assert [(f["code"], f["vm"]) for f in json.loads(run.stdout)["findings"]] == [("GN211", "prod/vm1")]
    run = gitnad(f"snapshot-{case}", drift, cwd=root)
    assert_bounded(run, {0}, unreadable=False)
    assert [(i["vm"], i["state"]) for i in json.loads(run.stdout)["items"]] == [("prod/vm1", "InSync")]


@pytest.mark.slow
def test_a_snapshot_missing_every_optional_field_decides_nothing(fleet: tuple[Path, str, str], tmp_path: Path) -> None:
    """Objects cut to apiVersion, kind, name and namespace: no template, no status, no network-status. The VM
    cannot be proven on its NAD: drift is not green and check does not pass."""
    root, base, head = fleet
    snapshot = tmp_path / "minimal.json"
    snapshot.write_text(json.dumps(corpus.snapshot_body(corpus.minimal_objects())))
    check, drift = commands(snapshot, base, head)
    run = gitnad("snapshot-minimal", check, cwd=root)
    assert_bounded(run, {1})
    assert "GN212" in [f["code"] for f in json.loads(run.stdout)["findings"]]
    run = gitnad("snapshot-minimal", drift, cwd=root)
    assert_bounded(run, {1, 3})
    assert [(i["vm"], i["state"]) for i in json.loads(run.stdout)["items"]] != [("prod/vm1", "InSync")]


# --- every field of snapshot.KEEP, the wrong type (in-process through the same boundary: ~600 runs) -------------------

WRONG: tuple[tuple[str, Any], ...] = (("int", 7), ("list", ["x"]), ("map", {"a": 1}))
DECIDING = {
    ("VirtualMachineInstance", "status"),
    ("VirtualMachineInstance", "status.interfaces"),
    ("VirtualMachineInstance", "status.activePods"),
    ("VirtualMachineInstance", "status.phase"),
    ("VirtualMachineInstance", "status.nodeName"),
    ("VirtualMachine", "spec.template"),
    ("VirtualMachine", "spec.template.spec"),
    ("VirtualMachine", "spec.template.spec.networks"),
    ("Pod", "metadata.annotations"),
    ("Pod", f"metadata.annotations.{sf.convert.NETWORK_STATUS_ANNOTATION}"),
}
"""Fields prod/vm1's InSync verdict stands on: given the wrong type, the verdict must not be green."""


def keep_cases() -> list[tuple[str, str, tuple[str, ...], Any]]:
    out = []
    for resource, keep in sf.KEEP.items():
        if resource.kind == "DaemonSet":
            continue  # only the Dynamic Networks Controller's are read; the baseline's kube-proxy is skipped whole
        for path in corpus.keep_paths(keep):
            for label, value in WRONG:
                out.append((f"{resource.kind}:{'.'.join(path)}={label}", resource.kind, path, value))
    return out


KEEP_CASES = keep_cases()
DONE = corpus.k.migration("vm1-done", corpus.NS, "vm1", phase="Succeeded", created="2026-11-24T09:00:00Z")
"""A finished migration of prod/vm1, so the migrations' fields are there to get wrong too."""


def _get(obj: dict[str, Any], path: tuple[str, ...]) -> Any:
    for part in path:
        obj = obj.get(part) if isinstance(obj, dict) else None  # type: ignore[assignment]
    return obj


def _set(obj: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for part in path[:-1]:
        if not isinstance(obj.get(part), dict):
            obj[part] = {}
        obj = obj[part]
    obj[path[-1]] = copy.deepcopy(value)


@pytest.mark.slow
@pytest.mark.parametrize(("case", "kind", "path", "value"), KEEP_CASES, ids=[c[0] for c in KEEP_CASES])
def test_a_snapshot_field_of_the_wrong_type_is_never_a_crash_nor_a_green_guess(
    case: str, kind: str, path: tuple[str, ...], value: Any, fleet: tuple[Path, str, str], tmp_path: Path
) -> None:
    root, base, head = fleet
    objects = corpus.listfiles.cluster()
    objects["VirtualMachineInstanceMigration"] = [DONE]
    original = _get(objects[kind][0], path)
    _set(objects[kind][0], path, value)
    snapshot = tmp_path / "cluster.json"
    snapshot.write_text(json.dumps(corpus.snapshot_body(objects)))
    for args in commands(snapshot, base, head):
        result = CliRunner().invoke(main, [*args, "--repo", str(root)])
        output = result.output
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exception  # the boundary
        assert "Traceback" not in output and "internal error" not in output, output
        assert result.exit_code in (0, 1, 2, 3), output
        if result.exit_code == 2:
            assert output.startswith(f"gitnad: error: {snapshot}"), output
        if (kind, ".".join(path)) in DECIDING and type(original) is not type(value):
            assert result.exit_code != 0, (args[0], output)
