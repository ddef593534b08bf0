"""GN107 cosmetic-rewrite.

What: `networkName` is rewritten between `nad` and `<vm-namespace>/nad`.

Why: KubeVirt resolves both to the same NAD (isNADNameEqual): the VMI spec is patched, but no migration
happens. Harmless, but it is not the network move it may look like.

Example: `networkName: vlan-20` -> `networkName: prod/vlan-20` for a VM in namespace `prod`.

Fix: nothing to do; keep one spelling across the repo to avoid noise.
"""

from __future__ import annotations

from collections.abc import Iterator

from gitnad.models.changes import ChangeKind
from gitnad.models.context import CheckContext
from gitnad.models.findings import Finding, RuleMeta, Scope, Severity
from gitnad.rules.base import finding

META = RuleMeta(
    code="GN107",
    name="cosmetic-rewrite",
    severity=Severity.INFO,
    scope=Scope.REPO,
    summary="nad <-> <vm-namespace>/nad: no migration will happen",
    doc=__doc__ or "",
)


def check(ctx: CheckContext) -> Iterator[Finding]:
    for delta in ctx.deltas:
        for change in delta.of_kind(ChangeKind.COSMETIC_REWRITE):
            yield finding(
                META,
                f"{delta.key} network {change.network}: {change.detail} names the same NAD ({change.to}); "
                "no migration will happen",
                vm=delta.key,
                network=change.network,
                file=change.file,
                line=change.line,
            )
