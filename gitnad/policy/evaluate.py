"""User policy constraints (SPEC §6) -> GN301-GN309 findings. Pure: a function of the policies and the context.

What a policy looks at ("subjects"): every NAD swap of the change (secondary and `multus.default`
networks) and every hotplugged multus network, of the VMs and networks its `match` selects. Target
constraints (allowedTargets, deniedTargets, targetNADSelector, allowedVLANs) apply to swaps and hotplugs;
from -> to constraints (allowedTransitions, requireSameCNIType) and maxSwapsPerChange to swaps only;
requiredVMAnnotations and changeWindows once per matched VM. A NAD whose facts cannot be found fails the
constraint that needs them (never silently passed).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from gitnad.models.changes import NEW_REFERENCE_KINDS, SWAP_KINDS, Change
from gitnad.models.context import CheckContext, VMDelta
from gitnad.models.findings import Finding, RuleMeta
from gitnad.policy import codes
from gitnad.policy.model import Policy, PolicySet, glob_any


@dataclass(frozen=True)
class Subject:
    """One NAD reference the change makes: a swap (with `from_`) or a hotplug."""

    delta: VMDelta
    change: Change

    @property
    def vm(self) -> str:
        return self.delta.key

    @property
    def is_swap(self) -> bool:
        return self.change.kind in SWAP_KINDS

    @property
    def target(self) -> str:
        return self.change.to or ""

    def describe(self) -> str:
        net = f"{self.vm} network {self.change.network}"
        if self.is_swap:
            return f"{net} moves {self.change.from_} -> {self.target}"
        return f"{net} is hotplugged with {self.target}"


def vm_labels(delta: VMDelta) -> dict[str, str]:
    vm = delta.head or delta.base
    return dict(vm.labels) if vm is not None else {}


def subjects(policy: Policy, ctx: CheckContext) -> list[Subject]:
    out = []
    for delta in ctx.deltas:
        if not policy.match.matches_vm(delta.key, vm_labels(delta)):
            continue
        for change in delta.of_kind(*NEW_REFERENCE_KINDS):
            if change.to and policy.match.matches_network(change.network):
                out.append(Subject(delta, change))
    return out


def _finding(policy: Policy, meta: RuleMeta, constraint: str, message: str, subject: Subject) -> Finding:
    return Finding(
        code=meta.code,
        rule=meta.name,
        severity=policy.severity,
        message=f"policy {policy.name} ({constraint}): {message}",
        vm=subject.vm,
        network=subject.change.network,
        file=subject.change.file,
        line=subject.change.line,
        policy=policy.name,
    )


def _targets(policy: Policy, subject: Subject, ctx: CheckContext) -> Iterator[Finding]:
    c = policy.constraints
    target = subject.target
    if c.allowed_targets is not None and not glob_any(c.allowed_targets, target):
        allowed = ", ".join(c.allowed_targets)
        yield _finding(
            policy, codes.ALLOWED_TARGETS, "allowedTargets", f"{subject.describe()}, not one of {allowed}", subject
        )
    if c.denied_targets is not None and glob_any(c.denied_targets, target):
        hit = next(g for g in c.denied_targets if glob_any((g,), target))
        yield _finding(
            policy, codes.DENIED_TARGETS, "deniedTargets", f"{subject.describe()}, which is denied ({hit})", subject
        )
    if c.target_nad_selector is not None:
        yield from _selector(policy, subject, ctx)
    if c.allowed_vlans is not None:
        yield from _vlans(policy, subject, ctx)


def _selector(policy: Policy, subject: Subject, ctx: CheckContext) -> Iterator[Finding]:
    sel = policy.constraints.target_nad_selector
    assert sel is not None
    nad = ctx.head_nad(subject.target)
    if nad is None:
        why = f"{subject.target} was found neither in the repo nor in the cluster, so its labels cannot be checked"
    elif not sel.matches(nad.labels):
        labels = ", ".join(f"{k}={v}" for k, v in sorted(nad.labels.items())) or "none"
        why = f"its labels ({labels}) do not match {sel.describe()}"
    else:
        return
    yield _finding(policy, codes.TARGET_NAD_SELECTOR, "targetNADSelector", f"{subject.describe()}: {why}", subject)


def _vlans(policy: Policy, subject: Subject, ctx: CheckContext) -> Iterator[Finding]:
    ranges = policy.constraints.allowed_vlans
    assert ranges is not None
    allowed = ", ".join(str(r) for r in ranges)
    nad = ctx.head_nad(subject.target)
    if nad is None:
        why = f"{subject.target} was found neither in the repo nor in the cluster, so its VLAN cannot be checked"
    elif nad.vlan is None:
        why = f"{subject.target} sets no VLAN (vlan / vlanId / vlanID) in its CNI config; allowed: {allowed}"
    elif not any(nad.vlan in r for r in ranges):
        why = f"{subject.target} is on VLAN {nad.vlan}, not in {allowed}"
    else:
        return
    yield _finding(policy, codes.ALLOWED_VLANS, "allowedVLANs", f"{subject.describe()}: {why}", subject)


def _moves(policy: Policy, subject: Subject, ctx: CheckContext) -> Iterator[Finding]:
    c = policy.constraints
    old = subject.change.from_ or ""
    if c.allowed_transitions is not None and not any(t.matches(old, subject.target) for t in c.allowed_transitions):
        pairs = ", ".join(f"{t.from_} -> {t.to}" for t in c.allowed_transitions)
        yield _finding(
            policy,
            codes.ALLOWED_TRANSITIONS,
            "allowedTransitions",
            f"{subject.describe()}, not one of the allowed transitions {pairs}",
            subject,
        )
    if c.require_same_cni_type:
        yield from _cni_type(policy, subject, ctx)


def _cni_type(policy: Policy, subject: Subject, ctx: CheckContext) -> Iterator[Finding]:
    old = ctx.base_nad(subject.change.from_)
    new = ctx.head_nad(subject.target)
    missing = [k for k, n in ((subject.change.from_, old), (subject.target, new)) if n is None]
    if missing:
        why = f"{' and '.join(str(m) for m in missing)} not found in the repo or the cluster; cannot compare CNI types"
    elif old is not None and new is not None and old.cni_type != new.cni_type:
        why = f"CNI type changes {old.cni_type or '(none)'} -> {new.cni_type or '(none)'}"
    else:
        return
    yield _finding(policy, codes.REQUIRE_SAME_CNI_TYPE, "requireSameCNIType", f"{subject.describe()}: {why}", subject)


def _per_vm(policy: Policy, subs: list[Subject], ctx: CheckContext) -> Iterator[Finding]:
    firsts: dict[str, Subject] = {}
    for s in subs:
        firsts.setdefault(s.vm, s)
    for subject in firsts.values():
        yield from _annotations(policy, subject)
        yield from _windows(policy, subject, ctx)


def _annotations(policy: Policy, subject: Subject) -> Iterator[Finding]:
    required = policy.constraints.required_vm_annotations
    vm = subject.delta.head
    if required is None or vm is None:
        return
    missing = [a for a in required if not vm.annotations.get(a, "").strip()]
    if missing:
        yield _finding(
            policy,
            codes.REQUIRED_VM_ANNOTATIONS,
            "requiredVMAnnotations",
            f"{subject.vm} changes its NAD but lacks annotation(s) {', '.join(missing)} "
            "(set them in metadata.annotations)",
            subject,
        )


def _windows(policy: Policy, subject: Subject, ctx: CheckContext) -> Iterator[Finding]:
    windows = policy.constraints.change_windows
    if windows is None:
        return
    if ctx.now is None:
        why = "the time of the check is unknown"
    elif any(w.contains(ctx.now) for w in windows):
        return
    else:
        why = f"checked at {ctx.now.isoformat(timespec='minutes')}"
    allowed = "; ".join(w.describe() for w in windows)
    yield _finding(
        policy,
        codes.CHANGE_WINDOWS,
        "changeWindows",
        f"{subject.vm} changes its NAD outside the change windows ({allowed}): {why}",
        subject,
    )


def _max_swaps(policy: Policy, subs: list[Subject]) -> Iterator[Finding]:
    limit = policy.constraints.max_swaps_per_change
    swaps = [s for s in subs if s.is_swap]
    if limit is None or len(swaps) <= limit:
        return
    over = sorted(swaps, key=lambda s: s.change.sort_key())[limit]
    yield _finding(
        policy,
        codes.MAX_SWAPS_PER_CHANGE,
        "maxSwapsPerChange",
        f"this change swaps the NAD of {len(swaps)} networks (at most {limit} allowed); split it into smaller changes",
        over,
    )


def evaluate_policy(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    subs = subjects(policy, ctx)
    for subject in subs:
        yield from _targets(policy, subject, ctx)
        if subject.is_swap:
            yield from _moves(policy, subject, ctx)
    yield from _per_vm(policy, subs, ctx)
    yield from _max_swaps(policy, subs)


def evaluate(policies: PolicySet, ctx: CheckContext) -> list[Finding]:
    """Every GN3xx finding of every policy (severity: the policy's)."""
    return [f for p in policies.policies for f in evaluate_policy(p, ctx)]
