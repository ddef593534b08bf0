"""Render kustomization roots with `kubectl kustomize` in a temporary tree and read back VMs, pools and NADs.

A root with a problem in any file it reads (graph.problems_of) is not run: its result carries those problems.
The others share one materialized tree (the union of their inputs) and run one kubectl each, `workers` at a
time. Results come back in root order; objects in kubectl's output order.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gitnad.config import DEFAULT_KUSTOMIZE_TIMEOUT_S, DEFAULT_MAX_FILE_BYTES
from gitnad.sources.kustomize.locate import (
    ORIGIN,
    TRANSFORMATIONS,
    Step,
    find_source,
    locations,
    name_line,
    provenance,
    steps,
)
from gitnad.sources.kustomize.materialize import Materialized, materialize
from gitnad.sources.kustomize.model import (
    KustomizeGraph,
    Problem,
    ProblemKind,
    RenderedObject,
    RenderResult,
    SourceLocation,
    Via,
)
from gitnad.sources.kustomize.patches import Subject
from gitnad.sources.kustomize.runner import (
    KubectlMissing,
    RunResult,
    find_kubectl,
    kustomize_command,
    run_bounded,
    scrubbed_env,
)
from gitnad.sources.kustomize.tree import InputReader
from gitnad.sources.layout import follow
from gitnad.sources.manifests import identity, is_nad, vm_kind
from gitnad.sources.yamlio import load_plain

DEFAULT_TIMEOUT_S = DEFAULT_KUSTOMIZE_TIMEOUT_S
DEFAULT_MAX_OUTPUT_BYTES = 64 * 1024 * 1024
MAX_MESSAGE_CHARS = 2000


@dataclass(frozen=True)
class RenderOptions:
    kubectl: str | os.PathLike[str] | None = None
    """An explicit kubectl (config `kustomize.kubectl`); else the wheel's, else PATH's."""
    timeout: float = DEFAULT_TIMEOUT_S
    """Seconds per root before its kubectl is killed."""
    max_output_bytes: int = DEFAULT_MAX_OUTPUT_BYTES
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    workers: int = 2
    tmp_dir: Path | None = None
    """Where the temporary tree goes (default: the system's temporary directory)."""


def render(
    reader: InputReader,
    graph: KustomizeGraph,
    roots: Sequence[str] | None = None,
    options: RenderOptions = RenderOptions(),
) -> tuple[RenderResult, ...]:
    """Render `roots` (default: every root of the graph) from the reader's tree; never raises for bad input."""
    wanted = sorted(set(graph.roots if roots is None else roots))
    unknown = [r for r in wanted if r not in graph.roots]
    if unknown:
        raise ValueError(f"not kustomization roots of this tree: {unknown}")
    blocked = {r: graph.problems_of(r) for r in wanted}
    runnable = [r for r in wanted if not blocked[r]]
    done: dict[str, RenderResult] = {r: RenderResult(r, (), blocked[r], graph.inputs[r]) for r in wanted if blocked[r]}
    if runnable:
        with tempfile.TemporaryDirectory(prefix="gitnad-kustomize-", dir=options.tmp_dir) as tmp:
            done.update(_render_tree(reader, graph, runnable, Path(tmp), options))
    return tuple(done[r] for r in wanted)


def _render_tree(
    reader: InputReader, graph: KustomizeGraph, roots: list[str], tmp: Path, options: RenderOptions
) -> dict[str, RenderResult]:
    tree, home = tmp / "tree", tmp / "home"
    tree.mkdir(mode=0o700)
    home.mkdir(mode=0o700)
    m = materialize(reader, graph, roots, tree, options.max_file_bytes)
    out: dict[str, RenderResult] = {}
    ready: list[str] = []
    for r in roots:
        unreadable = tuple(p for p in m.problems if p.file in graph.inputs[r])
        if unreadable:
            out[r] = RenderResult(r, (), unreadable, graph.inputs[r])
        else:
            ready.append(r)
    if not ready:
        return out
    try:
        kubectl = find_kubectl(options.kubectl)
    except KubectlMissing as e:
        return out | {r: _failed(graph, r, ProblemKind.NO_KUBECTL, str(e)) for r in ready}
    links = reader.links()

    def one(root: str) -> RenderResult:
        cmd = kustomize_command(kubectl, tree / root if root else tree, graph.allow_helm)
        try:
            run = run_bounded(cmd, tmp, scrubbed_env(home), options.timeout, options.max_output_bytes)
        except KubectlMissing as e:
            return _failed(graph, root, ProblemKind.NO_KUBECTL, str(e))
        return _result(graph, root, run, m, lambda p: follow(p, links) if links else p, options)

    with ThreadPoolExecutor(max_workers=max(1, options.workers)) as pool:
        for result in pool.map(one, ready):
            out[result.root] = result
    return out


def _failed(graph: KustomizeGraph, root: str, kind: ProblemKind, message: str, seconds: float = 0.0) -> RenderResult:
    file = graph.kustomizations[root].file
    return RenderResult(root, (), (Problem(file, None, kind, message, root),), graph.inputs[root], seconds)


def _result(
    graph: KustomizeGraph,
    root: str,
    run: RunResult,
    m: Materialized,
    real: Callable[[str], str | None],
    options: RenderOptions,
) -> RenderResult:
    if run.timed_out:
        return _failed(
            graph, root, ProblemKind.TIMEOUT,
            f"kubectl kustomize ran past {options.timeout:g} s and was killed; simplify the overlay or raise "
            "kustomize.timeoutSeconds",
            run.seconds,
        )  # fmt: skip
    if run.too_large:
        return _failed(
            graph, root, ProblemKind.TOO_LARGE,
            f"kubectl kustomize printed more than {options.max_output_bytes} bytes and was killed",
            run.seconds,
        )  # fmt: skip
    if run.returncode != 0:
        return _failed(graph, root, ProblemKind.RENDER, kustomize_message(run.stderr, m.tree), run.seconds)
    loaded = load_plain(run.stdout)
    if loaded.problem is not None:
        msg = f"cannot read kubectl's output: {loaded.problem.message}"
        return _failed(graph, root, ProblemKind.OUTPUT, msg, run.seconds)
    objects = _objects(graph, root, [d.data for d in loaded.documents], m, real)
    return RenderResult(root, objects, (), graph.inputs[root], run.seconds)


def _objects(
    graph: KustomizeGraph, root: str, docs: list[Any], m: Materialized, real: Callable[[str], str | None]
) -> tuple[RenderedObject, ...]:
    injected = m.injected.get(root, ())
    walks: dict[tuple[str, ...], list[Step]] = {}
    out: list[RenderedObject] = []
    for index, body in enumerate(docs):
        ident = identity(body) if isinstance(body, dict) else None
        if ident is None or (vm_kind(ident) is None and not is_nad(ident)):
            continue
        annotations = _take_annotations(body, injected)
        prov = provenance(annotations, root, real)
        root_file = graph.kustomizations[root].file
        chain = tuple(k for k in (graph.by_file(f) for f in prov.chain) if k is not None) if prov else ()
        source = None
        if prov is not None and not prov.generated and prov.file in m.contents:
            source = find_source(m.contents[prov.file], body, chain)
        if prov is None or source is None:
            origin = SourceLocation(prov.file if prov else root_file, 1, Via.OBJECT)
        else:
            origin = SourceLocation(prov.file, name_line(source), Via.RESOURCE)
        key = tuple(k.file for k in chain)
        if key not in walks:
            walks[key] = steps(chain, m.contents, real)
        locs = locations(Subject(body, source), walks[key], origin)
        out.append(RenderedObject(root, index, body, origin, key, locs))
    return tuple(out)


def _take_annotations(body: dict[str, Any], injected: Sequence[str]) -> Mapping[str, Any]:
    """kustomize's provenance annotations; removed from the body when gitnad asked for them."""
    meta = body.get("metadata")
    annotations = meta.get("annotations") if isinstance(meta, dict) else None
    if not isinstance(annotations, dict):
        return {}
    found = {k: annotations.get(k) for k in (ORIGIN, TRANSFORMATIONS)}
    for option, key in (("originAnnotations", ORIGIN), ("transformerAnnotations", TRANSFORMATIONS)):
        if option in injected:
            annotations.pop(key, None)
    if not annotations and isinstance(meta, dict):
        del meta["annotations"]
    return found


_HELM_HOME = re.compile(r"kustomize-helm-[0-9]+")
"""The directory kustomize makes for helm under its HOME (random digits): named without them, so that the same
input always gives the same message."""


def kustomize_message(stderr: bytes, tree: Path) -> str:
    """kustomize's error on one line, the temporary tree's paths made repo-relative (the rest of the temporary
    directory, the scrubbed HOME, relative to it), its warnings left out."""
    text = stderr.decode("utf-8", "replace")
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("# Warning:")]
    msg = " ".join(lines).removeprefix("error: ").strip() or "kubectl kustomize failed without a message"
    for prefix in (str(tree) + os.sep, str(tree.resolve()) + os.sep, str(tree.parent) + os.sep):
        msg = msg.replace(prefix, "")
    msg = _HELM_HOME.sub("kustomize-helm", msg)
    return msg if len(msg) <= MAX_MESSAGE_CHARS else msg[:MAX_MESSAGE_CHARS] + " …"
