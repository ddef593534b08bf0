"""Decision table for the change classifier (SPEC §4): one row per kind of VM template difference."""

from __future__ import annotations

import pytest

from gitnad.changes import classify_nads, classify_vm
from gitnad.models.changes import ChangeKind
from tests.vmfactory import Net, nad_yaml, parse_nad, parse_vm, vm_yaml

K = ChangeKind
POD = Net("default", kind="pod", binding="masquerade")


def row(base: list[Net], head: list[Net]) -> list[tuple[str, str | None, str | None, str | None, str | None]]:
    changes = classify_vm(parse_vm(vm_yaml("vm1", base)), parse_vm(vm_yaml("vm1", head)))
    return sorted((c.kind.value, c.network or c.interface, c.field, c.from_, c.to) for c in changes)


CASES = [
    pytest.param(
        [POD, Net("br", nad="vlan-10")],
        [POD, Net("br", nad="vlan-20")],
        [("nad-swap", "br", None, "prod/vlan-10", "prod/vlan-20")],
        id="nad-swap",
    ),
    pytest.param(
        [POD, Net("br", nad="vlan-10")],
        [POD, Net("br", nad="other/vlan-10")],
        [("nad-swap", "br", None, "prod/vlan-10", "other/vlan-10")],
        id="nad-swap-cross-namespace",
    ),
    pytest.param(
        [POD, Net("br", nad="vlan-10")],
        [POD, Net("br", nad="prod/vlan-10")],
        [("cosmetic-rewrite", "br", None, "prod/vlan-10", "prod/vlan-10")],
        id="cosmetic-add-namespace",
    ),
    pytest.param(
        [POD, Net("br", nad="prod/vlan-10")],
        [POD, Net("br", nad="vlan-10")],
        [("cosmetic-rewrite", "br", None, "prod/vlan-10", "prod/vlan-10")],
        id="cosmetic-drop-namespace",
    ),
    pytest.param([Net("br", nad="vlan-10"), POD], [POD, Net("br", nad="vlan-10")], [], id="reorder-is-no-change"),
    pytest.param(
        [POD, Net("a", nad="n1"), Net("b", nad="n2")],
        [Net("b", nad="n3"), POD, Net("a", nad="n1")],
        [("nad-swap", "b", None, "prod/n2", "prod/n3")],
        id="reorder-plus-swap",
    ),
    pytest.param(
        [Net("p", kind="default", nad="ovn-a")],
        [Net("p", kind="default", nad="ovn-b")],
        [("default-network-swap", "p", None, "prod/ovn-a", "prod/ovn-b")],
        id="multus-default-swap",
    ),
    pytest.param(
        [POD, Net("br", nad="vlan-10")],
        [POD, Net("br", kind="default", nad="vlan-10")],
        [("restart-required", "br", "default", None, None)],
        id="multus-default-toggled",
    ),
    pytest.param(
        [POD, Net("br", nad="vlan-10")],
        [POD, Net("br", nad="vlan-10", binding="sriov")],
        [("restart-required", "br", "binding", None, None)],
        id="binding-change",
    ),
    pytest.param(
        [POD, Net("br", nad="vlan-10")],
        [POD, Net("br", nad="vlan-10", binding="plugin:passtb")],
        [("restart-required", "br", "binding", None, None)],
        id="binding-plugin-change",
    ),
    pytest.param(
        [POD, Net("br", nad="vlan-10")],
        [POD, Net("br", nad="vlan-20", binding="sriov")],
        [("nad-swap", "br", None, "prod/vlan-10", "prod/vlan-20"), ("restart-required", "br", "binding", None, None)],
        id="swap-plus-binding",
    ),
    pytest.param(
        [POD, Net("br", nad="vlan-10")],
        [POD, Net("br", nad="vlan-10", extra={"model": "e1000e"})],
        [("restart-required", "br", "model", None, None)],
        id="model-change",
    ),
    pytest.param(
        [POD, Net("br", nad="vlan-10")],
        [POD, Net("br", nad="vlan-10", extra={"macAddress": "'02:00:00:00:00:01'"})],
        [("restart-required", "br", "macAddress", None, None)],
        id="mac-change",
    ),
    pytest.param(
        [POD, Net("br", nad="vlan-10")], [POD, Net("br", nad="vlan-10", state="down")], [], id="state-down-is-live"
    ),
    pytest.param(
        [POD, Net("br", nad="vlan-10")],
        [POD, Net("br", nad="vlan-10", state="absent")],
        [("unplug", "br", None, None, None)],
        id="unplug-state-absent",
    ),
    pytest.param([POD, Net("br", nad="vlan-10", state="absent")], [POD], [], id="cleanup-after-unplug"),
    pytest.param(
        [POD, Net("br", nad="vlan-10")],
        [POD],
        [("restart-required", "br", "removed", None, None)],
        id="removed-without-absent",
    ),
    pytest.param(
        [POD, Net("br", nad="vlan-10"), Net("x", nad="vlan-10")],
        [POD, Net("br", nad="vlan-10")],
        [("restart-required", "x", "removed", None, None)],
        id="one-of-two-removed",
    ),
    pytest.param([POD], [POD, Net("br", nad="vlan-10")], [("hotplug", "br", None, None, "prod/vlan-10")], id="hotplug"),
    pytest.param(
        [Net("br", nad="vlan-10")],
        [Net("br", nad="vlan-10"), POD],
        [("restart-required", "default", "added", None, None)],
        id="pod-network-added",
    ),
    pytest.param(
        [POD, Net("br", kind="pod", binding="bridge")],
        [POD, Net("br", nad="vlan-10")],
        [("restart-required", "br", "source", None, None)],
        id="pod-to-multus",
    ),
    pytest.param(
        [POD, Net("br", nad="vlan-10")],
        [POD, Net("br", kind="pod", binding="bridge")],
        [("restart-required", "br", "source", None, None)],
        id="multus-to-pod",
    ),
    pytest.param(
        [POD, Net("br", nad="vlan-10")],
        [POD, Net("br2", nad="vlan-10")],
        [("restart-required", "br2", "renamed", None, None)],
        id="rename",
    ),
]


@pytest.mark.parametrize(("base", "head", "expected"), CASES)
def test_classify_vm(base: list[Net], head: list[Net], expected: list[tuple[str, ...]]) -> None:
    assert row(base, head) == sorted(expected)


def test_removed_network_points_at_the_vm_name() -> None:
    base = parse_vm(vm_yaml("vm1", [POD, Net("br", nad="vlan-10")]))
    head = parse_vm(vm_yaml("vm1", [POD]))
    (change,) = classify_vm(base, head)
    assert (change.kind, change.field, change.line, change.detail) == (
        K.RESTART_REQUIRED,
        "removed",
        4,
        "network br removed without state: absent",
    )


def test_swap_line_is_the_network_name_line() -> None:
    base = parse_vm(vm_yaml("vm1", [POD, Net("br", nad="vlan-10")]))
    head_text = vm_yaml("vm1", [POD, Net("br", nad="vlan-20")])
    (change,) = classify_vm(base, parse_vm(head_text))
    assert head_text.splitlines()[change.line - 1].strip() == "networkName: vlan-20"


def test_binding_change_line_is_the_binding_key() -> None:
    base = parse_vm(vm_yaml("vm1", [POD, Net("br", nad="vlan-10")]))
    head_text = vm_yaml("vm1", [POD, Net("br", nad="vlan-10", binding="sriov")])
    (change,) = classify_vm(base, parse_vm(head_text))
    assert head_text.splitlines()[change.line - 1].strip() == "sriov: {}"


@pytest.mark.parametrize(
    ("base", "head", "expected"),
    [
        pytest.param(None, "vm", [("vm-added", "prod/vm1")], id="vm-added"),
        pytest.param("vm", None, [("vm-removed", "prod/vm1")], id="vm-removed"),
    ],
)
def test_vm_added_removed(base: str | None, head: str | None, expected: list[tuple[str, str]]) -> None:
    vm = parse_vm(vm_yaml("vm1", [POD]))
    changes = classify_vm(vm if base else None, vm if head else None)
    assert [(c.kind.value, c.vm) for c in changes] == expected


def test_nad_changes() -> None:
    a10 = parse_nad(nad_yaml("vlan-10", vlan=10))
    a10b = parse_nad(nad_yaml("vlan-10", vlan=11))
    a20 = parse_nad(nad_yaml("vlan-20", vlan=20))
    a30 = parse_nad(nad_yaml("vlan-30", vlan=30))
    changes = classify_nads({a10.key: a10, a20.key: a20}, {a10.key: a10b, a30.key: a30})
    assert [(c.kind.value, c.nad, c.detail) for c in changes] == [
        ("nad-changed", "prod/vlan-10", "vlan 10 -> 11"),
        ("nad-removed", "prod/vlan-20", None),
        ("nad-added", "prod/vlan-30", None),
    ]


def test_identical_nad_is_no_change() -> None:
    a = parse_nad(nad_yaml("vlan-10", vlan=10))
    assert classify_nads({a.key: a}, {a.key: a}) == ()
