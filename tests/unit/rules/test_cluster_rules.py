"""Cluster rules GN201-GN212 against cluster facts built as models: decision tables and exact messages."""

from __future__ import annotations

from collections import Counter

import pytest

from gitnad.models.cluster import MigrationState, ResourceType
from gitnad.models.context import CheckContext
from gitnad.models.findings import Finding, Scope
from gitnad.rules import ALL_RULES, meta, run_rules
from gitnad.rules.clusterfacts import parse_version
from gitnad.rules.gn207_migration_queue import waves
from tests.unit.rules.rule_builders import (
    NOW,
    Cluster,
    codes,
    cond,
    context,
    gone,
    kubevirt,
    live_vm,
    live_vmi,
    migration,
    nad,
    swap,
    vm,
)
from tests.vmfactory import Net

NADS = [nad("vlan-10", vlan=10), nad("vlan-20", vlan=20)]


def cluster_findings(ctx: CheckContext) -> list[Finding]:
    found, skipped = run_rules(ctx)
    assert skipped == []
    return sorted((f for f in found if f.code.startswith("GN2")), key=Finding.sort_key)


def judge(cluster: Cluster, *pairs: tuple[object, object], **kw: object) -> list[Finding]:
    ctx = context(pairs or [swap()], base_nads=NADS, head_nads=NADS, cluster=cluster.facts(), **kw)  # type: ignore[arg-type]
    return cluster_findings(ctx)


def test_every_cluster_rule_is_registered_with_cluster_scope() -> None:
    cluster = [meta(r).code for r in ALL_RULES if meta(r).scope is Scope.CLUSTER]
    assert cluster == [f"GN2{i:02d}" for i in range(1, 13)]


def test_healthy_cluster_has_no_findings() -> None:
    assert judge(Cluster()) == []


def test_offline_skips_every_cluster_rule() -> None:
    ctx = context([swap()], base_nads=NADS, head_nads=NADS)
    _, skipped = run_rules(ctx)
    assert [m.code for m in skipped] == [f"GN2{i:02d}" for i in range(1, 13)]


# --- versions x gates x update methods -----------------------------------------------------------------

VERSION_TABLE = [
    # id, version, featureGates, disabledFeatureGates, workloadUpdateMethods, expected (code, severity)
    ("v1.7-no-gate", "v1.7.2", [], [], ["LiveMigrate"], [("GN202", "error")]),
    ("v1.7-gate", "v1.7.2", ["LiveUpdateNADRef"], [], ["LiveMigrate"], [("GN202", "error")]),
    ("v1.7-no-methods", "v1.7.2", [], [], [], [("GN202", "error"), ("GN204", "error")]),
    ("v1.8.0-gate", "v1.8.0", ["LiveUpdateNADRef"], [], ["LiveMigrate"], [("GN202", "warning")]),
    ("v1.8.1-no-gate", "v1.8.1", [], [], ["LiveMigrate"], [("GN202", "warning"), ("GN203", "error")]),
    ("v1.8.2-gate", "v1.8.2", ["LiveUpdateNADRef"], [], ["LiveMigrate"], []),
    (
        "v1.8.2-gate-disabled",
        "v1.8.2",
        ["LiveUpdateNADRef"],
        ["LiveUpdateNADRef"],
        ["LiveMigrate"],
        [("GN203", "error")],
    ),
    ("v1.8.4-no-gate", "v1.8.4", ["HotplugVolumes"], [], ["LiveMigrate"], [("GN203", "error")]),
    ("v1.8.4-no-gate-no-methods", "v1.8.4", [], [], [], [("GN203", "error"), ("GN204", "error")]),
    ("v1.8.4-evict-only", "v1.8.4", ["LiveUpdateNADRef"], [], ["Evict"], [("GN204", "warning")]),
    ("v1.8.4-migrate-and-evict", "v1.8.4", ["LiveUpdateNADRef"], [], ["LiveMigrate", "Evict"], []),
    ("v1.8.3-rc-no-gate", "v1.8.3-rc.0", [], [], ["LiveMigrate"], [("GN203", "error")]),
    ("v1.9-no-gate", "v1.9.0", [], [], ["LiveMigrate"], []),
    ("v1.9-gate-listed", "v1.9.0", ["LiveUpdateNADRef"], [], ["LiveMigrate"], []),
    ("v1.9-gate-disabled", "v1.9.0", [], ["LiveUpdateNADRef"], ["Evict", "LiveMigrate"], []),
    ("v1.9-evict-only", "v1.9.1", [], [], ["Evict"], [("GN204", "warning")]),
    ("v1.9-no-methods", "v1.9.0", [], [], [], [("GN204", "error")]),
    ("v1.9-rc", "v1.9.0-rc.1", [], [], ["LiveMigrate"], []),
    ("v1.10", "v1.10.1", [], [], ["LiveMigrate"], []),
    ("no-version", None, [], [], ["LiveMigrate"], [("GN212", "error")]),
    ("unparsable-version", "devel", [], [], ["LiveMigrate"], [("GN212", "error")]),
]


@pytest.mark.parametrize(
    ("version", "gates", "disabled", "methods", "expected"),
    [row[1:] for row in VERSION_TABLE],
    ids=[row[0] for row in VERSION_TABLE],
)
def test_versions_gates_and_update_methods(
    version: str | None, gates: list[str], disabled: list[str], methods: list[str], expected: list[tuple[str, str]]
) -> None:
    kv = kubevirt(version, gates=gates, disabled=disabled, methods=methods)
    assert codes(judge(Cluster(kv=kv))) == sorted(expected)


@pytest.mark.parametrize(
    ("text", "parsed"),
    [("v1.8.2", (1, 8, 2)), ("1.9", (1, 9, 0)), ("v1.9.0-rc.1", (1, 9, 0)), ("v1.10.3+abc", (1, 10, 3)), ("x", None)],
    ids=["plain", "no-v-no-patch", "pre-release", "build", "garbage"],
)
def test_parse_version(text: str, parsed: tuple[int, int, int] | None) -> None:
    assert parse_version(text) == parsed


def test_version_messages_name_version_and_action() -> None:
    old = judge(Cluster(kv=kubevirt("v1.7.2")))
    assert [f.message for f in old] == [
        "prod/db-1: NAD swap of bridge-net (prod/vlan-10 -> prod/vlan-20): KubeVirt v1.7.2 cannot live-update a NAD "
        "reference (needs v1.8 or later): the VM gets RestartRequired and the new NAD applies only at its next "
        "restart. Upgrade KubeVirt or plan the restart"
    ]
    buggy = judge(Cluster(kv=kubevirt("v1.8.1", gates=["LiveUpdateNADRef"])))
    assert "upgrade to v1.8.2 or later" in buggy[0].message
    gate = judge(Cluster(kv=kubevirt("v1.8.3", gates=["LiveUpdateNADRef"], disabled=["LiveUpdateNADRef"])))
    assert "lists LiveUpdateNADRef in spec.configuration.developerConfiguration.disabledFeatureGates" in gate[0].message


def test_no_kubevirt_cr_is_gn202_error() -> None:
    found = judge(Cluster(kv=None, running=()))
    assert [(f.code, f.severity.value, f.vm, f.line) for f in found] == [
        ("GN202", "error", "prod/db-1", 24),
        ("GN206", "info", "prod/db-1", 24),
    ]
    assert "no KubeVirt is deployed in the cluster" in found[0].message


def test_preconditions_do_not_fire_for_a_stopped_vm() -> None:
    cluster = Cluster(kv=kubevirt("v1.8.4", methods=[]), running=(), vms=[live_vm(run="Halted")])
    assert codes(judge(cluster)) == [("GN206", "info")]


def test_preconditions_fire_when_running_state_is_unknown() -> None:
    cluster = Cluster(kv=kubevirt("v1.9.0", methods=[]), unreadable=(gone(ResourceType.VMIS, "forbidden"),))
    assert codes(judge(cluster)) == [("GN204", "error"), ("GN212", "error")]


def test_evict_only_message() -> None:
    (f,) = judge(Cluster(kv=kubevirt(methods=["Evict"])))
    assert f.message == (
        "prod/db-1: NAD swap of bridge-net (prod/vlan-10 -> prod/vlan-20): KubeVirt kubevirt/kubevirt "
        "spec.workloadUpdateStrategy.workloadUpdateMethods is [Evict]: the VMI will be evicted and restart on the new "
        "NAD instead of live-migrating (downtime). Add LiveMigrate to migrate it"
    )


# --- migration queue -----------------------------------------------------------------------------------

WAVES = [
    ("nothing", {}, 5, 2, 0),
    ("one", {"n1": 1}, 5, 2, 1),
    ("five-spread", {"n1": 2, "n2": 2, "n3": 1}, 5, 2, 1),
    ("three-on-one-node", {"n1": 3}, 5, 2, 2),
    ("six-spread", {"n1": 2, "n2": 2, "n3": 2}, 5, 2, 2),
    ("twelve-on-three", {"n1": 4, "n2": 4, "n3": 4}, 5, 2, 3),
    ("ten-on-one-node", {"n1": 10}, 5, 2, 5),
    ("ten-on-one-node-raised", {"n1": 10}, 20, 5, 2),
    ("unknown-node-counts-for-cluster", {"n1": 1, "(unknown node)": 7}, 5, 2, 2),
    ("cluster-bound", {f"n{i}": 1 for i in range(11)}, 5, 2, 3),
]


@pytest.mark.parametrize(
    ("per_node", "cluster_limit", "node_limit", "expected"),
    [row[1:] for row in WAVES],
    ids=[row[0] for row in WAVES],
)
def test_migration_waves(per_node: dict[str, int], cluster_limit: int, node_limit: int, expected: int) -> None:
    assert waves(Counter(per_node), cluster_limit, node_limit) == expected


QUEUE = [
    # id, VMs -> node, limits (cluster, node), fires, expected wave count in the message
    ("five-within-limits", {"db-1": "n1", "db-2": "n1", "db-3": "n2", "db-4": "n2", "db-5": "n3"}, (5, 2), None),
    ("six-exceed-cluster", {f"db-{i}": f"n{i % 3}" for i in range(1, 7)}, (5, 2), 2),
    ("three-on-one-node", {"db-1": "n1", "db-2": "n1", "db-3": "n1"}, (5, 2), 2),
    ("three-on-one-node-raised", {"db-1": "n1", "db-2": "n1", "db-3": "n1"}, (5, 3), None),
    ("twelve", {f"db-{i}": f"n{i % 3}" for i in range(1, 13)}, (5, 2), 3),
]


@pytest.mark.parametrize(("nodes", "limits", "waves_expected"), [q[1:] for q in QUEUE], ids=[q[0] for q in QUEUE])
def test_migration_queue_rule(nodes: dict[str, str], limits: tuple[int, int], waves_expected: int | None) -> None:
    cluster = Cluster(
        running=(),
        kv=kubevirt(per_cluster=limits[0], per_node=limits[1]),
        vms=[live_vm(n) for n in nodes],
        vmis=[live_vmi(n, node=node) for n, node in nodes.items()],
    )
    found = judge(cluster, *[swap(n) for n in nodes])
    if waves_expected is None:
        assert found == []
        return
    (f,) = found
    assert (f.code, f.severity.value, f.vm, f.network, f.file, f.line) == (
        "GN207",
        "warning",
        None,
        None,
        "vms/db-1.yaml",
        24,
    )
    assert f"expect at least {waves_expected} migration waves" in f.message
    assert f"live-migrates {len(nodes)} running VMIs" in f.message


def test_migration_queue_ignores_vmis_that_cannot_migrate() -> None:
    names = ["db-1", "db-2", "db-3"]
    no = cond("LiveMigratable", "False", "DisksNotLiveMigratable", "rwo disk")
    cluster = Cluster(
        running=(),
        vms=[live_vm(n) for n in names],
        vmis=[live_vmi("db-1"), live_vmi("db-2"), live_vmi("db-3", migratable=no)],
    )
    assert codes(judge(cluster, *[swap(n) for n in names])) == [("GN205", "error")]


# --- per-VM rules ----------------------------------------------------------------------------------------


def test_gn201_target_missing_and_hotplug_missing() -> None:
    hot = vm("web-1", extra=[Net("storage", nad="storage-net")])
    ctx = context(
        [swap(new="vlan-30"), (vm("web-1"), hot)],
        base_nads=NADS,
        head_nads=NADS,
        cluster=Cluster(running=("db-1", "web-1")).facts(),
    )
    found = [f for f in cluster_findings(ctx) if f.code == "GN201"]
    assert [(f.vm, f.network, f.line) for f in found] == [
        ("prod/db-1", "bridge-net", 24),
        ("prod/web-1", "storage", 29),
    ]
    assert found[0].message == (
        "prod/db-1 network bridge-net moves to prod/vlan-30, which does not exist in the cluster (snap.yaml) and is "
        "not added by this change: the target pod cannot attach it and the migration retries forever. Add the NAD "
        "to this change or create it first"
    )
    assert found[1].message.startswith("prod/web-1 network storage is hotplugged with prod/storage-net,")


def test_gn201_quiet_when_the_change_adds_the_nad() -> None:
    head = [*NADS, nad("vlan-30", vlan=30)]
    ctx = context([swap(new="vlan-30")], base_nads=NADS, head_nads=head, cluster=Cluster().facts())
    assert [f.code for f in cluster_findings(ctx)] == []


def test_gn201_defers_to_gn212_when_target_namespace_was_not_read() -> None:
    ctx = context(
        [swap(new="shared/vlan-20")], base_nads=NADS, head_nads=NADS, cluster=Cluster(namespaces=("prod",)).facts()
    )
    (f,) = cluster_findings(ctx)
    assert f.code == "GN212"
    assert "could not read: NADs of namespace shared (not read)" in f.message


def test_gn205_quotes_reason_and_message_and_evict_outcome() -> None:
    no = cond(
        "LiveMigratable", "False", "InterfaceNotLiveMigratable", "cannot migrate VMI which does not use masquerade"
    )
    cluster = Cluster(
        running=(),
        kv=kubevirt(methods=["LiveMigrate", "Evict"]),
        vms=[live_vm()],
        vmis=[live_vmi(migratable=no)],
    )
    (f,) = judge(cluster)
    assert f.message == (
        "VMI prod/db-1 is not live-migratable (LiveMigratable=False, reason 'InterfaceNotLiveMigratable', message "
        "'cannot migrate VMI which does not use masquerade'): the NAD swap of bridge-net (prod/vlan-10 -> "
        "prod/vlan-20) cannot migrate; KubeVirt will evict (restart) it onto the new NAD instead (Evict is in "
        "workloadUpdateMethods). Fix the cause or plan a restart"
    )


GN206_TABLE = [
    ("not-in-cluster", [], [], "prod/db-1 is not in the cluster yet"),
    ("halted", [live_vm(run="Halted")], [], "prod/db-1 is not running (runStrategy Halted, no VMI)"),
    ("vmi-succeeded", [live_vm()], [live_vmi(phase="Succeeded")], "prod/db-1 is not running (VMI phase Succeeded)"),
]


@pytest.mark.parametrize(("vms", "vmis", "start"), [r[1:] for r in GN206_TABLE], ids=[r[0] for r in GN206_TABLE])
def test_gn206_vm_not_running(vms: list[object], vmis: list[object], start: str) -> None:
    (f,) = judge(Cluster(running=(), vms=vms, vmis=vmis))  # type: ignore[arg-type]
    assert (f.code, f.severity.value) == ("GN206", "info")
    assert (
        f.message
        == f"{start}: no migration will happen; bridge-net (prod/vlan-10 -> prod/vlan-20) applies at the next start"
    )


STARTED = MigrationState(start_timestamp=NOW)
GN210_TABLE = [
    (
        "running-migration",
        [migration("db-1", "Running")],
        (),
        None,
        "is migrating (migration kubevirt-workload-update-abc12, phase Running)",
    ),
    (
        "pending-migration",
        [migration("db-1", "Pending")],
        (),
        None,
        "is migrating (migration kubevirt-workload-update-abc12, phase Pending)",
    ),
    ("state-started", [], (), STARTED, "is migrating (migration state started 2026-11-28T03:00:00+00:00, not ended)"),
    (
        "migration-required",
        [],
        (cond("MigrationRequired", "True", "AutoMigrationDueToLiveUpdate"),),
        None,
        "already has MigrationRequired=True (reason 'AutoMigrationDueToLiveUpdate')",
    ),
]


@pytest.mark.parametrize(
    ("migrations", "conditions", "state", "part"), [r[1:] for r in GN210_TABLE], ids=[r[0] for r in GN210_TABLE]
)
def test_gn210_in_flight(migrations: list[object], conditions: tuple[object, ...], state: object, part: str) -> None:
    vmi = live_vmi(conditions=conditions, migration_state=state)  # type: ignore[arg-type]
    (f,) = judge(Cluster(running=(), vms=[live_vm()], vmis=[vmi], migrations=migrations))  # type: ignore[arg-type]
    assert f.code == "GN210"
    assert f.message.startswith(f"VMI prod/db-1 {part}")


def test_gn210_quiet_for_finished_migrations_and_false_condition() -> None:
    vmi = live_vmi(conditions=[cond("MigrationRequired", "False", "AutoMigrationPending")])
    cluster = Cluster(running=(), vms=[live_vm()], vmis=[vmi], migrations=[migration("db-1", "Succeeded")])
    assert judge(cluster) == []


GN211_TABLE = [
    ("same-nad-other-spelling", "prod/vlan-10", None),
    (
        "diverged",
        "vlan-30",
        "the live VM prod/db-1 network bridge-net is on prod/vlan-30, while the base ref says prod/vlan-10",
    ),
    (
        "already-on-target",
        "vlan-20",
        "the live VM prod/db-1 network bridge-net is already on prod/vlan-20 (applied outside git), while the base "
        "ref says prod/vlan-10",
    ),
]


@pytest.mark.parametrize(("live", "start"), [r[1:] for r in GN211_TABLE], ids=[r[0] for r in GN211_TABLE])
def test_gn211_cluster_diverged(live: str, start: str | None) -> None:
    found = judge(Cluster(running=(), vms=[live_vm(nad=live)], vmis=[live_vmi(nad=live)]))
    if start is None:
        assert found == []
        return
    (f,) = found
    assert (f.code, f.network, f.line) == ("GN211", "bridge-net", 24)
    assert f.message == (
        f"{start}: repo and cluster were out of sync before this change, so it will not move prod/vlan-10 -> "
        "prod/vlan-20 as reviewed. Bring the cluster in sync first"
    )


def test_gn208_and_gn105_with_dynamic_networks_controller() -> None:
    hot = vm("db-1", "vlan-20", extra=[Net("storage", nad="vlan-10")])
    ctx = context([(vm("db-1"), hot)], base_nads=NADS, head_nads=NADS, cluster=Cluster(dnc="kube-system/dnc").facts())
    found, _ = run_rules(ctx)
    assert codes(found) == [("GN105", "error"), ("GN208", "warning")]


def test_gn209_upgrade_message() -> None:
    kv = kubevirt(target_id="d2").model_copy(update={"target_version": "v1.9.1"})
    (f,) = judge(Cluster(kv=kv))
    assert "is being upgraded (v1.9.0 -> v1.9.1): observedDeploymentID d1 != targetDeploymentID d2" in f.message


GN212_TABLE = [
    (
        "vmis-forbidden",
        {"unreadable": (gone(ResourceType.VMIS, "forbidden"),)},
        "virtualmachineinstances.kubevirt.io (forbidden)",
    ),
    ("namespace-not-read", {"namespaces": ("other",)}, "VMs and VMIs of namespace prod (not read)"),
    (
        "kubevirt-forbidden",
        {"unreadable": (gone(ResourceType.KUBEVIRT, "forbidden"),)},
        "kubevirts.kubevirt.io (forbidden)",
    ),
    (
        "daemonsets-missing",
        {"unreadable": (gone(ResourceType.DAEMONSETS, "not in the snapshot"),)},
        "daemonsets.apps (not in the snapshot)",
    ),
    (
        "no-livemigratable",
        {"running": (), "vms": [live_vm()], "vmis": [live_vmi(migratable=None)]},
        "whether VMI prod/db-1 can migrate (it has no LiveMigratable condition)",
    ),
]


@pytest.mark.parametrize(("knobs", "part"), [r[1:] for r in GN212_TABLE], ids=[r[0] for r in GN212_TABLE])
def test_gn212_names_what_could_not_be_read(knobs: dict[str, object], part: str) -> None:
    found = [f for f in judge(Cluster(**knobs)) if f.code == "GN212"]  # type: ignore[arg-type]
    (f,) = found
    assert (f.vm, f.network, f.file, f.line) == ("prod/db-1", "bridge-net", "vms/db-1.yaml", 24)
    assert f"could not read: {part}" in f.message


def test_gn212_for_hotplug_only_change_when_nads_unreadable() -> None:
    hot = vm("db-1", extra=[Net("storage", nad="storage-net")])
    cluster = Cluster(unreadable=(gone(ResourceType.NADS, "forbidden"),))
    ctx = context([(vm("db-1"), hot)], base_nads=NADS, head_nads=NADS, cluster=cluster.facts())
    (f,) = cluster_findings(ctx)
    assert (f.code, f.network) == ("GN212", "storage")
    assert "could not read: network-attachment-definitions.k8s.cni.cncf.io (forbidden)" in f.message


def test_pool_members_are_the_pools_live_vms() -> None:
    from tests.vmfactory import parse_vm

    def pool(nad_name: str) -> object:
        text = (
            "apiVersion: pool.kubevirt.io/v1alpha1\nkind: VirtualMachinePool\n"
            "metadata:\n  name: web\n  namespace: prod\n"
            "spec:\n  replicas: 2\n  selector:\n    matchLabels:\n      app: web\n  virtualMachineTemplate:\n"
            "    metadata:\n      labels:\n        app: web\n    spec:\n      runStrategy: Always\n      template:\n"
            "        spec:\n          domain:\n            devices:\n              interfaces:\n"
            "              - name: bridge-net\n                bridge: {}\n          networks:\n"
            f"          - name: bridge-net\n            multus:\n              networkName: {nad_name}\n"
        )
        return parse_vm(text, file="vms/web.yaml")

    members = [live_vm(f"web-{i}", labels={"kubevirt.io/vmpool": "web"}) for i in range(3)]
    no = cond("LiveMigratable", "False", "HostDeviceNotLiveMigratable", "gpu")
    vmis = [live_vmi("web-0"), live_vmi("web-1", migratable=no)]
    cluster = Cluster(running=(), vms=members, vmis=vmis)
    found = judge(cluster, (pool("vlan-10"), pool("vlan-20")))
    assert [(f.code, f.vm) for f in found] == [("GN205", "prod/web")]
    assert found[0].message.startswith("VMI prod/web-1 is not live-migratable")


# --- repo+cluster rules that use cluster facts ---------------------------------------------------------------


def test_gn109_running_vmi_still_on_removed_nad() -> None:
    vlan30 = nad("vlan-30", vlan=30)
    cluster = Cluster(running=(), vms=[live_vm("legacy-1", "vlan-30")], vmis=[live_vmi("legacy-1", "vlan-30")])
    ctx = context([], base_nads=[*NADS, vlan30], head_nads=NADS, cluster=cluster.facts())
    found, _ = run_rules(ctx)
    assert [(f.code, f.vm, f.network, f.file, f.line) for f in found] == [
        ("GN109", "prod/legacy-1", "bridge-net", "nads/vlan-30.yaml", 4)
    ]
    assert found[0].message == (
        "NAD prod/vlan-30 is removed by this change but the running VMI prod/legacy-1 network bridge-net is "
        "attached to it"
    )


@pytest.mark.parametrize(
    ("unreadable", "expected"),
    [
        ((), []),
        ((gone(ResourceType.DAEMONSETS, "403 Forbidden"),), []),
        (
            (gone(ResourceType.VMIS, "VirtualMachineInstance staging/x is listed 2 times", namespace="staging"),),
            [
                (
                    "GN212",
                    "nads/vlan-30.yaml",
                    4,
                    "NAD prod/vlan-30 is removed by this change, but whether a running VMI of the cluster "
                    "(snap.yaml) is still attached to it cannot be told; could not read: "
                    "virtualmachineinstances.kubevirt.io "
                    "(VirtualMachineInstance staging/x is listed 2 times). Grant get/list on them (the read-only role "
                    "in deploy/) or capture them with `gitnad snapshot`, then re-run",
                )
            ],
        ),
    ],
    ids=["vmis-read", "other-facts-unknown", "a-vmi-unknown"],
)
def test_gn212_for_a_removed_nad_when_vmis_are_unknown(
    unreadable: tuple[object, ...], expected: list[tuple[str, str, int, str]]
) -> None:
    """GN109 cannot see a running VMI it could not read: the removal is GN212 instead of a silent pass."""
    vlan30 = nad("vlan-30", vlan=30)
    cluster = Cluster(running=(), unreadable=unreadable)  # type: ignore[arg-type]
    ctx = context([], base_nads=[*NADS, vlan30], head_nads=NADS, cluster=cluster.facts())
    found, _ = run_rules(ctx)
    assert [(f.code, f.file, f.line, f.message) for f in found] == expected


def test_gn110_uses_the_cluster_nad_when_the_repo_lacks_it() -> None:
    ovn = nad("ovn-20", cni="ovn-k8s-cni-overlay")
    ctx = context([swap(new="ovn-20")], base_nads=NADS, head_nads=NADS, cluster=Cluster(nads=[*NADS, ovn]).facts())
    found, _ = run_rules(ctx)
    assert [(f.code, f.line) for f in found] == [("GN110", 24)]
    assert "CNI type bridge -> ovn-k8s-cni-overlay" in found[0].message
