"""GN301-GN309: each constraint good and bad, match semantics, fail-closed NAD facts, change windows."""

from __future__ import annotations

from datetime import UTC, datetime, time
from pathlib import Path

import pytest

from gitnad.app.policy_files import load_policies
from gitnad.models.findings import Finding
from gitnad.policy import evaluate
from gitnad.policy.model import ChangeWindow, PolicySet
from tests.unit.rules.rule_builders import NOW, Cluster, context, nad, swap, vm
from tests.vmfactory import Net

NADS = [
    nad("vlan-10", vlan=10, labels={"tenant": "a"}),
    nad("vlan-20", vlan=20, labels={"tenant": "a"}),
    nad("vlan-25", vlan=25, labels={"tenant": "b"}),
    nad("legacy-5", vlan=5, labels={"tenant": "a"}),
    nad("ovn-20", cni="ovn-k8s-cni-overlay", labels={"tenant": "a"}),
]
DB = {"tier": "db"}


def policies(tmp_path: Path, constraints: str, match: str = "", severity: str = "error") -> PolicySet:
    text = (
        "apiVersion: gitnad.dev/v1alpha1\nkind: NADPolicy\nmetadata: {name: p}\nspec:\n"
        f"  severity: {severity}\n" + (f"  match: {match}\n" if match else "") + f"  constraints: {constraints}\n"
    )
    path = tmp_path / "p.yaml"
    path.write_text(text)
    return load_policies([path])


def run(ps: PolicySet, *pairs: object, now: datetime | None = NOW, **kw: object) -> list[Finding]:
    ctx = context(pairs or [swap()], base_nads=NADS, head_nads=NADS, now=now, **kw)  # type: ignore[arg-type]
    return evaluate(ps, ctx)


def summary(findings: list[Finding]) -> list[tuple[str, str, str | None, str | None, int | None]]:
    return [(f.code, f.severity.value, f.vm, f.network, f.line) for f in findings]


CONSTRAINTS = [
    # id, constraints, target NAD, expected codes
    ("allowed-target-ok", '{allowedTargets: ["prod/vlan-*"]}', "vlan-20", []),
    ("allowed-target-bad", '{allowedTargets: ["prod/vlan-*"]}', "legacy-5", ["GN301"]),
    ("denied-target-ok", '{deniedTargets: ["*/legacy-*"]}', "vlan-20", []),
    ("denied-target-bad", '{deniedTargets: ["*/legacy-*"]}', "legacy-5", ["GN302"]),
    ("transition-ok", '{allowedTransitions: [{from: "*/vlan-10", to: "*/vlan-2*"}]}', "vlan-25", []),
    ("transition-bad", '{allowedTransitions: [{from: "*/vlan-10", to: "*/vlan-2*"}]}', "legacy-5", ["GN303"]),
    ("selector-ok", "{targetNADSelector: {matchLabels: {tenant: a}}}", "vlan-20", []),
    ("selector-bad", "{targetNADSelector: {matchLabels: {tenant: a}}}", "vlan-25", ["GN304"]),
    (
        "selector-expression-bad",
        "{targetNADSelector: {matchExpressions: [{key: tenant, operator: NotIn, values: [a]}]}}",
        "vlan-20",
        ["GN304"],
    ),
    ("same-cni-ok", "{requireSameCNIType: true}", "vlan-20", []),
    ("same-cni-bad", "{requireSameCNIType: true}", "ovn-20", ["GN305"]),
    ("vlan-ok", '{allowedVLANs: ["20", "30-39"]}', "vlan-20", []),
    ("vlan-bad", '{allowedVLANs: ["20", "30-39"]}', "vlan-25", ["GN306"]),
    ("vlan-range-edge", '{allowedVLANs: ["21-25"]}', "vlan-25", []),
    ("vlan-none", '{allowedVLANs: ["20"]}', "ovn-20", ["GN306"]),
    ("max-swaps-ok", "{maxSwapsPerChange: 1}", "vlan-20", []),
    ("max-swaps-zero", "{maxSwapsPerChange: 0}", "vlan-20", ["GN307"]),
    ("annotations-bad", '{requiredVMAnnotations: ["change-ticket"]}', "vlan-20", ["GN308"]),
    ("window-ok", '{changeWindows: [{days: [Sat], start: "02:00", end: "06:00"}]}', "vlan-20", []),
    ("window-bad", '{changeWindows: [{days: [Sun], start: "02:00", end: "06:00"}]}', "vlan-20", ["GN309"]),
]


@pytest.mark.parametrize(
    ("constraints", "target", "expected"), [c[1:] for c in CONSTRAINTS], ids=[c[0] for c in CONSTRAINTS]
)
def test_constraint(tmp_path: Path, constraints: str, target: str, expected: list[str]) -> None:
    found = run(policies(tmp_path, constraints), swap(new=target))
    assert [f.code for f in found] == expected
    for f in found:
        assert (f.vm, f.network, f.file, f.line, f.policy) == ("prod/db-1", "bridge-net", "vms/db-1.yaml", 24, "p")
        assert f.message.startswith("policy p (")


def test_messages_name_policy_constraint_and_facts(tmp_path: Path) -> None:
    ps = policies(
        tmp_path,
        '{allowedVLANs: ["20", "30-39"], deniedTargets: ["*/vlan-2?"], requireSameCNIType: true}',
        severity="warning",
    )
    found = run(ps, swap(new="vlan-25"))
    assert [(f.code, f.severity.value, f.message) for f in found] == [
        (
            "GN302",
            "warning",
            "policy p (deniedTargets): prod/db-1 network bridge-net moves prod/vlan-10 -> prod/vlan-25, which is "
            "denied (*/vlan-2?)",
        ),
        (
            "GN306",
            "warning",
            "policy p (allowedVLANs): prod/db-1 network bridge-net moves prod/vlan-10 -> prod/vlan-25: prod/vlan-25 "
            "is on VLAN 25, not in 20, 30-39",
        ),
    ]


def test_unknown_nads_fail_closed(tmp_path: Path) -> None:
    ps = policies(
        tmp_path, '{allowedVLANs: ["20"], targetNADSelector: {matchLabels: {tenant: a}}, requireSameCNIType: true}'
    )
    found = run(ps, swap(new="vlan-99"))
    assert [(f.code, f.message.split(": ", 2)[2]) for f in found] == [
        ("GN304", "prod/vlan-99 was found neither in the repo nor in the cluster, so its labels cannot be checked"),
        ("GN306", "prod/vlan-99 was found neither in the repo nor in the cluster, so its VLAN cannot be checked"),
        ("GN305", "prod/vlan-99 not found in the repo or the cluster; cannot compare CNI types"),
    ]


def test_cluster_nads_supply_facts(tmp_path: Path) -> None:
    ps = policies(tmp_path, '{allowedVLANs: ["30"], targetNADSelector: {matchLabels: {tenant: a}}}')
    cluster = Cluster(nads=[nad("vlan-30", vlan=30, labels={"tenant": "a"})]).facts()
    assert run(ps, swap(new="vlan-30"), cluster=cluster) == []


MATCHES = [
    ("empty-matches-all", "", {}, "prod", 1),
    ("namespace-glob", '{namespaces: ["pr*"]}', {}, "prod", 1),
    ("namespace-other", '{namespaces: ["staging"]}', {}, "prod", 0),
    ("vm-glob", '{vms: ["prod/db-*"]}', {}, "prod", 1),
    ("vm-selector", "{vmSelector: {matchLabels: {tier: db}}}", DB, "prod", 1),
    ("vm-selector-miss", "{vmSelector: {matchLabels: {tier: web}}}", DB, "prod", 0),
    ("vm-selector-exists", "{vmSelector: {matchExpressions: [{key: tier, operator: Exists}]}}", DB, "prod", 1),
    (
        "vm-selector-not-exists",
        "{vmSelector: {matchExpressions: [{key: tier, operator: DoesNotExist}]}}",
        DB,
        "prod",
        0,
    ),
    ("network-glob", '{networks: ["bridge-*"]}', {}, "prod", 1),
    ("network-other", '{networks: ["storage"]}', {}, "prod", 0),
]


@pytest.mark.parametrize(
    ("match", "labels", "namespace", "count"), [m[1:] for m in MATCHES], ids=[m[0] for m in MATCHES]
)
def test_match(tmp_path: Path, match: str, labels: dict[str, str], namespace: str, count: int) -> None:
    ps = policies(tmp_path, '{deniedTargets: ["*/legacy-*"]}', match=match)
    pair = swap(new="legacy-5", labels=labels, namespace=namespace)
    fired = [(f.code, f.vm, f.network, f.policy) for f in run(ps, pair)]
    assert fired == [("GN302", f"{namespace}/db-1", "bridge-net", "p")] * count


def test_hotplug_is_judged_on_its_target_but_not_as_a_transition(tmp_path: Path) -> None:
    ps = policies(tmp_path, '{deniedTargets: ["*/legacy-*"], allowedTransitions: [{from: "*", to: "*/vlan-*"}]}')
    hot = vm("db-1", extra=[Net("storage", nad="legacy-5")])
    (f,) = run(ps, (vm("db-1"), hot))
    assert (f.code, f.network, f.line) == ("GN302", "storage", 29)
    assert "prod/db-1 network storage is hotplugged with prod/legacy-5, which is denied" in f.message


def test_max_swaps_points_at_the_first_swap_over_the_limit(tmp_path: Path) -> None:
    ps = policies(tmp_path, "{maxSwapsPerChange: 2}")
    found = run(ps, swap("db-1"), swap("db-2"), swap("db-3"))
    assert summary(found) == [("GN307", "error", "prod/db-3", "bridge-net", 24)]
    assert "swaps the NAD of 3 networks (at most 2 allowed)" in found[0].message


def test_required_annotations_and_window_once_per_vm(tmp_path: Path) -> None:
    window = '[{days: [Mon], start: "09:00", end: "10:00"}]'
    ps = policies(tmp_path, f'{{requiredVMAnnotations: ["change-ticket", "owner"], changeWindows: {window}}}')
    owner = {"owner": "x"}
    old = vm("db-1", extra=[Net("second", nad="vlan-10")], annotations=owner)
    new = vm("db-1", "vlan-20", extra=[Net("second", nad="vlan-20")], annotations=owner)
    found = run(ps, (old, new))
    assert [(f.code, f.network, f.line) for f in found] == [("GN308", "bridge-net", 28), ("GN309", "bridge-net", 28)]
    assert "prod/db-1 changes its NAD but lacks annotation(s) change-ticket (set them" in found[0].message
    assert found[1].message.endswith(
        "outside the change windows (Mon 09:00-10:00 UTC): checked at 2026-11-28T03:00+00:00"
    )


def test_window_without_time_fails_closed(tmp_path: Path) -> None:
    ps = policies(tmp_path, '{changeWindows: [{days: [Sat], start: "00:00", end: "24:00"}]}')
    (f,) = run(ps, now=None)
    assert f.message.endswith("the time of the check is unknown")


WINDOWS = [
    # id, days, start, end, timezone, moment (UTC), inside
    ("inside", ("Sat",), "02:00", "06:00", "UTC", datetime(2026, 11, 28, 3, 0, tzinfo=UTC), True),
    ("start-inclusive", ("Sat",), "02:00", "06:00", "UTC", datetime(2026, 11, 28, 2, 0, tzinfo=UTC), True),
    ("end-exclusive", ("Sat",), "02:00", "06:00", "UTC", datetime(2026, 11, 28, 6, 0, tzinfo=UTC), False),
    ("wrong-day", ("Sun",), "02:00", "06:00", "UTC", datetime(2026, 11, 28, 3, 0, tzinfo=UTC), False),
    ("timezone", ("Sat",), "02:00", "06:00", "Europe/Berlin", datetime(2026, 11, 28, 1, 30, tzinfo=UTC), True),
    ("timezone-outside", ("Sat",), "02:00", "06:00", "Europe/Berlin", datetime(2026, 11, 28, 5, 30, tzinfo=UTC), False),
    ("past-midnight-next-day", ("Fri",), "22:00", "04:00", "UTC", datetime(2026, 11, 28, 3, 0, tzinfo=UTC), True),
    ("past-midnight-same-day", ("Fri",), "22:00", "04:00", "UTC", datetime(2026, 11, 27, 23, 0, tzinfo=UTC), True),
    (
        "past-midnight-start-day-only",
        ("Sat",),
        "22:00",
        "04:00",
        "UTC",
        datetime(2026, 11, 28, 3, 0, tzinfo=UTC),
        False,
    ),
    ("until-24", ("Sat",), "20:00", None, "UTC", datetime(2026, 11, 28, 23, 59, tzinfo=UTC), True),
]


@pytest.mark.parametrize(
    ("days", "start", "end", "tz", "moment", "inside"), [w[1:] for w in WINDOWS], ids=[w[0] for w in WINDOWS]
)
def test_change_window(
    days: tuple[str, ...], start: str, end: str | None, tz: str, moment: datetime, inside: bool
) -> None:
    window = ChangeWindow(
        days=days, start=time.fromisoformat(start), end=time.fromisoformat(end) if end else None, timezone=tz
    )
    assert window.contains(moment) is inside
