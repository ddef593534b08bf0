"""Both sides of a change, parsed as far as the change needs: touched files, then what `git grep` pulls in.

Work is proportional to the change, not to the repository: only touched files are parsed, plus the files
`git grep` finds for NAD resolution (NetworkAttachmentDefinitions, references to removed NADs, VMs that look
removed or added).

What could not be read counts on both sides alike. A file unreadable at head or at base is GN001 (the base's
message says it is the base version and names the commit), and an object seen on one side only is not
"added" or "removed" while an unreadable file on the other side may hold it: its other side is unknown.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from gitnad.app.judge import referencing, vm_deltas
from gitnad.changes import classify_nads
from gitnad.models.changes import Change, ChangeKind
from gitnad.models.context import VMDelta
from gitnad.models.findings import Finding
from gitnad.models.manifest import NAD, VM
from gitnad.sources.gitrefs import FileDelta
from gitnad.sources.scanner import ManifestSet, ScanSettings, scan
from gitnad.sources.trees import TreeReader, is_candidate

NAD_NEEDLE = "NetworkAttachmentDefinition"


@dataclass
class Side:
    """One ref of the check: its reader and everything parsed from it so far (parsed at most once)."""

    reader: TreeReader
    settings: ScanSettings
    vms: dict[str, VM] = field(default_factory=dict)
    nads: dict[str, NAD] = field(default_factory=dict)
    problems: list[Finding] = field(default_factory=list)
    unreadable: set[str] = field(default_factory=set)
    parsed: set[str] = field(default_factory=set)
    vms_by_file: dict[str, list[VM]] = field(default_factory=dict)
    _raw: dict[str, bytes | None] = field(default_factory=dict)

    def parse(self, paths: Iterable[str]) -> None:
        todo = sorted({p for p in paths if p not in self.parsed and is_candidate(p)})
        if not todo:
            return
        result: ManifestSet = scan(self.reader, self.settings, paths=todo)
        self.parsed.update(todo)
        for vm in result.vms:
            self.vms.setdefault(vm.key, vm)
            self.vms_by_file.setdefault(vm.file, []).append(vm)
        for nad in result.nads:
            self.nads.setdefault(nad.key, nad)
        self.problems.extend(result.problems)
        self.unreadable.update(result.unreadable)

    def vms_in(self, paths: Iterable[str]) -> dict[str, VM]:
        return {vm.key: vm for p in paths for vm in self.vms_by_file.get(p, ())}

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


def _pull(side: Side, other: Mapping[str, VM], found: dict[str, VM]) -> None:
    """VMs of `other` not among `found`: grep this side for their names, parse what it finds, add them."""
    missing = sorted(other.keys() - found.keys())
    if missing:
        side.parse(side.reader.grep([_name(k) for k in missing]))
        found.update({k: side.vms[k] for k in missing if k in side.vms})


def _unknown(objects: Mapping[str, VM | NAD], other: Side, counterpart: Mapping[str, str | None]) -> frozenset[str]:
    """Of objects missing from the `other` side, those whose other side is unknown: their own file is unreadable
    there, or another unreadable file there may define them."""
    if not other.unreadable:
        return frozenset()
    return frozenset(
        key
        for key, obj in objects.items()
        if counterpart.get(obj.file or "") in other.unreadable or other.may_hold(_name(key))
    )


def _nad_changes(base: Side, head: Side, counterpart: Mapping[str, str | None]) -> tuple[Change, ...]:
    """NAD added / removed / changed, except an addition or removal whose other side is unknown."""
    backwards = _reverse(counterpart)
    not_at_base = _unknown({k: head.nads[k] for k in head.nads.keys() - base.nads.keys()}, base, backwards)
    not_at_head = _unknown({k: base.nads[k] for k in base.nads.keys() - head.nads.keys()}, head, counterpart)
    return tuple(
        c
        for c in classify_nads(base.nads, head.nads)
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
    return referencing(side.vms.values(), nad_keys)


def parse_change(base: Side, head: Side, file_deltas: Sequence[FileDelta], base_label: str) -> ParsedChange:
    """Parse what the change needs at both refs: touched files, the VMs they lost or gained, every NAD."""
    base_paths, head_paths, counterpart = touched(file_deltas)
    base.parse(base_paths)
    head.parse(head_paths)
    base_vms, head_vms = base.vms_in(base_paths), head.vms_in(head_paths)
    _pull(head, base_vms, head_vms)  # a VM gone from the touched files may live on in an untouched file
    _pull(base, head_vms, base_vms)  # and a VM new in them may have been elsewhere before
    base.parse(base.reader.grep([NAD_NEEDLE]))  # every NAD of both refs (no full parse of the repo)
    head.parse(head.reader.grep([NAD_NEEDLE]))
    deltas = vm_deltas(
        base_vms,
        head_vms,
        unknown_at_head=_unknown({k: base_vms[k] for k in base_vms.keys() - head_vms.keys()}, head, counterpart),
        unknown_at_base=_unknown(
            {k: head_vms[k] for k in head_vms.keys() - base_vms.keys()}, base, _reverse(counterpart)
        ),
    )
    nad_changes = _nad_changes(base, head, counterpart)
    removed = {c.nad for c in nad_changes if c.kind is ChangeKind.NAD_REMOVED and c.nad}
    references = _referencing(head, removed)  # parses more of head: problems are collected after it
    return ParsedChange(
        deltas=deltas,
        nad_changes=nad_changes,
        base_nads=dict(base.nads),
        head_nads=dict(head.nads),
        head_references=references,
        problems=(*head.problems, *_base_problems(base, head, counterpart, base_label)),
    )
