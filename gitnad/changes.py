"""Old vs new VM -> classified changes (SPEC §4, domain §2 and Appendix A).

Interfaces and networks are indexed by name, so reordering is not a change. What KubeVirt can apply
live (a secondary multus `networkName`, hotplug, `state`) is told apart from what needs a restart,
mirroring `pkg/network/vmliveupdate/restart.go`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from gitnad.models.changes import Change, ChangeKind
from gitnad.models.manifest import NAD, VM, Interface, Network, NetworkSource

ABSENT = "absent"


def _diff_fields(old: str, new: str) -> list[str]:
    """Top-level keys whose values differ between two canonical JSON objects."""
    a: dict[str, Any] = json.loads(old)
    b: dict[str, Any] = json.loads(new)
    return sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))


def _restart(
    vm: VM,
    field: str,
    detail: str,
    line: int,
    network: str | None = None,
    iface: str | None = None,
    file: str | None = None,
) -> Change:
    """`file`: where `line` is when not the VM's own file (a network or interface set by an overlay's patch)."""
    return Change(
        kind=ChangeKind.RESTART_REQUIRED,
        vm=vm.key,
        network=network,
        interface=iface,
        file=file or vm.file,
        line=line,
        field=field,
        detail=detail,
    )


def _network_change(vm: VM, old: Network, new: Network) -> list[Change]:
    if old.source is not new.source:
        detail = f"network {new.name}: source {old.source} -> {new.source}"
        return [_restart(vm, "source", detail, new.line, network=new.name, file=vm.file_of(new))]
    out: list[Change] = []
    if old.canonical != new.canonical:
        fields = _diff_fields(old.canonical, new.canonical)
        field = "default" if old.default != new.default else ",".join(fields)
        what = f"multus.default {str(old.default).lower()} -> {str(new.default).lower()}" if field == "default" else ""
        out.append(
            _restart(
                vm,
                field,
                f"network {new.name}: {what or 'changed ' + ', '.join(fields)}",
                new.line,
                network=new.name,
                file=vm.file_of(new),
            )
        )
    if old.source is NetworkSource.MULTUS and old.nad_raw != new.nad_raw:
        if old.nad == new.nad:
            kind = ChangeKind.COSMETIC_REWRITE
        elif old.default or new.default:
            kind = ChangeKind.DEFAULT_NETWORK_SWAP
        else:
            kind = ChangeKind.NAD_SWAP
        out.append(
            Change(
                kind=kind,
                vm=vm.key,
                network=new.name,
                from_=old.nad or old.nad_raw,
                to=new.nad or new.nad_raw,
                file=vm.file_of(new),
                line=new.line,
                detail=f"{old.nad_raw!r} -> {new.nad_raw!r}",
            )
        )
    return out


def _interface_change(vm: VM, old: Interface, new: Interface) -> list[Change]:
    out: list[Change] = []
    if old.canonical != new.canonical:
        if old.binding != new.binding:
            out.append(
                _restart(
                    vm,
                    "binding",
                    f"interface {new.name}: binding {old.binding} -> {new.binding}",
                    new.binding_line,
                    iface=new.name,
                    file=vm.binding_file(new),
                )
            )
        fields = [f for f in _diff_fields(old.canonical, new.canonical) if f not in _binding_keys(old, new)]
        if fields:
            out.append(
                _restart(
                    vm,
                    ",".join(fields),
                    f"interface {new.name}: changed {', '.join(fields)}",
                    new.line,
                    iface=new.name,
                    file=vm.file_of(new),
                )
            )
    if new.state == ABSENT and old.state != ABSENT:
        out.append(
            Change(
                kind=ChangeKind.UNPLUG,
                vm=vm.key,
                interface=new.name,
                network=new.name,
                file=vm.file_of(new),
                line=new.line,
            )
        )
    return out


def _binding_keys(old: Interface, new: Interface) -> set[str]:
    """The interface keys that carry the binding, when the binding itself changed."""
    if old.binding == new.binding:
        return set()
    keys = {"binding" if i.binding_is_plugin else i.binding for i in (old, new)}
    return {k for k in keys if k}


def _renames(vm: VM, removed: list[Network], added: list[Network]) -> tuple[list[Change], set[str], set[str]]:
    """Pair a removed and an added network that differ only by name: one `renamed` restart change."""
    out: list[Change] = []
    used_old: set[str] = set()
    used_new: set[str] = set()
    for old in removed:
        for new in added:
            if new.name in used_new:
                continue
            if _without_name(old.canonical) == _without_name(new.canonical) and old.nad == new.nad:
                detail = f"network {old.name} renamed to {new.name}"
                out.append(_restart(vm, "renamed", detail, new.line, network=new.name, file=vm.file_of(new)))
                used_old.add(old.name)
                used_new.add(new.name)
                break
    return out, used_old, used_new


def _without_name(canonical: str) -> str:
    d = json.loads(canonical)
    d.pop("name", None)
    return json.dumps(d, sort_keys=True)


def classify_vm(base: VM | None, head: VM | None) -> tuple[Change, ...]:
    """Every classified difference of one VM between two refs."""
    if base is None and head is None:
        return ()
    if base is None:
        assert head is not None
        return (Change(kind=ChangeKind.VM_ADDED, vm=head.key, file=head.file, line=head.line),)
    if head is None:
        return (Change(kind=ChangeKind.VM_REMOVED, vm=base.key, file=base.file, line=base.line),)
    old_nets = {n.name: n for n in base.networks}
    new_nets = {n.name: n for n in head.networks}
    old_ifs = {i.name: i for i in base.interfaces}
    new_ifs = {i.name: i for i in head.interfaces}
    out: list[Change] = []
    for name in sorted(old_nets.keys() & new_nets.keys()):
        out.extend(_network_change(head, old_nets[name], new_nets[name]))
    for name in sorted(old_ifs.keys() & new_ifs.keys()):
        out.extend(_interface_change(head, old_ifs[name], new_ifs[name]))
    removed = [old_nets[n] for n in sorted(old_nets.keys() - new_nets.keys())]
    added = [new_nets[n] for n in sorted(new_nets.keys() - old_nets.keys())]
    renamed, gone_renamed, new_renamed = _renames(head, removed, added)
    out.extend(renamed)
    out.extend(_removals(head, removed, gone_renamed, old_ifs, new_ifs))
    out.extend(_additions(head, added, new_renamed, old_ifs, new_ifs))
    return tuple(sorted(out, key=Change.sort_key))


def _removals(
    vm: VM, removed: list[Network], renamed: set[str], old_ifs: dict[str, Interface], new_ifs: dict[str, Interface]
) -> list[Change]:
    """Networks and interfaces gone without `state: absent` first (removing an unplugged one is cleanup)."""
    out: list[Change] = []
    for net in removed:
        old_if = old_ifs.get(net.name)
        if net.name in renamed or (old_if is not None and old_if.state == ABSENT):
            continue
        out.append(_restart(vm, "removed", f"network {net.name} removed without state: absent", vm.line, net.name))
    for name in sorted(old_ifs.keys() - new_ifs.keys() - {n.name for n in removed}):
        if old_ifs[name].state != ABSENT:
            out.append(_restart(vm, "removed", f"interface {name} removed without state: absent", vm.line, iface=name))
    return out


def _additions(
    vm: VM, added: list[Network], renamed: set[str], old_ifs: dict[str, Interface], new_ifs: dict[str, Interface]
) -> list[Change]:
    """Networks added with their interface (hotplug), or in a way that needs a restart."""
    out: list[Change] = []
    for net in added:
        change = None if net.name in renamed else _added_network(vm, net, new_ifs.get(net.name))
        if change is not None:
            out.append(change)
    for name in sorted(new_ifs.keys() - old_ifs.keys() - {n.name for n in added}):
        detail = f"interface {name} added without a matching network"
        out.append(_restart(vm, "added", detail, new_ifs[name].line, iface=name, file=vm.file_of(new_ifs[name])))
    return out


def _added_network(vm: VM, net: Network, iface: Interface | None) -> Change | None:
    if net.source is NetworkSource.POD:
        return _restart(vm, "added", f"pod network {net.name} added", net.line, network=net.name, file=vm.file_of(net))
    if iface is None:
        detail = f"network {net.name} added without a matching interface"
        return _restart(vm, "added", detail, net.line, network=net.name, file=vm.file_of(net))
    if iface.state == ABSENT:
        return None  # added already unplugged: nothing to do
    return Change(
        kind=ChangeKind.HOTPLUG,
        vm=vm.key,
        network=net.name,
        interface=iface.name,
        to=net.nad,
        file=vm.file_of(net),
        line=net.line,
    )


def classify_nads(base: Mapping[str, NAD], head: Mapping[str, NAD]) -> tuple[Change, ...]:
    """NADs added, removed, or whose config / resourceName changed."""
    out: list[Change] = []
    for key in sorted(base.keys() | head.keys()):
        old, new = base.get(key), head.get(key)
        if old is None and new is not None:
            out.append(Change(kind=ChangeKind.NAD_ADDED, nad=key, to=key, file=new.file, line=new.line))
        elif new is None and old is not None:
            out.append(Change(kind=ChangeKind.NAD_REMOVED, nad=key, from_=key, file=old.file, line=old.line))
        elif old is not None and new is not None and _nad_differs(old, new):
            out.append(
                Change(
                    kind=ChangeKind.NAD_CHANGED,
                    nad=key,
                    file=(new.config_file or new.file) if new.config_line else new.file,
                    line=new.config_line or new.line,
                    detail=_nad_change_detail(old, new),
                )
            )
    return tuple(out)


def _nad_differs(old: NAD, new: NAD) -> bool:
    return old.config_canonical != new.config_canonical or old.resource_name != new.resource_name


def _nad_change_detail(old: NAD, new: NAD) -> str:
    what = []
    if old.cni_type != new.cni_type:
        what.append(f"CNI type {old.cni_type} -> {new.cni_type}")
    if old.vlan != new.vlan:
        what.append(f"vlan {old.vlan} -> {new.vlan}")
    if old.resource_name != new.resource_name:
        what.append(f"resourceName {old.resource_name} -> {new.resource_name}")
    return "; ".join(what) or "config changed"
