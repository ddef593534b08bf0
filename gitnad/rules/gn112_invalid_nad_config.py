"""GN112 invalid-nad-config.

What: the swap target NAD's `spec.config` is not JSON, or names no CNI `type` (nor a first plugin type).

Why: Multus cannot load the delegate; the target pod of the migration never gets its network and the
migration fails and retries forever.

Example: `config: '{"cniVersion": "0.3.1", "bridge": "br1"}'` (no `type`), or a trailing comma.

Fix: correct the NAD's config (validate with `jq .`), and give it a `type`.
"""

from __future__ import annotations

from collections.abc import Iterator

from gitnad.models.context import CheckContext
from gitnad.models.findings import Finding, RuleMeta, Scope, Severity
from gitnad.rules.base import finding, swaps

META = RuleMeta(
    code="GN112",
    name="invalid-nad-config",
    severity=Severity.ERROR,
    scope=Scope.REPO_CLUSTER,
    summary="Target NAD spec.config is not JSON or has no CNI type",
    doc=__doc__ or "",
)


def check(ctx: CheckContext) -> Iterator[Finding]:
    for delta, change in swaps(ctx):
        nad = ctx.head_nad(change.to)
        if nad is None or nad.config_error is None:
            continue
        where = f" ({nad.file}:{nad.config_line or nad.line})" if nad.file else " (in the cluster)"
        yield finding(
            META,
            f"{delta.key} network {change.network} moves to {change.to}, whose {nad.config_error}{where}",
            vm=delta.key,
            network=change.network,
            file=change.file,
            line=change.line,
        )
