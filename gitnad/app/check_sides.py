"""Both sides of a change, parsed as far as the change needs: touched files, then what `git grep` pulls in.

Work is proportional to the change, not to the repository. Parsed are the touched files, plus, found by
name: every other definition of a touched VM (a VM that moved to an untouched file, a stray copy), every
definition of the NADs the change names (defined in a touched file, or on a network of a touched VM), and the
VMs that still reference a removed NAD. One `git grep` per ref finds the files naming a touched VM or the NAD
kind; the NAD-bearing files are then read (not parsed) and searched for the NAD names in memory, so a repo with
thousands of NADs costs one read of their bytes, and only the files naming a wanted NAD are parsed. The rest of
a ref's NADs is parsed only when a rule asks for all of them (`NadIndex`: GN106 counting them, when a swap target
is missing). An object defined more than once is read as its first definition in path order (GN113 names the
others), so the verdict is the same whatever order git lists files in.

Kustomize overlays (`check_kustomize`): the roots whose inputs the change touches are rendered at both refs, and
their VMs and NADs join the touched objects; inputs are never parsed as plain files.

What could not be read counts on both sides alike. A file unreadable at head or at base is GN001 (the base's
message says it is the base version and names the commit), and an object seen on one side only is not
"added" or "removed" while an unreadable file on the other side may hold it: its other side is unknown.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
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
from gitnad.sources.parsecache import PayloadStore
from gitnad.sources.scanner import ManifestSet, ScanSettings, scan
from gitnad.sources.trees import FileProblem, GitTreeReader, Note, TreeEntry, TreeReader

NAD_NEEDLE = "NetworkAttachmentDefinition"
"""Every file that can define a NAD names its kind (a manifest, a List of them)."""


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
    cache: PayloadStore | None = None
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
    """Text of files read but not necessarily parsed (None: it could not be read as text)."""
    _nad_files: list[str] | None = None
    """Files whose text names the NAD kind (or could not be read), once `find` or `nad_files` listed them."""
    _nad_names: set[str] = field(default_factory=set)
    """NAD names whose every definition on this side is parsed."""
    _blob_ids: dict[str, str] = field(default_factory=dict)
    """Blob id of each file in `_raw` read from git."""
    searched: dict[tuple[str, str, tuple[str, ...]], bool] = field(default_factory=dict)
    """Whether a blob holds any of some needles, by (test: `_holds` or `may_define`, blob id, needles): both sides of a
    check share this dict, so a file the change did not touch is searched once, not once per ref."""

    def parse(self, paths: Iterable[str]) -> ManifestSet | None:
        """Parse the paths not parsed yet; the objects found in files new to this side (None: nothing to do)."""
        todo = sorted(set(paths) - self.parsed)
        if not todo:
            return None
        kustomize = self.overlays
        inputs, expected = (kustomize.inputs, kustomize.resources) if kustomize else ((), ())
        result: ManifestSet = scan(
            self.reader, self.settings, paths=todo, expected=expected, inputs=inputs, cache=self.cache
        )
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

    def find(self, vm_names: Iterable[str], nad_names: Iterable[str]) -> None:
        """Parse every file that may define a VM called one of `vm_names` or a NAD called one of `nad_names`.

        One `git grep` for the VM names and the NAD kind; the hits are read and searched for the names in
        memory, and only the files holding one are parsed. A file whose text could not be read is parsed
        whatever it holds: its GN001 says it may define any of them.
        """
        vm_needles = sorted(set(vm_names))
        todo = sorted(set(nad_names) - self._nad_names)
        if self._nad_files is None:
            hits = self._texts(self.reader.grep([*vm_needles, NAD_NEEDLE]))
            self._nad_files = [p for p in hits if self._search(_holds, p, [NAD_NEEDLE])]
            self.parse(p for p in hits if self._search(_holds, p, vm_needles))
        elif vm_needles:
            self.parse(self.reader.grep(vm_needles))
        if todo:
            self._nad_names.update(todo)
            self.parse(p for p in self._nad_files if self._search(may_define, p, todo))

    def every_nad(self) -> dict[str, list[NAD]]:
        """Every NAD definition of this side: parses every file that names the kind."""
        self.find((), ())
        assert self._nad_files is not None
        self.parse(self._nad_files)
        return self.nads

    def vm(self, key: str) -> VM | None:
        defs = self.vms.get(key)
        return min(defs, key=path_order) if defs else None

    def nad(self, key: str) -> NAD | None:
        """The NAD as this side reads it (its first definition in path order); finds its definitions first."""
        self.find((), [_name(key)])
        defs = self.nads.get(key)
        return min(defs, key=path_order) if defs else None

    def vm_map(self, keys: Iterable[str]) -> dict[str, VM]:
        return {k: vm for k in sorted(keys) if (vm := self.vm(k)) is not None}

    def nad_map(self, keys: Iterable[str]) -> dict[str, NAD]:
        return {k: nad for k in sorted(keys) if (nad := self.nad(k)) is not None}

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
            self._texts([path])
        return self._raw.get(path)

    def _texts(self, paths: Collection[str]) -> list[str]:
        """Read the files not read yet in one go; the paths they are reported at, sorted."""
        todo = sorted(set(paths) - self._raw.keys())
        if not todo:
            found: Mapping[str, bytes | FileProblem] = {}
        elif isinstance(self.reader, GitTreeReader):
            located = self.reader.locate(todo)
            self._blob_ids.update((p, e.oid) for p, e in located.items() if isinstance(e, TreeEntry))
            found = self.reader.fetch(located, self.settings.max_file_bytes)
        else:
            found = self.reader.read(todo, self.settings.max_file_bytes)
        for path, data in found.items():
            self._raw[path] = data if isinstance(data, bytes) else None
        return sorted(p for p in {*paths, *found} if p in self._raw)

    def _search(self, test: Callable[[bytes | None, Sequence[str]], bool], path: str, needles: Sequence[str]) -> bool:
        """`test` (`_holds`, `may_define`) on a file read by `_texts`, answered once per blob and needles."""
        blob = self._blob_ids.get(path)
        if blob is None or self._raw.get(path) is None:
            return test(self._raw.get(path), needles)
        key = (test.__name__, blob, tuple(needles))
        if key not in self.searched:
            self.searched[key] = test(self._raw[path], needles)
        return self.searched[key]


def _holds(text: bytes | None, needles: Sequence[str]) -> bool:
    """The text holds one of the needles, or it could not be read (then it may hold anything)."""
    return text is None or any(n.encode("utf-8", "surrogateescape") in text for n in needles)


REFERENCE = re.compile(rb'[ \t]*(?:-[ \t]+)?"?networkName"?[ \t]*:[ \t]*["\']?(?:[a-z0-9.-]+/)?')
"""What stands before a NAD's name on a line that only references it: `networkName: [namespace/]name`, in a
block mapping or a JSON object split over lines."""


def may_define(text: bytes | None, names: Sequence[str]) -> bool:
    """The text may define a NAD called one of `names`: it holds a name anywhere but on a line that only
    references it (`REFERENCE`), or it could not be read. A VM file that carries a NAD of its own and references
    the wanted NAD is then not parsed; anything else holding the name (a flow mapping, JSON on one line, an
    anchor, a name on its own line) is, so no definition is ever missed."""
    if text is None:
        return True
    for name in names:
        needle = name.encode("utf-8", "surrogateescape")
        at = text.find(needle)
        while at >= 0:
            if not REFERENCE.fullmatch(text, text.rfind(b"\n", 0, at) + 1, at):
                return True
            at = text.find(needle, at + 1)
    return False


class NadIndex(Mapping[str, NAD]):
    """The NADs of one side by key, each found by its name when asked (`Side.nad`); counting or iterating
    parses every file of the side that names the NAD kind, which only a rule that needs them all does."""

    def __init__(self, side: Side) -> None:
        self._side = side

    def __getitem__(self, key: str) -> NAD:
        nad = self._side.nad(key)
        if nad is None:
            raise KeyError(key)
        return nad

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._side.every_nad()))

    def __len__(self) -> int:
        return len(self._side.every_nad())


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


def _nads_of(*vm_maps: Mapping[str, VM]) -> set[str]:
    """Keys of the NADs the multus networks of these VMs name."""
    return {n.nad for vms in vm_maps for vm in vms.values() for n in vm.networks if n.nad is not None}


def _found(*results: ManifestSet | None) -> tuple[set[str], set[str]]:
    """Keys of the VMs and NADs defined in the parsed files: what the change touches."""
    done = [r for r in results if r is not None]
    return {vm.key for r in done for vm in r.vms}, {nad.key for r in done for nad in r.nads}


def _note_order(note: Note) -> tuple[str, int, str]:
    return (note.file or "", note.line or 0, note.message)


def parse_change(base: Side, head: Side, file_deltas: Sequence[FileDelta], base_label: str) -> ParsedChange:
    """Parse what the change needs at both refs: touched files, every other definition of their VMs, every
    definition of the NADs they name (see the module docstring)."""
    base_paths, head_paths, counterpart = touched(file_deltas)
    rendered = check_kustomize.render_touched(base, head, base_paths | head_paths)  # Kustomize roots the change touches
    vm_keys, nad_keys = _found(base.parse(base_paths), head.parse(head_paths), *rendered)
    # Every other definition of a touched VM (by name): the stray copy of a VM (GN113), a VM that moved to an
    # untouched file, or whose file looks removed; then every definition of the NADs the change names.
    vm_names = sorted({_name(k) for k in vm_keys})
    for side in (base, head):
        side.find(vm_names, ())
    check_kustomize.render_holding(base, head, vm_keys)  # untouched overlays naming a VM seen at one ref only
    base_vms, head_vms = base.vm_map(vm_keys), head.vm_map(vm_keys)
    named = sorted({_name(k) for k in nad_keys | _nads_of(base_vms, head_vms)})
    for side in (base, head):
        side.find((), named)
    deltas = vm_deltas(
        base_vms,
        head_vms,
        unknown_at_head=_unknown({k: base_vms[k] for k in base_vms.keys() - head_vms.keys()}, head, counterpart),
        unknown_at_base=_unknown(
            {k: head_vms[k] for k in head_vms.keys() - base_vms.keys()}, base, _reverse(counterpart)
        ),
    )
    check_kustomize.render_defining(base, head, deltas)  # NADs the changes name that the touched roots do not define
    # Only a NAD defined in a touched file or a touched root can change: any other is defined by the same untouched
    # files (or the same untouched render) on both sides. Its definitions elsewhere were found by name above, so
    # each side reads it as a full scan would.
    nad_changes = _nad_changes(base, head, base.nad_map(nad_keys), head.nad_map(nad_keys), counterpart)
    nad_keys.update(c.nad for c in nad_changes if c.nad)
    removed = {c.nad for c in nad_changes if c.kind is ChangeKind.NAD_REMOVED and c.nad}
    check_kustomize.render_naming(head, sorted({_name(k) for k in removed}))  # overlay VMs still referencing them
    references = _referencing(head, removed)  # parses more of head: problems are collected after it
    return ParsedChange(
        deltas=deltas,
        nad_changes=nad_changes,
        base_nads=NadIndex(base),
        head_nads=NadIndex(head),
        head_references=references,
        problems=(*head.problems, *_base_problems(base, head, counterpart, base_label)),
        duplicates=tuple(gn113.groups(head.definitions(sorted(vm_keys), sorted(nad_keys)))),
        notes=tuple(dict.fromkeys(n.text for n in sorted(head.notes, key=_note_order))),
    )
