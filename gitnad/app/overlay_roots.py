"""Which Kustomize overlay root each finding and change concerns: the root its VM (or NAD) was rendered from.

Rules and policies name a VM by `namespace/name`; the root travels on the model (`VM.source_root`), so it is
added here once, after judging, from the same definitions the rules read (the first in path order), instead of
in every rule. Findings that already carry a root (a render's GN001, a duplicate) keep theirs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from gitnad.models.changes import Change
from gitnad.models.context import CheckContext
from gitnad.models.findings import Finding
from gitnad.models.manifest import VM, first_definitions


def vm_roots(vms: Iterable[VM]) -> dict[str, str]:
    """`namespace/name` -> root, for the rendered VMs among `vms` (first definition of each)."""
    vms = list(vms)
    if all(vm.source_root is None for vm in vms):
        return {}  # nothing rendered: no need to order every VM of the repository
    return {vm.key: vm.source_root for vm in first_definitions(vms) if vm.source_root is not None}


def with_roots(findings: Sequence[Finding], vms: Iterable[VM]) -> list[Finding]:
    """`findings` with the root of their VM set (scan: every VM of the repository)."""
    return _attach(findings, vm_roots(vms))


def _attach(findings: Sequence[Finding], roots: Mapping[str, str]) -> list[Finding]:
    out = []
    for f in findings:
        root = roots.get(f.vm) if f.vm is not None and f.source_root is None else None
        out.append(f.model_copy(update={"source_root": root}) if root is not None else f)
    return out


def _context_roots(ctx: CheckContext) -> dict[str, str]:
    """VM key -> root of what a check judged: each VM as the change leaves it (or as it was, when removed), and the
    VMs still referencing removed NADs."""
    vms = [d.head or d.base for d in ctx.deltas if (d.head or d.base) is not None]
    vms += [vm for refs in ctx.head_references.values() for vm in refs]
    return vm_roots(v for v in vms if v is not None)


def _nad_root(ctx: CheckContext, key: str) -> str | None:
    """The root of a NAD as the change leaves it (at head), or as it was (at base) when removed. Looked up by key:
    a check's NAD maps find a NAD by name when asked, and iterating them would parse every NAD of the repository."""
    nad = ctx.head_nads.get(key) or ctx.base_nads.get(key)
    return nad.source_root if nad is not None else None


def check_findings(findings: Sequence[Finding], ctx: CheckContext) -> list[Finding]:
    return _attach(findings, _context_roots(ctx))


def check_changes(changes: Sequence[Change], ctx: CheckContext) -> list[Change]:
    """Each change with the root of its VM (VM changes) or NAD (NAD changes)."""
    by_vm = _context_roots(ctx)
    out = []
    for c in changes:
        root = by_vm.get(c.vm) if c.vm is not None else _nad_root(ctx, c.nad) if c.nad else None
        out.append(c.model_copy(update={"source_root": root}) if root is not None else c)
    return out
