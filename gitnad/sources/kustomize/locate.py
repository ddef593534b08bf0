"""Where each value of a rendered object was written: the resource file, a patch, or a kustomization field.

kustomize says which resource file an object came from (`config.kubernetes.io/origin`) and which kustomization
files' transformers ran on it, in order (`alpha.config.kubernetes.io/transformations`). Within one kustomization
the builtin transformers run in a fixed order (api/internal/target/kusttarget_configplugin.go):
patchesStrategicMerge, patches, namespace, prefix, suffix, labels, annotations, patchesJson6902, replicas,
images, replacements. So a field was written by the last of those steps that selects the object and writes the
field (for a patch: with the rendered value); if none, by the resource file itself when it holds that value.

How a patch selects an object and points at a line is `patches`' business, a replacement's `replacements`';
list items are matched by `name` (`values`). Anything not pinned down (a label, a value only a transformer
changed, a patch configured through a transformers file) gets the object's own line with `Via.OBJECT`: never a
guess. `metadata.name` points at the name in the resource file: `Via.RESOURCE` when no namePrefix/nameSuffix
changed it, else `Via.OBJECT` (the same line).
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from gitnad.sources.kustomize.model import (
    FieldPath,
    Kustomization,
    ReplacementSpec,
    ReplacementTarget,
    Selector,
    SourceLocation,
    Via,
)
from gitnad.sources.kustomize.patches import (
    Patch,
    Real,
    Subject,
    json6902_sets,
    parse_patch,
    smp_sets,
    targets,
)
from gitnad.sources.kustomize.replacements import field_path_writes, replacement_targets, replacements_in
from gitnad.sources.kustomize.values import descend, name_of, namespace_of, same, value_at
from gitnad.sources.manifests import BINDINGS, POOL_GROUP, group_of
from gitnad.sources.yamlio import LMap, LSeq, load_documents, plain

ORIGIN = "config.kubernetes.io/origin"
TRANSFORMATIONS = "alpha.config.kubernetes.io/transformations"
VM_TEMPLATE = ("spec", "template", "spec")
POOL_TEMPLATE = ("spec", "virtualMachineTemplate", "spec", "template", "spec")


# --- reading what kustomize annotated ------------------------------------------------------------------------


@dataclass(frozen=True)
class Provenance:
    """The origin file (repo path) or generator, and the kustomization files that transformed the object."""

    file: str
    generated: bool
    chain: tuple[str, ...]


def _yaml_value(text: Any) -> Any:
    docs = load_documents(text).documents if isinstance(text, str) else ()
    return plain(docs[0].data) if docs else None


def provenance(annotations: Mapping[str, Any], root: str, real: Real) -> Provenance | None:
    """Read kustomize's two annotations (paths relative to the root) into repo paths; `real` resolves links."""
    origin = _yaml_value(annotations.get(ORIGIN))
    if not isinstance(origin, Mapping):
        return None
    chain: list[str] = []
    for step in _yaml_value(annotations.get(TRANSFORMATIONS)) or ():
        where = step.get("configuredIn") if isinstance(step, Mapping) else None
        file = _kustomization_path(root, where, real) if isinstance(where, str) else None
        if file is not None and (not chain or chain[-1] != file):
            chain.append(file)
    if isinstance(origin.get("path"), str):
        file = _repo_path(root, origin["path"], real)
        return None if file is None else Provenance(file, False, tuple(chain))
    if isinstance(origin.get("configuredIn"), str):
        file = _repo_path(root, origin["configuredIn"], real)
        return None if file is None else Provenance(file, True, tuple(chain))
    return None


def _kustomization_path(root: str, rel: str, real: Real) -> str | None:
    """A kustomization file is known by its directory (the file itself may be a symlink to elsewhere)."""
    directory = _repo_path(root, posixpath.dirname(rel) or ".", real)
    if directory is None:
        return None
    name = posixpath.basename(rel)
    return f"{directory}/{name}" if directory else name


def _repo_path(root: str, rel: str, real: Real) -> str | None:
    p = posixpath.normpath(posixpath.join(root, rel)) if root else posixpath.normpath(rel)
    if p.startswith("../") or p == ".." or p.startswith("/"):
        return None
    return real("" if p == "." else p)


# --- the object's own document in its resource file ---------------------------------------------------------------


def _documents(data: bytes) -> Iterator[LMap]:
    """Every object of a resource file, `List` items included (kustomize flattens them)."""
    for doc in load_documents(data).documents:
        items = doc.data.get("items") if isinstance(doc.data, LMap) else None
        kind = doc.data.get("kind") if isinstance(doc.data, LMap) else None
        if isinstance(kind, str) and kind.endswith("List") and isinstance(items, LSeq):
            yield from (i for i in items if isinstance(i, LMap))
        elif isinstance(doc.data, LMap):
            yield doc.data


def find_source(data: bytes, body: Mapping[str, Any], chain: Sequence[Kustomization]) -> LMap | None:
    """The document in the resource file that became `body`: same group and kind, the name before
    namePrefix/nameSuffix (outermost prefix first), then the namespace as a tie-breaker."""
    kind, group = body.get("kind"), group_of(str(body.get("apiVersion", "")))
    docs = [d for d in _documents(data) if d.get("kind") == kind and group_of(str(d.get("apiVersion", ""))) == group]
    if len(docs) <= 1:
        return docs[0] if docs else None
    rendered = name_of(body)
    prefix = "".join(k.name_prefix for k in reversed(chain))
    suffix = "".join(k.name_suffix for k in chain)
    bare = rendered
    if prefix and bare.startswith(prefix):
        bare = bare[len(prefix) :]
    if suffix and bare.endswith(suffix):
        bare = bare[: -len(suffix)]
    named = [d for d in docs if name_of(d) == bare] or [d for d in docs if name_of(d) == rendered]
    same_ns = [d for d in named if namespace_of(d) == namespace_of(body)]
    best = same_ns or named
    return best[0] if best else None


def name_line(doc: LMap) -> int:
    meta = doc.get("metadata")
    return meta.key_line("name") if isinstance(meta, LMap) and "name" in meta else doc.line


# --- the walk ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One transformer step of a kustomization that can write a tracked field: a patch, `namespace:` (its value,
    and the file and line that hold it), or a replacement (the file holding its targets, and the targets)."""

    patch: Patch | None = None
    namespace: tuple[str, str, int] | None = None
    replacement: tuple[str, tuple[ReplacementTarget, ...]] | None = None


def steps(chain: Sequence[Kustomization], contents: Mapping[str, bytes], real: Real) -> list[Step]:
    """The steps in the order kustomize applies them."""
    out: list[Step] = []
    for k in chain:
        parsed = [(p, parse_patch(p, k, contents, real)) for p in k.patches]
        out.extend(Step(patch) for spec, patch in parsed if spec.field != "patchesJson6902" and patch is not None)
        if k.namespace is not None:
            out.append(Step(namespace=(k.namespace[0], real(k.file) or k.file, k.namespace[1])))
        out.extend(Step(patch) for spec, patch in parsed if spec.field == "patchesJson6902" and patch is not None)
        out.extend(Step(replacement=r) for r in (_replacement(x, k, contents, real) for x in k.replacements) if r)
    return out


def _replacement(
    spec: ReplacementSpec, k: Kustomization, contents: Mapping[str, bytes], real: Real
) -> tuple[str, tuple[ReplacementTarget, ...]] | None:
    if spec.path is None:
        return real(k.file) or k.file, spec.targets
    file = real(posixpath.normpath(posixpath.join(k.directory, spec.path)))
    data = contents.get(file) if file is not None else None
    if file is None or data is None:
        return None
    docs = [d.data for d in load_documents(data).documents]
    return file, tuple(t for r in replacements_in(docs) for t in replacement_targets(r))


def locate(path: FieldPath, subject: Subject, walk: Sequence[Step], origin: SourceLocation) -> SourceLocation:
    """Where the rendered value at `path` was written (see the module docstring)."""
    body = subject.body
    if path != ("metadata", "name"):
        for step in reversed(walk):
            found = _step_sets(step, path, subject)
            if found is not None:
                return found
    if subject.source is not None:
        found_src = descend(subject.source, path, body)
        ok, rendered = value_at(body, path)
        if found_src is not None and ok and same(found_src[0], rendered, isinstance(path[-1], int)):
            return SourceLocation(origin.file, found_src[1], Via.RESOURCE)
    return SourceLocation(origin.file, origin.line, Via.OBJECT)


def _step_sets(step: Step, path: FieldPath, subject: Subject) -> SourceLocation | None:
    if step.namespace is not None:
        value, file, line = step.namespace
        ok, rendered = value_at(subject.body, path)
        if path == ("metadata", "namespace") and ok and rendered == value:
            return SourceLocation(file, line, Via.KUSTOMIZATION)
        return None
    if step.replacement is not None:
        return _replacement_sets(*step.replacement, path, subject)
    patch = step.patch
    if patch is None:
        return None
    if patch.spec.target is not None and not targets(patch.spec.target, subject):
        return None
    if patch.json6902:
        return json6902_sets(patch, path, subject.body)
    return smp_sets(patch, path, subject.body, subject)


def _replacement_sets(
    file: str, targets_: tuple[ReplacementTarget, ...], path: FieldPath, subject: Subject
) -> SourceLocation | None:
    """The last fieldPath of the last target selecting the object (and not rejecting it) that names `path`."""
    for target in reversed(targets_):
        rejected = any(targets(r, subject) for r in target.reject if r != Selector())
        if rejected or not targets(target.select, subject):
            continue
        for field_path, line in reversed(target.field_paths):
            if field_path_writes(field_path, path, subject.body):
                return SourceLocation(file, line, Via.REPLACEMENT)
    return None


# --- which fields ---------------------------------------------------------------------------------------------


def template_prefix(body: Mapping[str, Any]) -> FieldPath | None:
    """Where the VM template spec sits (VirtualMachine or VirtualMachinePool); None for other kinds."""
    if body.get("kind") == "VirtualMachinePool" and group_of(str(body.get("apiVersion", ""))) == POOL_GROUP:
        return POOL_TEMPLATE
    if body.get("kind") == "VirtualMachine":
        return VM_TEMPLATE
    return None


def tracked_paths(body: Mapping[str, Any]) -> list[FieldPath]:
    """The fields gitnad reports on: name, namespace, each network, its multus `networkName`, each interface and
    its binding key; `spec.config` of a NAD."""
    paths: list[FieldPath] = [p for p in (("metadata", "name"), ("metadata", "namespace")) if value_at(body, p)[0]]
    prefix = template_prefix(body)
    if prefix is None:
        if value_at(body, ("spec", "config"))[0]:
            paths.append(("spec", "config"))
        return paths
    ok, nets = value_at(body, (*prefix, "networks"))
    for i, net in enumerate(nets if ok and isinstance(nets, list) else ()):
        paths.append((*prefix, "networks", i))
        if value_at(net, ("multus", "networkName"))[0]:
            paths.append((*prefix, "networks", i, "multus", "networkName"))
    ok, ifaces = value_at(body, (*prefix, "domain", "devices", "interfaces"))
    for i, iface in enumerate(ifaces if ok and isinstance(ifaces, list) else ()):
        base = (*prefix, "domain", "devices", "interfaces", i)
        paths.append(base)
        key = next((b for b in (*BINDINGS, "binding") if isinstance(iface, Mapping) and b in iface), None)
        if key is not None:
            paths.append((*base, key))
    return paths


def locations(subject: Subject, walk: Sequence[Step], origin: SourceLocation) -> dict[FieldPath, SourceLocation]:
    return {p: locate(p, subject, walk, origin) for p in tracked_paths(subject.body)}
