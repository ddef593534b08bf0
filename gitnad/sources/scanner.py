"""The manifest scanner: files of a `TreeReader` -> VMs, VirtualMachinePools and NADs, plus GN001 problems.

Bad input never stops a scan: every file that cannot be read or parsed safely yields a GN001 finding with
its file and line, documents parsed before a YAML error are kept, and every other file is still scanned.
Kinds other than VirtualMachine, VirtualMachinePool and NetworkAttachmentDefinition are ignored silently.
Output is deterministic: files sorted by path, objects in document order.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import threading
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from gitnad.config import DEFAULT_MAX_FILE_BYTES, DEFAULT_NAMESPACE
from gitnad.models.findings import Finding, Severity
from gitnad.models.manifest import NAD, VM
from gitnad.sources.manifests import ManifestError, identity, is_nad, item_line, to_nad, to_vm, vm_kind
from gitnad.sources.trees import FileProblem, TreeReader
from gitnad.sources.yamlio import YamlLimits, load_documents

GN001_CODE = "GN001"
GN001_NAME = "manifest-unreadable"
GC_THRESHOLD = 100_000
PARALLEL_MIN_BYTES = 512 * 1024
"""Below this much YAML (~250 VM files) a worker pool costs about what it saves (bench/README.md)."""
MAX_WORKERS = 8


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
    """Files read (including those with a problem)."""
    unreadable: frozenset[str]
    """Files with a GN001 finding."""


@dataclass(frozen=True)
class FileScan:
    """One file's objects and problems."""

    vms: tuple[VM, ...] = ()
    nads: tuple[NAD, ...] = ()
    problems: tuple[Finding, ...] = ()


def gn001(file: str, reason: str, line: int | None) -> Finding:
    """A GN001 finding whose message names the file (and line) and the reason."""
    where = f"{file}:{line}" if line is not None else file
    return Finding(
        code=GN001_CODE,
        rule=GN001_NAME,
        severity=Severity.ERROR,
        message=f"{where}: {reason}",
        file=file,
        line=line,
    )


def _objects(data: Any, line: int, what: str = "document") -> Iterator[tuple[Any, int, str]]:
    """The object itself, or the items of a `List` kind (`*List` with `items`), each with its line."""
    kind = data.get("kind") if isinstance(data, Mapping) else None
    items = data.get("items") if isinstance(data, Mapping) else None
    if isinstance(kind, str) and kind.endswith("List") and isinstance(items, list):
        for i, item in enumerate(items):
            yield from _objects(item, item_line(items, i, line), f"item {i + 1} of the {kind}")
        return
    yield data, line, what


def _scan_object(
    obj: Any, line: int, what: str, file: str, doc_index: int, namespace: str
) -> VM | NAD | Finding | None:
    if not isinstance(obj, Mapping):
        return gn001(file, f"{what} is not a mapping (found {_type_name(obj)})", line)
    ident = identity(obj)
    if ident is None:
        return None
    kind = vm_kind(ident)
    if kind is None and not is_nad(ident):
        return None
    ns = ident.namespace or namespace
    try:
        if kind is not None:
            return to_vm(obj, ident, kind, ns, file, doc_index)
        return to_nad(obj, ident, ns, file)
    except ManifestError as e:
        return gn001(file, str(e), e.line or line)
    except ValueError as e:  # a model refusing a value: still a problem of this file, never a crash
        return gn001(file, f"cannot read {ident.kind} {ident.name!r}: {_first_line(e)}", ident.name_line or line)


def _type_name(obj: Any) -> str:
    if isinstance(obj, list):
        return "a list"
    if isinstance(obj, bool):
        return "a boolean"
    if isinstance(obj, int | float):
        return "a number"
    if isinstance(obj, str):
        return "a string"
    return type(obj).__name__


def _first_line(e: Exception) -> str:
    return str(e).splitlines()[0] if str(e) else type(e).__name__


def scan_file(file: str, data: bytes | FileProblem, settings: ScanSettings) -> FileScan:
    """Parse one file's documents into models; problems become GN001 findings."""
    if isinstance(data, FileProblem):
        return FileScan(problems=(gn001(file, data.message, data.line),))
    loaded = load_documents(data, settings.limits)
    vms: list[VM] = []
    nads: list[NAD] = []
    problems: list[Finding] = []
    for doc in loaded.documents:
        if doc.data is None:
            continue
        for obj, line, what in _objects(doc.data, doc.line):
            found = _scan_object(obj, line, what, file, doc.index, settings.default_namespace)
            if isinstance(found, VM):
                vms.append(found)
            elif isinstance(found, NAD):
                nads.append(found)
            elif isinstance(found, Finding):
                problems.append(found)
    if loaded.problem is not None:
        problems.append(gn001(file, loaded.problem.message, loaded.problem.line))
    return FileScan(tuple(vms), tuple(nads), tuple(problems))


def _scan_chunk(chunk: list[tuple[str, bytes | FileProblem]], settings: ScanSettings) -> list[FileScan]:
    return [scan_file(path, data, settings) for path, data in chunk]


def _workers(settings: ScanSettings, items: list[tuple[str, bytes | FileProblem]]) -> int:
    """How many processes to parse with: a pool only where it measurably wins, and only where fork is safe.

    `fork` (Linux) starts workers in milliseconds and re-imports nothing; it is only safe while this process
    runs a single thread. Elsewhere the scan stays serial.
    """
    if settings.workers == 1 or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    if threading.active_count() > 1 or sum(len(d) for _, d in items if isinstance(d, bytes)) < PARALLEL_MIN_BYTES:
        return 1
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(settings.workers or MAX_WORKERS, cpus, len(items)))


def _scan_all(blobs: dict[str, bytes | FileProblem], settings: ScanSettings) -> list[FileScan]:
    items = sorted(blobs.items())
    workers = _workers(settings, items)
    if workers == 1:
        return _scan_chunk(items, settings)
    size = -(-len(items) // (workers * 4))
    chunks = [items[i : i + size] for i in range(0, len(items), size)]
    gc.freeze()  # forked workers then never walk (and copy-on-write) the parent's objects in their GC passes
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
            return [fs for part in pool.map(_scan_chunk, chunks, [settings] * len(chunks)) for fs in part]
    finally:
        gc.unfreeze()


@contextmanager
def _fewer_gc_passes() -> Iterator[None]:
    """Parsing allocates millions of short-lived acyclic objects while the models pile up; the default
    generation-0 threshold (700) then spends ~15% of a large scan re-walking live objects."""
    old = gc.get_threshold()
    gc.set_threshold(GC_THRESHOLD, *old[1:])
    try:
        yield
    finally:
        gc.set_threshold(*old)


def scan(reader: TreeReader, settings: ScanSettings, paths: Sequence[str] | None = None) -> ManifestSet:
    """Scan `paths` of the reader (None: every manifest candidate it lists)."""
    wanted = reader.paths() if paths is None else sorted(set(paths))
    blobs = reader.read(wanted, settings.max_file_bytes)
    with _fewer_gc_passes():
        results = _scan_all(blobs, settings)
    problems = tuple(p for r in results for p in r.problems)
    return ManifestSet(
        vms=tuple(vm for r in results for vm in r.vms),
        nads=tuple(nad for r in results for nad in r.nads),
        problems=problems,
        files=tuple(sorted(blobs)),
        unreadable=frozenset(p.file for p in problems if p.file is not None),
    )
