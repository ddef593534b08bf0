"""GN202 kubevirt-version.

What: the cluster runs a KubeVirt that cannot live-update a NAD reference: older than v1.8 (error), or
v1.8.0 / v1.8.1 (warning: upgrade to v1.8.2 or later). Also fires when no KubeVirt is deployed at all.

Why: `LiveUpdateNADRef` appeared as Beta in v1.8.0 and is GA (always on) since v1.9.0. Older releases
see the `networkName` change as a non-live-updatable field: the VM gets `RestartRequired` and the new
NAD applies only at the next restart. v1.8.0 and v1.8.1 shipped a `syncNetworks` that drops VMI networks
absent from the VM spec ("failed to find network default"), fixed in v1.8.2.

Example: `status.observedKubeVirtVersion: v1.7.2` with a `networkName` change.

Fix: upgrade KubeVirt to v1.9 (or at least v1.8.2 with the `LiveUpdateNADRef` feature gate), or plan a
restart of the VM to apply the new NAD.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from gitnad.models.context import CheckContext
from gitnad.models.findings import Finding, RuleMeta, Scope, Severity
from gitnad.rules.clusterfacts import affected, kubevirt_known, kubevirt_version, live_affected, vm_finding

if TYPE_CHECKING:
    from gitnad.models.cluster import KubeVirtFacts

META = RuleMeta(
    code="GN202",
    name="kubevirt-version",
    severity=Severity.ERROR,
    scope=Scope.CLUSTER,
    summary="KubeVirt older than v1.8 (warning for v1.8.0/v1.8.1: upgrade to >= v1.8.2)",
    doc=__doc__ or "",
)


def problem(kv: KubeVirtFacts | None) -> tuple[Severity, str] | None:
    """(severity, what is wrong) for the KubeVirt CR, or None when its version supports live NAD updates."""
    if kv is None:
        return Severity.ERROR, (
            "no KubeVirt is deployed in the cluster (no KubeVirt CR): nothing will run or migrate this VM"
        )
    text, version = kubevirt_version(kv)
    if version is None:
        return None  # unknown or unparsable: GN212
    if version < (1, 8, 0):
        return Severity.ERROR, (
            f"KubeVirt {text} cannot live-update a NAD reference (needs v1.8 or later): the VM gets "
            "RestartRequired and the new NAD applies only at its next restart. Upgrade KubeVirt or plan the restart"
        )
    if version < (1, 8, 2):
        return Severity.WARNING, (
            f"KubeVirt {text} has a known bug in live NAD updates (VMI networks absent from the VM spec are "
            "dropped: 'failed to find network default'); upgrade to v1.8.2 or later before relying on it"
        )
    return None


def check(ctx: CheckContext) -> Iterator[Finding]:
    facts = ctx.cluster
    if facts is None or not kubevirt_known(facts):
        return
    found = problem(facts.kubevirt)
    if found is None:
        return
    severity, what = found
    for aff in affected(ctx) if facts.kubevirt is None else live_affected(ctx):
        yield vm_finding(META, f"{aff.key}: NAD swap of {aff.describe_swaps()}: {what}", aff, severity=severity)
