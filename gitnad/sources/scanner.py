"""The manifest scanner: files of a `TreeReader` -> VMs, VirtualMachinePools and NADs, GN001 problems and notes.

What is ours (SPEC §3): objects of kind `kubevirt.io` VirtualMachine, `pool.kubevirt.io` VirtualMachinePool and
`k8s.cni.cncf.io` NetworkAttachmentDefinition. Everything else is ignored silently: other kinds, documents that
are a list or a scalar, mappings without `apiVersion`/`kind` (playbooks, CI files, Helm values, mkdocs).

GN001 is for what could be ours:
- an object of our kinds that is broken: a field gitnad reads has the wrong type after YAML resolution
  (`shapes`), it has no name, or its `kind` is ours but `apiVersion` is not a string;
- a file that cannot be read or parsed (syntax, duplicate keys, not UTF-8, binary, over the size limit, alias
  bomb, too deep, an unknown tag) when its text names one of our kinds (`ours.names_our_kind`; an over-size
  file is searched as a stream, never parsed) or it is `expected` to be a manifest (a kustomization's
  resources); otherwise the file is someone else's and the scan only notes it (`notes`);
- a Git LFS pointer (the content, maybe a manifest, is not in the repository), and a path that cannot be
  followed (a symlink that leaves the repository, loops or dangles).
Kustomize inputs (`inputs`: what a kustomization reads) are not standalone manifests: their objects come rendered
through the overlays (`sources.overlays`); those listed as resources are still read for their GN001.
Bad input never stops a scan: documents parsed before a YAML error are kept and every other file is scanned.
Output is deterministic: files sorted by path, objects in document order, whatever the worker count.

With a cache (`parsecache.PayloadStore`: on disk, or this run's memory in front of it), each file's result is
stored under `cache_key` (its git blob id, the path it is reported at, `PARSER_VERSION`, the YAML library, gitnad's
version and the settings) and read back instead of parsing: a git tree's blobs are looked up by the ids its
listing gives (a hit reads no blob), a working tree's files by the blob id of their bytes. What the cache gives
back is decoded into the same models or ignored (the file is parsed).
"""

from __future__ import annotations

import dataclasses
import gc
import hashlib
import json
import os
import threading
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

from pydantic import TypeAdapter, ValidationError

from gitnad import __version__
from gitnad.config import DEFAULT_MAX_FILE_BYTES, DEFAULT_NAMESPACE
from gitnad.models.findings import Finding, Severity
from gitnad.models.manifest import NAD, VM
from gitnad.models.names import printable
from gitnad.sources import shapes
from gitnad.sources.gcwindow import quiet_gc
from gitnad.sources.layout import Note
from gitnad.sources.manifests import ManifestError, identity, is_nad, item_line, to_nad, to_vm, vm_kind
from gitnad.sources.ours import KIND_LIST, OUR_KINDS, is_lfs_pointer, names_our_kind
from gitnad.sources.parsecache import PayloadStore
from gitnad.sources.trees import FileProblem, GitTreeReader, TreeEntry, TreeReader
from gitnad.sources.yamlio import PARSER_ID, Document, YamlLimits, load_documents

GN001_CODE = "GN001"
GN001_NAME = "manifest-unreadable"
PARALLEL_MIN_BYTES = 512 * 1024
"""Below this much YAML (~250 VM files) a worker pool costs about what it saves (bench/README.md)."""
MAX_WORKERS = 8
LFS_MESSAGE = "a Git LFS pointer, not the file's content (it may be a manifest): run git lfs pull or exclude it"
PARSER_VERSION = 2
"""Bump whenever `scan_file` reads the same bytes differently (a new check, a changed message): results cached by
an older parser are then never read back."""


@dataclass(frozen=True)
class ScanSettings:
    default_namespace: str = DEFAULT_NAMESPACE
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    limits: YamlLimits = field(default_factory=YamlLimits)
    workers: int | None = None
    """Parsing processes: None = one per available CPU (capped at 8) for large inputs; 1 = always serial."""


@dataclass(frozen=True)
class ManifestSet:
    """What a scan found. `problems` are GN001 findings; `unreadable` files may be missing VMs."""

    vms: tuple[VM, ...]
    nads: tuple[NAD, ...]
    problems: tuple[Finding, ...]
    files: tuple[str, ...]
    """Files read (including those with a problem), at the paths they are reported at."""
    unreadable: frozenset[str]
    """Files with a GN001 finding."""
    notes: tuple[Note, ...] = ()
    """What was left out without being an error: Helm charts, submodules, unparsable files that are not ours."""


@dataclass(frozen=True)
class FileScan:
    """One file's objects, problems and notes."""

    vms: tuple[VM, ...] = ()
    nads: tuple[NAD, ...] = ()
    problems: tuple[Finding, ...] = ()
    notes: tuple[Note, ...] = ()


def gn001(file: str, reason: str, line: int | None) -> Finding:
    """A GN001 finding whose message names the file (and line) and the reason."""
    where = f"{printable(file)}:{line}" if line is not None else printable(file)
    return Finding(
        code=GN001_CODE,
        rule=GN001_NAME,
        severity=Severity.ERROR,
        message=f"{where}: {reason}",
        file=file,
        line=line,
    )


def _not_ours(file: str, reason: str, line: int | None) -> Note:
    return Note(file, f"skipped, {reason}; it names no {KIND_LIST}, so it is not read as a manifest", line)


@dataclass(frozen=True)
class _Found:
    """One candidate object: a document, or an item of a `List` kind."""

    obj: Any
    line: int
    list_kind: str | None = None
    index: int = 0

    @property
    def in_our_list(self) -> bool:
        """An item of a `VirtualMachineList` (or pool, NAD list): it must be one of our objects."""
        return self.list_kind is not None and self.list_kind.removesuffix("List") in OUR_KINDS


def _objects(data: Any, line: int, list_kind: str | None = None, index: int = 0) -> Iterator[_Found]:
    """The object itself, or the items of a `List` kind (`*List` with `items`), each with its line."""
    kind = data.get("kind") if isinstance(data, Mapping) else None
    items = data.get("items") if isinstance(data, Mapping) else None
    if isinstance(kind, str) and kind.endswith("List") and isinstance(items, list):
        for i, item in enumerate(items):
            yield from _objects(item, item_line(items, i, line), kind, i)
        return
    yield _Found(data, line, list_kind, index)


Scanned = VM | NAD | Finding


def _scan_object(found: _Found, file: str, doc_index: int, namespace: str) -> list[Scanned]:
    obj, line = found.obj, found.line
    if not isinstance(obj, Mapping):
        if found.in_our_list:
            what = f"item {found.index + 1} of the {found.list_kind}"
            return [gn001(file, f"{what} is not a mapping (found {shapes.describe(obj)})", line)]
        return []  # a list or a scalar: not a Kubernetes object
    kind = obj.get("kind")
    if kind in OUR_KINDS and not isinstance(obj.get("apiVersion"), str):
        return [gn001(file, f"{kind} without an apiVersion string", line)]
    ident = identity(obj)
    if ident is None:
        return []
    vkind = vm_kind(ident)
    if vkind is None and not is_nad(ident):
        return []
    wrong = shapes.problems(obj, shapes.shape_of(vkind))
    if wrong:
        subject = f"{ident.kind} {printable(ident.name)}" if ident.name else ident.kind
        return [gn001(file, f"{subject}: {p.message}", p.line or line) for p in wrong]
    ns = ident.namespace or namespace
    try:
        if vkind is not None:
            return [to_vm(obj, ident, vkind, ns, file, doc_index)]
        return [to_nad(obj, ident, ns, file)]
    except ManifestError as e:
        return [gn001(file, str(e), e.line or line)]
    except ValueError as e:  # a model refusing a value: still a problem of this file, never a crash
        return [gn001(file, f"cannot read {ident.kind} {ident.name!r}: {_first_line(e)}", ident.name_line or line)]


def _first_line(e: Exception) -> str:
    return str(e).splitlines()[0] if str(e) else type(e).__name__


def scan_documents(file: str, documents: Iterable[Document], settings: ScanSettings) -> FileScan:
    """Already-parsed documents of one file (from `load_documents`, or rendered objects) -> models and GN001s."""
    vms: list[VM] = []
    nads: list[NAD] = []
    problems: list[Finding] = []
    for doc in documents:
        if doc.data is None:
            continue
        for candidate in _objects(doc.data, doc.line):
            for found in _scan_object(candidate, file, doc.index, settings.default_namespace):
                if isinstance(found, VM):
                    vms.append(found)
                elif isinstance(found, NAD):
                    nads.append(found)
                else:
                    problems.append(found)
    return FileScan(tuple(vms), tuple(nads), tuple(problems))


def scan_file(file: str, data: bytes | FileProblem, settings: ScanSettings, expected: bool = False) -> FileScan:
    """Parse one file's documents into models; problems become GN001 findings, or notes when not ours.

    `expected`: the file must be a manifest (a kustomization's resource), so a failure to read it is GN001 even
    when its text names none of our kinds.
    """
    if isinstance(data, FileProblem):
        if data.ours or expected:
            return FileScan(problems=(gn001(file, data.message, data.line),))
        return FileScan(notes=(_not_ours(file, data.message, data.line),))
    if is_lfs_pointer(data):
        return FileScan(problems=(gn001(file, LFS_MESSAGE, 1),))
    loaded = load_documents(data, settings.limits)
    found = scan_documents(file, loaded.documents, settings)
    if loaded.problem is None:
        return found
    problem = loaded.problem
    if expected or names_our_kind(data):
        return FileScan(found.vms, found.nads, (*found.problems, gn001(file, problem.message, problem.line)))
    return FileScan(found.vms, found.nads, found.problems, (_not_ours(file, problem.message, problem.line),))


Item = tuple[str, bytes | FileProblem, bool]
"""(path, content or problem, expected to be a manifest)."""


def _scan_chunk(chunk: list[Item], settings: ScanSettings) -> list[FileScan]:
    return [scan_file(path, data, settings, expected) for path, data, expected in chunk]


def _workers(settings: ScanSettings, contents: Sequence[bytes | FileProblem]) -> int:
    """How many processes to parse with: a pool only where it measurably wins, and only where fork is safe.

    `fork` (Linux) starts workers in milliseconds and re-imports nothing; it is only safe while this process
    runs a single thread. Elsewhere the scan stays serial. `multiprocessing` is imported only for a pool: the
    pre-commit hook parses a few files and never pays for it.
    """
    if settings.workers == 1 or threading.active_count() > 1:
        return 1
    if sum(len(d) for d in contents if isinstance(d, bytes)) < PARALLEL_MIN_BYTES:
        return 1
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(settings.workers or MAX_WORKERS, cpus, len(contents)))


def _scan_all(
    blobs: dict[str, bytes | FileProblem], settings: ScanSettings, expected: Collection[str]
) -> list[FileScan]:
    items = [(path, data, path in expected) for path, data in sorted(blobs.items())]
    workers = _workers(settings, [data for _, data, _ in items])
    if workers == 1:
        return _scan_chunk(items, settings)
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    size = -(-len(items) // (workers * 4))
    chunks = [items[i : i + size] for i in range(0, len(items), size)]
    gc.freeze()  # forked workers then never walk (and copy-on-write) the parent's objects in their GC passes
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
            return [fs for part in pool.map(_scan_chunk, chunks, [settings] * len(chunks)) for fs in part]
    finally:
        gc.unfreeze()


def cache_key(path: str, blob_id: str, expected: bool, settings: ScanSettings) -> bytes:
    """What a file's scan depends on, hashed: its content (git blob id), the path its findings name, whether it
    must be a manifest, the parser and the settings."""
    shared = _shared_key(settings, PARSER_VERSION)
    # Fixed-form fields first and the path last (utf-8, lone surrogates kept): one byte string per triple, built
    # without an encoder call per file (json.dumps here was a tenth of a cached scan).
    own = b"%s\0%d\0%s" % (blob_id.encode("ascii"), expected, path.encode("utf-8", "surrogatepass"))
    return hashlib.sha256(shared + own).digest()


@lru_cache(maxsize=16)
def _shared_key(settings: ScanSettings, parser_version: int) -> bytes:
    """What every file of one scan shares in its key: parser, versions, settings (encoded once)."""
    shared = [
        parser_version,
        __version__,
        PARSER_ID,
        settings.default_namespace,
        settings.max_file_bytes,
        dataclasses.astuple(settings.limits),
    ]
    return json.dumps(shared).encode("ascii") + b"\0"


def blob_id(data: bytes) -> str:
    """Git's (SHA-1) blob id of `data`: a working-tree file's key matches the same blob committed."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


@cache
def _codec() -> TypeAdapter[FileScan]:
    return TypeAdapter(FileScan)


def _decode(payload: bytes) -> FileScan | None:
    try:
        return _codec().validate_json(payload)
    except ValidationError:
        return None  # written by something else, or damaged in a way the digest did not catch: parse again


def _scan_blobs(
    blobs: Mapping[str, bytes | FileProblem], settings: ScanSettings, expected: Collection[str]
) -> dict[str, FileScan]:
    return dict(zip(sorted(blobs), _scan_all(dict(blobs), settings, expected), strict=True))


def _scan_cached(
    reader: TreeReader, wanted: Sequence[str], settings: ScanSettings, expected: Collection[str], cache: PayloadStore
) -> dict[str, FileScan]:
    """Scan `wanted`, reading what the cache holds instead of parsing it, and storing what was parsed."""
    tree = reader if isinstance(reader, GitTreeReader) else None
    located: dict[str, TreeEntry | FileProblem] = {}
    blobs: dict[str, bytes | FileProblem] = {}
    if tree is not None:
        located = tree.locate(wanted)
        ids = {p: e.oid for p, e in located.items() if isinstance(e, TreeEntry)}
    else:
        blobs = reader.read(wanted, settings.max_file_bytes)
        ids = {p: blob_id(d) for p, d in blobs.items() if isinstance(d, bytes)}
    keys = {p: cache_key(p, oid, p in expected, settings) for p, oid in ids.items()}
    stored = cache.get_many(list(keys.values()))
    cache.close()  # never carried into the forked parsing workers
    hits = {p: fs for p, k in keys.items() if k in stored and (fs := _decode(stored[k])) is not None}
    if tree is not None:
        blobs = tree.fetch({p: v for p, v in located.items() if p not in hits}, settings.max_file_bytes)
    todo = {p: d for p, d in blobs.items() if p not in hits}
    fresh = _scan_blobs(todo, settings, expected)
    codec = _codec()
    parsed = {p: fs for p, fs in fresh.items() if p in keys and isinstance(todo[p], bytes)}
    cache.put_many({keys[p]: codec.dump_json(fs) for p, fs in parsed.items()})
    cache.close()
    return dict(sorted({**hits, **fresh}.items()))


def scan(
    reader: TreeReader,
    settings: ScanSettings,
    paths: Sequence[str] | None = None,
    expected: Collection[str] = (),
    inputs: Collection[str] = (),
    cache: PayloadStore | None = None,
) -> ManifestSet:
    """Scan `paths` of the reader (None: every manifest candidate it lists).

    `expected`: paths that must be manifests (a kustomization's resources): unreadable is GN001 there, never a note.
    `inputs`: paths kustomize reads (their objects come rendered, through the overlays): never standalone
    manifests; those also `expected` are read for their GN001 only, the others not at all.
    `cache`: read results parsed before from it, and store what this scan parses (see the module docstring).
    """
    must = frozenset(expected)
    skip = frozenset(inputs) - must
    wanted = [p for p in (reader.paths() if paths is None else sorted(set(paths))) if p not in skip]
    with quiet_gc():
        if cache is None:
            scanned = _scan_blobs(reader.read(wanted, settings.max_file_bytes), settings, must)
        else:
            scanned = _scan_cached(reader, wanted, settings, must, cache)
    results = list(scanned.values())
    problems = tuple(p for r in results for p in r.problems)
    rendered = frozenset(inputs)
    return ManifestSet(
        vms=tuple(vm for r in results for vm in r.vms if vm.file not in rendered),
        nads=tuple(nad for r in results for nad in r.nads if nad.file not in rendered),
        problems=problems,
        files=tuple(scanned),
        unreadable=frozenset(p.file for p in problems if p.file is not None),
        notes=(*reader.notes(paths), *(n for r in results for n in r.notes)),
    )
