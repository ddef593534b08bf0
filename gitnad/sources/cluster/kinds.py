"""The resource types gitnad reads from a cluster, and the raw capture both readers produce.

A `Capture` holds the raw JSON bodies per resource type plus what is known about each read (done,
API not installed, unreadable). The live reader fills it from the API server, the snapshot reader from
a file; `convert.to_facts` turns either into the same `ClusterFacts`.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from gitnad.models.cluster import ResourceType

LAUNCHER_SELECTOR = "kubevirt.io=virt-launcher"
NOT_INSTALLED_REASON = "not installed (the API server does not serve this API)"


@dataclass(frozen=True)
class Resource:
    """One resource type: how to list it and how to name it in messages."""

    type: ResourceType
    version: str
    kind: str
    scoped: bool
    """Listed per namespace when the caller limits namespaces; otherwise cluster-wide."""
    label_selector: str | None = None

    @property
    def group(self) -> str:
        return self.type.group

    @property
    def plural(self) -> str:
        return self.type.plural

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def name(self) -> str:
        """`plural.group` as kubectl and RBAC messages spell it (`pods` for the core group)."""
        return self.type.value


KUBEVIRT = Resource(ResourceType.KUBEVIRT, "v1", "KubeVirt", scoped=False)
NADS = Resource(ResourceType.NADS, "v1", "NetworkAttachmentDefinition", scoped=True)
VMS = Resource(ResourceType.VMS, "v1", "VirtualMachine", scoped=True)
VMIS = Resource(ResourceType.VMIS, "v1", "VirtualMachineInstance", scoped=True)
MIGRATIONS = Resource(ResourceType.MIGRATIONS, "v1", "VirtualMachineInstanceMigration", scoped=True)
PODS = Resource(ResourceType.PODS, "v1", "Pod", scoped=True, label_selector=LAUNCHER_SELECTOR)
DAEMONSETS = Resource(ResourceType.DAEMONSETS, "v1", "DaemonSet", scoped=False)

RESOURCES: tuple[Resource, ...] = (KUBEVIRT, NADS, VMS, VMIS, MIGRATIONS, PODS, DAEMONSETS)
BY_NAME: dict[str, Resource] = {r.name: r for r in RESOURCES}
BY_TYPE: dict[ResourceType, Resource] = {r.type: r for r in RESOURCES}


def resource_of(api_version: str, kind: str) -> Resource | None:
    """The resource an object belongs to (any served version of the group), or None if gitnad ignores it."""
    group = api_version.split("/", 1)[0] if "/" in api_version else ""
    return next((r for r in RESOURCES if r.kind == kind and r.group == group), None)


class ReadState(enum.StrEnum):
    READ = "read"
    NOT_INSTALLED = "not-installed"
    """The API server does not serve this type (404 on the group/version): none exist."""
    UNREADABLE = "unreadable"
    """Not read (forbidden, or absent from a snapshot): facts about it are unknown."""
    ASSUMED_EMPTY = "assumed-empty"
    """No item in a List without gitnad's annotations (kubectl output): none exist unless another object of
    the List shows otherwise (`convert` decides)."""


@dataclass(frozen=True)
class ResourceRead:
    resource: Resource
    state: ReadState
    items: tuple[Mapping[str, Any], ...] = ()
    reason: str | None = None
    """Why it was not read (for NOT_INSTALLED / UNREADABLE)."""
    item_lines: tuple[int, ...] = ()
    """Line of each item in a snapshot file (empty for live reads)."""


@dataclass(frozen=True)
class Capture:
    """Raw bodies of every resource type gitnad reads, from one cluster at one moment."""

    origin: str
    captured_at: datetime | None
    namespaces: tuple[str, ...] | None
    reads: Mapping[str, ResourceRead]
    """Keyed by `Resource.name`; every member of RESOURCES is present."""
    warnings: tuple[str, ...] = field(default=())

    def read(self, resource: Resource) -> ResourceRead:
        return self.reads[resource.name]


def in_namespaces(items: Sequence[Mapping[str, Any]], namespaces: tuple[str, ...] | None) -> list[Mapping[str, Any]]:
    """Keep the items whose metadata.namespace is one of `namespaces` (all when None)."""
    if namespaces is None:
        return list(items)
    wanted = set(namespaces)
    return [i for i in items if _namespace(i) in wanted]


def _namespace(item: Mapping[str, Any]) -> str | None:
    meta = item.get("metadata")
    ns = meta.get("namespace") if isinstance(meta, Mapping) else None
    return ns if isinstance(ns, str) else None
