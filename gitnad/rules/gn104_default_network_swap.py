"""GN104 default-network-swap.

What: `multus.networkName` changes on a network with `multus.default: true`.

Why: the migration evaluator ignores default multus networks, and the NAD name is not a restart
trigger: the VMI spec is updated but no migration happens and no `RestartRequired` is set. The pod keeps
`v1.multus-cni.io/default-network` on the old NAD until someone restarts the VM: a silent no-op.

Example: `multus: {default: true, networkName: ovn-a}` -> `networkName: ovn-b`.

Fix: restart the VM after the change (`virtctl restart`), or do not change the default network live.
"""

from __future__ import annotations

from collections.abc import Iterator

from gitnad.models.changes import ChangeKind
from gitnad.models.context import CheckContext
from gitnad.models.findings import Finding, RuleMeta, Scope, Severity
from gitnad.rules.base import finding

META = RuleMeta(
    code="GN104",
    name="default-network-swap",
    severity=Severity.ERROR,
    scope=Scope.REPO,
    summary="NAD swap on a multus.default network: never migrates, applies only at restart",
    doc=__doc__ or "",
)


def check(ctx: CheckContext) -> Iterator[Finding]:
    for delta in ctx.deltas:
        for change in delta.of_kind(ChangeKind.DEFAULT_NETWORK_SWAP):
            yield finding(
                META,
                f"{delta.key} network {change.network} ({change.from_} -> {change.to}) is the multus default "
                "network: KubeVirt will neither migrate nor flag RestartRequired; the VM stays on "
                f"{change.from_} until it is restarted",
                vm=delta.key,
                network=change.network,
                file=change.file,
                line=change.line,
            )
