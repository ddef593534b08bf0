"""The change classifier (`changes.classify_vm`) on generated VM pairs, read from dicts by the scanner's `to_vm`.

Properties: it never raises; the order of networks and of interfaces (either side) never changes the result
(KubeVirt indexes both by name); a NAD swap and its revert classify as inverse changes (same kind and network,
`from` and `to` exchanged).
"""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from gitnad.changes import classify_vm
from gitnad.models.changes import SWAP_KINDS, Change, ChangeKind
from gitnad.models.manifest import VM
from tests.fuzz import strategies as gen


def shuffled(vm: VM, rnd: st.DataObject) -> VM:
    nets = rnd.draw(st.permutations(vm.networks))
    ifaces = rnd.draw(st.permutations(vm.interfaces))
    return vm.model_copy(update={"networks": tuple(nets), "interfaces": tuple(ifaces)})


def key(changes: tuple[Change, ...]) -> list[tuple[Any, ...]]:
    return sorted(
        ((c.kind.value, c.vm, c.network, c.interface, c.from_, c.to, c.field, c.detail, c.line) for c in changes),
        key=repr,
    )


@given(gen.network_specs(), gen.network_specs(), st.data())
def test_the_order_of_networks_and_interfaces_never_changes_the_result(
    old: list[dict[str, Any]], new: list[dict[str, Any]], rnd: st.DataObject
) -> None:
    base, head = gen.vm_model(gen.vm_dict("vm", old)), gen.vm_model(gen.vm_dict("vm", new))
    result = classify_vm(base, head)
    assert all(isinstance(c, Change) for c in result)
    again = classify_vm(shuffled(base, rnd), shuffled(head, rnd))
    assert key(again) == key(result)
    assert again == result  # in the same order too: reports list changes as classified


@given(gen.network_specs(), st.data())
def test_a_swap_and_its_revert_are_inverse_changes(specs: list[dict[str, Any]], rnd: st.DataObject) -> None:
    moved = [{**s, "nad": rnd.draw(st.sampled_from(gen.NADS))} if s["source"] != "pod" else s for s in specs]
    base, head = gen.vm_model(gen.vm_dict("vm", specs)), gen.vm_model(gen.vm_dict("vm", moved))
    forward = {(c.kind, c.network, c.from_, c.to) for c in classify_vm(base, head) if c.kind in (*SWAP_KINDS,)}
    back = {(c.kind, c.network, c.from_, c.to) for c in classify_vm(head, base) if c.kind in (*SWAP_KINDS,)}
    assert back == {(kind, net, to, frm) for kind, net, frm, to in forward}
    kinds = {c.kind for c in classify_vm(base, head)}
    assert kinds <= {*SWAP_KINDS, ChangeKind.COSMETIC_REWRITE}, kinds
