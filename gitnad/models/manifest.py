"""What the scanner reads from manifests: VMs (and pools) with their networks and interfaces, and NADs.

Every node that a finding may point at carries its 1-based line, taken from the YAML parser.
NAD references are kept as written (`nad_raw`) and normalized to `namespace/name` (`nad`).

A VM rendered from a Kustomize overlay (`source_root` set) is one object built from several files: a network or an
interface may be set by a patch in another file than the VM's own, so each carries the `file` of its line when it
differs (`VM.file_of`).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable

from gitnad.models.base import Frozen


class NetworkSource(enum.StrEnum):
    """Where a VM network comes from (`spec.template.spec.networks[].<source>`)."""

    POD = "pod"
    MULTUS = "multus"
    OTHER = "other"


class Network(Frozen):
    """One entry of `networks[]`, indexed by `name`."""

    name: str
    source: NetworkSource
    nad_raw: str | None = None
    """`multus.networkName` exactly as written (None for non-multus sources)."""
    nad: str | None = None
    """`multus.networkName` normalized to `namespace/name` (the VM namespace when no slash)."""
    default: bool = False
    """`multus.default: true`."""
    line: int
    """Line of `networkName` for multus networks, else of the network's `name`."""
    item_line: int
    """Line where this list item starts."""
    canonical: str
    """Sorted-key JSON of the network without `multus.networkName`: equal means "only the NAD changed"."""
    file: str | None = None
    """The file of `line` when it is not the VM's (an overlay's patch wrote it); None: the VM's file."""


class Interface(Frozen):
    """One entry of `domain.devices.interfaces[]`, indexed by `name`."""

    name: str
    binding: str | None
    """`bridge`, `masquerade`, `sriov`, `passt`, `slirp`, or the `binding.name` plugin name."""
    binding_is_plugin: bool = False
    model: str | None = None
    mac: str | None = None
    state: str | None = None
    line: int
    """Line of the interface's `name`."""
    binding_line: int
    """Line of the binding key (`bridge:`, `binding:` ...), else of `name`."""
    item_line: int
    canonical: str
    """Sorted-key JSON of the interface without `state`: unequal means a restart-requiring change."""
    file: str | None = None
    """The file of `line` when it is not the VM's (an overlay's patch wrote it); None: the VM's file."""
    binding_file: str | None = None
    """The file of `binding_line` when it is not the VM's; None: the VM's file."""


class VMKind(enum.StrEnum):
    VIRTUAL_MACHINE = "VirtualMachine"
    VIRTUAL_MACHINE_POOL = "VirtualMachinePool"


WAIVER_ANNOTATION_PREFIX = "waive.gitnad.dev/"
"""The annotations that waive findings on their VM (`gitnad.policy.waivers`)."""


class VM(Frozen):
    """A VirtualMachine, or a VirtualMachinePool (its VM template), declared in a manifest."""

    kind: VMKind
    api_version: str
    namespace: str
    name: str
    file: str
    line: int
    """Line of `metadata.name` (or of the document start)."""
    doc_index: int = 0
    labels: dict[str, str] = {}
    annotations: dict[str, str] = {}
    waiver_lines: dict[str, int] = {}
    """Line of each waiver annotation's key (`WAIVER_ANNOTATION_PREFIX`) in `file`; one not here (a VM rendered
    from an overlay, read from a cluster) is reported at `line`."""
    template_labels: dict[str, str] = {}
    run_strategy: str | None = None
    running: bool | None = None
    networks: tuple[Network, ...] = ()
    interfaces: tuple[Interface, ...] = ()
    template_line: int | None = None
    """Line of `spec.template.spec` (where added networks/interfaces go)."""
    source_root: str | None = None
    """The Kustomize overlay root (directory) this VM was rendered from; None for a plain manifest."""

    @property
    def key(self) -> str:
        """`namespace/name`: the identity of the VM (or pool) across refs and renames."""
        return f"{self.namespace}/{self.name}"

    def file_of(self, item: Network | Interface) -> str:
        """The file of a network's or interface's `line`."""
        return item.file or self.file

    def binding_file(self, iface: Interface) -> str:
        """The file of an interface's `binding_line`."""
        return iface.binding_file or self.file

    def network(self, name: str) -> Network | None:
        return next((n for n in self.networks if n.name == name), None)

    def interface(self, name: str) -> Interface | None:
        return next((i for i in self.interfaces if i.name == name), None)


class NAD(Frozen):
    """A NetworkAttachmentDefinition, from a manifest or from the cluster."""

    namespace: str
    name: str
    cni_type: str | None = None
    """CNI `type`, the first plugin's for a conflist."""
    vlan: int | None = None
    """First of `vlan`, `vlanId`, `vlanID` found in the config or its plugins."""
    resource_name: str | None = None
    """Annotation `k8s.v1.cni.cncf.io/resourceName`."""
    config_error: str | None = None
    """Why `spec.config` is unusable (not JSON, no CNI type), else None."""
    config_canonical: str = ""
    """Sorted-key JSON of the parsed config (or the raw string when not JSON)."""
    labels: dict[str, str] = {}
    annotations: dict[str, str] = {}
    file: str | None = None
    line: int | None = None
    config_line: int | None = None
    config_file: str | None = None
    """The file of `config_line` when it is not `file` (an overlay's patch wrote `spec.config`)."""
    source_root: str | None = None
    """The Kustomize overlay root this NAD was rendered from; None for a plain manifest or the cluster."""

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"


Definition = VM | NAD
"""One object as written in a file (the same object may be defined in several)."""


def path_order(obj: Definition) -> tuple[str, int, str]:
    """Where a definition stands in path order: file, then line (document and List order within a file), then
    the overlay root that rendered it (one base manifest rendered by two overlays into one identity).

    When one object is defined more than once, the first in this order is the one gitnad reads (GN113 names
    the others), so the verdict never depends on file listing order, hash seed or worker count.
    """
    return (obj.file or "", obj.line or 0, obj.source_root or "")


def identity_key(obj: Definition) -> tuple[str, str]:
    """(kind family, `namespace/name`): VMs and VM pools share one family, as they share one key in a check."""
    return ("vm" if isinstance(obj, VM) else "nad", obj.key)


def first_definitions(objs: Iterable[VM]) -> list[VM]:
    """One VM per key: the first definition in path order (the one every command reads)."""
    out: dict[tuple[str, str], VM] = {}
    for obj in sorted(objs, key=path_order):
        out.setdefault(identity_key(obj), obj)
    return list(out.values())
