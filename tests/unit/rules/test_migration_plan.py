"""The migration plan: what KubeVirt will do with each VM of a change, as a decision table, and its waves."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from gitnad.models.cluster import ResourceType
from gitnad.models.context import CheckContext
from gitnad.models.findings import Finding
from gitnad.models.results import MigrationPlan, NodeLoad, PlanEntry, PlanOutcome
from gitnad.rules import run_rules
from gitnad.rules.migration_plan import migration_plan
from tests.unit.rules.rule_builders import Cluster, cond, context, gone, kubevirt, live_vm, live_vmi, nad, swap, vm
from tests.vmfactory import Net, parse_vm, vm_yaml

NADS = [nad("vlan-10", vlan=10), nad("vlan-20", vlan=20)]
LIVE = "live-migrates bridge-net (prod/vlan-10 -> prod/vlan-20)"
KEEPS = "it keeps the old NAD with MigrationRequired=True"
NOT_MIGRATABLE = cond("LiveMigratable", "False", "DisksNotLiveMigratable", "rwo disk")
RESTART = "RestartRequired, applies at the next restart"


def plan_of(cluster: Cluster | None, *pairs: object, nads: Sequence[object] = NADS) -> MigrationPlan | None:
    facts = cluster.facts() if cluster is not None else None
    ctx: CheckContext = context(pairs or [swap()], base_nads=nads, head_nads=nads, cluster=facts)  # type: ignore[arg-type]
    findings: list[Finding] = run_rules(ctx)[0]
    return migration_plan(ctx, findings)


def entry(
    outcome: PlanOutcome,
    reason: str,
    *,
    instance: str | None = "prod/db-1",
    node: str | None = "node01",
    slot: bool = False,
    networks: tuple[str, ...] = ("bridge-net",),
    line: int = 24,
) -> PlanEntry:
    return PlanEntry(
        vm="prod/db-1",
        instance=instance,
        networks=networks,
        outcome=outcome,
        reason=reason,
        node=node,
        takes_slot=slot,
        file="vms/db-1.yaml",
        line=line,
    )


def nets_vm(*nets: Net) -> object:
    return parse_vm(vm_yaml("db-1", [Net("default", kind="pod", binding="masquerade"), *nets]), file="vms/db-1.yaml")


TABLE = [
    ("healthy", Cluster(), entry(PlanOutcome.LIVE_MIGRATE, LIVE, slot=True)),
    (
        "stopped",
        Cluster(running=(), vms=[live_vm(run="Halted")]),
        entry(
            PlanOutcome.NOT_RUNNING, "not running (runStrategy Halted): the change applies at the next start", node=None
        ),
    ),
    (
        "not-in-cluster",
        Cluster(running=()),
        entry(
            PlanOutcome.NOT_RUNNING, "not in the cluster yet: it starts on the declared NAD", instance=None, node=None
        ),
    ),
    (
        "not-migratable",
        Cluster(running=(), vms=[live_vm()], vmis=[live_vmi(migratable=NOT_MIGRATABLE)]),
        entry(PlanOutcome.STALL, f"not live-migratable (reason 'DisksNotLiveMigratable', message 'rwo disk'): {KEEPS}"),
    ),
    (
        "not-migratable-evict",
        Cluster(
            running=(),
            kv=kubevirt(methods=("LiveMigrate", "Evict")),
            vms=[live_vm()],
            vmis=[live_vmi(migratable=NOT_MIGRATABLE)],
        ),
        entry(
            PlanOutcome.RESTART,
            "not live-migratable (reason 'DisksNotLiveMigratable', message 'rwo disk'): KubeVirt evicts it (Evict) "
            "and it restarts on the new NAD",
        ),
    ),
    (
        "no-live-migrate",
        Cluster(kv=kubevirt(methods=())),
        entry(PlanOutcome.STALL, "workloadUpdateMethods lacks LiveMigrate: it keeps the old NAD"),
    ),
    (
        "evict-only",
        Cluster(kv=kubevirt(methods=("Evict",))),
        entry(PlanOutcome.RESTART, "workloadUpdateMethods has Evict, not LiveMigrate: evicted, restarts"),
    ),
    (
        "kubevirt-too-old",
        Cluster(kv=kubevirt("v1.7.3")),
        entry(PlanOutcome.RESTART, f"KubeVirt v1.7.3 cannot live-update a NAD reference: {RESTART}"),
    ),
    (
        "gate-off",
        Cluster(kv=kubevirt("v1.8.2")),
        entry(PlanOutcome.RESTART, f"LiveUpdateNADRef is off on this KubeVirt v1.8: {RESTART}"),
    ),
    (
        "gate-on",
        Cluster(kv=kubevirt("v1.8.2", gates=("LiveUpdateNADRef",))),
        entry(PlanOutcome.LIVE_MIGRATE, LIVE, slot=True),
    ),
    (
        "no-kubevirt",
        Cluster(kv=None),
        entry(PlanOutcome.STALL, "no KubeVirt CR in the cluster: nothing migrates it"),
    ),
    (
        "kubevirt-deploying",
        Cluster(kv=kubevirt(phase="Deploying")),
        entry(
            PlanOutcome.STALL,
            "KubeVirt kubevirt/kubevirt is in phase Deploying, not Deployed: migrations start once it is Deployed and "
            "not upgrading",
        ),
    ),
    (
        "vmis-unreadable",
        Cluster(unreadable=(gone(ResourceType.VMIS, "forbidden"),)),
        entry(
            PlanOutcome.UNKNOWN,
            "cannot tell, could not read: virtualmachineinstances.kubevirt.io (forbidden)",
            instance=None,
            node=None,
        ),
    ),
    (
        "no-live-migratable-condition",
        Cluster(running=(), vms=[live_vm()], vmis=[live_vmi(migratable=None)]),
        entry(
            PlanOutcome.UNKNOWN,
            "cannot tell, could not read: whether VMI prod/db-1 can migrate (it has no LiveMigratable condition)",
        ),
    ),
]


@pytest.mark.parametrize(("cluster", "expected"), [r[1:] for r in TABLE], ids=[r[0] for r in TABLE])
def test_plan_outcome_per_vm(cluster: Cluster, expected: PlanEntry) -> None:
    plan = plan_of(cluster)
    assert plan is not None
    assert plan.entries == (expected,)


def test_missing_target_nad_stalls_but_takes_a_slot() -> None:
    """GN201's verdict decides; KubeVirt still creates the migration, which holds a slot until it times out."""
    plan = plan_of(Cluster(nads=[nad("vlan-10", vlan=10)]), nads=[nad("vlan-10", vlan=10)])
    assert plan is not None
    reason = "the target NAD prod/vlan-20 does not exist: the target pod cannot start, the migration retries"
    assert plan.entries == (entry(PlanOutcome.STALL, reason, slot=True),)
    assert (plan.waves, plan.nodes) == (1, (NodeLoad(node="node01", migrations=1),))


def test_default_network_swap_and_restart_required_changes_restart() -> None:
    old = nets_vm(Net("primary", kind="default", nad="ovn-a"), Net("bridge-net", nad="vlan-10"))
    new = nets_vm(Net("primary", kind="default", nad="ovn-b"), Net("bridge-net", nad="vlan-10", binding="sriov"))
    plan = plan_of(Cluster(), (old, new))
    assert plan is not None
    (e,) = plan.entries
    assert (e.outcome, e.networks, e.takes_slot, e.line) == (PlanOutcome.RESTART, ("bridge-net", "primary"), False, 20)
    assert e.reason == (
        "applies at the next restart: the multus default network primary (prod/ovn-a -> prod/ovn-b) is never "
        "migrated; interface bridge-net: binding bridge -> sriov"
    )
    assert plan.waves == 0


def test_swap_with_restart_required_change_still_migrates() -> None:
    old = nets_vm(Net("bridge-net", nad="vlan-10"))
    new = nets_vm(Net("bridge-net", nad="vlan-20", extra={"model": "e1000e"}))
    plan = plan_of(Cluster(), (old, new))
    assert plan is not None
    (e,) = plan.entries
    assert (e.outcome, e.networks, e.takes_slot) == (PlanOutcome.LIVE_MIGRATE, ("bridge-net",), True)
    assert e.reason == f"{LIVE}; interface bridge-net: changed model applies only at the next restart"
    assert e.line == 25  # the swap's networkName, not the model change above it


def test_in_flight_migration_is_named() -> None:
    busy = cond("MigrationRequired", "True", "AutoMigrationDueToLiveUpdate")
    plan = plan_of(Cluster(running=(), vms=[live_vm()], vmis=[live_vmi(conditions=[busy])]))
    assert plan is not None
    assert plan.entries[0].reason == (
        f"{LIVE}, once the VMI is done: it already has MigrationRequired=True (reason "
        "'AutoMigrationDueToLiveUpdate'): an earlier change is still waiting to be applied"
    )


def test_offline_has_no_plan() -> None:
    assert plan_of(None) is None


def test_vms_without_network_moves_are_not_planned() -> None:
    cosmetic = (vm("db-1", "vlan-10"), vm("db-1", "prod/vlan-10"))
    plan = plan_of(Cluster(), cosmetic)
    assert plan is not None and plan.entries == ()


WAVES = [
    # id, VM -> node, limits (cluster, node), waves, per-node loads
    ("one", {"db-1": "n1"}, (5, 2), 1, {"n1": 1}),
    ("three-on-one-node", {"db-1": "n1", "db-2": "n1", "db-3": "n1"}, (5, 2), 2, {"n1": 3}),
    ("six-spread", {f"db-{i}": f"n{i % 3}" for i in range(1, 7)}, (5, 2), 2, {"n0": 2, "n1": 2, "n2": 2}),
    ("cluster-limit-1", {"db-1": "n1", "db-2": "n2", "db-3": "n3"}, (1, 2), 3, {"n1": 1, "n2": 1, "n3": 1}),
]


@pytest.mark.parametrize(("nodes", "limits", "waves", "loads"), [w[1:] for w in WAVES], ids=[w[0] for w in WAVES])
def test_waves_follow_gn207(nodes: dict[str, str], limits: tuple[int, int], waves: int, loads: dict[str, int]) -> None:
    cluster = Cluster(
        running=(),
        kv=kubevirt(per_cluster=limits[0], per_node=limits[1]),
        vms=[live_vm(n) for n in nodes],
        vmis=[live_vmi(n, node=node) for n, node in nodes.items()],
    )
    plan = plan_of(cluster, *[swap(n) for n in nodes])
    assert plan is not None
    assert [(e.instance, e.outcome, e.node) for e in plan.entries] == [
        (f"prod/{n}", PlanOutcome.LIVE_MIGRATE, node) for n, node in sorted(nodes.items())
    ]
    assert plan.waves == waves
    assert plan.nodes == tuple(NodeLoad(node=n, migrations=c) for n, c in sorted(loads.items()))
    assert (plan.parallel_migrations_per_cluster, plan.parallel_outbound_migrations_per_node) == limits


def test_entries_are_ordered_by_outcome_then_vm() -> None:
    cluster = Cluster(
        running=("db-2",),
        vms=[live_vm("db-1", run="Halted"), live_vm("db-3")],
        vmis=[live_vmi("db-3", migratable=NOT_MIGRATABLE)],
    )
    plan = plan_of(cluster, swap("db-1"), swap("db-2"), swap("db-3"))
    assert plan is not None
    assert [(e.vm, e.outcome) for e in plan.entries] == [
        ("prod/db-2", PlanOutcome.LIVE_MIGRATE),
        ("prod/db-3", PlanOutcome.STALL),
        ("prod/db-1", PlanOutcome.NOT_RUNNING),
    ]
