"""GN207 migration-queue.

What: the change makes more running VMIs migrate than KubeVirt runs at once: more than
`parallelMigrationsPerCluster` (default 5) in the cluster, or more than
`parallelOutboundMigrationsPerNode` (default 2) leaving one node. The finding gives the expected number
of migration waves: the larger of ceil(VMIs / cluster limit) and, per source node, ceil(VMIs on the
node / node limit). VMIs that cannot migrate (`LiveMigratable=False`, GN205) are not counted.

Why: the excess VMIs wait with `MigrationRequired=True` (and `Pending` migrations) until a slot frees:
the rollout takes several waves, and each wave takes as long as its slowest migration.

Example: 12 VMs on 3 nodes moved to `vlan-20` with default limits: 3 waves.

Fix: nothing is wrong, but plan the time; or split the change into batches; or raise the limits in
`spec.configuration.migrations` of the KubeVirt CR.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from math import ceil
from typing import TYPE_CHECKING

from gitnad.models.context import CheckContext
from gitnad.models.findings import Finding, RuleMeta, Scope, Severity
from gitnad.rules.clusterfacts import Affected, observed_affected, running_vmis, vm_finding, will_migrate

if TYPE_CHECKING:
    from gitnad.models.cluster import ClusterFacts, KubeVirtFacts, LiveVMI

META = RuleMeta(
    code="GN207",
    name="migration-queue",
    severity=Severity.WARNING,
    scope=Scope.CLUSTER,
    summary="Affected running VMIs exceed the cluster or per-node parallel migration limits",
    doc=__doc__ or "",
)

UNKNOWN_NODE = "(unknown node)"


def waves(per_node: Counter[str], cluster_limit: int, node_limit: int) -> int:
    """Expected migration waves (a lower bound) for `per_node` VMIs under both limits; 0 when nothing migrates."""
    total = sum(per_node.values())
    if total == 0:
        return 0
    known = [n for node, n in per_node.items() if node != UNKNOWN_NODE]
    by_node = max((ceil(n / max(node_limit, 1)) for n in known), default=1)
    return max(ceil(total / max(cluster_limit, 1)), by_node)


def migrating(facts: ClusterFacts, affs: list[Affected]) -> list[LiveVMI]:
    seen: dict[str, LiveVMI] = {}
    for aff in affs:
        for vmi in running_vmis(facts, aff.delta):
            if will_migrate(vmi):
                seen.setdefault(vmi.key, vmi)
    return list(seen.values())


def message(vmis: list[LiveVMI], kv: KubeVirtFacts) -> str | None:
    per_node = Counter(v.node_name or UNKNOWN_NODE for v in vmis)
    cluster_limit, node_limit = kv.parallel_migrations_per_cluster, kv.parallel_outbound_migrations_per_node
    busy = sorted((n, c) for n, c in per_node.items() if n != UNKNOWN_NODE and c > node_limit)
    if len(vmis) <= cluster_limit and not busy:
        return None
    reasons = []
    if len(vmis) > cluster_limit:
        reasons.append(f"parallelMigrationsPerCluster is {cluster_limit}")
    if busy:
        nodes = ", ".join(f"{n} has {c}" for n, c in busy)
        reasons.append(f"parallelOutboundMigrationsPerNode is {node_limit} ({nodes})")
    n = waves(per_node, cluster_limit, node_limit)
    return (
        f"this change live-migrates {len(vmis)} running VMIs on {len(per_node)} node(s), but "
        f"{' and '.join(reasons)}: expect at least {n} migration waves; the rest wait with MigrationRequired=True. "
        "Plan the time, split the change, or raise the limits in spec.configuration.migrations"
    )


def check(ctx: CheckContext) -> Iterator[Finding]:
    facts = ctx.cluster
    if facts is None or facts.kubevirt is None:
        return
    affs = observed_affected(ctx)
    text = message(migrating(facts, affs), facts.kubevirt)
    if text is not None and affs:
        f = vm_finding(META, text, affs[0])
        yield f.model_copy(update={"vm": None, "network": None})
