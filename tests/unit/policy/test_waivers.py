"""Waivers: annotation parsing, exceptions' matching, waived findings, GN901 expired, GN902 unused."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from gitnad.app.policy_files import load_policies
from gitnad.models.findings import Finding, Severity
from gitnad.policy import apply_waivers
from gitnad.policy.model import PolicySet
from gitnad.policy.waivers import parse_annotation
from gitnad.rules import run_rules
from tests.unit.rules.rule_builders import NOW, context, nad, swap, vm

NADS = [nad("vlan-10", vlan=10), nad("vlan-20", vlan=20)]
W = "waive.gitnad.dev/"


def finding(code: str = "GN205", rule: str = "vmi-not-migratable", vm_key: str | None = "prod/db-1") -> Finding:
    return Finding(code=code, rule=rule, severity=Severity.ERROR, message="m", vm=vm_key, network="bridge-net")


def exceptions(tmp_path: Path, spec: str) -> PolicySet:
    path = tmp_path / "e.yaml"
    path.write_text(f"apiVersion: gitnad.dev/v1alpha1\nkind: NADPolicyException\nmetadata: {{name: e}}\nspec:\n{spec}")
    return load_policies([path])


def waive(
    findings: list[Finding],
    annotations: dict[str, str] | None = None,
    policies: PolicySet | None = None,
    now: datetime = NOW,
    not_run: tuple[str, ...] = (),
    labels: dict[str, str] | None = None,
) -> list[Finding]:
    pair = swap(annotations=annotations, labels=labels)
    ctx = context([pair], base_nads=NADS, head_nads=NADS, now=now)
    return apply_waivers(findings, ctx, policies or PolicySet(), now, not_run=not_run)


PARSE = [
    ("reason-only", "RWO disk until the storage move", ("RWO disk until the storage move", None, None)),
    ("with-expiry", "INC-881; expires=2026-12-31", ("INC-881", date(2026, 12, 31), None)),
    ("spaces", "  INC-881 ;  expires = 2026-12-31  ", ("INC-881", date(2026, 12, 31), None)),
    ("semicolon-in-reason", "a; b; expires=2026-01-02", ("a; b", date(2026, 1, 2), None)),
    ("bad-date", "x; expires=2026-13-01", ("x", None, "expires='2026-13-01' is not a date (YYYY-MM-DD)")),
    (
        "no-reason",
        "; expires=2026-12-31",
        ("", date(2026, 12, 31), "a waiver needs a reason before the optional '; expires=YYYY-MM-DD'"),
    ),
    ("empty", "", ("", None, "a waiver needs a reason before the optional '; expires=YYYY-MM-DD'")),
]


@pytest.mark.parametrize(("value", "parsed"), [p[1:] for p in PARSE], ids=[p[0] for p in PARSE])
def test_parse_annotation(value: str, parsed: tuple[str, date | None, str | None]) -> None:
    assert parse_annotation(value) == parsed


@pytest.mark.parametrize("ref", ["vmi-not-migratable", "GN205", "gn205"], ids=["name", "code", "lowercase-code"])
def test_annotation_waives_by_name_or_code(ref: str) -> None:
    (f,) = waive([finding()], {W + ref: "RWO disk until the storage move (INC-881)"})
    assert f.waived is True
    assert f.waiver == f"annotation {W}{ref} on prod/db-1: RWO disk until the storage move (INC-881)"


def test_annotation_only_waives_its_own_vm() -> None:
    other = finding(vm_key="prod/db-2")
    out = waive([other], {W + "GN205": "r"})
    assert [(f.code, f.waived) for f in out] == [("GN205", False), ("GN902", False)]
    assert out[1].message == f"annotation {W}GN205 on prod/db-1 for GN205 matched no finding; remove it"
    assert (out[1].vm, out[1].file, out[1].line, out[1].severity) == ("prod/db-1", "vms/db-1.yaml", 4, Severity.WARNING)


def test_expired_annotation_waives_nothing_and_is_an_error() -> None:
    out = waive([finding()], {W + "GN205": "INC-881; expires=2026-11-27"})
    assert [(f.code, f.severity.value, f.waived) for f in out] == [("GN205", "error", False), ("GN901", "error", False)]
    assert out[1].message == (
        f"annotation {W}GN205 on prod/db-1 for GN205 expired on 2026-11-27: the findings it named are no longer "
        "waived; fix them, or renew the waiver with a new date and reason"
    )


def test_waiver_holds_through_its_expiry_date() -> None:
    (f,) = waive([finding()], {W + "GN205": "INC-881; expires=2026-11-28"})
    assert f.waived is True
    assert f.waiver == f"annotation {W}GN205 on prod/db-1 (expires 2026-11-28): INC-881"


def test_unused_waiver_of_a_rule_that_did_not_run_is_not_reported() -> None:
    assert waive([], {W + "vmi-not-migratable": "r"}, not_run=("GN205", "vmi-not-migratable")) == []


def test_malformed_annotation_is_reported_and_ignored() -> None:
    out = waive([finding()], {W + "GN205": "; expires=2026-12-31"})
    assert [(f.code, f.waived) for f in out] == [("GN205", False), ("GN902", False)]
    assert out[1].message == (
        f"annotation {W}GN205 on prod/db-1 is ignored: a waiver needs a reason before the optional "
        "'; expires=YYYY-MM-DD'"
    )


def test_exception_waives_matching_findings(tmp_path: Path) -> None:
    ps = exceptions(
        tmp_path,
        "  match: {vmSelector: {matchLabels: {tier: db}}}\n  rules: [GN205]\n  reason: RWO disks\n"
        '  owner: team-db\n  expires: "2027-01-31"\n',
    )
    (f,) = waive([finding()], policies=ps, labels={"tier": "db"})
    assert f.waived is True
    path = ps.exceptions[0].origin.file
    assert f.waiver == f"NADPolicyException e ({path}:3) (owner team-db, expires 2027-01-31): RWO disks"


def test_exception_policies_filter(tmp_path: Path) -> None:
    ps = exceptions(tmp_path, "  rules: [allowed-vlans]\n  policies: [lab]\n  reason: r\n")
    lab = finding("GN306", "allowed-vlans").model_copy(update={"policy": "lab"})
    prod = finding("GN306", "allowed-vlans").model_copy(update={"policy": "prod"})
    assert [f.waived for f in waive([lab, prod], policies=ps)] == [True, False]


def test_finding_without_vm_needs_an_exception_without_vm_fields(tmp_path: Path) -> None:
    queue = finding("GN207", "migration-queue", vm_key=None).model_copy(update={"network": None})
    broad = exceptions(tmp_path, "  rules: [GN207]\n  reason: planned\n")
    assert [f.waived for f in waive([queue], policies=broad)] == [True]
    narrow = exceptions(tmp_path, '  match: {namespaces: ["prod"]}\n  rules: [GN207]\n  reason: planned\n')
    out = waive([queue], policies=narrow)
    assert [(f.code, f.waived) for f in out] == [("GN207", False), ("GN902", False)]


def test_exception_about_other_vms_is_not_unused(tmp_path: Path) -> None:
    ps = exceptions(tmp_path, '  match: {vms: ["staging/*"]}\n  rules: [GN205]\n  reason: r\n')
    assert waive([], policies=ps) == []


def test_expired_exception(tmp_path: Path) -> None:
    ps = exceptions(tmp_path, '  rules: [GN205]\n  reason: r\n  expires: "2026-01-01"\n')
    out = waive([finding()], policies=ps)
    assert [(f.code, f.waived, f.file, f.line) for f in out] == [
        ("GN205", False, None, None),
        ("GN901", False, ps.exceptions[0].origin.file, 3),
    ]


def test_waived_findings_do_not_fail_the_check() -> None:
    from gitnad.app.common import findings_exit, summarize

    out = tuple(waive([finding()], {W + "GN205": "r"}))
    assert summarize(out).model_dump() == {"error": 0, "warning": 0, "info": 0, "waived": 1}
    assert int(findings_exit(out, Severity.WARNING)) == 0


def test_repo_rule_waived_by_annotation_end_to_end() -> None:
    from tests.vmfactory import Net

    old = vm("db-1", extra=[Net("storage", nad="vlan-10")])
    new = vm(
        "db-1", "vlan-20", extra=[Net("storage", nad="vlan-10", state="absent")], annotations={W + "GN105": "tested"}
    )
    ctx = context([(old, new)], base_nads=NADS, head_nads=NADS)
    found, _ = run_rules(ctx)
    out = apply_waivers(found, ctx, PolicySet(), NOW)
    assert [(f.code, f.waived) for f in out] == [("GN105", True)]
