"""GN111 untested-binding.

What: the swapped interface uses SR-IOV or a network binding plugin (`binding: {name: ...}`).

Why: KubeVirt's code does not refuse it, but only the bridge binding is tested upstream for live NAD
updates; SR-IOV needs a free VF of the new NAD's resource on the target node.

Example: `sriov: {}` interface with `networkName: sriov-vlan-10` -> `sriov-vlan-20`.

Fix: try it on one VM first; keep a restart plan ready.
"""

from __future__ import annotations

from collections.abc import Iterator

from gitnad.models.context import CheckContext
from gitnad.models.findings import Finding, RuleMeta, Scope, Severity
from gitnad.rules.base import finding, swaps

META = RuleMeta(
    code="GN111",
    name="untested-binding",
    severity=Severity.WARNING,
    scope=Scope.REPO,
    summary="The swapped interface uses SR-IOV or a binding plugin (only bridge is tested upstream)",
    doc=__doc__ or "",
)


def check(ctx: CheckContext) -> Iterator[Finding]:
    for delta, change in swaps(ctx):
        iface = delta.head.interface(change.network or "") if delta.head else None
        if iface is None or not (iface.binding == "sriov" or iface.binding_is_plugin):
            continue
        kind = "SR-IOV" if iface.binding == "sriov" else f"binding plugin {iface.binding!r}"
        yield finding(
            META,
            f"{delta.key} network {change.network} ({change.from_} -> {change.to}) uses {kind}: live NAD updates "
            "are only tested upstream with the bridge binding",
            vm=delta.key,
            network=change.network,
            file=change.file,
            line=change.line,
        )
