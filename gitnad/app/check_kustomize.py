"""Kustomize overlays in `check`: render the roots the change touches, at both refs, and beyond them only what the
judging needs, so the check stays proportional to the change, not to the number of overlays.

- `render_touched`: the roots whose inputs (at base or at head) include a changed file, and the roots that are
  roots at one ref only (a kustomization that started or stopped being consumed), each rendered at every ref where
  it is a root (`--staged`: the index). Their VMs and NADs join the touched objects. A root whose render fails at
  one ref makes what it defines there unknown (`Side.failed_roots`: never "added" or "removed") and is GN001 (at
  base: the base version's).
- `render_holding`: a touched VM seen at one ref only may be defined at the other by an untouched root (it moved
  there; a new overlay renders the same VM again): the untouched roots reading a file that names it are rendered,
  so it is not "added" or "removed" (and a second definition is GN113).
- `render_defining`: a NAD a change names (a swap's source or target, a hotplugged network) that neither the
  touched roots nor the plain files define may come from an untouched root: the roots reading a file that names
  the NAD kind are rendered.

Both look only at roots that can render into the namespace sought (a root's own `namespace:` sets it for all it
renders), so a NAD or VM of another team's namespace does not render every overlay of the repository.

Untouched roots are rendered once, at head, and given to both sides: none of their inputs changed, so their render
is the same at both refs.
- `render_naming`: the VMs of untouched roots that may still reference a NAD the change removes (GN109): the roots
  reading a file that names it, at head.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from gitnad.config import RepoConfig
from gitnad.models.changes import NEW_REFERENCE_KINDS, SWAP_KINDS
from gitnad.models.context import VMDelta
from gitnad.sources.gitrefs import GitRepo
from gitnad.sources.kustomize import input_reader
from gitnad.sources.overlays import Overlays, RenderedRoot, rendered_set
from gitnad.sources.scanner import ManifestSet

if TYPE_CHECKING:
    from gitnad.app.check_sides import Side


def overlays_at(repo: GitRepo, rev: str, config: RepoConfig) -> Overlays:
    """The overlays of a commit (or of the index), under the configuration the check applies."""
    return Overlays(
        input_reader(repo, rev),
        config.kustomize,
        exclude=config.exclude,
        default_namespace=config.default_namespace,
        max_file_bytes=config.max_file_bytes,
    )


def _take(side: Side, renders: Iterable[RenderedRoot], problems: bool = True) -> ManifestSet:
    """Give a side the renders it does not have yet; a failed root makes the manifests it reads unreadable there
    (an object they name is unknown on that side, as is every object of the root)."""
    fresh = [r for r in renders if r.root not in side.taken_roots]
    side.taken_roots.update(r.root for r in fresh)
    found = rendered_set(fresh)
    side.take(found if problems else dataclasses.replace(found, problems=(), unreadable=frozenset()))
    manifests = set(side.reader.paths()) if any(r.failed for r in fresh) else set()
    for r in fresh:
        if r.failed:
            side.failed_roots.add(r.root)
            side.unreadable.update(r.inputs & manifests)  # the manifests it reads (may_hold searches their text)
    return found


def _roots(overlays: Overlays | None) -> set[str]:
    return set(overlays.roots) if overlays else set()


def touched_roots(base: Overlays | None, head: Overlays | None, paths: Iterable[str]) -> set[str]:
    """Roots reading a changed path at either ref, and roots at one ref only."""
    changed = set(paths)
    out = _roots(base) ^ _roots(head)
    for overlays in (base, head):
        if overlays:
            out.update(overlays.roots_reading(changed))
    return out


def render_touched(base: Side, head: Side, paths: set[str]) -> list[ManifestSet]:
    """Render the touched roots at both refs into the sides; what each side found (for the touched objects)."""
    if not (base.overlays or head.overlays):
        return []
    roots = touched_roots(base.overlays, head.overlays, paths)
    sides = [(side, side.overlays) for side in (base, head) if side.overlays]
    renders: list[tuple[RenderedRoot, ...]] = [() for _ in sides]
    if roots:  # the two refs are independent trees: their kubectl runs overlap
        with ThreadPoolExecutor(max_workers=len(sides)) as pool:
            renders = list(pool.map(lambda pair: pair[1].render(roots), sides))
    out: list[ManifestSet] = []
    for (side, overlays), rendered in zip(sides, renders, strict=True):
        out.append(_take(side, rendered))
        side.take(rendered_set((), overlays.stray_problems(paths)))  # a changed kustomization no root reads
    if head.overlays:
        head.notes.extend(head.overlays.notes(reading=paths))
    return out


def _named_nads(deltas: Sequence[VMDelta]) -> tuple[set[str], set[str]]:
    """(NADs the changes reference at head, NADs the swaps leave at base)."""
    targets = {c.to for d in deltas for c in d.of_kind(*NEW_REFERENCE_KINDS) if c.to}
    sources = {c.from_ for d in deltas for c in d.of_kind(*SWAP_KINDS) if c.from_}
    return targets, sources


def render_defining(base: Side, head: Side, deltas: Sequence[VMDelta]) -> None:
    """Render the untouched roots that may define a NAD the changes name and no parsed file defines."""
    overlays = head.overlays
    if not overlays:
        return
    targets, sources = _named_nads(deltas)
    missing = (targets - head.nads.keys()) | (sources - base.nads.keys())
    if missing:
        _render_untouched(base, head, overlays.roots_defining_nads({k.split("/", 1)[0] for k in missing}))


def _untouched(base: Side, head: Side, roots: Iterable[str]) -> list[str]:
    """Of `roots`, those at both refs that neither side has rendered: the change touches none of their inputs,
    so their render is the same at both refs."""
    both = _roots(base.overlays) & _roots(head.overlays)
    return sorted({r for r in roots if r in both and r not in head.taken_roots and r not in base.taken_roots})


def _render_untouched(base: Side, head: Side, roots: Iterable[str]) -> None:
    overlays = head.overlays
    if not overlays:
        return
    renders = overlays.render(_untouched(base, head, roots))
    _take(head, renders)
    _take(base, renders, problems=False)  # the render at base is this one; its GN001 is head's


def render_holding(base: Side, head: Side, vm_keys: Iterable[str]) -> None:
    """A touched VM found at one ref only may be defined at the other by an untouched overlay (it moved there, or
    a new overlay renders it again): render the untouched roots reading a file that names it, so it is neither
    "added" nor "removed" (and a second definition is GN113)."""
    if not (base.overlays and head.overlays):
        return
    one_sided = [k.split("/", 1) for k in vm_keys if (base.vm(k) is None) != (head.vm(k) is None)]
    if one_sided:
        names = sorted({name for _, name in one_sided})
        namespaces = {ns for ns, _ in one_sided}
        roots = {*head.overlays.roots_holding(names, namespaces), *base.overlays.roots_holding(names, namespaces)}
        _render_untouched(base, head, roots)


def render_naming(head: Side, names: Sequence[str]) -> None:
    """Render the untouched roots reading a file that names any of `names` (removed NADs), at head."""
    overlays = head.overlays
    if not overlays or not names:
        return
    _take(head, overlays.render(r for r in overlays.roots_holding(names) if r not in head.taken_roots))
