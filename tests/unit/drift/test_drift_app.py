"""`gitnad drift` end to end offline: the demo repo (a real git history) against the after-sync snapshot."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from gitnad.app import drift as app_drift
from gitnad.app.demo_drift import drift_result
from gitnad.config import ClusterSettings, OutputFormat
from gitnad.errors import ExitCode, UsageError
from gitnad.report import render
from gitnad.sources.fixture_repo import build

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = ROOT / "fixtures" / "demo"
AFTER_SYNC = FIXTURES / "snapshots" / "after-sync.yaml"
NOTES = "clusters/staging/vms/notes.yaml"
"""A ConfigMap with a duplicate key in the demo: the scanner reports it as GN001, so drift cannot say that every
VM was checked (exit 3). When the scanner makes such non-VM files notes (SPEC §3), the demo exits 1 again."""


def _demo_exit(unreadable: list[dict[str, object]]) -> ExitCode:
    """The demo's broken file is a ConfigMap (a note, not GN001): nothing hides a VM, so drift decides."""
    assert unreadable == []
    return ExitCode.FINDINGS


EXPECTED = [
    ("prod/batch-1", "bridge-net", "Stopped", "prod/vlan-20", None),
    ("prod/cache-0", "bridge-net", "Migrating", "prod/vlan-20", "prod/vlan-10"),
    ("prod/cache-0", "metrics", "Migrating", "prod/vlan-20", None),
    ("prod/cache-1", "bridge-net", "MigrationPending", "prod/vlan-20", "prod/vlan-10"),
    ("prod/cache-1", "metrics", "MigrationPending", "prod/vlan-20", None),
    ("prod/db-1", "bridge-net", "InSync", "prod/vlan-20", "prod/vlan-20"),
    ("prod/db-2", "bridge-net", "RestartRequired", "prod/vlan-20", "prod/vlan-20"),
    ("prod/nfv-1", "dataplane", "MigrationFailed", "prod/sriov-vlan-20", "prod/sriov-vlan-10"),
    ("prod/router-1", "primary", "PodDrift", "prod/ovn-primary-b", "prod/ovn-primary-a"),
    ("prod/web-1", "bridge-net", "InSync", "prod/vlan-10", "prod/vlan-10"),
    ("prod/web-2", "bridge-net", "OutOfSync", "prod/vlan-30", "prod/vlan-10"),
    ("staging/app-1", "bridge-net", "NADMissing", "staging/vlan_10", "staging/legacy-net"),
    ("staging/app-2", "bridge-net", "NADMissing", "staging/legacy-net", "staging/legacy-net"),
]


@pytest.fixture(scope="module")
def demo_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    repo = tmp_path_factory.mktemp("demo") / "fleet"
    return repo, build(FIXTURES / "commits", repo)


def _request(repo: Path, *, base: str | None = None, wait: bool = False) -> app_drift.DriftRequest:
    return app_drift.DriftRequest(
        repo=repo,
        config_file=None,
        ref="HEAD",
        base=base,
        wait=wait,
        timeout=timedelta(seconds=5),
        cluster=ClusterSettings(snapshot=AFTER_SYNC),
    )


def test_json_items_and_exit(demo_repo: tuple[Path, list[str]]) -> None:
    repo, shas = demo_repo
    result, code = app_drift.run(_request(repo))
    text = render(result, OutputFormat.JSON)
    doc = json.loads(text)
    assert code is _demo_exit(doc["unreadable"])
    assert (doc["command"], doc["ref"]) == ("drift", shas[-1])
    got = [(i["vm"], i["network"], i["state"], i["declared"], i["pod"]) for i in doc["items"]]
    assert got == EXPECTED
    assert {k for k in doc["items"][0]} >= {
        "vm",
        "network",
        "declared",
        "live_vm",
        "vmi",
        "pod",
        "state",
        "converged",
        "detail",
        "migration",
    }
    assert doc["summary"]["converged"] is False
    assert doc["summary"]["InSync"] == 2


def test_base_limits_to_vms_whose_nad_changed(demo_repo: tuple[Path, list[str]]) -> None:
    repo, shas = demo_repo
    text = render(app_drift.run(_request(repo, base=shas[0]))[0], OutputFormat.JSON)
    vms = sorted({i["vm"] for i in json.loads(text)["items"]})
    # web-1's rewrite vlan-10 -> prod/vlan-10 is cosmetic and app-2 did not change: neither is affected.
    assert vms == [
        "prod/batch-1",
        "prod/cache-0",
        "prod/cache-1",
        "prod/db-1",
        "prod/db-2",
        "prod/nfv-1",
        "prod/router-1",
        "prod/web-2",
        "staging/app-1",
    ]


def test_wait_refuses_a_snapshot(demo_repo: tuple[Path, list[str]]) -> None:
    with pytest.raises(UsageError, match="--wait watches a live cluster"):
        app_drift.run(_request(demo_repo[0], wait=True))


def test_demo_drift_text(demo_repo: tuple[Path, list[str]]) -> None:
    repo, shas = demo_repo
    result = drift_result(repo, shas[-1], AFTER_SYNC)
    text = render(result, OutputFormat.TEXT)
    lines = text.splitlines()
    assert lines[0] == f"gitnad drift  ref {shas[-1][:12]}  cluster snapshot:{AFTER_SYNC}"
    # At 100 columns the details do not fit beside the columns: each goes, wrapped, under its row.
    assert lines[2].split() == ["VM", "NETWORK", "STATE", "DECLARED", "LIVE", "POD"]
    assert lines[3].split()[:5] == ["prod/batch-1", "bridge-net", "Stopped", "prod/vlan-20", "-"]
    assert "NOT CONVERGED: 3 of 13 network(s) converged" in text
    assert f"warning: {NOTES}:6: skipped, duplicate mapping key" in text
    assert "\x1b[" not in text
    assert "\x1b[32mInSync" in render(result, OutputFormat.TEXT, color=True)


def test_cli_drift_and_reconcile(demo_repo: tuple[Path, list[str]]) -> None:
    from click.testing import CliRunner

    from gitnad.cli import main

    repo, _shas = demo_repo
    runner = CliRunner()
    drift = runner.invoke(main, ["drift", "--repo", str(repo), "--snapshot", str(AFTER_SYNC), "--no-color"])
    expected = int(_demo_exit([]))
    assert drift.exit_code == expected, drift.output
    assert "prod/router-1  primary     PodDrift" in drift.output
    plan = runner.invoke(main, ["reconcile", "--repo", str(repo), "--snapshot", str(AFTER_SYNC), "--allow-restart"])
    assert plan.exit_code == expected, plan.output
    tail = plan.output.split("Plan (", 1)[1].splitlines()
    assert tail[0] == "dry-run: nothing was changed; run with --apply to execute); free migration slots: 0"
    actions = [line for line in tail[1:-1] if not line.startswith("   ")]  # not the wrapped continuations
    assert [line.split()[:3] for line in actions] == [
        ["skipped", "none", "prod/cache-0"],
        ["skipped", "create-migration", "prod/cache-1"],
        ["planned", "restart-vm", "prod/db-2"],
        ["skipped", "none", "prod/nfv-1"],
        ["planned", "restart-vm", "prod/router-1"],
        ["skipped", "none", "prod/web-2"],
        ["skipped", "none", "staging/app-1"],
        ["skipped", "none", "staging/app-2"],
    ]
    assert tail[-1] == "  2 planned, 6 skipped"
    applied = runner.invoke(main, ["reconcile", "--repo", str(repo), "--snapshot", str(AFTER_SYNC), "--apply"])
    assert applied.exit_code == 2
    assert "--apply needs a live cluster" in applied.output


def test_reconcile_json(demo_repo: tuple[Path, list[str]]) -> None:
    from gitnad.app import reconcile as app_reconcile

    repo, _shas = demo_repo
    req = app_reconcile.ReconcileRequest(
        repo=repo,
        config_file=None,
        ref="HEAD",
        base=None,
        apply=False,
        allow_restart=False,
        max_actions=None,
        cluster=ClusterSettings(snapshot=AFTER_SYNC),
    )
    result, code = app_reconcile.run(req)
    text = render(result, OutputFormat.JSON)
    doc = json.loads(text)
    assert (code, doc["command"], doc["applied"], doc["free_slots"]) == (
        _demo_exit(doc["unreadable"]),
        "reconcile",
        False,
        0,
    )
    restart = next(a for a in doc["actions"] if a["vm"] == "prod/db-2")
    assert restart == {
        "kind": "restart-vm",
        "vm": "prod/db-2",
        "network": "bridge-net",
        "state": "RestartRequired",
        "reason": "KubeVirt applies the template change only at a restart",
        "outcome": "skipped",
        "result": "needs --allow-restart",
    }
    assert [(i["vm"], i["network"], i["state"], i["declared"], i["pod"]) for i in doc["items"]] == EXPECTED


def test_no_vm_declared_reads_no_cluster(tmp_path: Path) -> None:
    from tests.gitutil import commit, make_repo

    repo = tmp_path / "repo"
    commit(make_repo(repo), {"README.md": "no VMs here\n"})
    req = app_drift.DriftRequest(
        repo=repo,
        config_file=None,
        ref="HEAD",
        base=None,
        wait=False,
        timeout=timedelta(seconds=5),
        cluster=ClusterSettings(snapshot=tmp_path / "never-read.yaml"),
    )
    result, code = app_drift.run(req)
    text = render(result, OutputFormat.TEXT)
    assert code is ExitCode.OK
    assert text.splitlines()[2:5] == [
        "No VM with a multus network is declared at this ref.",
        "",
        "nothing to check: 0 of 0 network(s) converged (0 items)",
    ]
