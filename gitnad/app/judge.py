"""What a check does once both sides are parsed, whatever they were read from (git refs, policy test cases).

`gitnad check` and `gitnad policy test` share it, so a policy test judges a case exactly as the check
would: the same per-VM deltas, the same reference index for removed NADs, the same rules -> policies ->
waivers -> severity overrides pipeline. No I/O here (and no git import: `policy test` never needs it).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import UTC, datetime

from gitnad import policy
from gitnad.app.common import apply_severity
from gitnad.changes import classify_vm
from gitnad.config import RepoConfig
from gitnad.models.context import CheckContext, VMDelta
from gitnad.models.findings import Finding, Skipped, SkipReason
from gitnad.models.manifest import VM, NetworkSource
from gitnad.policy import PolicySet
from gitnad.rules import run_rules


def vm_deltas(
    base: Mapping[str, VM],
    head: Mapping[str, VM],
    *,
    unknown_at_head: Collection[str] = (),
    unknown_at_base: Collection[str] = (),
) -> tuple[VMDelta, ...]:
    """Every VM that changed between the two sides (by `namespace/name`), with its classified changes.

    A VM on one side only is not "removed" (or "added") when it is `unknown` on the other side: a file there
    could not be read and may hold it (its GN001 covers it).
    """
    out = []
    for key in sorted(base.keys() | head.keys()):
        old, new = base.get(key), head.get(key)
        if (new is None and key in unknown_at_head) or (old is None and key in unknown_at_base):
            continue
        changes = classify_vm(old, new)
        if changes:
            out.append(VMDelta(key=key, base=old, head=new, changes=changes))
    return tuple(out)


def referencing(vms: Iterable[VM], nad_keys: Collection[str]) -> dict[str, tuple[VM, ...]]:
    """For each of `nad_keys`: the VMs (sorted by key, once each) with a multus network on it."""
    out: dict[str, dict[str, VM]] = {}
    for vm in vms:
        for net in vm.networks:
            if net.source is NetworkSource.MULTUS and net.nad is not None and net.nad in nad_keys:
                out.setdefault(net.nad, {}).setdefault(vm.key, vm)
    return {k: tuple(v[key] for key in sorted(v)) for k, v in out.items()}


def evaluate(ctx: CheckContext, config: RepoConfig, policies: PolicySet) -> tuple[list[Finding], list[Skipped]]:
    """Built-in rules, user policies and waivers -> findings; rules that could not run -> skipped."""
    findings, skipped_rules = run_rules(ctx)
    findings.extend(policy.evaluate(policies, ctx))
    not_run = [c for m in skipped_rules for c in (m.code, m.name)]
    findings = policy.apply_waivers(findings, ctx, policies, ctx.now or datetime.now(UTC), not_run=not_run)
    findings = apply_severity(findings, config)  # after waivers: GN901 / GN902 are overridable too
    skipped = [Skipped(code=m.code, reason=SkipReason.OFFLINE.value) for m in skipped_rules]
    return findings, skipped
