"""Drift classification (SPEC §8): declared VMs (git) x cluster facts -> one DriftItem per (VM, multus network).

States are decided in SPEC precedence order: Missing, Stopped, OutOfSync, NADMissing, RestartRequired,
NotPropagated, the newest migration (MigrationFailed / Migrating / MigrationQueued while the pod is not on
the declared NAD), NotMigratable, MigrationPending, PodDrift, InSync; Unknown as soon as a fact needed for
the next decision is missing. The proof of InSync is KubeVirt's own (see `proof`).

VirtualMachinePools: a pool's VMs are named `<pool>-<n>` and labelled `kubevirt.io/vmpool: <pool>`; every
live VM matching either (and not declared in git as a VirtualMachine of its own) is checked against the
pool's template, one item per (live VM, network). A pool with no live VM is `Missing`. Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from gitnad.drift import migrations as mig
from gitnad.drift.proof import PodProof, pod_proof
from gitnad.models.cluster import ClusterFacts, LiveVM, LiveVMI, Migration, ResourceType
from gitnad.models.manifest import VM, Network, NetworkSource, VMKind
from gitnad.models.results import DriftItem, DriftState

POOL_LABEL = "kubevirt.io/vmpool"
HALTED_STRATEGIES = frozenset({"Halted"})
FINISHED_VMI_PHASES = frozenset({"Succeeded", "Failed"})


@dataclass(frozen=True)
class Observed:
    """What the cluster shows for one (VM, network): the NAD at each level and the newest migration.

    Read once per item; the decision uses the same proof and migration that the report shows.
    """

    live_vm: str | None = None
    vmi: str | None = None
    proof: PodProof | None = None
    """The active pod's proof; None when the VMI does not run or pods could not be read."""
    newest: Migration | None = None
    """The newest migration of the VMI; None when there is none or migrations could not be read."""

    @property
    def pod(self) -> str | None:
        return self.proof.nad if self.proof is not None else None

    @property
    def migration(self) -> str | None:
        return self.newest.name if self.newest is not None else None


@dataclass(frozen=True)
class Verdict:
    state: DriftState
    detail: str
    observed: Observed


def classify(declared: Sequence[VM], facts: ClusterFacts) -> tuple[DriftItem, ...]:
    """Every (declared VM, multus network) classified; sorted by VM then network."""
    standalone = frozenset(vm.key for vm in declared if vm.kind is VMKind.VIRTUAL_MACHINE)
    items = [
        item
        for vm in declared
        for net in vm.networks
        if net.source is NetworkSource.MULTUS
        for item in _classify_network(vm, net, facts, standalone)
    ]
    return tuple(sorted(items, key=lambda i: (i.vm, i.network)))


def _classify_network(vm: VM, net: Network, facts: ClusterFacts, standalone: frozenset[str]) -> list[DriftItem]:
    if vm.kind is VMKind.VIRTUAL_MACHINE_POOL:
        if blocked := facts.unknown_text(ResourceType.VMS, vm.namespace):
            # An unreadable VM of the namespace may be a member: the pool's members cannot be listed.
            return [_item(vm.key, vm, net, _unknown(f"VirtualMachines could not be read: {blocked}"))]
        members = [m for m in _pool_members(vm, facts) if m.key not in standalone]
        if members:
            return [_item(m.key, vm, net, _decide(vm, net, facts, m.key)) for m in members]
    return [_item(vm.key, vm, net, _decide(vm, net, facts, vm.key))]


def _pool_members(pool: VM, facts: ClusterFacts) -> list[LiveVM]:
    pattern = re.compile(rf"^{re.escape(pool.name)}-\d+$")
    return sorted(
        (
            v
            for v in facts.vms
            if v.namespace == pool.namespace and (v.labels.get(POOL_LABEL) == pool.name or pattern.match(v.name))
        ),
        key=lambda v: v.name,
    )


def _item(key: str, vm: VM, net: Network, verdict: Verdict) -> DriftItem:
    o = verdict.observed
    return DriftItem(
        vm=key,
        network=net.name,
        declared=net.nad,
        live_vm=o.live_vm,
        vmi=o.vmi,
        pod=o.pod,
        state=verdict.state,
        converged=verdict.state.converged,
        detail=verdict.detail,
        migration=o.migration,
        file=vm.file_of(net),
        line=net.line,
    )


def _unknown(detail: str, observed: Observed | None = None) -> Verdict:
    return Verdict(DriftState.UNKNOWN, detail, observed or Observed())


def _decide(vm: VM, net: Network, facts: ClusterFacts, key: str) -> Verdict:
    """Missing, Stopped, OutOfSync: what the live VM object says."""
    namespace = vm.namespace
    if net.nad is None:
        return _unknown(f"networkName of {net.name} is empty in git: nothing declared to compare")
    if not facts.covers(namespace):
        return _unknown(f"namespace {namespace} is not covered by the cluster facts")
    if blocked := facts.unknown_text(ResourceType.VMS, namespace, key):
        return _unknown(f"VirtualMachines could not be read: {blocked}")
    live = facts.vm(key)
    if live is None:
        what = (
            f"no VM of VirtualMachinePool {vm.key} (named <pool>-<n> or labelled {POOL_LABEL}) is"
            if vm.kind is VMKind.VIRTUAL_MACHINE_POOL
            else "VM not"
        )
        return Verdict(DriftState.MISSING, f"{what} found in the cluster (namespace {namespace})", Observed())
    live_net = next((n for n in live.networks if n.name == net.name), None)
    if blocked := facts.unknown_text(ResourceType.VMIS, namespace, key):
        return _unknown(f"VirtualMachineInstances could not be read: {blocked}", Observed(live_vm=_nad_of(live_net)))
    vmi = facts.vmi(key)
    observed = _observe(net, facts, live_net, vmi)
    if stopped := _stopped(live, vmi):
        return Verdict(DriftState.STOPPED, stopped, observed)
    if live_net is None or live_net.source is not NetworkSource.MULTUS:
        return Verdict(DriftState.OUT_OF_SYNC, f"the live VM has no multus network {net.name}", observed)
    if live_net.nad != net.nad:
        return Verdict(
            DriftState.OUT_OF_SYNC,
            f"the live VM uses {live_net.nad}, git declares {net.nad} (not synced yet, or edited live)",
            observed,
        )
    assert vmi is not None  # _stopped covers a VM without VMI
    return _decide_running(net, facts, live, vmi, observed)


def _nad_of(net: Network | None) -> str | None:
    return net.nad if net is not None and net.source is NetworkSource.MULTUS else None


def _observe(net: Network, facts: ClusterFacts, live_net: Network | None, vmi: LiveVMI | None) -> Observed:
    """Every level's NAD that can be read, whatever the verdict: the table shows the whole picture."""
    if vmi is None:
        return Observed(live_vm=_nad_of(live_net))
    vmi_net = next((n for n in vmi.networks if n.name == net.name), None)
    pods_known = not facts.unknown(ResourceType.PODS, vmi.namespace, vmi.key)
    proof = pod_proof(vmi, facts, net) if vmi.phase == "Running" and pods_known else None
    newest = (
        mig.newest_migration(vmi, facts) if not facts.unknown(ResourceType.MIGRATIONS, vmi.namespace, vmi.key) else None
    )
    return Observed(_nad_of(live_net), _nad_of(vmi_net), proof, newest)


def _stopped(live: LiveVM, vmi: LiveVMI | None) -> str | None:
    if live.run_strategy in HALTED_STRATEGIES or (live.run_strategy is None and live.running is False):
        return f"VM not running (runStrategy {live.run_strategy or 'running: false'}): the NAD applies at next start"
    if vmi is None:
        return f"VM has no VMI (printableStatus {live.printable_status or 'unknown'}): nothing to migrate"
    if vmi.phase in FINISHED_VMI_PHASES:
        return f"VMI {vmi.phase}: the VM is not running, nothing to migrate"
    return None


def _decide_running(net: Network, facts: ClusterFacts, live: LiveVM, vmi: LiveVMI, observed: Observed) -> Verdict:
    """NADMissing, RestartRequired, NotPropagated, then what the pod and the migrations say."""
    declared = net.nad or ""
    nad_namespace = declared.split("/", 1)[0]
    if blocked := facts.unknown_text(ResourceType.NADS, nad_namespace, declared):
        return _unknown(f"NetworkAttachmentDefinitions could not be read: {blocked}", observed)
    if not facts.covers(nad_namespace):
        covered = ", ".join(facts.namespaces or ())
        return _unknown(
            f"NetworkAttachmentDefinitions of namespace {nad_namespace} were not read "
            f"(the cluster facts cover {covered} only)",
            observed,
        )
    if facts.nad(declared) is None:
        return Verdict(DriftState.NAD_MISSING, f"NetworkAttachmentDefinition {declared} does not exist", observed)
    restart = live.condition("RestartRequired")
    if restart is not None and restart.status == "True":
        msg = restart.message or "a non-live-updatable field was changed in the template spec"
        return Verdict(DriftState.RESTART_REQUIRED, f"VM condition RestartRequired=True: {msg}", observed)
    vmi_nad = observed.vmi
    if vmi_nad != declared:
        why = f"the VMI spec uses {vmi_nad}" if vmi_nad else f"the VMI spec has no multus network {net.name}"
        return Verdict(
            DriftState.NOT_PROPAGATED,
            f"{why}, the VM {declared}: virt-controller has not copied it (LiveUpdateNADRef gate off on v1.8?)",
            observed,
        )
    if vmi.phase != "Running":
        return _unknown(f"VMI {vmi.key} is {vmi.phase or 'without phase'}: no running launcher pod to prove", observed)
    for resource, what in ((ResourceType.PODS, "virt-launcher pods"), (ResourceType.MIGRATIONS, "migrations")):
        if blocked := facts.unknown_text(resource, vmi.namespace, vmi.key):
            return _unknown(f"{what} could not be read: {blocked}", observed)
    return _decide_pod(net, facts, vmi, observed)


def _decide_pod(net: Network, facts: ClusterFacts, vmi: LiveVMI, observed: Observed) -> Verdict:
    proof = observed.proof
    assert proof is not None  # the VMI runs and pods were read (checked by the caller)
    declared = net.nad or ""
    on_declared = proof.on(declared)
    if on_declared is None:
        return _unknown(proof.problem or "the active pod's attachment could not be read", observed)
    required = vmi.condition("MigrationRequired")
    migration_required = required is not None and required.status == "True"
    verdict = _migration_verdict(vmi, observed) if not on_declared or migration_required else None
    if verdict is not None:
        return verdict
    if not on_declared:
        live_migratable = vmi.condition("LiveMigratable")
        if live_migratable is not None and live_migratable.status == "False":
            why = ": ".join(x for x in (live_migratable.reason, live_migratable.message) if x)
            return Verdict(
                DriftState.NOT_MIGRATABLE,
                f"LiveMigratable=False ({why or 'no reason given'}); the pod is still on {proof.nad or 'no NAD'}",
                observed,
            )
    if migration_required:
        return Verdict(DriftState.MIGRATION_PENDING, f"MigrationRequired=True, {mig.pending_reason(facts)}", observed)
    if not on_declared:
        return Verdict(DriftState.POD_DRIFT, _pod_drift_detail(net, proof), observed)
    return Verdict(DriftState.IN_SYNC, f"VM, VMI and pod {proof.pod} on {declared}", observed)


def _migration_verdict(vmi: LiveVMI, observed: Observed) -> Verdict | None:
    """MigrationFailed / Migrating / MigrationQueued from the newest migration of the VMI."""
    newest = observed.newest
    if newest is None:
        if mig.vmi_migrating(vmi):
            return Verdict(DriftState.MIGRATING, "VMI status.migrationState started and not ended", observed)
        return None
    stage = mig.stage(newest, vmi)
    if stage is mig.MigrationStage.FAILED:
        why = mig.failure_text(newest, vmi)
        return Verdict(DriftState.MIGRATION_FAILED, f"migration {newest.name} failed: {why}", observed)
    if stage is mig.MigrationStage.IN_PROGRESS:
        return Verdict(DriftState.MIGRATING, f"migration {newest.name} is {newest.phase}", observed)
    if stage is mig.MigrationStage.QUEUED:
        return Verdict(
            DriftState.MIGRATION_QUEUED,
            f"migration {newest.name} is {newest.phase or 'Pending'} (cluster or node limit, or backoff)",
            observed,
        )
    return None


def _pod_drift_detail(net: Network, proof: PodProof) -> str:
    if proof.not_attached is not None:
        return proof.not_attached
    if net.default:
        return (
            f"default network: the pod still has {proof.nad}; KubeVirt never migrates a multus.default swap, "
            "it applies at the next restart"
        )
    return f"the active pod {proof.pod} is on {proof.nad} and no migration is coming"
