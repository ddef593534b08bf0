"""GN103 restart-required.

What: a change to a VM's interfaces or networks that KubeVirt cannot apply live: any interface field other
than `state` (binding, model, macAddress, ...), `multus.default`, a pod <-> multus switch, a network or
interface removed without `state: absent`, or renamed.

Why: virt-controller sets the VM condition `RestartRequired` ("a non-live-updatable field was changed in
the template spec"); nothing changes in the running guest until the VM restarts. With a NAD swap in the
same VM, the swap still migrates.

Example: `model: virtio` -> `model: e1000e` on an interface.

Fix: plan a restart (`virtctl restart`), or unplug with `state: absent` instead of deleting the interface.
"""

from __future__ import annotations

from collections.abc import Iterator

from gitnad.models.changes import ChangeKind
from gitnad.models.context import CheckContext
from gitnad.models.findings import Finding, RuleMeta, Scope, Severity
from gitnad.rules.base import finding

META = RuleMeta(
    code="GN103",
    name="restart-required",
    severity=Severity.WARNING,
    scope=Scope.REPO,
    summary="A change KubeVirt cannot apply live (RestartRequired)",
    doc=__doc__ or "",
)


def check(ctx: CheckContext) -> Iterator[Finding]:
    for delta in ctx.deltas:
        swaps = delta.swaps
        for change in delta.of_kind(ChangeKind.RESTART_REQUIRED):
            tail = (
                "; the NAD swap of " + ", ".join(str(c.network) for c in swaps) + " in this VM still live-migrates"
                if swaps
                else ""
            )
            yield finding(
                META,
                f"{delta.key}: {change.detail}: KubeVirt will set RestartRequired and apply it only at the next "
                f"restart{tail}",
                vm=delta.key,
                network=change.network or change.interface,
                file=change.file,
                line=change.line,
            )
