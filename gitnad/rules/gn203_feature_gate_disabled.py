"""GN203 feature-gate-disabled.

What: KubeVirt v1.8.x without `LiveUpdateNADRef` in
`spec.configuration.developerConfiguration.featureGates`, or with it in `disabledFeatureGates`. Only
v1.8.x: from v1.9 the feature is GA and always on (listing the gate is harmless); older releases get
GN202 alone.

Why: in v1.8 the gate is Beta and off by default. Without it virt-controller never copies the new
`networkName` to the VMI and sees the change as non-live-updatable: the VM gets `RestartRequired` and no
migration happens.

Example: KubeVirt v1.8.3 with `featureGates: [HotplugVolumes]`.

Fix: add `LiveUpdateNADRef` to `featureGates` of the KubeVirt CR (and remove it from
`disabledFeatureGates`) before merging, or upgrade to v1.9.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from gitnad.models.context import CheckContext
from gitnad.models.findings import Finding, RuleMeta, Scope, Severity
from gitnad.rules.clusterfacts import LIVE_UPDATE_GATE, kubevirt_known, kubevirt_version, live_affected, vm_finding

if TYPE_CHECKING:
    from gitnad.models.cluster import KubeVirtFacts

META = RuleMeta(
    code="GN203",
    name="feature-gate-disabled",
    severity=Severity.ERROR,
    scope=Scope.CLUSTER,
    summary="KubeVirt v1.8.x without the LiveUpdateNADRef feature gate (or with it disabled)",
    doc=__doc__ or "",
)


def problem(kv: KubeVirtFacts | None) -> str | None:
    """What is wrong with the gate on a v1.8.x KubeVirt, else None."""
    if kv is None:
        return None
    text, version = kubevirt_version(kv)
    if version is None or version[:2] != (1, 8):
        return None
    where = f"KubeVirt {kv.namespace}/{kv.name} ({text})"
    if LIVE_UPDATE_GATE in kv.disabled_feature_gates:
        return f"{where} lists {LIVE_UPDATE_GATE} in spec.configuration.developerConfiguration.disabledFeatureGates"
    if LIVE_UPDATE_GATE not in kv.feature_gates:
        return f"{where} does not list {LIVE_UPDATE_GATE} in spec.configuration.developerConfiguration.featureGates"
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
            f"{aff.key}: NAD swap of {aff.describe_swaps()} will not migrate: {what} (off by default in v1.8), so "
            f"the VM gets RestartRequired instead. Enable {LIVE_UPDATE_GATE} in featureGates before merging, or "
            "upgrade to v1.9",
            aff,
        )
