"""Where each value of a rendered object was written: the resource file, a patch, or a kustomization field.

kustomize says which resource file an object came from (`config.kubernetes.io/origin`) and which kustomization
files' transformers ran on it, in order (`alpha.config.kubernetes.io/transformations`). Within one kustomization
the builtin transformers run in a fixed order (api/internal/target/kusttarget_configplugin.go):
patchesStrategicMerge, patches, namespace, prefix, suffix, labels, annotations, patchesJson6902, ... So the
value of a field was set by the last of those steps, in that order, that writes the field and selects the object,
and whose written value is the rendered one; if none, by the resource file itself when it holds that value.

A patch selects an object the way kustomize selects (api/resmap/reswrangler.go `Select`): group, version, kind,
name and namespace as anchored regexes, the name and namespace matching the original or the current ones,
label and annotation selectors on the rendered object. A strategic-merge patch without a target selects the
object of its own kind and name. List items are matched by `name` (networks and interfaces always have one),
else by position. A JSON6902 operation points at the line of the value it writes: the `value:` line for a scalar,
the key inside the value for a field deeper in it. Anything not pinned down this way (a replacement, a label,
a value only a transformer changed) gets the object's own line with `Via.OBJECT`: never a guess.
`metadata.name` always points at the name in the resource file (namePrefix/nameSuffix only decorate it).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from gitnad.sources.kustomize.model import (
    FieldPath,
    Kustomization,
    PatchSpec,
    Selector,
    SourceLocation,
    Via,
)
from gitnad.sources.manifests import BINDINGS, POOL_GROUP, group_of
from gitnad.sources.yamlio import LMap, LSeq, load_documents, plain

ORIGIN = "config.kubernetes.io/origin"
TRANSFORMATIONS = "alpha.config.kubernetes.io/transformations"
VM_TEMPLATE = ("spec", "template", "spec")
POOL_TEMPLATE = ("spec", "virtualMachineTemplate", "spec", "template", "spec")
IDENTITY = (("apiVersion",), ("kind",), ("metadata", "name"), ("metadata", "namespace"))
Real = Callable[[str], str | None]
"""Repo path -> the path with symlinks followed (None when a link leaves the repository)."""


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


def _name(obj: Mapping[str, Any]) -> str:
    meta = obj.get("metadata")
    name = meta.get("name") if isinstance(meta, Mapping) else None
    return name if isinstance(name, str) else ""


def _namespace(obj: Mapping[str, Any]) -> str:
    meta = obj.get("metadata")
    ns = meta.get("namespace") if isinstance(meta, Mapping) else None
    return ns if isinstance(ns, str) else ""


def find_source(data: bytes, body: Mapping[str, Any], chain: Sequence[Kustomization]) -> LMap | None:
    """The document in the resource file that became `body`: same group and kind, the name before
    namePrefix/nameSuffix (outermost prefix first), then the namespace as a tie-breaker."""
    kind, group = body.get("kind"), group_of(str(body.get("apiVersion", "")))
    docs = [d for d in _documents(data) if d.get("kind") == kind and group_of(str(d.get("apiVersion", ""))) == group]
    if len(docs) <= 1:
        return docs[0] if docs else None
    rendered = _name(body)
    prefix = "".join(k.name_prefix for k in reversed(chain))
    suffix = "".join(k.name_suffix for k in chain)
    bare = rendered
    if prefix and bare.startswith(prefix):
        bare = bare[len(prefix) :]
    if suffix and bare.endswith(suffix):
        bare = bare[: -len(suffix)]
    named = [d for d in docs if _name(d) == bare] or [d for d in docs if _name(d) == rendered]
    same_ns = [d for d in named if _namespace(d) == _namespace(body)]
    best = same_ns or named
    return best[0] if best else None


def name_line(doc: LMap) -> int:
    meta = doc.get("metadata")
    return meta.key_line("name") if isinstance(meta, LMap) and "name" in meta else doc.line


# --- values -------------------------------------------------------------------------------------------------


def covers(patch: Any, rendered: Any) -> bool:
    """Whether the rendered value holds everything `patch` writes (mappings may hold more keys)."""
    if isinstance(patch, Mapping):
        return isinstance(rendered, Mapping) and all(
            k in rendered and covers(v, rendered[k])
            for k, v in patch.items()
            if v is not None and not (isinstance(k, str) and k.startswith("$"))
        )
    if isinstance(patch, list):
        return isinstance(rendered, list) and len(patch) == len(rendered) and all(map(covers, patch, rendered))
    if isinstance(patch, bool) or isinstance(rendered, bool):
        return patch is rendered
    return bool(patch == rendered)


def same(found: Any, rendered: Any, item: bool) -> bool:
    """Whether a written value is the rendered one; a named list item is the same item when the name is."""
    if item and isinstance(found, Mapping) and isinstance(rendered, Mapping) and "name" in rendered:
        return bool(found.get("name") == rendered["name"])
    return covers(plain(found), rendered)


def value_at(body: Any, path: FieldPath) -> tuple[bool, Any]:
    """(True, the value at `path`) or (False, None) when the path does not exist."""
    node = body
    for step in path:
        if isinstance(step, int):
            if not (isinstance(node, list) and 0 <= step < len(node)):
                return False, None
            node = node[step]
        else:
            if not (isinstance(node, Mapping) and step in node):
                return False, None
            node = node[step]
    return True, node


def descend(node: Any, path: FieldPath, body: Any, start: FieldPath = ()) -> tuple[Any, int] | None:
    """Follow `path` (indexes of the rendered `body`) through a patch or resource node; (value, line) or None.

    List items are matched by the rendered item's `name`, else by position; `$patch: delete` items never match.
    """
    line = node.line if isinstance(node, (LMap, LSeq)) else 0
    here = start
    for step in path:
        here = (*here, step)
        if isinstance(step, str):
            if not isinstance(node, LMap) or step not in node:
                return None
            line, node = node.key_line(step), node[step]
        else:
            if not isinstance(node, LSeq):
                return None
            found = _item(node, step, body, here)
            if found is None:
                return None
            line, node = node.item_line(found), node[found]
        if isinstance(node, Mapping) and node.get("$patch") == "delete":
            return None
    return node, line


def _item(seq: LSeq, index: int, body: Any, here: FieldPath) -> int | None:
    ok, item = value_at(body, here)
    name = item.get("name") if ok and isinstance(item, Mapping) else None
    if isinstance(name, str):
        for i, candidate in enumerate(seq):
            if isinstance(candidate, Mapping) and candidate.get("name") == name:
                return i
        return None
    return index if index < len(seq) else None


# --- patches ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Patch:
    """A parsed patch: JSON6902 operations or strategic-merge documents, with a line mapper into its file."""

    spec: PatchSpec
    file: str
    json6902: bool
    docs: tuple[Any, ...]
    first_line: int | None
    """File line of line 1 of the patch text (1 for a patch file), None when inline lines do not map."""

    def line(self, inner: int) -> int:
        return self.spec.inline_line if self.first_line is None else self.first_line + inner - 1


def parse_patch(
    spec: PatchSpec, kustomization: Kustomization, contents: Mapping[str, bytes], real: Real
) -> Patch | None:
    """The patch's documents, from its file (symlinks followed) or the inline text; None when unreadable."""
    if spec.path is not None:
        file = real(posixpath.normpath(posixpath.join(kustomization.directory, spec.path)))
        if file is None:
            return None
        data: bytes | str | None = contents.get(file)
        first: int | None = 1
    else:
        file = real(kustomization.file) or kustomization.file  # the text is where a symlinked file points
        data, first = spec.inline, spec.inline_first_line
    if data is None:
        return None
    docs = [d.data for d in load_documents(data).documents if d.data is not None]
    if not docs:
        return None
    is_list = len(docs) == 1 and isinstance(docs[0], LSeq)
    return Patch(spec, file, is_list, tuple(docs), first)


_REQUIREMENT = re.compile(r"\s*(!?)([^\s!=,()]+)\s*(?:(==|=|!=)\s*([^\s,()]*)|\s+(in|notin)\s*\(([^)]*)\))?\s*")


def selector_matches(expr: str, labels: Mapping[str, Any]) -> bool:
    """A Kubernetes label selector (`a=b,c!=d,e in (x,y),!f,g`) against `labels`."""
    if not expr.strip():
        return True
    for part in re.findall(r"(?:[^,(]|\([^)]*\))+", expr):
        m = _REQUIREMENT.fullmatch(part)
        if m is None:
            return True  # kustomize would reject the selector; do not decide on it here
        neg, key, op, value, set_op, values = m.groups()
        have = labels.get(key)
        have = None if have is None else str(have)
        if op is not None:
            ok = have == value if op in ("=", "==") else have != value
        elif set_op is not None:
            options = {v.strip() for v in values.split(",")}
            ok = have in options if set_op == "in" else have not in options
        else:
            ok = (have is None) if neg else (have is not None)
        if not ok:
            return False
    return True


def _regex(pattern: str, *values: str) -> bool:
    if not pattern:
        return True
    try:
        rx = re.compile(f"^(?:{pattern})$")
    except re.error:
        return True  # RE2 syntax Python lacks: let the value check decide
    return any(rx.match(v) for v in values)


@dataclass(frozen=True)
class Subject:
    """The rendered object and its original identity, for selecting."""

    body: Mapping[str, Any]
    source: LMap | None

    @property
    def names(self) -> tuple[str, ...]:
        return (_name(self.source), _name(self.body)) if self.source is not None else (_name(self.body),)

    @property
    def namespaces(self) -> tuple[str, ...]:
        own = [_namespace(self.source)] if self.source is not None else []
        return tuple(ns or "default" for ns in (*own, _namespace(self.body)))

    def meta(self, key: str) -> Mapping[str, Any]:
        meta = self.body.get("metadata")
        value = meta.get(key) if isinstance(meta, Mapping) else None
        return value if isinstance(value, Mapping) else {}


def targets(selector: Selector, subject: Subject) -> bool:
    api = str(subject.body.get("apiVersion", ""))
    group, version = api.split("/", 1) if "/" in api else ("", api)
    return (
        _regex(selector.group, group)
        and _regex(selector.version, version)
        and _regex(selector.kind, str(subject.body.get("kind", "")))
        and _regex(selector.name, *subject.names)
        and _regex(selector.namespace, *subject.namespaces)
        and selector_matches(selector.label_selector, subject.meta("labels"))
        and selector_matches(selector.annotation_selector, subject.meta("annotations"))
    )


def _smp_selects(doc: Any, subject: Subject) -> bool:
    """A strategic-merge patch without target applies to the object of its own group, kind and name."""
    if not isinstance(doc, Mapping):
        return False
    api = str(doc.get("apiVersion", ""))
    same_type = doc.get("kind") == subject.body.get("kind") and group_of(api) == group_of(
        str(subject.body.get("apiVersion", ""))
    )
    ns = _namespace(doc)
    return same_type and _name(doc) in subject.names and (not ns or ns in subject.namespaces)


def _json6902_sets(patch: Patch, path: FieldPath, body: Any) -> SourceLocation | None:
    """The last operation of the patch that writes `path` (or a parent of it) to its rendered value."""
    ops = patch.docs[0]
    ok, rendered = value_at(body, path)
    if not ok:
        return None
    for i in reversed(range(len(ops))):
        op = ops[i]
        if not isinstance(op, LMap) or op.get("op") not in ("add", "replace") or "value" not in op:
            continue
        tokens = _pointer(op.get("path"))
        if tokens is None or not _prefix(tokens, path):
            continue
        rest = path[len(tokens) :]
        if not rest:
            value, line = op["value"], op.key_line("value")
        else:
            found = descend(op["value"], rest, body, path[: len(tokens)])
            if found is None:
                continue
            value, line = found
        if same(value, rendered, isinstance(path[-1], int)):
            return SourceLocation(patch.file, patch.line(line), Via.JSON6902)
    return None


def _pointer(value: Any) -> list[str] | None:
    if not isinstance(value, str) or not value.startswith("/"):
        return None
    return [t.replace("~1", "/").replace("~0", "~") for t in value[1:].split("/")]


def _prefix(tokens: list[str], path: FieldPath) -> bool:
    if len(tokens) > len(path):
        return False
    for token, step in zip(tokens, path, strict=False):
        if isinstance(step, int):
            if token != "-" and token != str(step):
                return False
        elif token != step:
            return False
    return True


def _smp_sets(patch: Patch, path: FieldPath, body: Any, subject: Subject) -> SourceLocation | None:
    if path in IDENTITY:
        return None  # a strategic-merge patch names its object; that is not writing the name
    ok, rendered = value_at(body, path)
    if not ok:
        return None
    for doc in reversed(patch.docs):
        if patch.spec.target is None and not _smp_selects(doc, subject):
            continue
        found = descend(doc, path, body)
        if found is not None and same(found[0], rendered, isinstance(path[-1], int)):
            return SourceLocation(patch.file, patch.line(found[1]), Via.STRATEGIC_MERGE)
    return None


# --- the walk ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One transformer step of a kustomization that can write a tracked field: a patch, or `namespace:`
    (its value, and the file and line that hold it)."""

    patch: Patch | None
    namespace: tuple[str, str, int] | None = None


def steps(chain: Sequence[Kustomization], contents: Mapping[str, bytes], real: Real) -> list[Step]:
    """The steps in the order kustomize applies them."""
    out: list[Step] = []
    for k in chain:
        parsed = [(p, parse_patch(p, k, contents, real)) for p in k.patches]
        out.extend(Step(patch) for spec, patch in parsed if spec.field != "patchesJson6902" and patch is not None)
        if k.namespace is not None:
            out.append(Step(None, (k.namespace[0], real(k.file) or k.file, k.namespace[1])))
        out.extend(Step(patch) for spec, patch in parsed if spec.field == "patchesJson6902" and patch is not None)
    return out


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
    patch = step.patch
    if patch is None:
        return None
    if patch.spec.target is not None and not targets(patch.spec.target, subject):
        return None
    if patch.json6902:
        return _json6902_sets(patch, path, subject.body)
    return _smp_sets(patch, path, subject.body, subject)


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
