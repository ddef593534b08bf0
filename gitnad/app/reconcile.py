"""`gitnad reconcile`: drift, then a plan to converge; dry-run unless `--apply` (SPEC §9).

Idempotent by construction: the plan is computed from the facts just read, and a VMI with an unfinished
migration never gets another one; after `--apply` the created migrations make those VMs MigrationQueued
on the next run, so a second run plans nothing new for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from gitnad import __version__
from gitnad.app.common import cluster_settings
from gitnad.app.drift import exit_code, load_declared, nothing_to_check, result_of
from gitnad.config import ClusterSettings
from gitnad.drift import migrations as mig
from gitnad.drift.classify import classify
from gitnad.errors import ExitCode, UsageError
from gitnad.models.results import ActionOutcome, ReconcileResult
from gitnad.reconcile.apply import apply
from gitnad.reconcile.plan import Capacity, PlanSettings, plan
from gitnad.sources.cluster import load_facts


@dataclass(frozen=True)
class ReconcileRequest:
    repo: Path
    config_file: Path | None
    ref: str
    base: str | None
    apply: bool
    allow_restart: bool
    max_actions: int | None
    cluster: ClusterSettings
    cache: bool = True
    """Read and keep parsed manifests in the repository's parse cache (`--no-cache`: off)."""


def reconcile(req: ReconcileRequest) -> ReconcileResult:
    """Read, classify, plan and (with --apply) execute; the result carries every action and its outcome."""
    if req.apply and req.cluster.snapshot is not None:
        raise UsageError("--apply needs a live cluster; it cannot act on a --snapshot")
    declared = load_declared(req.repo, req.config_file, req.ref, req.base, req.cache)
    cluster = cluster_settings(req.cluster, declared.config)
    if not declared.vms:
        return ReconcileResult(
            version=__version__, ref=declared.sha, applied=req.apply, drift=nothing_to_check(declared), actions=()
        )
    facts = load_facts(cluster, declared.namespaces)
    drift = result_of(declared, classify(declared.vms, facts), facts)
    settings = PlanSettings(commit=declared.sha, allow_restart=req.allow_restart, max_actions=req.max_actions)
    capacity = Capacity(running=mig.running_count(facts), free=mig.free_slots(facts))
    actions = plan(drift.items, facts, settings, capacity)
    if req.apply and any(a.outcome is ActionOutcome.PLANNED for a in actions):
        from gitnad.sources.cluster.actions import ClusterActions

        actions = apply(actions, ClusterActions(cluster), declared.sha)
    return ReconcileResult(
        version=__version__,
        ref=declared.sha,
        applied=req.apply,
        drift=drift,
        actions=actions,
        free_slots=capacity.free,
    )


def run(req: ReconcileRequest) -> tuple[ReconcileResult, ExitCode]:
    """The reconcile result and its exit code (as drift's: 3 on any Unknown, else 1 when not converged)."""
    result = reconcile(req)
    return result, exit_code(result.drift)
