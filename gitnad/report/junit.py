"""JUnit XML for CI test reports (GitLab, Jenkins, Azure DevOps, test-reporter actions).

One testsuite per command. check/scan: a testcase per (rule, VM, network) that has findings (a failure for
errors and warnings, a pass with the message for info, skipped when waived), a passing testcase per VM
network examined without findings, and a skipped testcase per rule that did not run. drift/reconcile: a
testcase per VM network (a failure when not converged, an error when Unknown). policy test: a testcase per
case; policy validate: per file. No timestamps or durations: the same result gives the same bytes.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from gitnad.models.findings import Finding, Severity
from gitnad.models.results import (
    CheckResult,
    DriftItem,
    DriftResult,
    DriftState,
    PolicyTestResult,
    PolicyValidateResult,
    ReconcileResult,
    ScanResult,
)
from gitnad.report.common import Result, active, drift_of, where
from gitnad.report.escape import cleaned

REPOSITORY = "(repository)"


@dataclass
class Case:
    """One testcase: passed unless it has a failure, an error or a skip."""

    classname: str
    name: str
    failure: tuple[str, str, str] | None = None
    """(type, message, text)"""
    error: tuple[str, str, str] | None = None
    skipped: str | None = None
    out: list[str] = field(default_factory=list)

    def element(self) -> ET.Element:
        e = ET.Element("testcase", {"classname": self.classname, "name": self.name})
        for tag, problem in (("failure", self.failure), ("error", self.error)):
            if problem is not None:
                kind, message, text = problem
                ET.SubElement(e, tag, {"type": kind, "message": message}).text = text
        if self.skipped is not None:
            ET.SubElement(e, "skipped", {"message": self.skipped})
        if self.out:
            ET.SubElement(e, "system-out").text = "\n".join(self.out)
        return e


def suite(name: str, cases: Sequence[Case], properties: Iterable[tuple[str, str]] = ()) -> str:
    counts = {
        "tests": len(cases),
        "failures": sum(1 for c in cases if c.failure),
        "errors": sum(1 for c in cases if c.error),
        "skipped": sum(1 for c in cases if c.skipped is not None),
    }
    root = ET.Element("testsuites", {"name": "gitnad", **{k: str(v) for k, v in counts.items()}})
    s = ET.SubElement(root, "testsuite", {"name": name, **{k: str(v) for k, v in counts.items()}})
    props = [(k, v) for k, v in properties if v]
    if props:
        p = ET.SubElement(s, "properties")
        for k, v in props:
            ET.SubElement(p, "property", {"name": k, "value": v})
    s.extend(c.element() for c in cases)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


# --- check and scan ------------------------------------------------------------------------------------


def _line(f: Finding) -> str:
    policy = f" [policy {f.policy}]" if f.policy else ""
    return f"{f.severity.value.upper()} {f.code} {f.rule}{policy} at {where(f.file, f.line)}: {f.message}"


def _finding_case(key: tuple[str, str, str, str], group: list[Finding]) -> Case:
    code, rule, vm, network = key
    case = Case(vm or REPOSITORY, f"{code} {rule}" + (f" [{network}]" if network else ""))
    counting = active(group)
    failing = [f for f in counting if f.severity is not Severity.INFO]
    if failing:
        case.failure = (failing[0].severity.value, failing[0].message, "\n".join(_line(f) for f in group))
    elif not counting:
        case.skipped = "waived: " + "; ".join(f.waiver or "yes" for f in group)
    else:
        case.out = [_line(f) for f in group]
    return case


def _findings_cases(findings: Sequence[Finding]) -> list[Case]:
    groups: dict[tuple[str, str, str, str], list[Finding]] = {}
    for f in findings:
        groups.setdefault((f.code, f.rule, f.vm or "", f.network or ""), []).append(f)
    return [_finding_case(k, groups[k]) for k in sorted(groups, key=lambda k: (k[2], k[3], k[0]))]


def _clean_cases(examined: Iterable[tuple[str, str]], findings: Sequence[Finding]) -> list[Case]:
    """A passing testcase per examined VM network that no finding names (a finding about a whole VM names
    each of its networks)."""
    named = {(f.vm, f.network) for f in findings}
    return [
        Case(vm, f"{network} [no findings]")
        for vm, network in sorted(set(examined))
        if (vm, network) not in named and (vm, None) not in named
    ]


def _check(result: CheckResult) -> str:
    examined = [(c.vm, c.network) for c in result.changes if c.vm and c.network]
    cases = _findings_cases(result.findings) + _clean_cases(examined, result.findings)
    names = {m.code: m.name for m in result.rules}
    cases += [
        Case("gitnad.rules", f"{s.code} {names.get(s.code, '')}".rstrip(), skipped=f"not run: {s.reason}")
        for s in result.skipped
    ]
    props = [
        ("base", result.refs.base or ""),
        ("head", result.refs.head or ""),
        ("cluster", result.cluster_source or ""),
    ]
    return suite("gitnad check", cases, props)


def _scan(result: ScanResult) -> str:
    examined = [(vm.key, n.name) for vm in result.vms for n in vm.networks]
    cases = _findings_cases(result.findings) + _clean_cases(examined, result.findings)
    return suite("gitnad scan", cases, [("ref", result.ref or "working tree")])


# --- drift and reconcile ------------------------------------------------------------------------------


def _item_case(i: DriftItem, actions: dict[tuple[str, str], list[str]]) -> Case:
    case = Case(i.vm, i.network, out=[f"{i.state.value}: {i.detail}", *actions.get((i.vm, i.network), [])])
    text = f"{i.vm} network {i.network} at {where(i.file, i.line)}: declared {i.declared or '-'}, pod {i.pod or '-'}"
    if i.state is DriftState.UNKNOWN:
        case.error = (i.state.value, i.detail, text)
    elif not i.converged:
        case.failure = (i.state.value, i.detail, text)
    return case


def _drift(result: DriftResult | ReconcileResult) -> str:
    drift = drift_of(result)
    actions: dict[tuple[str, str], list[str]] = {}
    if isinstance(result, ReconcileResult):
        for a in result.actions:
            line = f"reconcile: {a.outcome.value} {a.kind.value}: {a.reason}" + (f" -> {a.result}" if a.result else "")
            actions.setdefault((a.vm, a.network or ""), []).append(line)
    cases = [_item_case(i, actions) for i in drift.items]
    props = [("ref", drift.ref or ""), ("base", drift.base or ""), ("cluster", drift.cluster_source or "")]
    return suite(f"gitnad {result.command}", cases, props)


# --- policy -------------------------------------------------------------------------------------------


def _policy_test(result: PolicyTestResult) -> str:
    cases = []
    for c in result.cases:
        case = Case(c.file, f"{c.test} / {c.case}")
        problems = [f"missing: {m}" for m in c.missing] + [f"unexpected: {u}" for u in c.unexpected]
        if problems:
            case.failure = ("policy-test", problems[0], "\n".join(problems))
        cases.append(case)
    return suite("gitnad policy test", cases)


def _policy_validate(result: PolicyValidateResult) -> str:
    cases = []
    for f in result.files:
        case = Case("gitnad.policy", f.file)
        if f.errors:
            case.failure = ("invalid", f.errors[0], "\n".join(f.errors))
        cases.append(case)
    return suite("gitnad policy validate", cases)


def render(result: Result) -> str:
    safe = cleaned(result)
    if isinstance(safe, CheckResult):
        return _check(safe)
    if isinstance(safe, ScanResult):
        return _scan(safe)
    if isinstance(safe, DriftResult | ReconcileResult):
        return _drift(safe)
    if isinstance(safe, PolicyTestResult):
        return _policy_test(safe)
    return _policy_validate(safe)
