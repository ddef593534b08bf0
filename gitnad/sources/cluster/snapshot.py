"""Snapshot files: a Kubernetes `v1` `List` (YAML or JSON), as `kubectl get ... -o yaml` prints it.

Reading: the file must be under the size limit (`ClusterSettings.max_snapshot_bytes`); JSON and YAML alike
refuse duplicate keys and nesting too deep to read, naming the file and line. Items are sorted into gitnad's
resource types by apiVersion group and kind (pods without the virt-launcher label and other kinds are
ignored) and cut down at once to what gitnad reads, so the raw body is freed early. A file written by
`gitnad snapshot` says on the List which types it captured, which APIs were not installed, which could not
be read and when it was captured (annotations below). A hand-made file (kubectl) has no such annotations:
the types present count as captured, the absent ones as assumed empty, which `assemble` accepts only when
no object of the List shows otherwise (SPEC §7).

Writing: the same allow-list (`KEEP`): what gitnad reads and nothing else can leak. VMs keep their
identity, run strategy, template networks and interfaces and status; VMIs their spec networks and
interfaces and status; pods only metadata (identity, labels, owners, network annotations), `spec.nodeName`
and `status.phase`. No volumes or `dataVolumeTemplates` (URLs with credentials, cloud-init user data),
template or VM annotations, container specs (environment), `managedFields` or last-applied annotations.
Only Dynamic Networks Controller DaemonSets are kept, as metadata.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from gitnad import __version__
from gitnad.config import DEFAULT_MAX_SNAPSHOT_BYTES
from gitnad.errors import SnapshotError
from gitnad.sources import jsonio, yamlio
from gitnad.sources.cluster import convert, kinds
from gitnad.sources.cluster.kinds import Capture, ReadState, Resource, ResourceRead
from gitnad.sources.gcwindow import quiet_gc

CAPTURED_AT = "gitnad.dev/captured-at"
CAPTURED = "gitnad.dev/captured"
NOT_INSTALLED = "gitnad.dev/not-installed"
UNREADABLE = "gitnad.dev/unreadable"
NAMESPACES = "gitnad.dev/namespaces"
GENERATOR = "gitnad.dev/generator"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"

Keep = Mapping[str, "Keep | None"]
"""An allow-list: the keys kept, each with the allow-list of its value (None: kept whole)."""


def _all(*keys: str) -> Keep:
    return dict.fromkeys(keys)


META = _all("name", "namespace", "uid", "labels", "ownerReferences", "creationTimestamp")
NETWORKS: Keep = {"networks": None, "domain": {"devices": {"interfaces": None}}}
POD_ANNOTATIONS = _all(
    convert.NETWORKS_ANNOTATION, convert.NETWORK_STATUS_ANNOTATION, convert.DEFAULT_NETWORK_ANNOTATION
)
KEEP: dict[Resource, Keep] = {
    kinds.KUBEVIRT: {
        "metadata": META,
        "spec": {
            "configuration": {
                "developerConfiguration": _all("featureGates", "disabledFeatureGates"),
                "migrations": _all("parallelMigrationsPerCluster", "parallelOutboundMigrationsPerNode"),
                "vmRolloutStrategy": None,
            },
            "workloadUpdateStrategy": _all("workloadUpdateMethods"),
        },
        "status": _all(
            "phase",
            "observedKubeVirtVersion",
            "targetKubeVirtVersion",
            "observedDeploymentID",
            "targetDeploymentID",
            "conditions",
        ),
    },
    kinds.NADS: {"metadata": {**META, "annotations": None}, "spec": _all("config")},
    kinds.VMS: {
        "metadata": META,
        "spec": {"running": None, "runStrategy": None, "template": {"spec": NETWORKS}},
        "status": _all("printableStatus", "created", "ready", "conditions"),
    },
    kinds.VMIS: {
        "metadata": META,
        "spec": NETWORKS,
        "status": _all("phase", "nodeName", "interfaces", "conditions", "migrationState", "activePods"),
    },
    kinds.MIGRATIONS: {
        "metadata": {**META, "annotations": None},
        "spec": _all("vmiName"),
        "status": _all("phase", "migrationState"),
    },
    kinds.PODS: {
        "metadata": {**META, "annotations": POD_ANNOTATIONS},
        "spec": _all("nodeName"),
        "status": _all("phase"),
    },
    kinds.DAEMONSETS: {"metadata": _all("name", "namespace", "uid", "labels", "creationTimestamp")},
}
"""What gitnad reads of each type, and so all a snapshot keeps (reading and writing)."""


NEVER_READ = frozenset(
    {
        "managedFields",
        LAST_APPLIED,
        "dataVolumeTemplates",
        "volumes",
        "volumeStatus",
        "guestOSInfo",
        "containers",
        "initContainers",
        "ephemeralContainers",
        "containerStatuses",
        "initContainerStatuses",
        "ephemeralContainerStatuses",
    }
)
"""Keys gitnad reads at no depth of any object (none is in KEEP): dropped from a JSON snapshot while it is
decoded. They are most of a kubectl List (managedFields, container specs); dropping them early cut the peak
memory of reading a 100 MB List from 843 to 284 MiB."""


def is_launcher(item: Mapping[str, Any]) -> bool:
    """A virt-launcher pod, as the live reader selects them (label), or controlled by a VMI."""
    meta = _map(item.get("metadata"))
    if _map(meta.get("labels")).get("kubevirt.io") == "virt-launcher":
        return True
    refs = meta.get("ownerReferences")
    return isinstance(refs, list) and any(_map(r).get("kind") == "VirtualMachineInstance" for r in refs)


# --- reading ---------------------------------------------------------------------------------------


def read(
    path: Path,
    max_age: timedelta | None = None,
    now: datetime | None = None,
    max_bytes: int = DEFAULT_MAX_SNAPSHOT_BYTES,
) -> Capture:
    """Parse a snapshot file into a Capture. Raises SnapshotError naming the file and line."""
    data = _read_bytes(path, max_bytes)
    with quiet_gc(freeze=True):  # parsing and cutting down build one big tree: no cyclic-GC pass re-walks it
        root, lines = _load(path, data)
        del data
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


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    """The file, refused before it is read when over the limit (a snapshot takes several times its size in memory).
    Reads at most one byte past the limit, so a file that grows meanwhile (or a device) cannot exhaust memory."""
    try:
        with path.open("rb") as f:
            size = os.fstat(f.fileno()).st_size
            data = f.read(max_bytes + 1) if size <= max_bytes else b""
    except OSError as e:
        raise SnapshotError(f"cannot read snapshot {path}: {e.strerror or e}") from e
    if size > max_bytes or len(data) > max_bytes:
        what = f"{_size(size)} is over" if size > max_bytes else "is larger than"
        raise SnapshotError(
            f"{path}: {what} the snapshot size limit of {_size(max_bytes)} (cluster.maxSnapshotBytes in "
            ".gitnad.yaml): raise the limit, or capture fewer namespaces (gitnad snapshot --namespace NS)"
        )
    return data


def _size(n: int) -> str:
    """`256 MiB`, `300.5 MiB`, `4096 bytes`."""
    if n < 2**20:
        return f"{n} bytes"
    return f"{n // 2**20} MiB" if n % 2**20 == 0 else f"{n / 2**20:.1f} MiB"


def _load(path: Path, data: bytes) -> tuple[Mapping[str, Any], tuple[int, ...]]:
    """The List body (plain dicts) and the line of each item (empty for JSON)."""
    stripped = data.lstrip()
    if stripped.startswith(b"{"):
        try:
            root = jsonio.loads(data, reject_duplicates=True, max_depth=None, drop_keys=NEVER_READ)
        except jsonio.JsonTooDeep as e:
            raise SnapshotError(f"{path}:1: not a usable JSON List: {e}") from e
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
    """Items per resource type, each cut down to what gitnad reads; notes on what was ignored."""
    seen_only: set[str] = set()
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
        if resource is None or (resource is kinds.PODS and not is_launcher(item)):
            label = f"{kind} (not a virt-launcher pod)" if resource is kinds.PODS else kind
            ignored[label] = ignored.get(label, 0) + 1
            continue
        kept = strip(resource, item)
        if isinstance(items, list):
            items[index] = None  # the raw object (managedFields, volumes, containers...) is freed right away
        if kept is not None:
            per[resource.name].append((kept, line))
        elif resource.name not in seen_only:
            seen_only.add(resource.name)  # a DaemonSet other than the controller: the kind was in the List
    captured = set(_csv(annotations[CAPTURED])) if CAPTURED in annotations else None
    not_installed = set(_csv(annotations.get(NOT_INSTALLED, "")))
    unreadable = _reasons(annotations.get(UNREADABLE, ""))
    reads = {
        r.name: _read_of(r, per[r.name], r.name in seen_only, captured, not_installed, unreadable)
        for r in kinds.RESOURCES
    }
    notes = [f"{path}: ignored {n} object(s) of kind {k}" for k, n in sorted(ignored.items())]
    return reads, notes


def _read_of(
    r: Resource,
    found: list[tuple[Mapping[str, Any], int]],
    in_list: bool,
    captured: set[str] | None,
    not_installed: set[str],
    unreadable: Mapping[str, str],
) -> ResourceRead:
    """What the List says about one type: with gitnad's annotations, what they say; without them (kubectl), a
    type with items (or objects gitnad skips, like other DaemonSets) was captured, one without is assumed
    empty."""
    items = tuple(i for i, _ in found)
    lines = tuple(line for _, line in found)
    if r.name in unreadable:
        return ResourceRead(r, ReadState.UNREADABLE, reason=unreadable[r.name])
    if r.name in not_installed:
        return ResourceRead(r, ReadState.NOT_INSTALLED, reason=kinds.NOT_INSTALLED_REASON)
    if (captured is not None and r.name in captured) or (captured is None and (items or in_list)):
        return ResourceRead(r, ReadState.READ, items=items, item_lines=lines if any(lines) else ())
    if captured is None:
        return ResourceRead(r, ReadState.ASSUMED_EMPTY)
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


_REASON_KEY = re.compile(r"(?:^|;)\s*(" + "|".join(re.escape(r.name) for r in kinds.RESOURCES) + r")=")


def _reasons(raw: str) -> dict[str, str]:
    """`res1=reason; res2=reason` -> dict. Keys are recognized only as the resource names gitnad writes, so a
    reason may hold `;` or `=` (API messages do: "...RBAC permission; see deploy/rbac/...")."""
    keys = list(_REASON_KEY.finditer(raw))
    ends = [k.start() for k in keys[1:]] + [len(raw)] if keys else []
    return {k.group(1): raw[k.end() : end].strip() for k, end in zip(keys, ends, strict=True)}


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
    """What gitnad keeps of one object (None: not kept at all): the allow-list `KEEP`, minus the last-applied
    annotation. A value of the wrong type is kept as it is, so the reader still reports it as unreadable."""
    if resource is kinds.DAEMONSETS and not convert.is_dnc(item):
        return None
    out = {"apiVersion": item.get("apiVersion") or resource.api_version, "kind": item.get("kind") or resource.kind}
    out.update(_keep(item, KEEP[resource]))
    meta = out.get("metadata")
    if isinstance(meta, Mapping):
        annotations = meta.get("annotations")
        if isinstance(annotations, Mapping) and LAST_APPLIED in annotations:
            out["metadata"] = {**meta, "annotations": {k: v for k, v in annotations.items() if k != LAST_APPLIED}}
    return out


def _keep(value: Mapping[str, Any], allowed: Keep) -> dict[str, Any]:
    """The allowed keys of `value`, in its order, each cut down by its own allow-list (None: the whole value).
    A mapping that the cut leaves empty is dropped; a value that should be a mapping and is not is kept."""
    out: dict[str, Any] = {}
    for key, v in value.items():
        if key not in allowed:
            continue
        sub = allowed[key]
        if sub is None or not isinstance(v, Mapping):
            out[key] = v
        elif (kept := _keep(v, sub)) or not v:
            out[key] = kept
    return out


def render(body: Mapping[str, Any], fmt: str) -> str:
    """The List as YAML (kubectl style: block style, keys in API order) or indented JSON."""
    if fmt == "json":
        return json.dumps(body, indent=2, ensure_ascii=False) + "\n"
    return yamlio.dump_yaml(body)
