"""The migration plan of a check: for each VM whose network moves, what KubeVirt will do with it.

Outcomes (`PlanOutcome`): live-migrate (counted into waves under `parallelMigrationsPerCluster` and
`parallelOutboundMigrationsPerNode`), restart (a default-network swap, a restart-required change, KubeVirt
older than v1.8 or v1.8 with `LiveUpdateNADRef` off: all RestartRequired; or `Evict` doing the restart),
stall (not live-migratable, no `LiveMigrate`, the target NAD missing, KubeVirt not ready: the VMI keeps the
old NAD with MigrationRequired=True until someone acts), not-running (applies at the next start) and
unknown (a fact could not be read; GN212 names it).

Pure, and decided by the same predicates and verdicts as the cluster rules, so the plan never contradicts
the findings: GN202/GN203/GN204/GN209's `problem`, GN212's `gaps`, GN210's `in_flight`, GN201's findings
and GN207's `waves`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from gitnad.models.changes import Change, ChangeKind
from gitnad.models.context import CheckContext, VMDelta
from gitnad.models.findings import Finding, Severity
from gitnad.models.results import MigrationPlan, NodeLoad, PlanEntry, PlanOutcome
from gitnad.rules import (
    gn201_target_nad_missing,
    gn202_kubevirt_version,
    gn203_feature_gate_disabled,
    gn204_no_live_migrate_update,
    gn209_kubevirt_not_ready,
    gn210_migration_in_flight,
    gn212_cluster_state_unknown,
)
from gitnad.rules.base import describe_swaps
from gitnad.rules.clusterfacts import instances, quote, running_vmi, vms_known
from gitnad.rules.gn207_migration_queue import UNKNOWN_NODE, waves

if TYPE_CHECKING:
    from gitnad.models.cluster import ClusterFacts, KubeVirtFacts, LiveVM, LiveVMI

EVICT = "Evict"
PLANNED_KINDS = (ChangeKind.NAD_SWAP, ChangeKind.DEFAULT_NETWORK_SWAP, ChangeKind.RESTART_REQUIRED)
"""The changes the plan is about: a network moving to another NAD, or a change that needs a restart."""


@dataclass(frozen=True)
class Verdict:
    outcome: PlanOutcome
    reason: str
    takes_slot: bool = False


@dataclass(frozen=True)
class _Scope:
    """What the plan reads for one VM: the cluster, the change and the targets GN201 found missing."""

    facts: ClusterFacts
    delta: VMDelta
    missing_targets: frozenset[str]

    @property
    def namespace(self) -> str:
        return self.delta.key.split("/", 1)[0]


def migration_plan(ctx: CheckContext, findings: Sequence[Finding]) -> MigrationPlan | None:
    """The plan for every VM of the change that moves a network or needs a restart; None without a cluster."""
    facts = ctx.cluster
    if facts is None:
        return None
    missing = _missing_targets(findings)
    entries = sorted(
        (
            e
            for d in ctx.deltas
            if d.of_kind(*PLANNED_KINDS)
            for e in _entries(_Scope(facts, d, missing.get(d.key, frozenset())))
        ),
        key=_order,
    )
    return _with_waves(tuple(entries), facts.kubevirt)


def _missing_targets(findings: Iterable[Finding]) -> dict[str, frozenset[str]]:
    """Per VM, the networks whose new NAD GN201 found missing (its verdict, passed as structure)."""
    out: dict[str, set[str]] = {}
    for f in findings:
        if f.code == gn201_target_nad_missing.META.code and f.vm and f.network:
            out.setdefault(f.vm, set()).add(f.network)
    return {vm: frozenset(nets) for vm, nets in out.items()}


def _order(e: PlanEntry) -> tuple[int, str, str]:
    return list(PlanOutcome).index(e.outcome), e.vm, e.instance or ""


def _with_waves(entries: tuple[PlanEntry, ...], kv: KubeVirtFacts | None) -> MigrationPlan:
    per_node = Counter(e.node or UNKNOWN_NODE for e in entries if e.takes_slot)
    if kv is None:
        return MigrationPlan(entries=entries, waves=0)
    cluster_limit, node_limit = kv.parallel_migrations_per_cluster, kv.parallel_outbound_migrations_per_node
    return MigrationPlan(
        entries=entries,
        waves=waves(per_node, cluster_limit, node_limit),
        parallel_migrations_per_cluster=cluster_limit,
        parallel_outbound_migrations_per_node=node_limit,
        nodes=tuple(NodeLoad(node=n, migrations=c) for n, c in sorted(per_node.items())),
    )


# --- per VM -----------------------------------------------------------------------------------------


def _networks(changes: Iterable[Change]) -> tuple[str, ...]:
    return tuple(sorted({c.network or c.interface or "" for c in changes} - {""}))


def _entry(
    scope: _Scope, instance: LiveVM | None, verdict: Verdict, changes: Sequence[Change], node: str | None
) -> PlanEntry:
    first = min(changes, key=Change.sort_key)  # where the entry points: the first of the changes it is about
    return PlanEntry(
        vm=scope.delta.key,
        instance=instance.key if instance is not None else None,
        networks=_networks(changes),
        outcome=verdict.outcome,
        reason=verdict.reason,
        node=node,
        takes_slot=verdict.takes_slot,
        file=first.file,
        line=first.line,
    )


def _entries(scope: _Scope) -> list[PlanEntry]:
    planned = scope.delta.of_kind(*PLANNED_KINDS)
    if not vms_known(scope.facts, scope.delta):
        return [_entry(scope, None, _unknown(scope), planned, None)]
    live = instances(scope.facts, scope.delta)
    if not live:
        verdict = Verdict(PlanOutcome.NOT_RUNNING, "not in the cluster yet: it starts on the declared NAD")
        return [_entry(scope, None, verdict, planned, None)]
    out = []
    for vm in live:
        vmi = running_vmi(scope.facts, vm)
        if vmi is None:
            out.append(_entry(scope, vm, _stopped(vm), planned, None))
            continue
        verdict = (
            _unknown(scope) if gn212_cluster_state_unknown.gaps(scope.facts, scope.delta) else _running(scope, vmi)
        )
        moving = scope.delta.swaps if verdict.outcome is not PlanOutcome.RESTART and scope.delta.swaps else planned
        out.append(_entry(scope, vm, verdict, moving, vmi.node_name))
    return out


def _unknown(scope: _Scope) -> Verdict:
    gaps = gn212_cluster_state_unknown.gaps(scope.facts, scope.delta)
    what = "; ".join(gaps) if gaps else f"VMs and VMIs of namespace {scope.namespace}"
    return Verdict(PlanOutcome.UNKNOWN, f"cannot tell, could not read: {what}")


def _stopped(vm: LiveVM) -> Verdict:
    how = f"runStrategy {vm.run_strategy}" if vm.run_strategy else f"status {vm.printable_status or 'unknown'}"
    return Verdict(PlanOutcome.NOT_RUNNING, f"not running ({how}): the change applies at the next start")


def _restart_only(delta: VMDelta) -> Verdict:
    """No secondary NAD swap: what is left (default-network swap, restart-required changes) needs a restart."""
    parts = [
        f"the multus default network {c.network} ({c.from_} -> {c.to}) is never migrated"
        for c in delta.of_kind(ChangeKind.DEFAULT_NETWORK_SWAP)
    ]
    parts += [c.detail or f"{c.network}: {c.field or 'changed'}" for c in delta.of_kind(ChangeKind.RESTART_REQUIRED)]
    return Verdict(PlanOutcome.RESTART, "applies at the next restart: " + "; ".join(parts))


def _running(scope: _Scope, vmi: LiveVMI) -> Verdict:
    delta = scope.delta
    if not delta.swaps:
        return _restart_only(delta)
    blocked = _cluster_blocks(scope.facts.kubevirt) or _vmi_blocks(scope, vmi)
    if blocked is not None:
        return blocked
    reason = f"live-migrates {describe_swaps(delta.swaps)}"
    flight = gn210_migration_in_flight.in_flight(scope.facts, vmi)
    if flight is not None:
        reason += f", once the VMI is done: it {flight}"
    leftover = [
        c.detail or c.network or "" for c in delta.of_kind(ChangeKind.RESTART_REQUIRED, ChangeKind.DEFAULT_NETWORK_SWAP)
    ]
    if leftover:
        reason += f"; {', '.join(leftover)} applies only at the next restart"
    return Verdict(PlanOutcome.LIVE_MIGRATE, reason, takes_slot=True)


def _cluster_blocks(kv: KubeVirtFacts | None) -> Verdict | None:
    """What the KubeVirt CR does to every swap: no KubeVirt, too old, gate off, no LiveMigrate."""
    if kv is None:
        return Verdict(PlanOutcome.STALL, "no KubeVirt CR in the cluster: nothing migrates it")
    restart = "RestartRequired, applies at the next restart"
    version = gn202_kubevirt_version.problem(kv)
    if version is not None and version[0] is Severity.ERROR:  # GN202's error case: older than v1.8
        text = kv.observed_version or kv.target_version
        return Verdict(PlanOutcome.RESTART, f"KubeVirt {text} cannot live-update a NAD reference: {restart}")
    if gn203_feature_gate_disabled.problem(kv) is not None:
        return Verdict(PlanOutcome.RESTART, f"LiveUpdateNADRef is off on this KubeVirt v1.8: {restart}")
    if gn204_no_live_migrate_update.problem(kv) is None:
        return None
    if EVICT in kv.workload_update_methods:
        return Verdict(PlanOutcome.RESTART, "workloadUpdateMethods has Evict, not LiveMigrate: evicted, restarts")
    return Verdict(PlanOutcome.STALL, "workloadUpdateMethods lacks LiveMigrate: it keeps the old NAD")


def _vmi_blocks(scope: _Scope, vmi: LiveVMI) -> Verdict | None:
    """What stops this VMI: not live-migratable, a target NAD missing, KubeVirt not ready (temporary)."""
    cond = vmi.condition("LiveMigratable")
    if cond is not None and cond.status == "False":
        why = f"not live-migratable ({quote(cond.reason, cond.message)})"
        kv = scope.facts.kubevirt
        if kv is not None and EVICT in kv.workload_update_methods:
            return Verdict(PlanOutcome.RESTART, f"{why}: KubeVirt evicts it (Evict) and it restarts on the new NAD")
        return Verdict(PlanOutcome.STALL, f"{why}: it keeps the old NAD with MigrationRequired=True")
    targets = sorted({c.to or "" for c in scope.delta.swaps if c.network in scope.missing_targets})
    if targets:
        # KubeVirt creates the migration anyway: it holds a slot until its target pod times out, then retries.
        why = f"the target NAD {', '.join(targets)} does not exist: the target pod cannot start, the migration retries"
        return Verdict(PlanOutcome.STALL, why, takes_slot=True)
    not_ready = gn209_kubevirt_not_ready.problem(scope.facts.kubevirt)
    if not_ready is not None:
        return Verdict(PlanOutcome.STALL, f"{not_ready}: migrations start once it is Deployed and not upgrading")
    return None
