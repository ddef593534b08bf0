"""What a check evaluates: both sides of the change, the classified changes and optional cluster facts.

Built once by the app layer; rules and policies are pure functions of it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from gitnad.models.changes import Change, ChangeKind
from gitnad.models.configfiles import ConfigFileChange
from gitnad.models.findings import Finding
from gitnad.models.manifest import NAD, VM, Definition

if TYPE_CHECKING:
    from gitnad.models.cluster import ClusterFacts


@dataclass(frozen=True)
class VMDelta:
    """One VM (by `namespace/name`) as it is at base and at head, and what changed."""

    key: str
    base: VM | None
    head: VM | None
    changes: tuple[Change, ...]

    def of_kind(self, *kinds: ChangeKind) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.kind in kinds)

    @property
    def swaps(self) -> tuple[Change, ...]:
        return self.of_kind(ChangeKind.NAD_SWAP)


@dataclass(frozen=True)
class CheckContext:
    """Inputs of every rule. NAD maps hold every NAD of the repo at that ref (key `namespace/name`)."""

    deltas: tuple[VMDelta, ...]
    nad_changes: tuple[Change, ...]
    base_nads: Mapping[str, NAD]
    head_nads: Mapping[str, NAD]
    head_references: Mapping[str, tuple[VM, ...]] = field(default_factory=dict)
    """For each NAD removed by the change: the VMs at head that still reference it."""
    problems: tuple[Finding, ...] = ()
    """GN001 findings from reading the files this check parsed."""
    config_changes: tuple[ConfigFileChange, ...] = ()
    """gitnad's own files (`.gitnad.yaml`, policies) the change adds, modifies or deletes (GN903)."""
    duplicates: tuple[tuple[Definition, ...], ...] = ()
    """VMs and NADs the change touches that are defined more than once at head: every definition, in path order
    (the first is the one the check reads)."""
    notes: tuple[str, ...] = ()
    """What reading left out without an error (Helm charts, submodules, files that are not ours): warnings."""
    cluster: ClusterFacts | None = None
    now: datetime | None = None

    @property
    def offline(self) -> bool:
        return self.cluster is None

    @property
    def changes(self) -> tuple[Change, ...]:
        return tuple(c for d in self.deltas for c in d.changes) + self.nad_changes

    def base_nad(self, key: str | None) -> NAD | None:
        """A NAD as it was before the change (a swap's source): the repo at base first, then the cluster."""
        return self._nad(self.base_nads, key)

    def head_nad(self, key: str | None) -> NAD | None:
        """A NAD as the change leaves it (a swap's target): the repo at head first, then the cluster."""
        return self._nad(self.head_nads, key)

    def _nad(self, repo: Mapping[str, NAD], key: str | None) -> NAD | None:
        if key is None:
            return None
        nad = repo.get(key)
        if nad is None and self.cluster is not None:
            nad = self.cluster.nad(key)
        return nad

    def changed_nads(self) -> frozenset[str]:
        """NADs the change adds or modifies (keys)."""
        return frozenset(
            c.nad for c in self.nad_changes if c.nad and c.kind in (ChangeKind.NAD_ADDED, ChangeKind.NAD_CHANGED)
        )
