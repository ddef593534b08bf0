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
from gitnad.config import ClusterSettings, OutputSettings
from gitnad.errors import ExitCode, UsageError
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


def _banner(title: str, color: bool) -> str:
    line = "=" * 78
    text = f"{line}\n {title}\n{line}"
    return f"\x1b[1m{text}\x1b[0m" if color else text


def run(out: OutputSettings, keep: Path | None) -> tuple[str, ExitCode]:
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
            output=out,
        )
        check_text, _ = app_check.run(req)
        parts = [
            _banner(f"1. Pull-request check of {shas[-1][:12]} ({len(shas)} commits in {repo})", out.color),
            check_text,
        ]
        after = demo / "snapshots" / "after-sync.yaml"
        if after.is_file():
            import gitnad.app.demo_drift as demo_drift

            parts += [
                _banner("2. After Argo CD synced it: drift report (snapshot after sync)", out.color),
                demo_drift.drift_report(repo, shas[-1], after, out.color),
            ]
        return "\n".join(parts), ExitCode.OK
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
