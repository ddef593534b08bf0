"""Walking rendered objects and line-marked patch or resource documents side by side.

Paths are those of the rendered object (`FieldPath`: keys and list indexes). In a patch or a resource, a list
item is found by the rendered item's `name` (networks and interfaces always have one), else by position, so a
strategic-merge list (replaced whole for a CRD, merged by name with an OpenAPI schema) and a resource agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gitnad.sources.kustomize.model import FieldPath
from gitnad.sources.yamlio import LMap, LSeq, plain


def name_of(obj: Mapping[str, Any]) -> str:
    meta = obj.get("metadata")
    name = meta.get("name") if isinstance(meta, Mapping) else None
    return name if isinstance(name, str) else ""


def namespace_of(obj: Mapping[str, Any]) -> str:
    meta = obj.get("metadata")
    ns = meta.get("namespace") if isinstance(meta, Mapping) else None
    return ns if isinstance(ns, str) else ""


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
