"""Both sides of a change, parsed as far as the change needs: touched files, then what `git grep` pulls in.

Work is proportional to the change, not to the repository: only touched files are parsed, plus the files
`git grep` finds for NAD resolution (NetworkAttachmentDefinitions, references to removed NADs) and for every
other definition of a touched VM (by its name: a VM that moved to an untouched file, a stray copy). An object
defined more than once is read as its first definition in path order (GN113 names the others), so the verdict
is the same whatever order git lists files in.

Kustomize overlays (`check_kustomize`): the roots whose inputs the change touches are rendered at both refs, and
their VMs and NADs join the touched objects; inputs are never parsed as plain files.

What could not be read counts on both sides alike. A file unreadable at head or at base is GN001 (the base's
message says it is the base version and names the commit), and an object seen on one side only is not
"added" or "removed" while an unreadable file on the other side may hold it: its other side is unknown.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from gitnad.app import check_kustomize
from gitnad.app.judge import referencing, vm_deltas
from gitnad.changes import classify_nads
from gitnad.models.changes import Change, ChangeKind
from gitnad.models.context import VMDelta
from gitnad.models.findings import Finding
from gitnad.models.manifest import NAD, VM, Definition, path_order
from gitnad.rules import gn113_duplicate_object as gn113
from gitnad.sources.gitrefs import FileDelta
from gitnad.sources.overlays import Overlays
from gitnad.sources.scanner import ManifestSet, ScanSettings, scan
from gitnad.sources.trees import Note, TreeReader

NAD_NEEDLE = "NetworkAttachmentDefinition"


@dataclass
class Side:
    """One ref of the check: its reader and every definition parsed from it so far (each file parsed once).

    An object defined more than once (GN113) is read as its first definition in path order, whatever order the
    files were parsed in.
    """

    reader: TreeReader
    settings: ScanSettings
    overlays: Overlays | None = None
    """The Kustomize overlays of this ref (`check_kustomize`); their inputs are never parsed as plain files."""
    vms: dict[str, list[VM]] = field(default_factory=dict)
    nads: dict[str, list[NAD]] = field(default_factory=dict)
    problems: list[Finding] = field(default_factory=list)
    unreadable: set[str] = field(default_factory=set)
    parsed: set[str] = field(default_factory=set)
    notes: list[Note] = field(default_factory=list)
    failed_roots: set[str] = field(default_factory=set)
    """Overlay roots whose render failed here: what they define on this side is unknown."""
    taken_roots: set[str] = field(default_factory=set)
    """Overlay roots whose render is in `vms`/`nads` (each once)."""
    _raw: dict[str, bytes | None] = field(default_factory=dict)

    def parse(self, paths: Iterable[str]) -> ManifestSet | None:
        """Parse the paths not parsed yet; the objects found in files new to this side (None: nothing to do)."""
        todo = sorted(set(paths) - self.parsed)
        if not todo:
            return None
        kustomize = self.overlays
        inputs, expected = (kustomize.inputs, kustomize.resources) if kustomize else ((), ())
        result: ManifestSet = scan(self.reader, self.settings, paths=todo, expected=expected, inputs=inputs)
        fresh = set(result.files) - self.parsed  # a symlink read as its target: that file once
        self.parsed.update(todo, result.files)
        for vm in result.vms:
            if vm.file in fresh:
                self.vms.setdefault(vm.key, []).append(vm)
        for nad in result.nads:
            if nad.file in fresh:
                self.nads.setdefault(nad.key, []).append(nad)
        self.problems.extend(p for p in result.problems if p.file in fresh)
        self.unreadable.update(result.unreadable & fresh)
        self.notes.extend(result.notes)
        return result

    def take(self, result: ManifestSet) -> None:
        """Add objects read elsewhere (an overlay's render) and their problems."""
        for vm in result.vms:
            self.vms.setdefault(vm.key, []).append(vm)
        for nad in result.nads:
            self.nads.setdefault(nad.key, []).append(nad)
        self.problems.extend(result.problems)
        self.unreadable.update(result.unreadable)

    def vm(self, key: str) -> VM | None:
        defs = self.vms.get(key)
        return min(defs, key=path_order) if defs else None

    def vm_map(self, keys: Iterable[str]) -> dict[str, VM]:
        return {k: vm for k in sorted(keys) if (vm := self.vm(k)) is not None}

    def nad_map(self) -> dict[str, NAD]:
        return {k: min(defs, key=path_order) for k, defs in sorted(self.nads.items())}

    def definitions(self, vm_keys: Iterable[str], nad_keys: Iterable[str]) -> list[Definition]:
        return [
            *(d for k in vm_keys for d in self.vms.get(k, ())),
            *(d for k in nad_keys for d in self.nads.get(k, ())),
        ]

    def may_hold(self, name: str) -> bool:
        """An unreadable file of this side may define an object called `name` (its text names it, or its text
        could not be had at all): what that object is on this side is unknown."""
        needle = name.encode("utf-8", "surrogateescape")
        for path in sorted(self.unreadable):
            text = self._text(path)
            if text is None or needle in text:
                return True
        return False

    def _text(self, path: str) -> bytes | None:
        if path not in self._raw:
            data = self.reader.read([path], self.settings.max_file_bytes).get(path)
            self._raw[path] = data if isinstance(data, bytes) else None
        return self._raw[path]


@dataclass(frozen=True)
class ParsedChange:
    """What the rules need from the two refs."""

    deltas: tuple[VMDelta, ...]
    nad_changes: tuple[Change, ...]
    base_nads: Mapping[str, NAD]
    head_nads: Mapping[str, NAD]
    head_references: Mapping[str, tuple[VM, ...]]
    problems: tuple[Finding, ...]
    duplicates: tuple[tuple[Definition, ...], ...]
    """Touched VMs and NADs defined more than once at head (GN113): every definition, in path order."""
    notes: tuple[str, ...]
    """What reading left out without an error (Helm charts, submodules, files that are not ours)."""


def touched(deltas: Sequence[FileDelta]) -> tuple[set[str], set[str], dict[str, str | None]]:
    """(paths read at base, paths read at head, each base path's head counterpart: None when deleted)."""
    base_paths: set[str] = set()
    head_paths: set[str] = set()
    counterpart: dict[str, str | None] = {}
    for d in deltas:
        if d.status in ("M", "D", "R"):
            base_paths.add(d.old_path or d.path)
            counterpart[d.old_path or d.path] = None if d.status == "D" else d.path
        if d.status in ("A", "M", "R"):
            head_paths.add(d.path)
    return base_paths, head_paths, counterpart


def _name(key: str) -> str:
    return key.split("/", 1)[1]


def _unknown(objects: Mapping[str, VM | NAD], other: Side, counterpart: Mapping[str, str | None]) -> frozenset[str]:
    """Of objects missing from the `other` side, those whose other side is unknown: their own file is unreadable
    there, or another unreadable file there may define them."""
    if not other.unreadable:
        return frozenset()
    return frozenset(
        key
        for key, obj in objects.items()
        if obj.source_root in other.failed_roots
        or counterpart.get(obj.file or "") in other.unreadable
        or other.may_hold(_name(key))
    )


def _nad_changes(
    base: Side,
    head: Side,
    base_nads: Mapping[str, NAD],
    head_nads: Mapping[str, NAD],
    counterpart: Mapping[str, str | None],
) -> tuple[Change, ...]:
    """NAD added / removed / changed, except an addition or removal whose other side is unknown."""
    backwards = _reverse(counterpart)
    not_at_base = _unknown({k: head_nads[k] for k in head_nads.keys() - base_nads.keys()}, base, backwards)
    not_at_head = _unknown({k: base_nads[k] for k in base_nads.keys() - head_nads.keys()}, head, counterpart)
    return tuple(
        c
        for c in classify_nads(base_nads, head_nads)
        if not (c.kind is ChangeKind.NAD_ADDED and c.nad in not_at_base)
        and not (c.kind is ChangeKind.NAD_REMOVED and c.nad in not_at_head)
    )


def _reverse(counterpart: Mapping[str, str | None]) -> dict[str, str | None]:
    """Head path -> base path of the files the change modified or renamed."""
    return {head: base for base, head in counterpart.items() if head is not None}


def _base_problems(base: Side, head: Side, counterpart: Mapping[str, str | None], base_sha: str) -> list[Finding]:
    """GN001 for base files, unless their version at head is unreadable too (then head's GN001 says it)."""
    out = []
    for f in base.problems:
        at_head = counterpart.get(f.file, f.file) if f.file is not None else None
        if at_head is not None and at_head in head.unreadable:
            continue
        message = (
            f"{f.message}; this is the base version ({base_sha}): what the file held before the change is unknown, "
            "so its VMs and NADs are not compared"
        )
        out.append(f.model_copy(update={"message": message}))
    return out


def _referencing(side: Side, nad_keys: set[str]) -> dict[str, tuple[VM, ...]]:
    if not nad_keys:
        return {}
    side.parse(side.reader.grep(sorted({_name(k) for k in nad_keys})))
    return referencing(side.vm_map(side.vms).values(), nad_keys)


def _found(*results: ManifestSet | None) -> tuple[set[str], set[str]]:
    """Keys of the VMs and NADs defined in the parsed files: what the change touches."""
    done = [r for r in results if r is not None]
    return {vm.key for r in done for vm in r.vms}, {nad.key for r in done for nad in r.nads}


def _note_order(note: Note) -> tuple[str, int, str]:
    return (note.file or "", note.line or 0, note.message)


def parse_change(base: Side, head: Side, file_deltas: Sequence[FileDelta], base_label: str) -> ParsedChange:
    """Parse what the change needs at both refs: touched files, every other definition of their VMs, every NAD."""
    base_paths, head_paths, counterpart = touched(file_deltas)
    rendered = check_kustomize.render_touched(base, head, base_paths | head_paths)  # Kustomize roots the change touches
    vm_keys, nad_keys = _found(base.parse(base_paths), head.parse(head_paths), *rendered)
    # One git grep per ref, no full parse of the repo: every NAD, and every other definition of a touched VM (by
    # name): the stray copy of a VM (GN113), a VM that moved to an untouched file, or whose file looks removed.
    needles = [*sorted({_name(k) for k in vm_keys}), NAD_NEEDLE]
    base.parse(base.reader.grep(needles))
    head.parse(head.reader.grep(needles))
    check_kustomize.render_holding(base, head, vm_keys)  # untouched overlays naming a VM seen at one ref only
    base_vms, head_vms = base.vm_map(vm_keys), head.vm_map(vm_keys)
    deltas = vm_deltas(
        base_vms,
        head_vms,
        unknown_at_head=_unknown({k: base_vms[k] for k in base_vms.keys() - head_vms.keys()}, head, counterpart),
        unknown_at_base=_unknown(
            {k: head_vms[k] for k in head_vms.keys() - base_vms.keys()}, base, _reverse(counterpart)
        ),
    )
    check_kustomize.render_defining(base, head, deltas)  # NADs the changes name that the touched roots do not define
    base_nads, head_nads = base.nad_map(), head.nad_map()
    nad_changes = _nad_changes(base, head, base_nads, head_nads, counterpart)
    nad_keys.update(c.nad for c in nad_changes if c.nad)
    removed = {c.nad for c in nad_changes if c.kind is ChangeKind.NAD_REMOVED and c.nad}
    check_kustomize.render_naming(head, sorted({_name(k) for k in removed}))  # overlay VMs still referencing them
    references = _referencing(head, removed)  # parses more of head: problems are collected after it
    return ParsedChange(
        deltas=deltas,
        nad_changes=nad_changes,
        base_nads=base_nads,
        head_nads=head_nads,
        head_references=references,
        problems=(*head.problems, *_base_problems(base, head, counterpart, base_label)),
        duplicates=tuple(gn113.groups(head.definitions(sorted(vm_keys), sorted(nad_keys)))),
        notes=tuple(dict.fromkeys(n.text for n in sorted(head.notes, key=_note_order))),
    )
