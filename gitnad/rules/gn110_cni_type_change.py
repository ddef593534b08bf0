"""GN110 cni-type-change.

What: the old and the new NAD of a swap differ in CNI `type` (the first plugin's, for a conflist) or in the
`k8s.v1.cni.cncf.io/resourceName` annotation.

Why: KubeVirt allows it, but the user guide warns "Moving to a different CNI type may fail"; a different
resourceName changes what the target pod requests (SR-IOV VFs), which may not exist on any node.

Example: `bridge` -> `ovn-k8s-cni-overlay`; `intel.com/sriov_a` -> `intel.com/sriov_b`.

Fix: test the move on one VM first; make sure target nodes offer the new resource.
"""

from __future__ import annotations

from collections.abc import Iterator

from gitnad.models.context import CheckContext
from gitnad.models.findings import Finding, RuleMeta, Scope, Severity
from gitnad.rules.base import finding, swaps

META = RuleMeta(
    code="GN110",
    name="cni-type-change",
    severity=Severity.WARNING,
    scope=Scope.REPO_CLUSTER,
    summary="Old and new NAD differ in CNI type or resourceName",
    doc=__doc__ or "",
)


def check(ctx: CheckContext) -> Iterator[Finding]:
    for delta, change in swaps(ctx):
        old, new = ctx.base_nad(change.from_), ctx.head_nad(change.to)
        if old is None or new is None:
            continue
        diffs = []
        if old.cni_type and new.cni_type and old.cni_type != new.cni_type:
            diffs.append(f"CNI type {old.cni_type} -> {new.cni_type}")
        if old.resource_name != new.resource_name:
            diffs.append(f"resourceName {old.resource_name or '(none)'} -> {new.resource_name or '(none)'}")
        if diffs:
            yield finding(
                META,
                f"{delta.key} network {change.network} moves {change.from_} -> {change.to}: {'; '.join(diffs)}; "
                "moving to a different CNI type or device resource may fail",
                vm=delta.key,
                network=change.network,
                file=change.file,
                line=change.line,
            )
