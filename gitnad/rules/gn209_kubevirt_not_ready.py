"""GN209 kubevirt-not-ready.

What: the KubeVirt CR is not in phase `Deployed`, or an upgrade is in progress
(`status.observedDeploymentID` differs from `status.targetDeploymentID`).

Why: KubeVirt's workload updater does nothing until KubeVirt is deployed and not upgrading: the VMIs
get `MigrationRequired=True` but no migration is created yet. The swap happens later, when the
deployment settles, possibly at an unexpected time.

Example: `status.phase: Deploying` during a KubeVirt upgrade from v1.8.4 to v1.9.0.

Fix: merge after the KubeVirt rollout has finished (`kubectl get kv -A` shows `Deployed`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from gitnad.models.context import CheckContext
from gitnad.models.findings import Finding, RuleMeta, Scope, Severity
from gitnad.rules.clusterfacts import kubevirt_known, live_affected, quote, vm_finding

if TYPE_CHECKING:
    from gitnad.models.cluster import KubeVirtFacts

META = RuleMeta(
    code="GN209",
    name="kubevirt-not-ready",
    severity=Severity.WARNING,
    scope=Scope.CLUSTER,
    summary="KubeVirt CR not Deployed or an upgrade is in progress: migrations will not start yet",
    doc=__doc__ or "",
)


def problem(kv: KubeVirtFacts | None) -> str | None:
    if kv is None:
        return None
    where = f"KubeVirt {kv.namespace}/{kv.name}"
    if kv.phase != "Deployed":
        degraded = next((c for c in kv.conditions if c.type == "Degraded" and c.status == "True"), None)
        extra = f"; Degraded: {quote(degraded.reason, degraded.message)}" if degraded else ""
        return f"{where} is in phase {kv.phase or '(none)'}, not Deployed{extra}"
    if kv.upgrading:
        versions = ""
        if kv.observed_version != kv.target_version:
            versions = f" ({kv.observed_version or '(none)'} -> {kv.target_version or '(none)'})"
        return (
            f"{where} is being upgraded{versions}: observedDeploymentID {kv.observed_deployment_id or '(none)'} != "
            f"targetDeploymentID {kv.target_deployment_id or '(none)'}"
        )
    return None


def check(ctx: CheckContext) -> Iterator[Finding]:
    facts = ctx.cluster
    if facts is None or not kubevirt_known(facts):
        return
    what = problem(facts.kubevirt)
    if what is None:
        return
    for aff in live_affected(ctx):
        yield vm_finding(
            META,
            f"{aff.key}: NAD swap of {aff.describe_swaps()}: {what}; KubeVirt creates no migration until it is "
            "Deployed and not upgrading. Merge after the rollout has finished",
            aff,
        )
