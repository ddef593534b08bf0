"""GN102 binding-change.

What: a VM whose change swaps a NAD also changes an interface binding (bridge, masquerade, sriov, passt)
or binding plugin (`binding: {name: ...}`).

Why: switching the binding is not supported by the live NAD update (user guide, Limitations); KubeVirt
sets `RestartRequired` for it while the NAD swap still migrates, leaving the VM half-moved until a restart.

Example: `networkName: vlan-10 -> vlan-20` and `bridge: {}` -> `sriov: {}` on the same interface in one commit.

Fix: split the change: swap the NAD first, change the binding in a later change and restart the VM.
"""

from __future__ import annotations

from collections.abc import Iterator

from gitnad.models.changes import ChangeKind
from gitnad.models.context import CheckContext
from gitnad.models.findings import Finding, RuleMeta, Scope, Severity
from gitnad.rules.base import describe_swaps, finding

META = RuleMeta(
    code="GN102",
    name="binding-change",
    severity=Severity.ERROR,
    scope=Scope.REPO,
    summary="A VM with a NAD swap also changes an interface binding or binding plugin",
    doc=__doc__ or "",
)


def check(ctx: CheckContext) -> Iterator[Finding]:
    for delta in ctx.deltas:
        if not delta.swaps:
            continue
        swapped = describe_swaps(delta.swaps)
        for change in delta.of_kind(ChangeKind.RESTART_REQUIRED):
            if change.field != "binding":
                continue
            yield finding(
                META,
                f"{delta.key}: {change.detail} in the same change as the NAD swap of {swapped}; "
                "binding changes are not applied live. Split the change: swap the NAD first, change the binding "
                "later and restart the VM.",
                vm=delta.key,
                network=change.interface,
                file=change.file,
                line=change.line,
            )
