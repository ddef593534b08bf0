"""Turn parsed Kubernetes objects into gitnad models: VMs, VM pools and NADs.

Works on `yamlio` documents (with line marks) and on plain JSON bodies from the API server (lines
then fall back to the object's own line or 0), so the scanner and the cluster adapter agree exactly
on what a network or an interface is.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from gitnad.models.manifest import NAD, VM, WAIVER_ANNOTATION_PREFIX, Interface, Network, NetworkSource, VMKind
from gitnad.models.names import normalize_nad
from gitnad.sources import jsonio
from gitnad.sources.yamlio import LMap, LSeq

VM_GROUP = "kubevirt.io"
POOL_GROUP = "pool.kubevirt.io"
NAD_GROUP = "k8s.cni.cncf.io"
NAD_KIND = "NetworkAttachmentDefinition"
RESOURCE_NAME_ANNOTATION = "k8s.v1.cni.cncf.io/resourceName"
BINDINGS = ("bridge", "masquerade", "sriov", "passt", "slirp", "macvtap")


class ManifestError(ValueError):
    """A recognised object whose shape gitnad cannot read (becomes GN001 with the line)."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


def _line(obj: Any, default: int = 0) -> int:
    return obj.line if isinstance(obj, (LMap, LSeq)) else default


def key_line(obj: Any, key: str, default: int = 0) -> int:
    """1-based line of `key` in a mapping from yamlio, else `default`."""
    return obj.key_line(key) if isinstance(obj, LMap) else default


def item_line(seq: Any, index: int, default: int = 0) -> int:
    return seq.item_line(index) if isinstance(seq, LSeq) else default


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), default=str)
_FAST_CANONICAL = jsonio.compact_encoder(sort_keys=True, default=str)


def _canonical(obj: Any) -> str:
    """Sorted-key compact JSON. The reused C encoder gives the same text 2-3x faster; whatever it cannot encode
    (mixed key types, a cycle) goes the original way, with the original outcome."""
    try:
        return _FAST_CANONICAL(obj)
    except (TypeError, ValueError, RecursionError):
        pass
    try:
        return _CANONICAL.encode(obj)
    except TypeError:  # keys of mixed types (`2:`, `on:`, `~:` next to strings) cannot be sorted together
        return _CANONICAL.encode(_json_keys(obj))


def _json_keys(obj: Any) -> Any:
    """Mapping keys as the JSON object keys Kubernetes' YAML-to-JSON conversion makes of them (`true`, `2`)."""
    if isinstance(obj, Mapping):
        return {_json_key(k): _json_keys(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_json_keys(v) for v in obj]
    return obj


def _json_key(key: Any) -> str:
    if isinstance(key, bool) or key is None:
        return json.dumps(key)
    return str(key)


def _str_map(value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping):
        return {}
    return {str(k): "" if v is None else str(v) for k, v in value.items()}


def parse_networks(nets: Any, namespace: str) -> tuple[Network, ...]:
    """`spec.networks[]` of a VM template or VMI -> Network models (entries without a name are skipped)."""
    if not isinstance(nets, Sequence) or isinstance(nets, str):
        return ()
    out: list[Network] = []
    for i, net in enumerate(nets):
        if not isinstance(net, Mapping) or not isinstance(net.get("name"), str):
            continue
        iline = item_line(nets, i, _line(net))
        multus = net.get("multus")
        rest = {k: v for k, v in net.items()}
        if isinstance(multus, Mapping):
            raw = multus.get("networkName")
            raw_s = "" if raw is None else str(raw)
            rest["multus"] = {k: v for k, v in multus.items() if k != "networkName"}
            out.append(
                Network(
                    name=net["name"],
                    source=NetworkSource.MULTUS,
                    nad_raw=raw_s,
                    nad=normalize_nad(raw_s, namespace) if raw_s else None,
                    default=multus.get("default") is True,
                    line=key_line(multus, "networkName", key_line(net, "multus", iline)),
                    item_line=iline,
                    canonical=_canonical(rest),
                )
            )
        else:
            source = NetworkSource.POD if "pod" in net else NetworkSource.OTHER
            out.append(
                Network(
                    name=net["name"],
                    source=source,
                    line=key_line(net, "name", iline),
                    item_line=iline,
                    canonical=_canonical(rest),
                )
            )
    return tuple(out)


def parse_interfaces(ifaces: Any) -> tuple[Interface, ...]:
    """`domain.devices.interfaces[]` -> Interface models."""
    if not isinstance(ifaces, Sequence) or isinstance(ifaces, str):
        return ()
    out: list[Interface] = []
    for i, iface in enumerate(ifaces):
        if not isinstance(iface, Mapping) or not isinstance(iface.get("name"), str):
            continue
        iline = item_line(ifaces, i, _line(iface))
        binding: str | None = None
        plugin = False
        bline = key_line(iface, "name", iline)
        for b in BINDINGS:
            if b in iface:
                binding, bline = b, key_line(iface, b, iline)
                break
        else:
            plugin_spec = iface.get("binding")
            if isinstance(plugin_spec, Mapping) and plugin_spec.get("name"):
                binding, plugin, bline = str(plugin_spec["name"]), True, key_line(iface, "binding", iline)
        state = iface.get("state")
        mac = iface.get("macAddress")
        model = iface.get("model")
        out.append(
            Interface(
                name=iface["name"],
                binding=binding,
                binding_is_plugin=plugin,
                model=None if model is None else str(model),
                mac=None if mac is None else str(mac),
                state=None if state is None else str(state),
                line=key_line(iface, "name", iline),
                binding_line=bline,
                item_line=iline,
                canonical=_canonical({k: v for k, v in iface.items() if k != "state"}),
            )
        )
    return tuple(out)


def _template_spec(obj: Mapping[str, Any], kind: VMKind) -> Mapping[str, Any] | None:
    spec = obj.get("spec")
    if not isinstance(spec, Mapping):
        return None
    if kind is VMKind.VIRTUAL_MACHINE_POOL:
        vmt = spec.get("virtualMachineTemplate")
        spec = vmt.get("spec") if isinstance(vmt, Mapping) else None
        if not isinstance(spec, Mapping):
            return None
    template = spec.get("template")
    tspec = template.get("spec") if isinstance(template, Mapping) else None
    return tspec if isinstance(tspec, Mapping) else None


def _vm_spec(obj: Mapping[str, Any], kind: VMKind) -> Mapping[str, Any]:
    spec = obj.get("spec")
    if kind is VMKind.VIRTUAL_MACHINE_POOL and isinstance(spec, Mapping):
        vmt = spec.get("virtualMachineTemplate")
        spec = vmt.get("spec") if isinstance(vmt, Mapping) else None
    return spec if isinstance(spec, Mapping) else {}


def template_networks(tspec: Mapping[str, Any], namespace: str) -> tuple[tuple[Network, ...], tuple[Interface, ...]]:
    """Networks and interfaces of a VM template spec or of a VMI spec."""
    domain = tspec.get("domain")
    devices = domain.get("devices") if isinstance(domain, Mapping) else None
    ifaces = devices.get("interfaces") if isinstance(devices, Mapping) else None
    return parse_networks(tspec.get("networks"), namespace), parse_interfaces(ifaces)


@dataclass(frozen=True)
class Identity:
    api_version: str
    kind: str
    namespace: str | None
    name: str | None
    name_line: int


def identity(obj: Mapping[str, Any]) -> Identity | None:
    """apiVersion/kind/namespace/name of a Kubernetes object, or None when it is not one."""
    api = obj.get("apiVersion")
    kind = obj.get("kind")
    if not isinstance(api, str) or not isinstance(kind, str):
        return None
    meta = obj.get("metadata")
    meta = meta if isinstance(meta, Mapping) else {}
    ns = meta.get("namespace")
    name = meta.get("name")
    return Identity(
        api_version=api,
        kind=kind,
        namespace=ns if isinstance(ns, str) and ns else None,
        name=name if isinstance(name, str) and name else None,
        name_line=key_line(meta, "name", _line(obj)),
    )


def group_of(api_version: str) -> str:
    return api_version.split("/", 1)[0] if "/" in api_version else ""


def vm_kind(ident: Identity) -> VMKind | None:
    group = group_of(ident.api_version)
    if ident.kind == "VirtualMachine" and group == VM_GROUP:
        return VMKind.VIRTUAL_MACHINE
    if ident.kind == "VirtualMachinePool" and group == POOL_GROUP:
        return VMKind.VIRTUAL_MACHINE_POOL
    return None


def is_nad(ident: Identity) -> bool:
    return ident.kind == NAD_KIND and group_of(ident.api_version) == NAD_GROUP


def to_vm(obj: Mapping[str, Any], ident: Identity, kind: VMKind, namespace: str, file: str, doc_index: int) -> VM:
    """A VirtualMachine / VirtualMachinePool document -> VM. Raises ManifestError when unreadable."""
    if ident.name is None:
        raise ManifestError(f"{ident.kind} without metadata.name", _line(obj) or None)
    tspec = _template_spec(obj, kind)
    networks, interfaces = template_networks(tspec, namespace) if tspec is not None else ((), ())
    meta = obj.get("metadata")
    vspec = _vm_spec(obj, kind)
    template = vspec.get("template")
    tmeta = template.get("metadata") if isinstance(template, Mapping) else None
    running = vspec.get("running")
    run_strategy = vspec.get("runStrategy")
    on = meta.get("annotations") if isinstance(meta, Mapping) else None
    annotations = _str_map(on)
    return VM(
        kind=kind,
        api_version=ident.api_version,
        namespace=namespace,
        name=ident.name,
        file=file,
        line=ident.name_line,
        doc_index=doc_index,
        labels=_str_map(meta.get("labels")) if isinstance(meta, Mapping) else {},
        annotations=annotations,
        waiver_lines={k: n for k in annotations if k.startswith(WAIVER_ANNOTATION_PREFIX) and (n := key_line(on, k))},
        template_labels=_str_map(tmeta.get("labels")) if isinstance(tmeta, Mapping) else {},
        run_strategy=run_strategy if isinstance(run_strategy, str) else None,
        running=running if isinstance(running, bool) else None,
        networks=networks,
        interfaces=interfaces,
        template_line=_line(tspec) or None if tspec is not None else None,
    )


def _find_vlan(conf: Mapping[str, Any]) -> int | None:
    for key in ("vlan", "vlanId", "vlanID"):
        v = conf.get(key)
        if isinstance(v, bool):
            continue
        if isinstance(v, int):
            return v
        if isinstance(v, str) and v.isdigit():
            return int(v)
    return None


def parse_cni_config(config: Any) -> tuple[str | None, int | None, str | None, str]:
    """`spec.config` -> (type, vlan, error, canonical). A conflist's first plugin gives the type."""
    if config is None or config == "":
        return None, None, "spec.config is missing or empty", ""
    if not isinstance(config, str):
        return None, None, "spec.config is not a string", _canonical(config)
    try:
        conf = jsonio.loads(config)  # bounded: 5,000 nested `[` is a config error, not a RecursionError
    except jsonio.JsonTooDeep as e:
        return None, None, f"spec.config is {e}", config
    except ValueError as e:
        return None, None, f"spec.config is not JSON: {e}", config
    canonical = _canonical(conf)
    if not isinstance(conf, Mapping):
        return None, None, "spec.config is not a JSON object", canonical
    cni_type = conf.get("type")
    vlan = _find_vlan(conf)
    plugins = conf.get("plugins")
    if isinstance(plugins, list):
        dicts = [p for p in plugins if isinstance(p, Mapping)]
        if cni_type is None and dicts:
            cni_type = dicts[0].get("type")
        if vlan is None:
            vlan = next((v for v in (_find_vlan(p) for p in dicts) if v is not None), None)
    if not isinstance(cni_type, str) or not cni_type:
        return None, vlan, "spec.config has no CNI type", canonical
    return cni_type, vlan, None, canonical


def to_nad(obj: Mapping[str, Any], ident: Identity, namespace: str, file: str | None) -> NAD:
    if ident.name is None:
        raise ManifestError("NetworkAttachmentDefinition without metadata.name", _line(obj) or None)
    meta = obj.get("metadata")
    meta = meta if isinstance(meta, Mapping) else {}
    spec = obj.get("spec")
    config = spec.get("config") if isinstance(spec, Mapping) else None
    cni_type, vlan, error, canonical = parse_cni_config(config)
    annotations = _str_map(meta.get("annotations"))
    return NAD(
        namespace=namespace,
        name=ident.name,
        cni_type=cni_type,
        vlan=vlan,
        resource_name=annotations.get(RESOURCE_NAME_ANNOTATION),
        config_error=error,
        config_canonical=canonical,
        labels=_str_map(meta.get("labels")),
        annotations=annotations,
        file=file,
        line=ident.name_line if file is not None else None,
        config_line=key_line(spec, "config", ident.name_line) if file is not None else None,
    )
