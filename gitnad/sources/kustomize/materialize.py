"""Write exactly the files some roots read into a temporary directory, from any reader (a commit's git objects,
the index, the working tree): nothing is checked out and nothing else of the repository is visible to kustomize.

Symlinks inside the repository become symlinks to the same (resolved) place, so kustomize's own load restrictor
sees them as it would in a checkout; a symlink leaving the repository is never written (the reader reports it).
The root's kustomization copy gets `buildMetadata: [originAnnotations, transformerAnnotations]`, which kustomize
passes down to every base and component, so each rendered object says which file it came from and which
kustomizations transformed it.
"""

from __future__ import annotations

import json
import os
import posixpath
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from gitnad.sources.kustomize.model import KustomizeGraph, Problem, ProblemKind
from gitnad.sources.kustomize.tree import InputReader, parent
from gitnad.sources.layout import follow
from gitnad.sources.trees import FileProblem
from gitnad.sources.yamlio import LMap, load_documents, plain

BUILD_METADATA = ("originAnnotations", "transformerAnnotations")


@dataclass(frozen=True)
class Materialized:
    """The temporary tree: what was written, and the contents read (for locating fields afterwards)."""

    tree: Path
    contents: Mapping[str, bytes]
    """Repo path -> bytes of every regular file written."""
    problems: tuple[Problem, ...]
    """Files that could not be read (each names the file); the roots reading them are not rendered."""
    injected: Mapping[str, tuple[str, ...]]
    """Root -> the buildMetadata options gitnad added to its kustomization copy (stripped from the output)."""


def materialize(
    reader: InputReader, graph: KustomizeGraph, roots: Iterable[str], tree: Path, max_bytes: int
) -> Materialized:
    """Write the union of the roots' inputs under `tree` (which must exist and be empty)."""
    wanted = sorted(set().union(*(graph.inputs[r] for r in roots)))
    links = reader.links()
    link_paths = [p for p in wanted if p in links]
    # A path below a symlinked directory exists once the link is written: read only real paths.
    blobs = reader.read([p for p in wanted if not _through_link(p, links)], max_bytes)
    problems: list[Problem] = []
    contents: dict[str, bytes] = {}
    for path, data in blobs.items():
        if isinstance(data, FileProblem):
            problems.append(Problem(path, data.line, ProblemKind.UNREADABLE, data.message))
        else:
            contents[path] = data
    injected: dict[str, tuple[str, ...]] = {}
    for root in roots:
        own = follow(graph.kustomizations[root].file, links)
        if own is not None and own in contents:
            contents[own], injected[root] = with_build_metadata(contents[own])
    for path, data in contents.items():
        _write(tree, path, data)
    for path in link_paths:
        _link(tree, path, follow(path, links))
    return Materialized(tree, contents, tuple(problems), injected)


def with_build_metadata(data: bytes) -> tuple[bytes, tuple[str, ...]]:
    """The kustomization with originAnnotations and transformerAnnotations on; the options it did not have.

    The original bytes are kept and one line appended when that gives the same document plus the key (so inline
    patches keep their text); otherwise (a flow mapping, an existing buildMetadata) the document is written
    back as JSON, which kustomize reads as YAML.
    """
    doc = load_documents(data).documents[0].data
    have = doc.get("buildMetadata") if isinstance(doc, LMap) else None
    have = list(have) if isinstance(have, list) else []
    missing = tuple(m for m in BUILD_METADATA if m not in have)
    if not missing:
        return data, ()
    if "buildMetadata" not in doc:
        line = "buildMetadata: [" + ", ".join(missing) + "]\n"
        appended = data + (b"" if data.endswith(b"\n") else b"\n") + line.encode()
        again = load_documents(appended)
        if again.problem is None and len(again.documents) == 1:
            expected = {**plain(doc), "buildMetadata": list(missing)}
            if plain(again.documents[0].data) == expected:
                return appended, missing
    rewritten = {**plain(doc), "buildMetadata": [*have, *missing]}
    return json.dumps(rewritten, indent=1).encode() + b"\n", missing


def _through_link(path: str, links: Mapping[str, str]) -> bool:
    """`path` is a symlink, or lies below one."""
    parts = path.split("/")
    return any("/".join(parts[: i + 1]) in links for i in range(len(parts)))


def _write(tree: Path, path: str, data: bytes) -> None:
    full = tree / path
    full.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(full, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def _link(tree: Path, path: str, target: str | None) -> None:
    """A symlink at `path` to the resolved repo path `target`, relative so it stays inside `tree`."""
    if target is None:
        return  # leaves the repository: the reader reported it when the target was read
    full = tree / path
    full.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    rel = posixpath.relpath(target or ".", parent(path) or ".")
    if not full.exists() and not full.is_symlink():
        os.symlink(rel, full)
