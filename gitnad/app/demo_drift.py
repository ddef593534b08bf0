"""The drift half of `gitnad demo`: the declared state of the demo repo against the after-sync snapshot."""

from __future__ import annotations

from pathlib import Path

from gitnad.app.drift import load_declared, result_of
from gitnad.config import ClusterSettings
from gitnad.drift.classify import classify
from gitnad.models.results import DriftResult
from gitnad.sources.cluster import load_facts


def drift_result(repo_path: Path, ref: str, snapshot_path: Path) -> DriftResult:
    """The drift of `repo_path` at `ref` against the snapshot (offline, deterministic)."""
    declared = load_declared(repo_path, None, ref, None)
    facts = load_facts(ClusterSettings(snapshot=snapshot_path), declared.namespaces)
    return result_of(declared, classify(declared.vms, facts), facts)
