"""Reconcile plan (SPEC §9): what to do for each VM that has not converged. Pure.

One action per VM that needs one, in VM order:
- `RestartRequired` or `PodDrift` on any of its networks -> restart the VM (only with `--allow-restart`);
- else `MigrationPending` -> create a VirtualMachineInstanceMigration, within the free migration slots
  (`parallelMigrationsPerCluster` minus running migrations), never when the VMI already has an unfinished one;
- every other non-converged item -> no action, with the reason (e.g. `OutOfSync` is the GitOps controller's job).
`--max-actions` caps the actions that would change the cluster; the rest are reported as skipped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from gitnad.models.cluster import ClusterFacts
from gitnad.models.results import Action, ActionKind, ActionOutcome, DriftItem, DriftState

RESTART_STATES = frozenset({DriftState.RESTART_REQUIRED, DriftState.POD_DRIFT})

RESTART_REASONS: dict[DriftState, str] = {
    DriftState.RESTART_REQUIRED: "KubeVirt applies the template change only at a restart",
    DriftState.POD_DRIFT: "the launcher pod keeps the old NAD until the VM restarts",
}

NO_ACTION_REASONS: dict[DriftState, str] = {
    DriftState.OUT_OF_SYNC: "the live VM differs from git: applying it is the GitOps controller's job (sync)",
    DriftState.NOT_PROPAGATED: "virt-controller has not copied the NAD to the VMI: check the LiveUpdateNADRef gate",
    DriftState.MIGRATING: "a migration is in progress",
    DriftState.MIGRATION_QUEUED: "a migration exists and waits for a slot",
    DriftState.MIGRATION_FAILED: "KubeVirt retries failed migrations itself (with backoff): fix the cause first",
    DriftState.NOT_MIGRATABLE: "the VMI cannot live-migrate: a restart applies the NAD (not planned for it)",
    DriftState.NAD_MISSING: "create the NetworkAttachmentDefinition first",
    DriftState.MISSING: "the VM does not exist in the cluster",
    DriftState.UNKNOWN: "the state could not be determined: gitnad does not act on guesses",
}


@dataclass(frozen=True)
class Capacity:
    """Migration slots as KubeVirt's workload updater counts them (computed by the caller from the facts)."""

    running: int
    free: int | None
    """`parallelMigrationsPerCluster` minus running; None when the KubeVirt CR or a migration could not be read."""


@dataclass(frozen=True)
class PlanSettings:
    commit: str
    allow_restart: bool = False
    max_actions: int | None = None


def plan(
    items: Sequence[DriftItem], facts: ClusterFacts, settings: PlanSettings, capacity: Capacity
) -> tuple[Action, ...]:
    """The actions for every VM with a non-converged item; planned ones first come, first served."""
    by_vm: dict[str, list[DriftItem]] = {}
    for item in items:
        if not item.converged:
            by_vm.setdefault(item.vm, []).append(item)
    slots = capacity.free
    budget = settings.max_actions
    out: list[Action] = []
    for vm in sorted(by_vm):
        action = _action_for(vm, by_vm[vm], facts, settings, slots, capacity.running)
        if action.outcome is ActionOutcome.PLANNED:
            if budget is not None and budget <= 0:
                action = _skip(action, f"--max-actions {settings.max_actions} reached")
            else:
                budget = None if budget is None else budget - 1
                if action.kind is ActionKind.CREATE_MIGRATION and slots is not None:
                    slots -= 1
        out.append(action)
    return tuple(out)


def _skip(action: Action, why: str) -> Action:
    return action.model_copy(update={"outcome": ActionOutcome.SKIPPED, "result": why})


def _networks(items: Sequence[DriftItem]) -> str | None:
    names = sorted({i.network for i in items})
    return ",".join(names) if names else None


def _action_for(
    vm: str, items: Sequence[DriftItem], facts: ClusterFacts, settings: PlanSettings, slots: int | None, running: int
) -> Action:
    restart = [i for i in items if i.state in RESTART_STATES]
    if restart:
        reason = RESTART_REASONS[restart[0].state]
        action = Action(
            kind=ActionKind.RESTART_VM, vm=vm, network=_networks(restart), state=restart[0].state, reason=reason
        )
        return action if settings.allow_restart else _skip(action, "needs --allow-restart")
    pending = [i for i in items if i.state is DriftState.MIGRATION_PENDING]
    if pending:
        return _migration_action(vm, pending, facts, slots, running)
    first = min(items, key=lambda i: list(DriftState).index(i.state))
    return Action(
        kind=ActionKind.NONE,
        vm=vm,
        network=_networks(items),
        state=first.state,
        reason=NO_ACTION_REASONS.get(first.state, "nothing gitnad can do"),
        outcome=ActionOutcome.SKIPPED,
    )


def _migration_action(
    vm: str, pending: Sequence[DriftItem], facts: ClusterFacts, slots: int | None, running: int
) -> Action:
    action = Action(
        kind=ActionKind.CREATE_MIGRATION,
        vm=vm,
        network=_networks(pending),
        state=DriftState.MIGRATION_PENDING,
        reason="MigrationRequired=True and no migration: create one to move the VMI onto the declared NAD",
    )
    vmi = facts.vmi(vm)
    kv = facts.kubevirt
    if vmi is None:
        return _skip(action, "the VMI is gone")
    existing = facts.unfinished_migration(vmi.key)
    if existing is not None:
        return _skip(action, f"migration {existing.name} is unfinished: never duplicated")
    if kv is None:
        return _skip(action, "the KubeVirt CR could not be read: free migration slots unknown")
    if slots is None:
        return _skip(action, "some migrations could not be read: free migration slots unknown")
    if kv.phase != "Deployed" or kv.upgrading:
        return _skip(action, "KubeVirt is not Deployed or is upgrading: migrations would not start")
    if slots <= 0:
        return _skip(action, f"no free migration slot ({running} running, limit {kv.parallel_migrations_per_cluster})")
    return action
