"""`gitnad drift` on Kustomize overlays: the declared state is what the overlays render (namespace, prefix,
patches), so a cluster that applied them is InSync, not Missing; a root that cannot be rendered makes the result
undecided (exit 3), never a VM silently left out."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from gitnad.cli import main
from tests.gitrepo import TempRepo
from tests.unit.app.overlay_cluster import FIXTURE_NADS, FIXTURE_NAMESPACES, FIXTURE_VMS, write_snapshot
from tests.unit.sources.kustomize_repo import gitops_files, replace

FILES = gitops_files()
STAGING_PATCH = "overlays/staging/nad-patch.yaml"


def drift(repo: TempRepo, snapshot: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    args = ["drift", "--repo", str(repo.root), "--snapshot", str(snapshot), "--format", "json", *extra]
    r = CliRunner().invoke(main, args, catch_exceptions=False)
    return r.exit_code, json.loads(r.output)


def items(doc: dict[str, Any]) -> list[tuple[str, str, str, str | None, str, int]]:
    return [(i["vm"], i["network"], i["state"], i["declared"], i["file"], i["line"]) for i in doc["items"]]


def test_a_cluster_that_applied_the_overlays_is_in_sync(tmp_path: Path) -> None:
    repo = TempRepo(tmp_path / "gitops")
    repo.commit(FILES)
    snap = write_snapshot(tmp_path / "snap.yaml", FIXTURE_VMS, FIXTURE_NADS, FIXTURE_NAMESPACES)
    code, doc = drift(repo, snap)
    assert items(doc) == [
        ("prod/web", "data", "InSync", "prod-net/vlan-30", "overlays/prod/kustomization.yaml", 15),
        ("prod/workers-0", "data", "InSync", "prod/vlan-40", "components/pool-net/pool-nad.yaml", 3),
        ("staging/stg-web", "data", "InSync", "staging/vlan-20", STAGING_PATCH, 4),
        ("staging/stg-workers-0", "data", "InSync", "staging/vlan-10", "base/pool.yaml", 32),
    ]
    assert doc["unreadable"] == []
    assert code == 0


def test_an_overlay_change_not_applied_yet_is_out_of_sync(tmp_path: Path) -> None:
    repo = TempRepo(tmp_path / "gitops")
    base = repo.commit(FILES)
    repo.commit({STAGING_PATCH: replace(FILES[STAGING_PATCH], "vlan-20", "stg-vlan-10")})
    snap = write_snapshot(tmp_path / "snap.yaml", FIXTURE_VMS, FIXTURE_NADS, FIXTURE_NAMESPACES)
    code, doc = drift(repo, snap, "--base", base)
    assert items(doc) == [("staging/stg-web", "data", "OutOfSync", "staging/stg-vlan-10", STAGING_PATCH, 4)]
    assert code == 1


def test_a_root_that_cannot_be_rendered_makes_drift_undecided(tmp_path: Path) -> None:
    repo = TempRepo(tmp_path / "gitops")
    staging = "overlays/staging/kustomization.yaml"
    sha = repo.commit(FILES | {staging: replace(FILES[staging], "namePrefix: stg-", "namePrefix: [stg-")})
    snap = write_snapshot(tmp_path / "snap.yaml", FIXTURE_VMS, FIXTURE_NADS, FIXTURE_NAMESPACES)
    code, doc = drift(repo, snap)
    assert [i["vm"] for i in doc["items"]] == ["prod/web", "prod/workers-0"]
    assert [(u["file"], u["line"], u["ref"]) for u in doc["unreadable"]] == [(staging, 5, sha)]
    assert code == 3
