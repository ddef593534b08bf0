"""Snapshot files: a Kubernetes `v1` `List` (YAML or JSON), as `kubectl get ... -o yaml` prints it.

Reading: items are sorted into gitnad's resource types by apiVersion group and kind; other kinds are
ignored. A file written by `gitnad snapshot` says on the List which types it captured, which APIs were
not installed and when it was captured (annotations below). A hand-made file (kubectl) has no such
annotations: the types present count as captured and the absent ones as unreadable, so nothing is
ever passed as "none exist" that was simply not captured.

Writing: the objects as the API returned them, minus what gitnad never reads and must not leak: pods
keep only metadata (name, namespace, uid, labels, network annotations, owners, creation time),
`spec.nodeName` and `status.phase`; VM and VMI volumes (cloud-init user data often holds secrets),
`managedFields` and the last-applied annotation are dropped; only Dynamic Networks Controller
DaemonSets are kept, as metadata.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from gitnad import __version__
from gitnad.errors import SnapshotError
from gitnad.sources import yamlio
from gitnad.sources.cluster import convert, kinds
from gitnad.sources.cluster.kinds import Capture, ReadState, Resource, ResourceRead

CAPTURED_AT = "gitnad.dev/captured-at"
CAPTURED = "gitnad.dev/captured"
NOT_INSTALLED = "gitnad.dev/not-installed"
UNREADABLE = "gitnad.dev/unreadable"
NAMESPACES = "gitnad.dev/namespaces"
GENERATOR = "gitnad.dev/generator"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
POD_ANNOTATIONS = (convert.NETWORKS_ANNOTATION, convert.NETWORK_STATUS_ANNOTATION, convert.DEFAULT_NETWORK_ANNOTATION)
POD_METADATA = ("name", "namespace", "uid", "labels", "ownerReferences", "creationTimestamp")
DS_METADATA = ("name", "namespace", "uid", "labels", "creationTimestamp")


# --- reading ---------------------------------------------------------------------------------------


def read(path: Path, max_age: timedelta | None = None, now: datetime | None = None) -> Capture:
    """Parse a snapshot file into a Capture. Raises SnapshotError naming the file and line."""
    try:
        data = path.read_bytes()
    except OSError as e:
        raise SnapshotError(f"cannot read snapshot {path}: {e.strerror or e}") from e
    root, lines = _load(path, data)
    meta = _map(root.get("metadata"))
    annotations = {str(k): str(v) for k, v in _map(meta.get("annotations")).items()}
    captured_at = _captured_at(path, annotations)
    namespaces = _csv(annotations[NAMESPACES]) if NAMESPACES in annotations else None
    reads, ignored = _sort_items(path, root.get("items"), lines, annotations)
    warnings = list(ignored)
    warnings.extend(_age_warning(path, captured_at, max_age, now or datetime.now(UTC)))
    return Capture(
        origin=str(path),
        captured_at=captured_at,
        namespaces=tuple(namespaces) if namespaces is not None else None,
        reads=reads,
        warnings=tuple(warnings),
    )


def _load(path: Path, data: bytes) -> tuple[Mapping[str, Any], tuple[int, ...]]:
    """The List body (plain dicts) and the line of each item (empty for JSON)."""
    stripped = data.lstrip()
    if stripped.startswith(b"{"):
        try:
            with convert.quiet_gc():
                root = json.loads(data)
        except ValueError as e:
            line = getattr(e, "lineno", None)
            raise SnapshotError(f"{path}:{line or 1}: not valid JSON: {e}") from e
        _check_list(path, root, 1)
        return root, ()
    # A snapshot is one big document. Without aliases a node takes at least one byte of the file, so a
    # budget of one node per byte admits any honest file and still stops alias bombs.
    result = yamlio.load_plain(data, yamlio.YamlLimits(max_nodes=max(yamlio.YamlLimits.max_nodes, len(data))))
    if result.problem is not None:
        raise SnapshotError(f"{path}:{result.problem.line or 1}: {result.problem.message}")
    docs = [d for d in result.documents if d.data is not None]
    if len(docs) != 1:
        raise SnapshotError(f"{path}:1: expected one Kubernetes v1 List document, found {len(docs)} documents")
    root = docs[0].data
    _check_list(path, root, docs[0].line)
    return root, docs[0].item_lines.get("items", ())


def _check_list(path: Path, root: Any, line: int) -> None:
    if not isinstance(root, Mapping):
        raise SnapshotError(f"{path}:{line}: not a Kubernetes v1 List (the document is not a mapping)")
    kind = root.get("kind")
    if not isinstance(kind, str) or not kind.endswith("List"):
        raise SnapshotError(f"{path}:{line}: not a Kubernetes v1 List (kind: {kind!r}); write it with gitnad snapshot")
    items = root.get("items")
    if items is not None and (not isinstance(items, Sequence) or isinstance(items, str)):
        raise SnapshotError(f"{path}:{line}: items is not a list")


def _sort_items(
    path: Path, items: Any, lines: Sequence[int], annotations: Mapping[str, str]
) -> tuple[dict[str, ResourceRead], list[str]]:
    per: dict[str, list[tuple[Mapping[str, Any], int]]] = {r.name: [] for r in kinds.RESOURCES}
    ignored: dict[str, int] = {}
    for index, item in enumerate(items or ()):
        line = lines[index] if index < len(lines) else 0
        where = f"{path}:{line}" if line else f"{path}: items[{index}]"
        if not isinstance(item, Mapping):
            raise SnapshotError(f"{where}: list item is not an object")
        api_version, kind = item.get("apiVersion"), item.get("kind")
        if not isinstance(api_version, str) or not isinstance(kind, str):
            raise SnapshotError(f"{where}: list item without apiVersion/kind")
        resource = kinds.resource_of(api_version, kind)
        if resource is None:
            ignored[kind] = ignored.get(kind, 0) + 1
            continue
        per[resource.name].append((item, line))
    captured = set(_csv(annotations[CAPTURED])) if CAPTURED in annotations else None
    not_installed = set(_csv(annotations.get(NOT_INSTALLED, "")))
    unreadable = _reasons(annotations.get(UNREADABLE, ""))
    reads = {r.name: _read_of(r, per[r.name], captured, not_installed, unreadable) for r in kinds.RESOURCES}
    notes = [f"{path}: ignored {n} object(s) of kind {k}" for k, n in sorted(ignored.items())]
    return reads, notes


def _read_of(
    r: Resource,
    found: list[tuple[Mapping[str, Any], int]],
    captured: set[str] | None,
    not_installed: set[str],
    unreadable: Mapping[str, str],
) -> ResourceRead:
    items = tuple(i for i, _ in found)
    lines = tuple(line for _, line in found)
    if r.name in unreadable:
        return ResourceRead(r, ReadState.UNREADABLE, reason=unreadable[r.name])
    if r.name in not_installed:
        return ResourceRead(r, ReadState.NOT_INSTALLED, reason=kinds.NOT_INSTALLED_REASON)
    if (captured is not None and r.name in captured) or (captured is None and items):
        return ResourceRead(r, ReadState.READ, items=items, item_lines=lines if any(lines) else ())
    return ResourceRead(r, ReadState.UNREADABLE, reason="not in the snapshot")


def _captured_at(path: Path, annotations: Mapping[str, str]) -> datetime | None:
    raw = annotations.get(CAPTURED_AT)
    if raw is None:
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError as e:
        raise SnapshotError(f"{path}: annotation {CAPTURED_AT}: {raw!r} is not an RFC 3339 time") from e
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _age_warning(path: Path, captured_at: datetime | None, max_age: timedelta | None, now: datetime) -> list[str]:
    if max_age is None:
        return []
    if captured_at is None:
        return [f"snapshot {path} has no {CAPTURED_AT} annotation: its age cannot be checked"]
    age = now - captured_at
    if age <= max_age:
        return []
    return [
        f"snapshot {path} is stale: captured {_fmt_time(captured_at)}, {_fmt_age(age)} ago "
        f"(more than --max-snapshot-age {_fmt_age(max_age)})"
    ]


def _fmt_age(age: timedelta) -> str:
    """`1d2h`, `3h`, `25m10s`, `45s`."""
    seconds, parts = int(age.total_seconds()), []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    if seconds or not parts:
        parts.append(f"{seconds}s")
    return "".join(parts)


def _fmt_time(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _csv(raw: str) -> list[str]:
    return [p.strip() for p in raw.split(",") if p.strip()]


def _reasons(raw: str) -> dict[str, str]:
    """`res1=reason; res2=reason` -> dict."""
    out: dict[str, str] = {}
    for part in raw.split(";"):
        name, sep, reason = part.partition("=")
        if sep and name.strip():
            out[name.strip()] = reason.strip()
    return out


def _map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


# --- writing ---------------------------------------------------------------------------------------


def build_list(capture: Capture) -> dict[str, Any]:
    """The `v1` List gitnad writes: stripped items, capture facts as List annotations."""
    annotations = {
        GENERATOR: f"gitnad {__version__}",
        CAPTURED_AT: _fmt_time(capture.captured_at or datetime.now(UTC)),
        CAPTURED: ",".join(r.name for r in kinds.RESOURCES if capture.read(r).state is not ReadState.UNREADABLE),
    }
    if capture.namespaces is not None:
        annotations[NAMESPACES] = ",".join(capture.namespaces)
    not_installed = [r.name for r in kinds.RESOURCES if capture.read(r).state is ReadState.NOT_INSTALLED]
    if not_installed:
        annotations[NOT_INSTALLED] = ",".join(not_installed)
    unreadable = [r for r in kinds.RESOURCES if capture.read(r).state is ReadState.UNREADABLE]
    if unreadable:
        annotations[UNREADABLE] = "; ".join(f"{r.name}={capture.read(r).reason}" for r in unreadable)
    items: list[dict[str, Any]] = []
    for r in kinds.RESOURCES:
        for item in capture.read(r).items:
            stripped = strip(r, item)
            if stripped is not None:
                items.append(stripped)
    return {"apiVersion": "v1", "kind": "List", "metadata": {"annotations": annotations}, "items": items}


def strip(resource: Resource, item: Mapping[str, Any]) -> dict[str, Any] | None:
    """What gitnad keeps of one object (None: not kept at all)."""
    head = {"apiVersion": item.get("apiVersion") or resource.api_version, "kind": item.get("kind") or resource.kind}
    meta = _map(item.get("metadata"))
    if resource is kinds.PODS:
        pod_meta = {k: meta[k] for k in POD_METADATA if k in meta}
        pod_ann = {k: v for k, v in _map(meta.get("annotations")).items() if k in POD_ANNOTATIONS}
        if pod_ann:
            pod_meta["annotations"] = pod_ann
        out: dict[str, Any] = {**head, "metadata": pod_meta}
        node = _map(item.get("spec")).get("nodeName")
        if node is not None:
            out["spec"] = {"nodeName": node}
        phase = _map(item.get("status")).get("phase")
        if phase is not None:
            out["status"] = {"phase": phase}
        return out
    if resource is kinds.DAEMONSETS:
        return {**head, "metadata": {k: meta[k] for k in DS_METADATA if k in meta}} if convert.is_dnc(item) else None
    out = {**head, **{k: v for k, v in item.items() if k not in ("apiVersion", "kind", "metadata")}}
    out["metadata"] = _clean_meta(meta)
    if resource is kinds.VMS:
        _drop(out, ("spec", "template", "spec", "volumes"))
    elif resource is kinds.VMIS:
        _drop(out, ("spec", "volumes"))
    return out


def _clean_meta(meta: Mapping[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in meta.items() if k != "managedFields"}
    ann = _map(meta.get("annotations"))
    if LAST_APPLIED in ann:
        out["annotations"] = {k: v for k, v in ann.items() if k != LAST_APPLIED}
    return out


def _drop(obj: dict[str, Any], path: tuple[str, ...]) -> None:
    """Remove obj[path...] (copying the dicts on the way, so the capture stays untouched)."""
    parent = obj
    for key in path[:-1]:
        child = parent.get(key)
        if not isinstance(child, Mapping):
            return
        parent[key] = dict(child)
        parent = parent[key]
    parent.pop(path[-1], None)


def render(body: Mapping[str, Any], fmt: str) -> str:
    """The List as YAML (kubectl style: block style, keys in API order) or indented JSON."""
    if fmt == "json":
        return json.dumps(body, indent=2, ensure_ascii=False) + "\n"
    return yamlio.dump_yaml(body)
