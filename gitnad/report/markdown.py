"""Markdown for people on GitHub: a pull-request comment (`--format markdown`) and the job summary.

The comment starts with a hidden marker (`<!-- gitnad:check -->`, one per command) so a workflow can find
and update its own comment instead of adding one per push, stays under GitHub's 65,536-character limit for
a comment body (and `step_summary` under the 1 MiB a step's summary may take): rows that do not fit are
left out whole, with a note saying how many. Findings are grouped by severity, with a per-VM overview;
for a check with cluster facts, the migration plan follows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from gitnad.models.findings import Finding, Severity
from gitnad.models.results import (
    CheckResult,
    DriftResult,
    MigrationPlan,
    PlanOutcome,
    PolicyTestResult,
    ReconcileResult,
    ScanResult,
)
from gitnad.report import markdown_drift
from gitnad.report.common import Result, by_severity, overlay, plural, short, where
from gitnad.report.escape import cleaned
from gitnad.report.mdtext import Document, code, table, text
from gitnad.report.text import change_what, instance_label, plan_headline

COMMENT_LIMIT = 65_536
"""GitHub's limit for an issue or pull-request comment body."""
SUMMARY_LIMIT = 1024 * 1024
"""GitHub's limit for one step's job summary ($GITHUB_STEP_SUMMARY)."""
REST = "Run gitnad with `--format text` or `--format json` (e.g. in the job log or as an artifact) to read all."
TITLES = {Severity.ERROR: "Errors", Severity.WARNING: "Warnings", Severity.INFO: "Info"}
OUTCOME_TITLES = {
    PlanOutcome.LIVE_MIGRATE: "Will live-migrate",
    PlanOutcome.RESTART: "Will need a restart",
    PlanOutcome.STALL: "Will stall",
    PlanOutcome.NOT_RUNNING: "Not running (applies at the next start)",
    PlanOutcome.UNKNOWN: "Cannot tell",
}


def marker(command: str) -> str:
    """The hidden line a workflow looks for to update its comment: `<!-- gitnad:check -->`."""
    return f"<!-- gitnad:{command.replace(' ', '-')} -->"


def _finding_row(f: Finding) -> list[str]:
    rule = f"{f.code} {text(f.rule)}" + (f" (policy {code(f.policy)})" if f.policy else "")
    waived = f"<br>waived: {text(f.waiver or 'yes')}" if f.waived else ""
    at = _where(f.file, f.line, f.source_root)
    return [code(f.vm or "-"), code(f.network or ""), rule, at, text(f.message) + waived]


def _where(file: str | None, line: int | None, root: str | None) -> str:
    """`file:line`, and the Kustomize overlay that rendered it."""
    at = code(where(file, line))
    return at if root is None else f"{at}<br>{text(overlay(root))}"


FINDING_HEADER = ["VM", "Network", "Rule", "Where", "Message"]


def findings_sections(doc: Document, findings: Sequence[Finding]) -> None:
    """Per severity (most severe first), a table of its findings ordered by VM; then the waived ones."""
    for severity, group in by_severity(findings).items():
        rows = [_finding_row(f) for f in sorted(group, key=lambda f: (f.vm or "", f.sort_key()))]
        doc.section([f"### {TITLES[severity]} ({len(rows)})", "", *table(FINDING_HEADER, [])], table_rows(rows))
    waived = [_finding_row(f) for f in findings if f.waived]
    doc.section([f"### Waived ({len(waived)})", "", *table(FINDING_HEADER, [])], table_rows(waived))


def table_rows(rows: Sequence[Sequence[str]]) -> list[str]:
    return table([""] * (len(rows[0]) if rows else 1), rows)[2:]


def _vm_overview(result: CheckResult) -> list[list[str]]:
    """One row per VM the check is about: its active findings per severity and, with a cluster, the plan."""
    counts: dict[str, Counter[Severity]] = {}
    for f in result.findings:
        if not f.waived:
            counts.setdefault(f.vm or "(repository)", Counter())[f.severity] += 1
    outcomes: dict[str, list[str]] = {}
    for e in result.plan.entries if result.plan else ():
        outcomes.setdefault(e.vm, []).append(e.outcome.value)
    for c in result.changes:
        if c.vm:
            counts.setdefault(c.vm, Counter())
    rows = []
    for vm in sorted(counts.keys() | outcomes.keys()):
        n = counts.get(vm, Counter())
        plan = ", ".join(f"{v} {k}" if v > 1 else k for k, v in sorted(Counter(outcomes.get(vm, [])).items()))
        rows.append([code(vm), str(n[Severity.ERROR]), str(n[Severity.WARNING]), str(n[Severity.INFO]), plan or "-"])
    return rows


def _plan_sections(doc: Document, plan: MigrationPlan | None, offline: bool) -> None:
    if plan is None:
        if offline:
            doc.add(
                "### Migration plan",
                "",
                "No cluster facts (`--offline`): run with `--snapshot` or a live "
                "cluster to see which VMs will live-migrate, restart or stall.",
                "",
            )
        return
    doc.add("### Migration plan", "", text(plan_headline(plan)), "")
    for outcome in PlanOutcome:
        entries = plan.of(outcome)
        rows = [
            [code(instance_label(e)), code(", ".join(e.networks)), code(e.node or "-"), text(e.reason)] for e in entries
        ]
        heading = [f"**{OUTCOME_TITLES[outcome]} ({len(rows)})**", "", *table(["VM", "Networks", "Node", "Why"], [])]
        doc.section(heading, table_rows(rows))


def _check(result: CheckResult, limit: int) -> str:
    s = result.summary
    doc = Document(limit)
    verdict = (
        "passed"
        if not (s.error or s.warning or s.info)
        else ", ".join(
            p
            for p in (plural(s.error, "error"), plural(s.warning, "warning"), f"{s.info} info")
            if not p.startswith("0")
        )
    )
    doc.add(
        marker("check"),
        f"## gitnad check: {verdict}",
        "",
        f"{code(short(result.refs.base), in_table=False)} → {code(short(result.refs.head), in_table=False)} · "
        f"cluster: {code(result.cluster_source or 'offline', in_table=False)} · "
        f"{plural(len(result.changes), 'change')}, {s.waived} waived",
        "",
    )
    for w in result.warnings:
        doc.add(f"> warning: {text(w)}", "")
    overview = _vm_overview(result)
    doc.section(["### Per VM", "", *table(["VM", "Errors", "Warnings", "Info", "Plan"], [])], table_rows(overview))
    findings_sections(doc, result.findings)
    _plan_sections(doc, result.plan, result.cluster_source in (None, "offline"))
    if result.skipped:
        reasons = sorted({s.reason for s in result.skipped})
        codes = " ".join(s.code for s in result.skipped)
        doc.add(f"Skipped ({', '.join(reasons)}): {codes}", "")
    changes = [
        [
            text(c.kind.value),
            code(c.vm or c.nad or "-"),
            code(c.network or c.interface or ""),
            code(change_what(c)),
            code(where(c.file, c.line)),
        ]
        for c in result.changes
    ]
    heading = [
        f"<details><summary>Changes ({len(changes)})</summary>",
        "",
        *table(["Kind", "VM / NAD", "Network", "What", "Where"], []),
    ]
    doc.section(heading, table_rows(changes), trailer=("", "</details>", ""))
    return doc.render(REST)


def _scan(result: ScanResult, limit: int) -> str:
    doc = Document(limit)
    errors = sum(1 for f in result.findings if f.severity is Severity.ERROR and not f.waived)
    doc.add(
        marker("scan"),
        f"## gitnad scan: {plural(len(result.vms), 'VM')}, {plural(len(result.nads), 'NAD')}, "
        f"{plural(errors, 'error')}",
        "",
        f"{code(short(result.ref) if result.ref else 'working tree', in_table=False)} · "
        f"{plural(result.files_scanned, 'file')} read",
        "",
    )
    findings_sections(doc, result.findings)
    vms = [
        [
            code(v.key),
            text(v.kind.value),
            _where(v.file, v.line, v.source_root),
            "<br>".join(
                code(f"{n.name}: {n.nad or n.source.value}" + (" (default)" if n.default else "")) for n in v.networks
            ),
        ]
        for v in result.vms
    ]
    doc.section(["### VirtualMachines", "", *table(["VM", "Kind", "Where", "Networks"], [])], table_rows(vms))
    nads = [
        [code(n.key), code(n.cni_type or "?"), text("" if n.vlan is None else str(n.vlan)), code(where(n.file, n.line))]
        for n in result.nads
    ]
    doc.section(
        ["### NetworkAttachmentDefinitions", "", *table(["NAD", "CNI type", "VLAN", "Where"], [])], table_rows(nads)
    )
    return doc.render(REST)


def render_limited(result: Result, limit: int) -> str:
    """The Markdown report of `result` within `limit` bytes."""
    safe = cleaned(result)
    if isinstance(safe, CheckResult):
        return _check(safe, limit)
    if isinstance(safe, ScanResult):
        return _scan(safe, limit)
    if isinstance(safe, DriftResult | ReconcileResult):
        return markdown_drift.render(safe, Document(limit), marker(safe.command), REST)
    if isinstance(safe, PolicyTestResult):
        return markdown_drift.render_policy_test(safe, Document(limit), marker(safe.command), REST)
    return markdown_drift.render_policy_validate(safe, Document(limit), marker(safe.command), REST)


def render(result: Result) -> str:
    """The pull-request comment (under 65,536 characters)."""
    return render_limited(result, COMMENT_LIMIT)


def step_summary(result: Result) -> str:
    """The job summary for `$GITHUB_STEP_SUMMARY` (under 1 MiB)."""
    return render_limited(result, SUMMARY_LIMIT)
