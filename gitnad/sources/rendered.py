"""Rendered Kustomize objects -> the same models plain manifests give (VMs, VM pools, NADs), each value pointing
at the file and line that wrote it; render problems -> GN001 findings naming the overlay root.

A rendered object is built from several files: its identity (namespace, name prefix) comes from the render, a
network's `networkName` may come from a JSON6902 operation or a strategic-merge patch, the rest from the base
manifest. The models are made by the scanner's own `to_vm`/`to_nad` (so a rendered VM and a plain one agree on
what a network or an interface is), then every line is replaced by the location kustomize's provenance gives
(`RenderedObject.locate`): `VM.file`/`line` the object's `metadata.name` in its resource file, each network and
interface its own line, with its `file` when that is not the VM's.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from gitnad.models.findings import Finding
from gitnad.models.manifest import NAD, VM, Interface, Network, NetworkSource
from gitnad.models.names import printable
from gitnad.sources import shapes
from gitnad.sources.kustomize.locate import template_prefix
from gitnad.sources.kustomize.model import FieldPath, Problem, RenderedObject, RenderResult, SourceLocation
from gitnad.sources.manifests import BINDINGS, ManifestError, identity, to_nad, to_vm, vm_kind
from gitnad.sources.scanner import FileScan, gn001


def root_label(root: str) -> str:
    """How a root is named in messages: its directory, `.` for the repository root."""
    return printable(root) if root else "."


def problem_finding(problem: Problem, root: str | None) -> Finding:
    """GN001 for a problem that stops a root's render: its VMs and NADs are unknown, never clean."""
    message = problem.message
    if root is not None:
        message += f"; overlay {root_label(root)} is not rendered: its VMs and NADs are unknown"
    return gn001(problem.file, message, problem.line).model_copy(update={"source_root": root})


def rendered_models(result: RenderResult, default_namespace: str) -> FileScan:
    """The VMs, pools and NADs of one root's render, and GN001 for its problems and its broken objects."""
    vms: list[VM] = []
    nads: list[NAD] = []
    problems = [problem_finding(p, result.root) for p in result.problems]
    for obj in result.objects:
        for found in _convert(obj, default_namespace):
            if isinstance(found, VM):
                vms.append(found)
            elif isinstance(found, NAD):
                nads.append(found)
            else:
                problems.append(found)
    return FileScan(tuple(vms), tuple(nads), tuple(problems))


def _convert(obj: RenderedObject, default_namespace: str) -> Iterator[VM | NAD | Finding]:
    body = obj.body
    ident = identity(body)
    if ident is None:  # render keeps only our kinds; a body without apiVersion/kind never gets here
        return
    vkind = vm_kind(ident)
    origin = obj.origin
    subject = f"{ident.kind} {printable(ident.name)}" if ident.name else ident.kind
    rendered_by = f"as overlay {root_label(obj.root)} renders it"
    wrong = shapes.problems(body, shapes.shape_of(vkind))
    if wrong:
        for p in wrong:
            yield _broken(obj, f"{subject}: {p.message}, {rendered_by}")
        return
    namespace = ident.namespace or default_namespace
    try:
        if vkind is not None:
            yield _locate_vm(to_vm(body, ident, vkind, namespace, origin.file, obj.index), obj)
        else:
            yield _locate_nad(to_nad(body, ident, namespace, origin.file), obj)
    except ManifestError as e:
        yield _broken(obj, f"{e}, {rendered_by}")
    except ValueError as e:  # a model refusing a value: a problem of this object, never a crash
        first = str(e).splitlines()[0] if str(e) else type(e).__name__
        yield _broken(obj, f"cannot read {subject}: {first}, {rendered_by}")


def _broken(obj: RenderedObject, message: str) -> Finding:
    return gn001(obj.origin.file, message, obj.origin.line).model_copy(update={"source_root": obj.root})


def _other(at: SourceLocation, file: str) -> str | None:
    return at.file if at.file != file else None


def _first_index(items: Any) -> dict[str, int]:
    """Name -> index of the first list item with that name (KubeVirt indexes networks and interfaces by name)."""
    out: dict[str, int] = {}
    for i, item in enumerate(items if isinstance(items, list) else ()):
        name = item.get("name") if isinstance(item, Mapping) else None
        if isinstance(name, str):
            out.setdefault(name, i)
    return out


def _locate_vm(vm: VM, obj: RenderedObject) -> VM:
    prefix = template_prefix(obj.body) or ()
    named = obj.locate(("metadata", "name"))
    file = named.file
    spec = _at(obj.body, prefix)
    nets = _first_index(spec.get("networks"))
    devices = _at(spec, ("domain", "devices"))
    ifaces = _first_index(devices.get("interfaces"))
    iface_items = devices.get("interfaces")
    return vm.model_copy(
        update={
            "file": file,
            "line": named.line,
            "waiver_lines": {},  # an annotation may come from a patch or commonAnnotations: reported at `line`
            "source_root": obj.root,
            "networks": tuple(_network(n, obj, (*prefix, "networks", nets[n.name]), file) for n in vm.networks),
            "interfaces": tuple(
                _interface(i, obj, (*prefix, "domain", "devices", "interfaces", ifaces[i.name]), iface_items, file)
                for i in vm.interfaces
            ),
        }
    )


def _at(body: Any, path: FieldPath) -> Mapping[str, Any]:
    node = body
    for step in path:
        node = node.get(step) if isinstance(node, Mapping) and isinstance(step, str) else None
    return node if isinstance(node, Mapping) else {}


def _network(net: Network, obj: RenderedObject, path: FieldPath, vm_file: str) -> Network:
    item = obj.locate(path)
    at = obj.locate((*path, "multus", "networkName")) if net.source is NetworkSource.MULTUS else item
    return net.model_copy(update={"line": at.line, "item_line": item.line, "file": _other(at, vm_file)})


def _interface(iface: Interface, obj: RenderedObject, path: FieldPath, items: Any, vm_file: str) -> Interface:
    at = obj.locate(path)
    index = path[-1]
    body = items[index] if isinstance(items, list) and isinstance(index, int) else {}
    key = next((b for b in (*BINDINGS, "binding") if isinstance(body, Mapping) and b in body), None)
    bound = obj.locate((*path, key)) if key is not None else at
    return iface.model_copy(
        update={
            "line": at.line,
            "item_line": at.line,
            "binding_line": bound.line,
            "file": _other(at, vm_file),
            "binding_file": _other(bound, vm_file),
        }
    )


def _locate_nad(nad: NAD, obj: RenderedObject) -> NAD:
    named = obj.locate(("metadata", "name"))
    config = obj.locate(("spec", "config"))
    return nad.model_copy(
        update={
            "file": named.file,
            "line": named.line,
            "config_line": config.line,
            "config_file": _other(config, named.file),
            "source_root": obj.root,
        }
    )
