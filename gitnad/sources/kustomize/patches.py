"""Patches as kustomize applies them: which objects a patch selects, and whether it writes a field.

Selection follows api/resmap/reswrangler.go `Select`: group, version, kind, name and namespace as anchored
regexes, the name and namespace matching the original or the current ones, label and annotation selectors on the
rendered object. A strategic-merge patch without a target selects the object of its own kind and name. A JSON6902
operation writes a field when its path is the field or a parent of it (`-` appends: any index); it points at the
line of the value it writes (the `value:` line for a scalar, the key inside the value for a field deeper in it).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from gitnad.sources.kustomize.model import FieldPath, Kustomization, PatchSpec, Selector, SourceLocation, Via
from gitnad.sources.kustomize.values import descend, name_of, namespace_of, same, value_at
from gitnad.sources.manifests import group_of
from gitnad.sources.yamlio import LMap, LSeq, load_documents

IDENTITY = (("apiVersion",), ("kind",), ("metadata", "name"), ("metadata", "namespace"))
Real = Callable[[str], str | None]
"""Repo path -> the path with symlinks followed (None when a link leaves the repository)."""


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
        return (name_of(self.source), name_of(self.body)) if self.source is not None else (name_of(self.body),)

    @property
    def namespaces(self) -> tuple[str, ...]:
        own = [namespace_of(self.source)] if self.source is not None else []
        return tuple(ns or "default" for ns in (*own, namespace_of(self.body)))

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
    ns = namespace_of(doc)
    return same_type and name_of(doc) in subject.names and (not ns or ns in subject.namespaces)


def json6902_sets(patch: Patch, path: FieldPath, body: Any) -> SourceLocation | None:
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
        if (
            rest
            and tokens
            and isinstance(path[len(tokens) - 1], int)
            and not _same_item(op["value"], path, tokens, body)
        ):
            continue  # the operation writes another item of the list (`-` appends, indexes shift)
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


def _same_item(value: Any, path: FieldPath, tokens: list[str], body: Any) -> bool:
    ok, item = value_at(body, path[: len(tokens)])
    return ok and same(value, item, True)


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


def smp_sets(patch: Patch, path: FieldPath, body: Any, subject: Subject) -> SourceLocation | None:
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
