"""Changes to gitnad's own files in the change under check (GN903): `.gitnad.yaml` and policy files."""

from __future__ import annotations

import enum

from gitnad.models.base import Frozen


class ConfigRole(enum.StrEnum):
    CONFIGURATION = "configuration"
    POLICY = "policy"


class ConfigStatus(enum.StrEnum):
    ADDED = "added"
    MODIFIED = "modified"
    DELETED = "deleted"


class ConfigFileChange(Frozen):
    """One of gitnad's files that the change adds, modifies or deletes."""

    file: str
    """Repo-relative; the path at head, or at base when deleted."""
    role: ConfigRole
    status: ConfigStatus
    line: int | None
    """First line that differs at head (1 for an added file); None when deleted."""
    applied: str
    """The version this check applied: `base <sha>`, `head <sha>` or `the index`."""
    applied_is_new: bool
    """True when this check already applied the change's version (`--config-from head`)."""
    problem: str | None = None
    """Why the configuration the change leaves behind does not load (every check after merge would stop)."""
