"""GN101 invalid-nad-reference.

What: a `multus.networkName` that the change adds or modifies is empty, has more than one `/`, or is
not a valid DNS-1123 name (or namespace).

Why: KubeVirt splits the reference at the first `/` (`a/b/c` becomes namespace `a`, name `b/c`) and
admission only checks that it is non-empty, so a typo is accepted and the VM never gets its network.

Example: `networkName: prod/vlan_20` (underscore), `networkName: a/b/c`, `networkName: ""`.

Fix: use `name` or `namespace/name` of an existing NetworkAttachmentDefinition.
"""

from __future__ import annotations

from collections.abc import Iterator

from gitnad.models.context import CheckContext
from gitnad.models.findings import Finding, RuleMeta, Scope, Severity
from gitnad.models.manifest import NetworkSource
from gitnad.models.names import nad_reference_problem
from gitnad.rules.base import finding

META = RuleMeta(
    code="GN101",
    name="invalid-nad-reference",
    severity=Severity.ERROR,
    scope=Scope.REPO,
    summary="networkName is empty, has more than one '/', or is not a valid DNS-1123 name",
    doc=__doc__ or "",
)


def check(ctx: CheckContext) -> Iterator[Finding]:
    for delta in ctx.deltas:
        if delta.head is None:
            continue
        for net in delta.head.networks:
            if net.source is not NetworkSource.MULTUS or net.nad_raw is None:
                continue
            old = delta.base.network(net.name) if delta.base else None
            if old is not None and old.nad_raw == net.nad_raw:
                continue  # not touched by this change
            problem = nad_reference_problem(net.nad_raw)
            if problem:
                yield finding(
                    META,
                    f"{delta.key} network {net.name}: {problem}",
                    vm=delta.key,
                    network=net.name,
                    file=delta.head.file,
                    line=net.line,
                )
