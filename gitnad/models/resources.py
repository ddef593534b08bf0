"""The resource types gitnad reads from a cluster: a plain enum with no pydantic behind it, so the rules that name
them load no cluster models on an offline check (issue 12)."""

from __future__ import annotations

import enum


class ResourceType(enum.StrEnum):
    """The resource types gitnad reads, spelled `plural.group` as kubectl and RBAC messages spell them."""

    KUBEVIRT = "kubevirts.kubevirt.io"
    NADS = "network-attachment-definitions.k8s.cni.cncf.io"
    VMS = "virtualmachines.kubevirt.io"
    VMIS = "virtualmachineinstances.kubevirt.io"
    MIGRATIONS = "virtualmachineinstancemigrations.kubevirt.io"
    PODS = "pods"
    DAEMONSETS = "daemonsets.apps"

    @property
    def plural(self) -> str:
        return self.value.split(".", 1)[0]

    @property
    def group(self) -> str:
        """The API group (`""` for the core group)."""
        return self.value.split(".", 1)[1] if "." in self.value else ""
