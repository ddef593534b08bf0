"""Replacements (kustomize's `replacements:`): which fields a replacement writes, for locating them.

A replacement copies a source field into `fieldPaths` of the objects its targets select (and do not reject).
A fieldPath is dot-separated (`spec.template.spec.networks.[name=data].multus.networkName`): a `[key=value]`
segment picks the list item whose `key` is `value`, `*` matches any key or item, digits an index. The location of
a replaced field is the line of the fieldPath that writes it (`Via.REPLACEMENT`); the value itself comes from the
source object, whose own location is that object's business.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from gitnad.sources.kustomize.model import FieldPath, ReplacementTarget, Selector
from gitnad.sources.yamlio import LMap, LSeq

_SEGMENT = re.compile(r"\[[^\]]*\]|[^.\[]+")


def _field(mapping: Any, name: str) -> Any:
    """A field matched case-insensitively (encoding/json), or None."""
    if not isinstance(mapping, Mapping):
        return None
    for key, value in mapping.items():
        if isinstance(key, str) and key.lower() == name.lower():
            return value
    return None


def replacement_targets(entry: LMap, line: Callable[[int], int] = lambda n: n) -> tuple[ReplacementTarget, ...]:
    """The targets of one replacement; `line` maps the document's lines to the file's."""
    targets = _field(entry, "targets")
    out: list[ReplacementTarget] = []
    for target in targets if isinstance(targets, LSeq) else ():
        paths = _field(target, "fieldPaths")
        rejects = _field(target, "reject")
        field_paths = tuple(
            (fp, line(paths.item_line(i))) for i, fp in enumerate(paths if isinstance(paths, LSeq) else ())
            if isinstance(fp, str)
        )  # fmt: skip
        out.append(
            ReplacementTarget(
                select=Selector.of(_field(target, "select")),
                reject=tuple(Selector.of(r) for r in (rejects if isinstance(rejects, list) else ())),
                field_paths=field_paths,
            )
        )
    return tuple(out)


def replacements_in(documents: list[Any]) -> Iterator[LMap]:
    """The replacements of a replacements file: one per document, or a list of them."""
    for doc in documents:
        if isinstance(doc, LMap):
            yield doc
        elif isinstance(doc, LSeq):
            yield from (d for d in doc if isinstance(d, LMap))


def field_path_writes(field_path: str, path: FieldPath, body: Any) -> bool:
    """Whether `field_path` names `path` of the rendered `body` (or a parent of it, replaced whole)."""
    segments = _SEGMENT.findall(field_path)
    if not segments or len(segments) > len(path):
        return False
    node = body
    for segment, step in zip(segments, path, strict=False):
        if not _segment_matches(segment, step, node):
            return False
        node = node[step]
    return True


def _segment_matches(segment: str, step: str | int, node: Any) -> bool:
    if segment == "*":
        return True
    if isinstance(step, int):
        if not isinstance(node, list) or step >= len(node):
            return False
        if segment.startswith("[") and "=" in segment:
            key, value = segment[1:-1].split("=", 1)
            item = node[step]
            return isinstance(item, Mapping) and str(item.get(key)) == value
        return segment == str(step)
    return isinstance(node, Mapping) and segment == step
