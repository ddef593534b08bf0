"""GN101 invalid-nad-reference.

What: a `multus.networkName` that the change adds or modifies is empty, has more than one `/`, or is
not a valid DNS-1123 name (or namespace).

Why: KubeVirt splits the reference at the first `/` (`a/b/c` becomes namespace `a`, name `b/c`) and
admission only checks that it is non-empty, so a typo is accepted and the VM never gets its network.

Example: `networkName: prod/vlan_20` (underscore), `networkName: a/b/c`, `networkName: ""`.

Fix: use `name` or `namespace/name` of an existing NetworkAttachmentDefinition.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from gitnad.models.context import CheckContext
from gitnad.models.findings import Finding, RuleMeta, Scope, Severity
from gitnad.models.manifest import VM, Network, NetworkSource
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


def invalid_references(vm: VM, networks: Iterable[Network]) -> Iterator[Finding]:
    """A finding for each multus network of `vm` among `networks` whose reference is invalid."""
    for net in networks:
        if net.source is not NetworkSource.MULTUS or net.nad_raw is None:
            continue
        problem = nad_reference_problem(net.nad_raw)
        if problem:
            yield finding(
                META,
                f"{vm.key} network {net.name}: {problem}",
                vm=vm.key,
                network=net.name,
                file=vm.file_of(net),
                line=net.line,
            ).model_copy(update={"source_root": vm.source_root})


def _touched(base: VM | None, net: Network) -> bool:
    old = base.network(net.name) if base is not None else None
    return old is None or old.nad_raw != net.nad_raw


def check(ctx: CheckContext) -> Iterator[Finding]:
    """Only the references the change adds or modifies (`scan` judges every one)."""
    for delta in ctx.deltas:
        if delta.head is not None:
            yield from invalid_references(delta.head, (n for n in delta.head.networks if _touched(delta.base, n)))
