"""Kustomize overlays, rendered by the real kustomize (`kubectl kustomize`), at any git ref, with the file and line
that wrote every value gitnad reports on. `runner` is the only module of gitnad that runs kubectl.

The API (for the scanner and the check): `input_reader` here, `discover` in `graph`, `render` and `RenderOptions` in
`render`, the records in `model`. This package imports none of them itself: a tree without any kustomization file
reads only its listing, and the check of such a repository (the pre-commit hook) loads no discovery, rendering or
provenance code (issue 12).

    reader = input_reader(repo, rev)          # rev: a commit, INDEX, or None for the working tree
    graph = discover(reader)                  # KustomizeGraph, no process started
    graph.roots                               # ("overlays/prod", "overlays/staging"): what to render
    graph.inputs[root]                        # every repo path a root's render depends on
    graph.roots_reading(changed_paths)        # the roots a diff touches (render only those)
    graph.named_files                         # paths kustomizations read: not standalone manifests
    graph.manifest_files                      # files listed as resources: GN001 when broken
    graph.problems                            # Problem(file, line, kind, message) per bad entry
    results = render(reader, graph, roots, RenderOptions(kubectl=..., timeout=30))
    for result in results:                    # one RenderResult per root, in root order
        result.problems                       # non-empty: the root's objects are missing (never clean)
        for obj in result.objects:            # VirtualMachine, VirtualMachinePool, NAD only
            obj.body                          # plain mapping, as rendered (namespace, prefixes applied)
            obj.origin                        # SourceLocation(file, line, via) of the object in its resource
            obj.locate(path)                  # where a field was written, e.g.
                                              # ("spec","template","spec","networks",1,"multus","networkName")

Identity comes from the rendered object: one base VM rendered by two overlays is two objects, each with its
overlay's namespace and name prefix. Locations are `SourceLocation(file, line, via)` with `via` one of resource,
json6902, strategic-merge, kustomization (`namespace:`), replacement, object (not pinned down: the object's line);
`locate` says how each is found. `locate.tracked_paths(body)` lists the located fields: name, namespace, each
network and its `multus.networkName`, each interface and its binding key, a NAD's `spec.config`
(`locate.template_prefix(body)` is where a VM's or a pool's template spec sits).

Safety: before kubectl runs, discovery refuses remote bases and files (URLs, `git::`, `github.com/...`,
`?ref=`), exec/Go/KRM-function plugins, Helm charts (unless `discover(..., allow_helm=True)`), files outside a
kustomization's directory and anything leaving the repository; each refusal is a Problem naming the file and the
line of the offending entry. kubectl then runs on a temporary copy of exactly the files the roots read, with a
time and output limit, its process group killed past them, no credentials and no usable network (`runner`).
"""

from __future__ import annotations

from pathlib import Path

from gitnad.sources.gitrefs import GitRepo
from gitnad.sources.kustomize.tree import InputReader
from gitnad.sources.trees import WorktreeReader, every_file

__all__ = ["InputReader", "directory_input_reader", "input_reader"]


def input_reader(repo: GitRepo, rev: str | None) -> InputReader:
    """Every file of a commit (any ref; the empty tree too), of the index (`INDEX`) or of the working tree
    (`None`), Helm chart sources included (a `helmCharts` chart home)."""
    if rev is None:
        return repo.worktree_reader(accept=every_file, charts=True)
    return repo.reader(rev, accept=every_file, charts=True)


def directory_input_reader(path: Path) -> InputReader:
    """Every file below a plain directory (not a git repository), Helm chart sources included."""
    return WorktreeReader(path, accept=every_file, charts=True)
