"""`gitnad demo`: the whole story on the bundled fixtures, offline.

1. A realistic GitOps history is turned into a temporary git repository.
2. The PR check runs on its last commit (with the cluster snapshot taken before sync, when bundled).
3. The drift report runs against the snapshot taken after sync (when bundled).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from gitnad.app import check as app_check
from gitnad.config import ClusterSettings
from gitnad.errors import ExitCode, UsageError
from gitnad.models.results import DemoResult
from gitnad.sources.fixture_repo import build


def fixtures_dir() -> Path:
    """`$GITNAD_FIXTURES`, else the project's `fixtures/` next to the package."""
    env = os.environ.get("GITNAD_FIXTURES")
    candidates = [Path(env)] if env else []
    candidates.append(Path(__file__).resolve().parents[2] / "fixtures")
    for c in candidates:
        if (c / "demo" / "commits").is_dir():
            return c
    raise UsageError("bundled fixtures not found: run from a gitnad checkout or set GITNAD_FIXTURES")


def run(keep: Path | None) -> tuple[DemoResult, ExitCode]:
    """Both halves of the story; exit 0, since the demo's findings and drift are what it shows."""
    fixtures = fixtures_dir()
    demo = fixtures / "demo"
    workdir = Path(tempfile.mkdtemp(prefix="gitnad-demo-"))
    repo = keep if keep is not None else workdir / "fleet-gitops"
    try:
        shas = build(demo / "commits", repo)
        before = demo / "snapshots" / "before-sync.yaml"
        cluster = ClusterSettings(snapshot=before) if before.is_file() else ClusterSettings(offline=True)
        req = app_check.CheckRequest(
            repo=repo,
            config_file=None,
            base=shas[-2],
            head=shas[-1],
            staged=False,
            fail_on=None,
            policies=(),
            cluster=cluster,
        )
        check, _ = app_check.run(req)
        after = demo / "snapshots" / "after-sync.yaml"
        drift = None
        if after.is_file():
            import gitnad.app.demo_drift as demo_drift

            drift = demo_drift.drift_result(repo, shas[-1], after)
        return DemoResult(repo=str(repo), commits=len(shas), head=shas[-1], check=check, drift=drift), ExitCode.OK
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
