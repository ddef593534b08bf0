"""`--base`: the affected VMs are those whose NAD changed between base and ref (SPEC §1). Pure.

Compared per (VM, network) on the normalized `namespace/name`, so a cosmetic rewrite (`nad` <->
`<vm-namespace>/nad`) does not make a VM affected. A network added with a NAD (hotplug) counts as a change.
"""

from __future__ import annotations

from collections.abc import Sequence

from gitnad.models.manifest import VM, NetworkSource


def _nads(vm: VM) -> dict[str, str | None]:
    return {n.name: n.nad for n in vm.networks if n.source is NetworkSource.MULTUS}


def affected(base: Sequence[VM], ref: Sequence[VM]) -> tuple[VM, ...]:
    """VMs at `ref` that exist at `base` with at least one multus network whose NAD differs."""
    before = {vm.key: _nads(vm) for vm in base}
    out = []
    for vm in ref:
        old = before.get(vm.key)
        if old is None:
            continue
        if any(old.get(name) != nad for name, nad in _nads(vm).items()):
            out.append(vm)
    return tuple(sorted(out, key=lambda v: v.key))
