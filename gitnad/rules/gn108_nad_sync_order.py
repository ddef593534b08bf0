"""GN108 nad-sync-order.

What: the swap target NAD is added in the same change, and its Argo CD `argocd.argoproj.io/sync-wave` is
not strictly lower than the VM's (a missing wave counts as 0).

Why: Argo CD may apply the VM before the NAD exists. KubeVirt then starts a migration to a NAD that is not
there: the target pod fails (`NoNetworkFound`) or cannot be rendered, and the migration retries with backoff.

Example: new `nads/vlan-30.yaml` without a sync-wave, VM moved to `vlan-30` without a sync-wave either.

Fix: annotate the NAD with a lower wave, e.g. `argocd.argoproj.io/sync-wave: "-1"`.
"""

from __future__ import annotations

from collections.abc import Iterator

from gitnad.models.changes import ChangeKind
from gitnad.models.context import CheckContext
from gitnad.models.findings import Finding, RuleMeta, Scope, Severity
from gitnad.rules.base import finding, swaps

META = RuleMeta(
    code="GN108",
    name="nad-sync-order",
    severity=Severity.WARNING,
    scope=Scope.REPO,
    summary="Target NAD added in the same change with a sync-wave not lower than the VM's",
    doc=__doc__ or "",
)

SYNC_WAVE = "argocd.argoproj.io/sync-wave"


def _wave(annotations: dict[str, str]) -> int | None:
    """The sync wave (0 when absent); None when it is not an integer."""
    raw = annotations.get(SYNC_WAVE, "0").strip() or "0"
    try:
        return int(raw)
    except ValueError:
        return None


def check(ctx: CheckContext) -> Iterator[Finding]:
    added = {c.nad for c in ctx.nad_changes if c.kind is ChangeKind.NAD_ADDED}
    for delta, change in swaps(ctx):
        if change.to is None or change.to not in added or delta.head is None:
            continue
        nad = ctx.head_nads[change.to]
        nad_wave, vm_wave = _wave(nad.annotations), _wave(delta.head.annotations)
        if nad_wave is None or vm_wave is None or nad_wave >= vm_wave:
            yield finding(
                META,
                f"{delta.key} network {change.network} moves to {change.to}, added in this change with sync-wave "
                f"{nad.annotations.get(SYNC_WAVE, '0 (none)')} while the VM has "
                f"{delta.head.annotations.get(SYNC_WAVE, '0 (none)')}: Argo CD may apply the VM first. Give the "
                f"NAD a lower {SYNC_WAVE}",
                vm=delta.key,
                network=change.network,
                file=change.file,
                line=change.line,
            )
