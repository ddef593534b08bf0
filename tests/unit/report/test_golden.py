"""Golden files: the demo's check and drift reports in every format, byte for byte.

The demo history (fixtures/demo/commits) is built into a real git repository; check runs against the
before-sync snapshot, drift against the after-sync snapshot. Commit shas are deterministic (fixed dates).
Regenerate after an intended change with `GITNAD_UPDATE_GOLDEN=1 pytest tests/unit/report/test_golden.py`
and review the diff.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gitnad.app import check as app_check
from gitnad.app import drift as app_drift
from gitnad.config import ClusterSettings, OutputFormat
from gitnad.report import render
from gitnad.sources.fixture_repo import build

ROOT = Path(__file__).resolve().parents[3]
DEMO = ROOT / "fixtures" / "demo"
GOLDEN = ROOT / "tests" / "golden"
NOW = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def demo_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    repo = tmp_path_factory.mktemp("demo") / "fleet-gitops"
    return repo, build(DEMO / "commits", repo)


def _stable(text: str) -> str:
    return text.replace(str(DEMO), "<fixtures>/demo")


def _compare(name: str, text: str) -> None:
    if name.endswith(".json"):  # one line on the wire; kept indented here so golden diffs are reviewable
        assert text.count("\n") == 1 and text.endswith("\n")
        text = json.dumps(json.loads(text), indent=2, ensure_ascii=False) + "\n"
    path = GOLDEN / name
    if os.environ.get("GITNAD_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    assert path.is_file(), f"{path} missing: run with GITNAD_UPDATE_GOLDEN=1"
    assert text == path.read_text()


@pytest.mark.parametrize("fmt", list(OutputFormat), ids=str)
def test_demo_check_report(demo_repo: tuple[Path, list[str]], fmt: OutputFormat) -> None:
    repo, shas = demo_repo
    req = app_check.CheckRequest(
        repo=repo,
        config_file=None,
        base=shas[-2],
        head=shas[-1],
        staged=False,
        fail_on=None,
        policies=(),
        cluster=ClusterSettings(snapshot=DEMO / "snapshots" / "before-sync.yaml"),
        now=NOW,
    )
    result, code = app_check.run(req)
    text = render(result, fmt)
    assert int(code) == 1
    _compare(f"{fmt.value}/demo-check.{'json' if fmt is OutputFormat.JSON else 'txt'}", _stable(text))


@pytest.mark.parametrize("fmt", list(OutputFormat), ids=str)
def test_demo_drift_report(demo_repo: tuple[Path, list[str]], fmt: OutputFormat) -> None:
    repo, shas = demo_repo
    req = app_drift.DriftRequest(
        repo=repo,
        config_file=None,
        ref=shas[-1],
        base=None,
        wait=False,
        timeout=timedelta(seconds=1),
        cluster=ClusterSettings(snapshot=DEMO / "snapshots" / "after-sync.yaml"),
    )
    result, code = app_drift.run(req)
    text = render(result, fmt)
    assert int(code) == 1
    _compare(f"{fmt.value}/demo-drift.{'json' if fmt is OutputFormat.JSON else 'txt'}", _stable(text))
