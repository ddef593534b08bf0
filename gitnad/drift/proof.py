"""KubeVirt's own in-sync proof: the active virt-launcher pod and the NAD it is really attached to.

Mirrors `pkg/controller/controller.go` `CurrentVMIPod` (active pod selection) and
`pkg/network/migration/evaluator.go` (podInterfaceName -> network-status entry -> NAD name), see
domain/kubevirt-nadref.md §4. Pure: works on `ClusterFacts` models only.
"""

from __future__ import annotations

from dataclasses import dataclass

from gitnad.models.cluster import ClusterFacts, LauncherPod, LiveVMI
from gitnad.models.manifest import Network
from gitnad.models.names import normalize_nad

VMI_KIND = "VirtualMachineInstance"


def active_pod(vmi: LiveVMI, facts: ClusterFacts) -> LauncherPod | None:
    """The pod KubeVirt treats as current: controlled by this VMI, on its node, not finished, newest.

    `status.activePods` is not used to pick: it still lists a finished migration source pod.
    """
    candidates = [
        p
        for p in facts.pods_by_owner_uid.get(vmi.uid, ())
        if p.owner is not None
        and p.owner.controller
        and p.owner.kind == VMI_KIND
        and p.namespace == vmi.namespace
        and not p.finished
        and (not vmi.node_name or p.node_name == vmi.node_name)
    ]
    if not candidates:
        return None
    return max(candidates, key=lambda p: (p.created is not None, p.created, p.name))


@dataclass(frozen=True)
class PodProof:
    """What the active pod says about one network: the NAD it is attached to, or why that is unknown.

    `nad` is the NAD name the pod reports (None when unknown or not attached); `problem` explains an
    unknown; `not_attached` explains a pod that has no attachment for the interface (a fact, not an unknown).
    """

    pod: str | None = None
    nad: str | None = None
    problem: str | None = None
    not_attached: str | None = None

    def on(self, declared: str) -> bool | None:
        """True/False when the pod proves or disproves the declared NAD, None when undecidable.

        Both sides are normalized to `namespace/name` (the VM's namespace when no slash), so plain equality is
        KubeVirt's isNADNameEqual.
        """
        if self.problem is not None:
            return None
        return self.nad == declared


def secondary_proof(vmi: LiveVMI, pod: LauncherPod, network: str) -> PodProof:
    """podInterfaceName of the VMI interface -> the pod's network-status entry with that interface."""
    status = next((s for s in vmi.status_interfaces if s.name == network), None)
    if status is None:
        return PodProof(
            pod=pod.name,
            not_attached=f"VMI {vmi.key} reports no interface {network} (not attached: a hotplug not done yet?)",
        )
    if not status.pod_interface_name:
        return PodProof(pod=pod.name, problem=f"VMI {vmi.key} status.interfaces has no podInterfaceName for {network}")
    if pod.network_status is None:
        why = pod.network_status_error or "annotation k8s.v1.cni.cncf.io/network-status is missing"
        return PodProof(pod=pod.name, problem=f"pod {pod.namespace}/{pod.name}: {why}")
    entry = next((e for e in pod.network_status if e.interface == status.pod_interface_name), None)
    if entry is None:
        return PodProof(
            pod=pod.name,
            not_attached=(
                f"pod {pod.namespace}/{pod.name} network-status has no entry for interface "
                f"{status.pod_interface_name}: KubeVirt skips it and will never migrate it"
            ),
        )
    return PodProof(pod=pod.name, nad=normalize_nad(entry.name, vmi.namespace))


def default_network_proof(vmi: LiveVMI, pod: LauncherPod) -> PodProof:
    """A `multus.default: true` network: the pod's `v1.multus-cni.io/default-network` annotation."""
    if pod.default_network is None:
        return PodProof(
            pod=pod.name,
            not_attached=f"pod {pod.namespace}/{pod.name} has no v1.multus-cni.io/default-network annotation",
        )
    return PodProof(pod=pod.name, nad=normalize_nad(pod.default_network, vmi.namespace))


def pod_proof(vmi: LiveVMI, facts: ClusterFacts, declared_net: Network) -> PodProof:
    """The proof for one declared multus network of a running VMI."""
    pod = active_pod(vmi, facts)
    if pod is None:
        listed = len(facts.pods_by_owner_uid.get(vmi.uid, ()))
        return PodProof(
            problem=(
                f"no active virt-launcher pod for VMI {vmi.key} on node {vmi.node_name or '?'} "
                f"({listed} pod(s) owned by it, none running there)"
            )
        )
    if declared_net.default:
        return default_network_proof(vmi, pod)
    return secondary_proof(vmi, pod, declared_net.name)
