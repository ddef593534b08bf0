"""Duplicate objects in a list: two with one namespace/name, or one metadata.uid.

The API server never lists one object twice, but a hand-made snapshot (two `kubectl get` outputs pasted into
one List, an object edited into a copy) can. Which copy is true cannot be told, and keeping the first would
make the verdict depend on list order, so every copy is set aside and an `Unreadable` record names them all.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from gitnad.models.cluster import ResourceType, Unreadable, UnreadableCause

VMI_KIND = "VirtualMachineInstance"


def _key(model: Any) -> str:
    return f"{model.namespace}/{model.name}"


def _lines(group: Sequence[tuple[Any, int | None]]) -> str:
    """` (lines 12, 40)` for objects of a snapshot file; "" when a line is unknown (JSON, live)."""
    lines = sorted(line for _, line in group if line)
    return f" (lines {', '.join(str(n) for n in lines)})" if len(lines) == len(group) else ""


def _subjects(resource: ResourceType, models: Sequence[Any]) -> tuple[str, ...]:
    """Whose facts the copies leave unknown (see `Unreadable.subjects`); () for all of the namespace."""
    if resource in (ResourceType.VMS, ResourceType.VMIS, ResourceType.NADS):
        return tuple(sorted({_key(m) for m in models}))
    if resource is ResourceType.MIGRATIONS:
        return tuple(sorted({f"{m.namespace}/{m.vmi_name}" for m in models}))
    if resource is ResourceType.PODS and all(m.owner is not None and m.owner.kind == VMI_KIND for m in models):
        return tuple(sorted({f"{m.namespace}/{m.owner.name}" for m in models}))
    return ()


def _record(resource: ResourceType, group: Sequence[tuple[Any, int | None]], reason: str) -> Unreadable:
    models = [m for m, _ in group]
    namespaces = {m.namespace for m in models}
    cluster_wide = resource is ResourceType.KUBEVIRT or len(namespaces) != 1
    return Unreadable(
        resource=resource,
        cause=UnreadableCause.DUPLICATE,
        reason=reason + _lines(group),
        namespace=None if cluster_wide else namespaces.pop(),
        subjects=_subjects(resource, models),
    )


def set_aside(
    resource: ResourceType, kind: str, converted: Sequence[tuple[Any, int | None]]
) -> tuple[list[Any], list[Unreadable]]:
    """(the objects without a duplicate, one record per group of duplicates). `converted` pairs each model with
    its line in a snapshot file (None when unknown)."""
    by_key: dict[str, list[tuple[Any, int | None]]] = defaultdict(list)
    by_uid: dict[str, list[tuple[Any, int | None]]] = defaultdict(list)
    for pair in converted:
        by_key[_key(pair[0])].append(pair)
        uid = getattr(pair[0], "uid", None)
        if uid:
            by_uid[uid].append(pair)
    dropped: set[int] = set()
    records = []
    for key, group in sorted(by_key.items()):
        if len(group) > 1:
            dropped.update(id(m) for m, _ in group)
            records.append(_record(resource, group, f"{kind} {key} is listed {len(group)} times"))
    for uid, group in sorted(by_uid.items()):
        names = sorted({_key(m) for m, _ in group})
        if len(names) > 1:  # copies under one name are already reported above
            dropped.update(id(m) for m, _ in group)
            records.append(_record(resource, group, f"{kind}s {', '.join(names)} share metadata.uid {uid}"))
    return [m for m, _ in converted if id(m) not in dropped], records
