"""GN206 vm-not-running.

What: the VM whose NAD is swapped is not running in the cluster (no VMI, or the VMI is not `Running`),
or is not in the cluster at all.

Why: nothing migrates; the new NAD is simply used at the next start. That is usually fine, and good
to know: the change cannot be proven by `gitnad drift` until the VM runs.

Example: a VM with `runStrategy: Halted` moving from `vlan-10` to `vlan-20`.

Fix: nothing to fix; start the VM when convenient and check it with `gitnad drift`.
"""

from __future__ import annotations

from collections.abc import Iterator

from gitnad.models.context import CheckContext
from gitnad.models.findings import Finding, RuleMeta, Scope, Severity
from gitnad.rules.clusterfacts import Affected, instances, observed_affected, running_vmi, vm_finding

META = RuleMeta(
    code="GN206",
    name="vm-not-running",
    severity=Severity.INFO,
    scope=Scope.CLUSTER,
    summary="VM not running: the new NAD applies at next start",
    doc=__doc__ or "",
)


def _state(ctx: CheckContext, aff: Affected) -> str | None:
    """Why the VM does not run, or None when (one of) its instances runs."""
    facts = ctx.cluster
    assert facts is not None
    live = instances(facts, aff.delta)
    if not live:
        return "is not in the cluster yet"
    if any(running_vmi(facts, vm) is not None for vm in live):
        return None
    vm = live[0]
    vmi = facts.vmi(vm.key)
    how = f"runStrategy {vm.run_strategy}" if vm.run_strategy else f"status {vm.printable_status or 'unknown'}"
    if vmi is None:
        return f"is not running ({how}, no VMI)"
    return f"is not running (VMI phase {vmi.phase or 'unknown'})"


def check(ctx: CheckContext) -> Iterator[Finding]:
    facts = ctx.cluster
    if facts is None:
        return
    for aff in observed_affected(ctx):
        state = _state(ctx, aff)
        if state is not None:
            yield vm_finding(
                META,
                f"{aff.key} {state}: no migration will happen; {aff.describe_swaps()} applies at the next start",
                aff,
            )
