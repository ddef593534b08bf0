"""The Kustomize overlays of one tree (a commit, the index or the working tree), as scan, check and drift use them.

Which roots are rendered: every kustomization root discovery finds (`sources.kustomize.discover`: a kustomization
no other kustomization consumes), narrowed by `.gitnad.yaml` (`kustomize.roots`, `kustomize.excludeRoots`, and
`exclude:` globs on the root's kustomization file). Every file some kustomization reads (its patches, components,
the base manifests it lists) is a kustomize input: never read as a standalone manifest, its VMs and NADs come from
the render; files listed as `resources` are still parsed for GN001 (a manifest is expected there).

A tree without any kustomization file costs one look at the listing the manifest reader takes anyway: no
discovery, no git call, no kubectl, and not even an import of the discovery and rendering code (the pre-commit
hook of a repository of plain manifests loads none of it: issue 12). Each root is rendered at most once per tree
(`render` remembers), in one kubectl run, and its objects become models through `sources.rendered`.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from gitnad.config import DEFAULT_NAMESPACE, KustomizeSettings
from gitnad.models.findings import Finding
from gitnad.sources.kustomize.tree import KUSTOMIZATION_FILES, InputReader, inside
from gitnad.sources.layout import Excluder, Note
from gitnad.sources.manifests import NAD_KIND
from gitnad.sources.parsecache import PayloadStore
from gitnad.sources.scanner import FileScan, ManifestSet, ScanSettings, scan
from gitnad.sources.trees import TreeReader

if TYPE_CHECKING:
    from gitnad.sources.kustomize.model import KustomizeGraph

MAX_NAMED_ROOTS = 10
"""Roots named in the note of the roots left out; the rest are counted."""


@dataclass(frozen=True)
class RenderedRoot:
    """One root's render at one tree, as models."""

    root: str
    scan: FileScan
    """Its VMs, pools and NADs, and GN001 for whatever stopped the render or broke an object."""
    inputs: frozenset[str]
    """Every repo path the render read."""

    @property
    def failed(self) -> bool:
        """Some of the root's objects are unknown or missing: the render failed, or an object is broken."""
        return bool(self.scan.problems)


def has_kustomization(paths: Iterable[str]) -> bool:
    return any(p.endswith(KUSTOMIZATION_FILES) and posixpath.basename(p) in KUSTOMIZATION_FILES for p in paths)


class Overlays:
    """The kustomizations of one tree, the roots gitnad renders, and their renders (each at most once)."""

    def __init__(
        self,
        reader: InputReader,
        settings: KustomizeSettings,
        *,
        exclude: Sequence[str] = (),
        default_namespace: str = DEFAULT_NAMESPACE,
        max_file_bytes: int,
        under: str = "",
    ) -> None:
        """`under`: render only the roots in or below this directory (a scan of a subdirectory)."""
        self._reader = reader
        self._settings = settings
        self._namespace = default_namespace
        self._max_file_bytes = max_file_bytes
        self.graph: KustomizeGraph | None = None
        """None: no kustomization file (or rendering disabled)."""
        if settings.enabled and has_kustomization(reader.paths()):
            from gitnad.sources.kustomize.graph import discover

            self.graph = discover(reader, allow_helm=settings.allow_helm, max_file_bytes=max_file_bytes)
        graph = self.graph
        inside_scan = [r for r in graph.roots if inside(r, under)] if graph is not None else []
        selected = [r for r in inside_scan if graph is not None and _selected(r, graph, settings, Excluder(exclude))]
        self.roots = tuple(selected)
        """The roots gitnad renders, sorted."""
        self.left_out = tuple(r for r in inside_scan if r not in self.roots)
        """Roots the configuration keeps from rendering."""
        self._done: dict[str, RenderedRoot] = {}
        self._inputs: frozenset[str] | None = None

    def __bool__(self) -> bool:
        """The tree holds kustomizations (and rendering is enabled)."""
        return self.graph is not None and bool(self.graph.kustomizations)

    @property
    def inputs(self) -> frozenset[str]:
        """Paths that are never standalone manifests: those some kustomization reads; below a kustomization that
        cannot be read, every file (what it names is unknown: its patches are not VMs of their own); and every
        file in a kustomization's own directory, listed or not — Argo CD and Flux apply a directory holding a
        kustomization as its render, so a file it does not list is applied by nothing (a NAD dropped from
        `resources:` is gone from the cluster, not a plain manifest in the default namespace)."""
        if self.graph is None:
            return frozenset()
        if self._inputs is None:
            kustomizations = self.graph.kustomizations.values()
            unread = [k.directory for k in kustomizations if not k.parsed]
            below = {p for p in self._reader.paths() if any(inside(p, d) for d in unread)} if unread else set()
            own = {k.directory for k in kustomizations}
            beside = {p for p in self._reader.paths() if posixpath.dirname(p) in own} if own else set()
            self._inputs = self.graph.named_files | below | beside
        return self._inputs

    @property
    def resources(self) -> frozenset[str]:
        """Files some kustomization lists as resources: GN001 when they cannot be read."""
        return frozenset() if self.graph is None else self.graph.manifest_files

    def roots_reading(self, paths: Iterable[str]) -> tuple[str, ...]:
        """The rendered roots whose render depends on any of `paths`."""
        if self.graph is None:
            return ()
        touched = set(paths)
        return tuple(r for r in self.roots if not touched.isdisjoint(self.graph.inputs[r]))

    def roots_holding(self, needles: Sequence[str], namespaces: Iterable[str] | None = None) -> tuple[str, ...]:
        """The rendered roots reading a file whose text holds any of `needles` (one `git grep`); with `namespaces`,
        only the roots that can render objects into one of them."""
        hits = self._reader.grep(needles) if needles else set()
        found = self.roots_reading(hits) if hits else ()
        return found if namespaces is None else tuple(r for r in found if self._may_render_into(r, set(namespaces)))

    def roots_defining_nads(self, namespaces: Iterable[str]) -> tuple[str, ...]:
        """The rendered roots reading a file that names the NetworkAttachmentDefinition kind and that can render
        objects into one of `namespaces`."""
        return self.roots_holding([NAD_KIND], namespaces)

    def _may_render_into(self, root: str, namespaces: set[str]) -> bool:
        """A root's own `namespace:` sets the namespace of everything it renders; without one, any namespace."""
        assert self.graph is not None  # `root` is one of its roots
        own = self.graph.kustomizations[root].namespace
        return own is None or own[0] in namespaces

    def render(self, roots: Iterable[str]) -> tuple[RenderedRoot, ...]:
        """The renders of `roots` (rendered roots only; others are ignored), in root order."""
        wanted = sorted(set(roots) & set(self.roots))
        todo = [r for r in wanted if r not in self._done]
        if todo and self.graph is not None:
            from gitnad.sources.kustomize.render import RenderOptions, render
            from gitnad.sources.rendered import rendered_models

            options = RenderOptions(
                kubectl=self._settings.kubectl, timeout=self._settings.timeout_s, max_file_bytes=self._max_file_bytes
            )
            for result in render(self._reader, self.graph, todo, options):
                models = rendered_models(result, self._namespace)
                self._done[result.root] = RenderedRoot(result.root, models, result.inputs)
        return tuple(self._done[r] for r in wanted)

    def render_all(self) -> tuple[RenderedRoot, ...]:
        return self.render(self.roots)

    def stray_problems(self, files: Iterable[str] | None = None) -> list[Finding]:
        """GN001 for problems in kustomizations no root reads (kustomizations consuming each other in a cycle),
        optionally only in `files`; problems a root reads come with its render, those of roots left out are not
        reported."""
        if self.graph is None:
            return []
        from gitnad.sources.rendered import problem_finding

        read = {f for r in self.graph.roots for f in self.graph.inputs.get(r, ())}
        only = None if files is None else set(files)
        return [
            problem_finding(p, None)
            for p in self.graph.problems
            if p.file not in read and (only is None or p.file in only)
        ]

    def notes(self, reading: Iterable[str] | None = None) -> list[Note]:
        """The roots the configuration keeps from rendering (their VMs are not checked), those reading any of
        `reading` only when given (a check names the roots its change touches): one note."""
        if self.graph is None:
            return []
        touched = None if reading is None else set(reading)
        left = [r for r in self.left_out if touched is None or not touched.isdisjoint(self.graph.inputs[r])]
        if not left:
            return []
        from gitnad.sources.rendered import root_label

        named = ", ".join(root_label(r) for r in left[:MAX_NAMED_ROOTS])
        more = f" and {len(left) - MAX_NAMED_ROOTS} more" if len(left) > MAX_NAMED_ROOTS else ""
        return [
            Note(
                None,
                f"Kustomize roots not rendered (kustomize.roots, kustomize.excludeRoots, exclude): {named}{more}; "
                "their VMs and NADs are not checked",
            )
        ]


def _selected(root: str, graph: KustomizeGraph, settings: KustomizeSettings, exclude: Excluder) -> bool:
    label = root or "."
    if settings.roots and not Excluder(settings.roots).excluded(label):
        return False
    if Excluder(settings.exclude_roots).excluded(label):
        return False
    return not exclude.excluded(graph.kustomizations[root].file)


def rendered_set(roots: Sequence[RenderedRoot], extra: Sequence[Finding] = ()) -> ManifestSet:
    """Renders as a scan result: their VMs and NADs, and GN001 for their problems (plus `extra`)."""
    problems = (*(p for r in roots for p in r.scan.problems), *extra)
    return ManifestSet(
        vms=tuple(vm for r in roots for vm in r.scan.vms),
        nads=tuple(nad for r in roots for nad in r.scan.nads),
        problems=problems,
        files=(),
        unreadable=frozenset(p.file for p in problems if p.file is not None),
    )


def scan_tree(
    reader: TreeReader, overlays: Overlays, settings: ScanSettings, cache: PayloadStore | None = None
) -> ManifestSet:
    """Every manifest of a tree (scan, drift): the plain files (through `cache` when given), then the render of
    every root."""
    plain = scan(reader, settings, expected=overlays.resources, inputs=overlays.inputs, cache=cache)
    if not overlays:
        return plain
    rendered = rendered_set(overlays.render_all(), overlays.stray_problems())
    return ManifestSet(
        vms=(*plain.vms, *rendered.vms),
        nads=(*plain.nads, *rendered.nads),
        problems=(*plain.problems, *rendered.problems),
        files=plain.files,
        unreadable=plain.unreadable | rendered.unreadable,
        notes=(*plain.notes, *overlays.notes()),
    )
