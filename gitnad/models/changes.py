"""Classified changes between two refs (SPEC §4)."""

from __future__ import annotations

import enum

from pydantic import Field

from gitnad.models.base import Frozen


class ChangeKind(enum.StrEnum):
    NAD_SWAP = "nad-swap"
    COSMETIC_REWRITE = "cosmetic-rewrite"
    DEFAULT_NETWORK_SWAP = "default-network-swap"
    RESTART_REQUIRED = "restart-required"
    HOTPLUG = "hotplug"
    UNPLUG = "unplug"
    VM_ADDED = "vm-added"
    VM_REMOVED = "vm-removed"
    NAD_ADDED = "nad-added"
    NAD_REMOVED = "nad-removed"
    NAD_CHANGED = "nad-changed"


SWAP_KINDS: tuple[ChangeKind, ...] = (ChangeKind.NAD_SWAP, ChangeKind.DEFAULT_NETWORK_SWAP)
"""Changes that move an existing network to another NAD."""
NEW_REFERENCE_KINDS: tuple[ChangeKind, ...] = (*SWAP_KINDS, ChangeKind.HOTPLUG)
"""Changes after which a VM references a NAD it did not reference before (rules and policies judge these)."""


class Change(Frozen):
    """One classified difference. For VM changes `vm` is set; for NAD changes `nad` is."""

    kind: ChangeKind
    vm: str | None = None
    network: str | None = None
    interface: str | None = None
    nad: str | None = None
    from_: str | None = Field(default=None, alias="from")
    to: str | None = None
    file: str | None = None
    line: int | None = None
    field: str | None = None
    """For restart-required: what changed (`binding`, `model`, `macAddress`, `source`, `default`, `removed`, ...)."""
    detail: str | None = None
    """Human-readable account, e.g. `interface bridge-net: binding bridge -> sriov`."""
    source_root: str | None = None
    """The Kustomize overlay root the VM (or NAD) was rendered from; None for a plain manifest."""

    def sort_key(self) -> tuple[str, str, str, str, str]:
        return (
            self.file or "",
            f"{self.line or 0:08d}",
            self.vm or self.nad or "",
            self.network or "",
            self.kind.value,
        )
