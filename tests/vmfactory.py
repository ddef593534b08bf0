"""Build schema-valid VirtualMachine / NAD manifests for tests, and parse them the way the scanner does."""

from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass, field

from gitnad.models.manifest import NAD, VM, VMKind
from gitnad.sources import manifests
from gitnad.sources.yamlio import load_documents


@dataclass
class Net:
    """One network + its interface. kind: pod | multus | default (multus.default: true)."""

    name: str
    kind: str = "multus"
    nad: str | None = None
    binding: str = "bridge"
    extra: dict[str, str] = field(default_factory=dict)
    state: str | None = None


def vm_yaml(name: str, nets: list[Net], namespace: str = "prod", annotations: dict[str, str] | None = None) -> str:
    """A VirtualMachine that validates against KubeVirt v1.9's CRD schema."""
    ifaces, networks = [], []
    for n in nets:
        i = f"          - name: {n.name}\n"
        if n.binding.startswith("plugin:"):
            i += f"            binding:\n              name: {n.binding.split(':', 1)[1]}\n"
        else:
            i += f"            {n.binding}: {{}}\n"
        for k, v in n.extra.items():
            i += f"            {k}: {v}\n"
        if n.state:
            i += f"            state: {n.state}\n"
        ifaces.append(i)
        if n.kind == "pod":
            networks.append(f"      - name: {n.name}\n        pod: {{}}\n")
        elif n.kind == "default":
            networks.append(
                f"      - name: {n.name}\n        multus:\n          default: true\n          networkName: {n.nad}\n"
            )
        else:
            networks.append(f"      - name: {n.name}\n        multus:\n          networkName: {n.nad}\n")
    ann = ""
    if annotations:
        ann = "  annotations:\n" + "".join(f"    {k}: {json.dumps(v)}\n" for k, v in annotations.items())
    return (
        "apiVersion: kubevirt.io/v1\nkind: VirtualMachine\n"
        f"metadata:\n  name: {name}\n  namespace: {namespace}\n{ann}"
        "spec:\n  runStrategy: Always\n  template:\n    spec:\n      domain:\n"
        "        memory:\n          guest: 1Gi\n        devices:\n          interfaces:\n"
        + "".join(ifaces)
        + "      networks:\n"
        + "".join(networks)
    )


def nad_yaml(
    name: str,
    namespace: str = "prod",
    cni: str | None = "bridge",
    vlan: int | None = None,
    annotations: dict[str, str] | None = None,
    raw_config: str | None = None,
) -> str:
    conf: dict[str, object] = {"cniVersion": "0.3.1", "name": name}
    if cni:
        conf["type"] = cni
    if vlan is not None:
        conf["vlan"] = vlan
    config = raw_config if raw_config is not None else json.dumps(conf)
    ann = ""
    if annotations:
        ann = "  annotations:\n" + "".join(f"    {k}: {json.dumps(v)}\n" for k, v in annotations.items())
    return (
        "apiVersion: k8s.cni.cncf.io/v1\nkind: NetworkAttachmentDefinition\n"
        f"metadata:\n  name: {name}\n  namespace: {namespace}\n{ann}spec:\n  config: |\n"
        + textwrap.indent(config, "    ")
        + "\n"
    )


def parse_vm(text: str, file: str = "vms/vm.yaml") -> VM:
    doc = load_documents(text).documents[0].data
    ident = manifests.identity(doc)
    assert ident is not None
    kind = manifests.vm_kind(ident) or VMKind.VIRTUAL_MACHINE
    return manifests.to_vm(doc, ident, kind, ident.namespace or "default", file, 0)


def parse_nad(text: str, file: str = "nads/nad.yaml") -> NAD:
    doc = load_documents(text).documents[0].data
    ident = manifests.identity(doc)
    assert ident is not None
    return manifests.to_nad(doc, ident, ident.namespace or "default", file)
