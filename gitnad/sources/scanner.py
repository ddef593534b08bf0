"""The manifest scanner: files of a `TreeReader` -> VMs, VirtualMachinePools and NADs, plus GN001 problems.

Bad input never stops a scan: every file that cannot be read or parsed safely yields a GN001 finding with
its file and line, documents parsed before a YAML error are kept, and every other file is still scanned.
Kinds other than VirtualMachine, VirtualMachinePool and NetworkAttachmentDefinition are ignored silently.
Output is deterministic: files sorted by path, objects in document order.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
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
PARALLEL_MIN_BYTES = 32 * 1024 * 1024
"""Below this much YAML a worker pool costs more (start-up, pickling models back) than it saves."""


@dataclass(frozen=True)
class ScanSettings:
    default_namespace: str = DEFAULT_NAMESPACE
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    limits: YamlLimits = field(default_factory=YamlLimits)
    workers: int = 1
    """Processes used to parse; > 1 only pays off for very large inputs (see bench/)."""


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


def _objects(data: Any, line: int) -> Iterator[tuple[Any, int]]:
    """The object itself, or the items of a `List` kind (`*List` with `items`), each with its line."""
    kind = data.get("kind") if isinstance(data, Mapping) else None
    items = data.get("items") if isinstance(data, Mapping) else None
    if isinstance(kind, str) and kind.endswith("List") and isinstance(items, list):
        for i, item in enumerate(items):
            yield from _objects(item, item_line(items, i, line))
        return
    yield data, line


def _scan_object(obj: Any, line: int, file: str, doc_index: int, namespace: str) -> VM | NAD | Finding | None:
    if not isinstance(obj, Mapping):
        return gn001(file, f"document is not a mapping (found {_type_name(obj)})", line)
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
        for obj, line in _objects(doc.data, doc.line):
            found = _scan_object(obj, line, file, doc.index, settings.default_namespace)
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


def _scan_all(blobs: dict[str, bytes | FileProblem], settings: ScanSettings) -> list[FileScan]:
    items = sorted(blobs.items())
    total = sum(len(d) for _, d in items if isinstance(d, bytes))
    workers = min(settings.workers, os.cpu_count() or 1)
    if workers <= 1 or total < PARALLEL_MIN_BYTES or len(items) < 2 * workers:
        return _scan_chunk(items, settings)
    size = -(-len(items) // (workers * 4))
    chunks = [items[i : i + size] for i in range(0, len(items), size)]
    ctx = multiprocessing.get_context("forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else None)
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        return [fs for part in pool.map(_scan_chunk, chunks, [settings] * len(chunks)) for fs in part]


def scan(reader: TreeReader, settings: ScanSettings, paths: Sequence[str] | None = None) -> ManifestSet:
    """Scan `paths` of the reader (None: every manifest candidate it lists)."""
    wanted = reader.paths() if paths is None else sorted(set(paths))
    blobs = reader.read(wanted, settings.max_file_bytes)
    results = _scan_all(blobs, settings)
    problems = tuple(p for r in results for p in r.problems)
    return ManifestSet(
        vms=tuple(vm for r in results for vm in r.vms),
        nads=tuple(nad for r in results for nad in r.nads),
        problems=problems,
        files=tuple(sorted(blobs)),
        unreadable=frozenset(p.file for p in problems if p.file is not None),
    )
