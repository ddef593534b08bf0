"""Discovery: every kustomization of a tree, what it reads, which are roots, and what each root's render needs.

A root is a kustomization directory that no other kustomization consumes (as a resource, base or component).
A base consumed by overlays is not a root: rendering it alone would report its VMs once more, in the wrong
namespace. An overlay consumed by another overlay (`clusters/eu` builds on `overlays/prod`) is not a root either,
for the same reason; only the outermost kustomization is rendered. A Component is never a root (built alone it
renders nothing). Kustomizations that only consume each other in a cycle have no root: each gets a CYCLE problem,
so their VMs are never silently dropped.

Paths are resolved the way kustomize resolves them: relative to the kustomization's directory, through symlinks
(inside the repository only: trees.py's policy), files only in or below the kustomization's own directory
(`--load-restrictor LoadRestrictionsRootOnly`), directories anywhere in the repository but never at or above a
kustomization on the way (kustomize's cycle rule).
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from gitnad.config import DEFAULT_MAX_FILE_BYTES
from gitnad.sources.kustomize.kfile import KFile, Ref, read_kustomization, refused_remote
from gitnad.sources.kustomize.model import Kustomization, KustomizeGraph, Problem, ProblemKind
from gitnad.sources.kustomize.safety import check_plugin_doc
from gitnad.sources.kustomize.tree import KUSTOMIZATION_FILES, InputReader, Tree, inside, join, parent
from gitnad.sources.layout import LEAVES_REPO, Excluder
from gitnad.sources.trees import FileProblem
from gitnad.sources.yamlio import load_documents


@dataclass
class _Node:
    kfile: KFile
    consumes: list[tuple[str, Ref]]
    files: set[str]
    resources: set[str]
    problems: list[Problem]


def _problem(k: KFile, ref: Ref, kind: ProblemKind, message: str) -> Problem:
    return Problem(k.file, ref.line, kind, f"{ref.field}: {message}")


class _Resolver:
    """Resolves the references of each kustomization against the tree."""

    def __init__(self, tree: Tree, allow_helm: bool) -> None:
        self.tree = tree
        self.allow_helm = allow_helm
        self.plugin_files: dict[str, list[tuple[KFile, Ref]]] = {}

    def node(self, k: KFile) -> _Node:
        n = _Node(k, [], {k.file}, set(), [])
        n.files.update(self.tree.link_chain(k.file))
        own = self.tree.real(k.file)
        if own is not None:
            n.files.add(own)
        for ref in k.refs:
            self.resolve(n, ref)
        return n

    def _target(self, n: _Node, ref: Ref) -> tuple[str, str] | None:
        """(written path, real path) of a reference, or None after recording why it cannot be used."""
        k = n.kfile
        written = join(k.directory, ref.value)
        if written is None:
            n.problems.append(_problem(k, ref, ProblemKind.OUTSIDE, f"'{ref.value}' leaves the repository"))
            return None
        n.files.update(self.tree.link_chain(written))
        real = self.tree.real(written)
        if real is None:
            n.problems.append(_problem(k, ref, ProblemKind.OUTSIDE, f"'{ref.value}': {LEAVES_REPO}"))
            return None
        if self.tree.kind(real) != "dir":  # a file, or a path whose creation would change the render
            n.files.update((written, real))
        return written, real

    def resolve(self, n: _Node, ref: Ref) -> None:
        """Record what `ref` makes `n` read or consume, or why it cannot."""
        found = self._target(n, ref)
        if found is None:
            return
        written, real = found
        kind = self.tree.kind(real)
        k = n.kfile
        if kind == "missing" and ref.role == "chart-home":
            return  # charts are looked up there; a chart that is missing is helm's error (or a refused pull)
        if kind == "missing":
            n.problems.append(_problem(k, ref, ProblemKind.MISSING, f"'{ref.value}' does not exist ({written})"))
        elif kind == "dir":
            self._directory(n, ref, written, real)
        elif ref.role == "component" or ref.role == "chart-home":
            n.problems.append(_problem(k, ref, ProblemKind.INVALID, f"'{ref.value}' is a file, not a directory"))
        elif not inside(real, k.directory):
            n.problems.append(
                _problem(
                    k,
                    ref,
                    ProblemKind.OUTSIDE,
                    f"'{ref.value}' is not in or below {k.directory or 'the repository root'}; kustomize loads files "
                    "only from the kustomization's own directory (LoadRestrictionsRootOnly): move the file there or "
                    "make its directory a base",
                )
            )
        else:
            if ref.role == "resource":
                n.resources.add(real)
            if ref.role == "plugin":
                self.plugin_files.setdefault(real, []).append((k, ref))

    def _directory(self, n: _Node, ref: Ref, written: str, real: str) -> None:
        k = n.kfile
        if ref.role == "chart-home":
            prefix = real + "/" if real else ""
            n.files.update(f for f in self.tree.files if f.startswith(prefix))
            return
        if ref.role == "source":
            n.files.update(f for f in self.tree.files if parent(f) == real)
            return
        if ref.role in ("file", "plugin"):
            n.problems.append(_problem(k, ref, ProblemKind.INVALID, f"'{ref.value}' is a directory, not a file"))
            return
        if not self.tree.kustomization_files(real):
            n.problems.append(
                _problem(k, ref, ProblemKind.MISSING, f"directory '{written}' holds no kustomization file")
            )
            return
        n.consumes.append((real, ref))  # even when refused below: it is meant as a base, not a root
        if inside(k.directory, real):
            n.problems.append(
                _problem(
                    k, ref, ProblemKind.CYCLE, f"'{ref.value}' is at or above this kustomization (kustomize: cycle)"
                )
            )


def _read_kustomizations(
    reader: InputReader, tree: Tree, max_bytes: int, allow_helm: bool
) -> tuple[dict[str, KFile], list[Problem]]:
    """Every kustomization file (a symlink to one is read at its target, as kustomize would)."""
    by_dir: dict[str, list[str]] = {}
    for f in sorted(tree.files):
        if posixpath.basename(f) in KUSTOMIZATION_FILES:
            by_dir.setdefault(parent(f), []).append(f)
    real = {fs[0]: tree.real(fs[0]) for fs in by_dir.values()}
    blobs = reader.read(sorted({r for r in real.values() if r is not None}), max_bytes)
    out: dict[str, KFile] = {}
    problems: list[Problem] = []
    for directory, files in sorted(by_dir.items()):
        if len(files) > 1:
            problems.append(
                Problem(files[0], None, ProblemKind.INVALID, f"several kustomization files in one directory: {files}")
            )
        target = real[files[0]]
        if target is not None and parent(target) != directory:
            problems.append(
                Problem(
                    files[0],
                    None,
                    ProblemKind.OUTSIDE,
                    f"a symlink to {target}, outside its directory: kustomize does not load it there "
                    "(LoadRestrictionsRootOnly)",
                )
            )
            out[directory] = KFile(directory, files[0], parsed=False)
            continue
        data = blobs.get(target) if target is not None else FileProblem(LEAVES_REPO)
        if not isinstance(data, bytes):
            why = data.message if isinstance(data, FileProblem) else "cannot be read"
            problems.append(Problem(files[0], getattr(data, "line", None), ProblemKind.UNREADABLE, why))
            out[directory] = KFile(directory, files[0], parsed=False)
            continue
        out[directory] = read_kustomization(directory, files[0], data, allow_helm)
    return out, problems


_BUILTIN_FILE_FIELDS = (("path", "file"), ("paths", "file"), ("files", "source"), ("envs", "source"), ("env", "source"))


def _builtin_refs(doc: Mapping[str, object], user: Ref) -> list[Ref]:
    """Files a builtin plugin configuration loads (a PatchTransformer's `path`, a generator's `files`...),
    relative to the kustomization that lists it; refused entries carry that listing's line."""
    refs: list[Ref] = []
    for key, role in _BUILTIN_FILE_FIELDS:
        value = doc.get(key)
        values = value if isinstance(value, list) else [value]
        for v in values:
            if isinstance(v, str) and v:
                path = v.split("=", 1)[1] if key == "files" and "=" in v else v
                refs.append(Ref(user.field, path, user.line, role))
    return refs


def _check_plugin_files(
    reader: InputReader, resolver: _Resolver, nodes: Mapping[str, _Node], max_bytes: int
) -> list[Problem]:
    """Generator/transformer/validator configuration files: builtin plugins only (kustomize would run the rest);
    the files those builtins load join their kustomization's inputs."""
    problems: list[Problem] = []
    blobs = reader.read(sorted(resolver.plugin_files), max_bytes)
    for path, users in sorted(resolver.plugin_files.items()):
        data = blobs.get(path)
        if not isinstance(data, bytes):
            why = data.message if isinstance(data, FileProblem) else "cannot be read"
            problems.append(Problem(path, None, ProblemKind.UNREADABLE, why))
            continue
        loaded = load_documents(data)
        if loaded.problem is not None:
            problems.append(Problem(path, loaded.problem.line, ProblemKind.SYNTAX, loaded.problem.message))
        for doc in loaded.documents:
            if not isinstance(doc.data, Mapping):
                continue
            reason = check_plugin_doc(doc.data, resolver.allow_helm)
            for k, ref in users:
                if reason is not None:
                    problems.append(Problem(k.file, ref.line, reason[0], f"{ref.field}: {path}: {reason[1]}"))
                    continue
                node = nodes[k.directory]
                for extra in _builtin_refs(doc.data, ref):
                    message = refused_remote(extra)
                    if message is None:
                        resolver.resolve(node, extra)
                    else:
                        node.problems.append(Problem(k.file, extra.line, ProblemKind.REMOTE, message))
    return problems


def _components(nodes: Mapping[str, _Node]) -> list[Problem]:
    """`components` must name Components and `resources` must not (kustomize refuses both)."""
    problems: list[Problem] = []
    for n in nodes.values():
        for target, ref in n.consumes:
            t = nodes[target].kfile
            if not t.parsed:
                continue
            if ref.role == "component" and not t.component:
                problems.append(_problem(n.kfile, ref, ProblemKind.INVALID, f"'{ref.value}' is not a kind: Component"))
            elif ref.role == "resource" and t.component:
                problems.append(
                    _problem(n.kfile, ref, ProblemKind.INVALID, f"'{ref.value}' is a Component: list it in components")
                )
    return problems


def _closure(root: str, nodes: Mapping[str, _Node]) -> tuple[set[str], set[str]]:
    """(every path the root's render reads, the kustomization directories on the way)."""
    files: set[str] = set()
    seen: set[str] = set()
    stack = [root]
    while stack:
        d = stack.pop()
        if d in seen:
            continue
        seen.add(d)
        n = nodes[d]
        files.update(n.files)
        prefix = d + "/" if d else ""
        files.update(prefix + name for name in KUSTOMIZATION_FILES)  # a second kustomization file breaks the build
        stack.extend(t for t, _ in n.consumes)
    return files, seen


def _cycles(nodes: Mapping[str, _Node], reachable: set[str]) -> list[Problem]:
    """Kustomizations no root reaches although something consumes them: they consume each other."""
    problems: list[Problem] = []
    for d, n in sorted(nodes.items()):
        if d in reachable or n.kfile.component:
            continue
        users = sorted(m.kfile.file for m in nodes.values() if any(t == d for t, _ in m.consumes))
        problems.append(
            Problem(
                n.kfile.file,
                None,
                ProblemKind.CYCLE,
                f"consumed only by kustomizations in a cycle ({', '.join(users)}): nothing renders it",
            )
        )
    return problems


def _tops(nodes: Mapping[str, _Node]) -> list[str]:
    """Kustomizations nothing consumes, Components excepted (built alone they render nothing)."""
    consumed = {t for n in nodes.values() for t, _ in n.consumes}
    return sorted(d for d, n in nodes.items() if d not in consumed and not n.kfile.component)


def discover(
    reader: InputReader,
    *,
    allow_helm: bool = False,
    exclude: Sequence[str] = (),
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
) -> KustomizeGraph:
    """Find and read every kustomization of the reader's tree; never raises for bad input.

    `exclude` globs keep roots out (their bases are still read when another root consumes them).
    """
    tree = Tree(reader)
    kfiles, problems = _read_kustomizations(reader, tree, max_file_bytes, allow_helm)
    resolver = _Resolver(tree, allow_helm)
    nodes = {d: resolver.node(k) for d, k in kfiles.items()}
    problems += _check_plugin_files(reader, resolver, nodes, max_file_bytes)
    problems += [p for n in nodes.values() for p in (*n.kfile.problems, *n.problems)]
    problems += _components(nodes)
    tops = _tops(nodes)
    excluder = Excluder(exclude)
    roots = [d for d in tops if not excluder.excluded(nodes[d].kfile.file)]
    inputs: dict[str, frozenset[str]] = {}
    reachable: set[str] = set()
    for top in tops:
        files, dirs = _closure(top, nodes)
        reachable |= dirs
        if top in roots:
            inputs[top] = frozenset(files)
    problems += _cycles(nodes, reachable)
    return KustomizeGraph(
        kustomizations={d: _public(n) for d, n in sorted(nodes.items())},
        roots=tuple(roots),
        inputs=inputs,
        manifest_files=frozenset(f for n in nodes.values() for f in n.resources),
        problems=tuple(sorted(set(problems), key=_problem_key)),
        allow_helm=allow_helm,
    )


def _problem_key(p: Problem) -> tuple[str, int, str, str]:
    return (p.file, p.line or 0, p.kind.value, p.message)


def _public(n: _Node) -> Kustomization:
    k = n.kfile
    return Kustomization(
        directory=k.directory,
        file=k.file,
        component=k.component,
        consumes=tuple(t for t, _ in n.consumes),
        files=frozenset(n.files),
        resources=frozenset(n.resources),
        parsed=k.parsed,
        patches=k.patches,
        namespace=k.namespace,
        name_prefix=k.name_prefix,
        name_suffix=k.name_suffix,
        replacements=k.replacements,
    )
