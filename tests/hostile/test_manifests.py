"""Hostile manifests through the real CLI: `scan`, `check --offline`, `check --snapshot`, `drift --snapshot`.

Each case adds its files to the good fleet (`corpus.fleet`) at head. Every run is held to `assert_bounded` (no
traceback, no internal error, ≤ 10 s and ≤ 500 MiB, never exit 0 on unreadable input), each hostile file must
come out as the exact GN001 (file, line, reason), note or VM the case names, and the good VM prod/vm1 must still
be read: listed by scan, its nad-swap found by check, InSync in drift.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.hostile import corpus
from tests.hostile.harness import Run, assert_bounded, gitnad

pytestmark = pytest.mark.slow

SWAP = ("nad-swap", "prod/vm1", "secondary-network", "prod/nad-a", "prod/nad-b")
CASES = corpus.manifest_cases()


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return corpus.snapshot(tmp_path_factory.mktemp("cluster") / "cluster.json")


def gn001s(doc: dict[str, Any]) -> dict[str, tuple[int | None, str]]:
    return {f["file"]: (f["line"], f["message"]) for f in doc["findings"] if f["code"] == "GN001"}


def assert_gn001(case: corpus.Case, doc: dict[str, Any]) -> None:
    found = gn001s(doc)
    assert sorted(found) == sorted(case.gn001), found
    for file, (line, words) in case.gn001.items():
        got_line, message = found[file]
        if line is not None:
            assert got_line == line, (file, found[file])
        assert words in message, (file, message)


def assert_notes(case: corpus.Case, doc: dict[str, Any]) -> None:
    for file, words in case.notes.items():
        assert any(w.startswith(file + ":") and words in w for w in doc["warnings"]), doc["warnings"]


def exits(case: corpus.Case, command: str) -> set[int]:
    """What a run may end with: unreadable is 1 (a GN001), 3 for drift (undecided); readable input may have
    findings (an added VM's GN101, an expired waiver's GN901) or, for drift, VMs missing from the cluster."""
    if case.gn001:
        return {3} if command == "drift" else {1}
    if command == "drift":
        return {1} if case.vms else {0}
    return {0, 1}


def judge(case: corpus.Case, run: Run, command: str) -> dict[str, Any]:
    assert_bounded(run, exits(case, command), unreadable=bool(case.gn001))
    doc: dict[str, Any] = json.loads(run.stdout)
    return doc


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_manifest(case: corpus.Case, tmp_path: Path, snapshot: Path) -> None:
    root = tmp_path / "fleet"
    base, head = corpus.fleet(root, case.files)

    doc = judge(case, gitnad(case.id, ["scan", "--format", "json"], cwd=root), "scan")
    assert_gn001(case, doc)
    assert_notes(case, doc)
    vms = {f"{v['namespace']}/{v['name']}": v for v in doc["vms"]}
    assert sorted(vms) == sorted(["prod/vm1", *case.vms])
    assert [(n["name"], n["nad"]) for n in vms["prod/vm1"]["networks"]] == [
        ("default", None),
        ("secondary-network", "prod/nad-b"),
    ]
    assert [(n["namespace"], n["name"]) for n in doc["nads"]] == [("prod", "nad-a"), ("prod", "nad-b")]

    refs = ["--base", base, "--head", head, "--format", "json"]
    for mode in (["--offline"], ["--snapshot", str(snapshot)]):
        doc = judge(case, gitnad(case.id, ["check", *mode, *refs], cwd=root), "check")
        assert_gn001(case, doc)
        assert_notes(case, doc)
        changes = [(c["kind"], c["vm"], c["network"], c["from"], c["to"]) for c in doc["changes"]]
        assert SWAP in changes
        added = sorted(c[1] for c in changes if c[0] == "vm-added")
        assert added == sorted(case.vms)

    doc = judge(case, gitnad(case.id, ["drift", "--snapshot", str(snapshot), "--format", "json"], cwd=root), "drift")
    assert sorted(u["file"] for u in doc["unreadable"]) == sorted(case.gn001)
    states = {(i["vm"], i["network"]): i["state"] for i in doc["items"]}
    assert states.pop(("prod/vm1", "secondary-network")) == "InSync"
    assert sorted(states.items()) == sorted(((vm, "secondary-network"), "Missing") for vm in case.vms)


RAW = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")


@pytest.mark.parametrize("label", list(corpus.CONTROL_NAMES))
def test_hostile_names_reach_no_report_raw(label: str, tmp_path: Path) -> None:
    """A VM whose name and file name hold the character, with an invalid NAD reference (GN101) so that every
    report names both. One check run writes text (stdout), github, markdown and junit: none carries it raw."""
    text = corpus.CONTROL_NAMES[label]
    root = tmp_path / "fleet"
    base, head = corpus.fleet(root, {f"vms/{text}.yaml": corpus.named(text, "Bad_Name")})
    outputs = {fmt: tmp_path / f"report.{fmt}" for fmt in ("github", "markdown", "junit")}
    args = ["check", "--offline", "--base", base, "--head", head, "--format", "text"]
    for fmt, path in outputs.items():
        args += ["--format", fmt, "--output", str(path)]
    run = gitnad(f"report-{label}", args, cwd=root)
    assert_bounded(run, {1}, unreadable=False)
    reports = {"text": run.stdout, **{fmt: p.read_text(encoding="utf-8") for fmt, p in outputs.items()}}
    for fmt, report in reports.items():
        assert RAW.search(report) is None, (fmt, report)
        assert "GN101" in report and "Bad" in report, (fmt, report)
