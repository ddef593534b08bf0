"""The drift half of `gitnad demo`: the declared state of the demo repo against the after-sync snapshot."""

from __future__ import annotations

from pathlib import Path

from gitnad.app.drift import load_declared, result_of
from gitnad.config import ClusterSettings, OutputFormat
from gitnad.drift.classify import classify
from gitnad.report import render
from gitnad.sources.cluster import load_facts


def drift_report(repo_path: Path, ref: str, snapshot_path: Path, color: bool) -> str:
    """The text drift report of `repo_path` at `ref` against the snapshot (offline, deterministic)."""
    declared = load_declared(repo_path, None, ref, None)
    facts = load_facts(ClusterSettings(snapshot=snapshot_path), declared.namespaces)
    return render(result_of(declared, classify(declared.vms, facts), facts), OutputFormat.TEXT, color=color)
