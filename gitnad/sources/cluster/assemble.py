"""A capture -> ClusterFacts: every object converted (`convert`), malformed and duplicate objects set aside as
`Unreadable` records, kinds a kubectl List leaves out resolved, and the objects checked against each other
(`consistency`), so rules and drift get facts and records, never a silently shortened list.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from gitnad.models.cluster import (
    ClusterFacts,
    FactSource,
    KubeVirtFacts,
    ResourceType,
    Unreadable,
    UnreadableCause,
)
from gitnad.sources.cluster import consistency, duplicates, kinds
from gitnad.sources.cluster.convert import CONVERTERS, Memo, ObjectError, identity, is_dnc
from gitnad.sources.cluster.fields import FieldError, as_mapping, as_str
from gitnad.sources.cluster.kinds import Capture, ReadState, Resource
from gitnad.sources.gcwindow import quiet_gc


def _key(obj: Mapping[str, Any]) -> str:
    meta = as_mapping(obj.get("metadata"))
    return f"{as_str(meta.get('namespace')) or ''}/{as_str(meta.get('name')) or ''}"


def _pick_kubevirt(crs: list[KubeVirtFacts]) -> tuple[KubeVirtFacts | None, tuple[str, ...]]:
    """The KubeVirt CR (there is normally exactly one); warn when there are several."""
    crs = sorted(crs, key=lambda k: (k.phase != "Deployed", k.namespace, k.name))
    if len(crs) > 1:
        names = ", ".join(f"{k.namespace}/{k.name}" for k in crs)
        return crs[0], (f"{len(crs)} KubeVirt CRs ({names}); using {crs[0].namespace}/{crs[0].name}",)
    return (crs[0] if crs else None), ()


def to_facts(capture: Capture, source: FactSource) -> ClusterFacts:
    """A capture -> ClusterFacts. Unread resources, malformed and duplicate objects and objects missing although
    others show they exist become `Unreadable` records; absent APIs and kinds assumed empty go to `warnings`."""
    with quiet_gc(freeze=True):  # the facts live to the end of the run
        return _to_facts(capture, source)


def _to_facts(capture: Capture, source: FactSource) -> ClusterFacts:
    records: list[Unreadable] = []
    memo = Memo()
    warnings: list[str] = list(capture.warnings)
    for r in kinds.RESOURCES:
        read = capture.read(r)
        if read.state is ReadState.UNREADABLE:
            records.append(Unreadable(resource=r.type, cause=UnreadableCause.NOT_READ, reason=read.reason or "?"))
    parts = consistency.Parts(
        kubevirt=_convert(capture, kinds.KUBEVIRT, records, memo),
        nads=_convert(capture, kinds.NADS, records, memo),
        vms=_convert(capture, kinds.VMS, records, memo),
        vmis=_convert(capture, kinds.VMIS, records, memo),
        migrations=_convert(capture, kinds.MIGRATIONS, records, memo),
        pods=_convert(capture, kinds.PODS, records, memo),
        seen={r.type: _seen(capture.read(r).items) for r in kinds.RESOURCES},
    )
    states = {r.type: capture.read(r).state for r in kinds.RESOURCES}
    served = [t for t, s in states.items() if s is ReadState.READ]
    found, notes = consistency.assumed_kinds(
        parts, [t for t, s in states.items() if s is ReadState.ASSUMED_EMPTY], capture.origin
    )
    absent, absent_notes = consistency.absent_apis(
        parts, [t for t, s in states.items() if s is ReadState.NOT_INSTALLED], served
    )
    records += found + absent + consistency.object_gaps(parts, served)
    warnings += absent_notes + notes
    kv, kv_warnings = _pick_kubevirt(list(parts.kubevirt))
    warnings.extend(kv_warnings)
    kv_unknown = any(u.resource is ResourceType.KUBEVIRT for u in records)
    if kv is None and not kv_unknown and states[ResourceType.KUBEVIRT] is ReadState.READ:
        warnings.append("no KubeVirt CR in the cluster: KubeVirt is not deployed")
    dnc = sorted(_key(d) for d in capture.read(kinds.DAEMONSETS).items if is_dnc(d))
    return ClusterFacts(
        source=source,
        origin=capture.origin,
        captured_at=capture.captured_at,
        namespaces=capture.namespaces,
        # False only when proven (API absent, or no CR read); an unknown KubeVirt CR is an Unreadable record.
        kubevirt_installed=kv is not None or kv_unknown,
        kubevirt=kv,
        nads=parts.nads,
        vms=parts.vms,
        vmis=parts.vmis,
        migrations=parts.migrations,
        pods=parts.pods,
        dynamic_networks_controller=dnc[0] if dnc else None,
        unreadable=tuple(sorted(records, key=_record_order)),
        warnings=tuple(warnings),
    )


def _seen(items: Sequence[Mapping[str, Any]]) -> frozenset[str]:
    """Every `namespace/name` and uid in a list, whatever became of the objects."""
    out: set[str] = set()
    for item in items:
        meta = as_mapping(item.get("metadata"))
        out.add(_key(item))
        if uid := as_str(meta.get("uid")):
            out.add(uid)
    return frozenset(out)


def _record_order(u: Unreadable) -> tuple[int, str, str]:
    return (kinds.RESOURCES.index(kinds.BY_TYPE[u.resource]), u.namespace or "", u.reason)


def _convert(capture: Capture, resource: Resource, records: list[Unreadable], memo: Memo) -> tuple[Any, ...]:
    """Every item of a resource converted, sorted by namespace/name so both readers agree on order. A malformed
    object becomes a record instead; duplicates (one name or one uid) are all set aside as records."""
    read = capture.read(resource)
    fn = CONVERTERS[resource]
    out: list[tuple[Any, int | None]] = []
    for index, item in enumerate(read.items):
        line = read.item_lines[index] if read.item_lines else None
        try:
            out.append((fn(item, memo), line))
        except FieldError as e:
            records.append(_malformed(resource, item, line, str(e)))
        except ObjectError as e:
            raise ItemError(resource, index, line, str(e)) from e
    kept, found = duplicates.set_aside(resource.type, resource.kind, out)
    records.extend(found)
    return tuple(sorted(kept, key=lambda m: (m.namespace, m.name)))


def _malformed(resource: Resource, item: Mapping[str, Any], line: int | None, problem: str) -> Unreadable:
    namespace, name, _ = identity(item, resource.kind)
    at = f" (line {line})" if line else ""
    return Unreadable(
        resource=resource.type,
        cause=UnreadableCause.MALFORMED,
        reason=f"{resource.kind} {namespace}/{name}{at}: {problem}",
        namespace=None if resource is kinds.KUBEVIRT else namespace,
        subjects=tuple(f"{namespace}/{s}" for s in _owners(resource, item, name)),
    )


def _owners(resource: Resource, item: Mapping[str, Any], name: str) -> list[str]:
    """The names (in the object's namespace) whose facts an unreadable object leaves unknown: itself, or the VMI
    its pod or migration belongs to; [] (all of the namespace) when that cannot be read either."""
    if resource in (kinds.VMS, kinds.VMIS, kinds.NADS):
        return [name]
    meta = as_mapping(item.get("metadata"))
    if resource is kinds.PODS:
        refs = meta.get("ownerReferences")
        refs = [as_mapping(r) for r in refs] if isinstance(refs, list) else []
        return sorted({o for r in refs if r.get("kind") == "VirtualMachineInstance" and (o := as_str(r.get("name")))})
    if resource is kinds.MIGRATIONS:
        label = as_mapping(meta.get("labels")).get("kubevirt.io/vmi-name")
        vmi_name = as_str(as_mapping(item.get("spec")).get("vmiName")) or as_str(label)
        return [vmi_name] if vmi_name else []
    return []


class ItemError(ValueError):
    """ObjectError plus where the item was: resource, index in the read, line in a snapshot file."""

    def __init__(self, resource: Resource, index: int, line: int | None, message: str) -> None:
        super().__init__(message)
        self.resource = resource
        self.index = index
        self.line = line
        self.message = message
