"""Text for people: aligned, grouped, wrapped at the width, colour only when asked (a TTY).

Every value is passed through `escape.clean` first, so nothing read from a file or the cluster can print a
fake line or drive the terminal: the only escape sequences in the output are gitnad's own colours.
"""

from __future__ import annotations

from collections import defaultdict

from gitnad.models.changes import Change, ChangeKind
from gitnad.models.findings import Finding, Severity
from gitnad.models.results import (
    CheckResult,
    DriftResult,
    MigrationPlan,
    PlanEntry,
    PlanOutcome,
    PolicyValidateResult,
    ReconcileResult,
    ScanResult,
)
from gitnad.report import text_drift, text_policy
from gitnad.report.ansi import BOLD, BOLD_RED, BOLD_YELLOW, CYAN, DIM, paint
from gitnad.report.common import Options, Result, active, overlay, plural, row, short, where, wrap
from gitnad.report.escape import cleaned

SEVERITY_COLOUR = {Severity.ERROR: BOLD_RED, Severity.WARNING: BOLD_YELLOW, Severity.INFO: CYAN}
DETAIL_INDENT = " " * 10


def _finding_lines(f: Finding, opts: Options) -> list[str]:
    sev = f.severity.value.upper()
    tag = paint(f"{sev:<7}", DIM if f.waived else SEVERITY_COLOUR[f.severity], opts.color)
    head = f"  {tag} {f.code} {f.rule}  {where(f.file, f.line)}"
    if f.source_root is not None:
        head += f"  [{overlay(f.source_root)}]"
    if f.policy:
        head += f"  [policy {f.policy}]"
    lines = [head, *wrap(f.message, opts.width, DETAIL_INDENT)]
    if f.waived:
        lines += [paint(w, DIM, opts.color) for w in wrap(f"waived: {f.waiver or 'yes'}", opts.width, DETAIL_INDENT)]
    return lines


def _summary_line(result: CheckResult, color: bool) -> str:
    s = result.summary
    parts = [
        paint(f"{s.error} error(s)", BOLD_RED, color) if s.error else "0 errors",
        paint(f"{s.warning} warning(s)", BOLD_YELLOW, color) if s.warning else "0 warnings",
        f"{s.info} info",
        f"{s.waived} waived",
    ]
    return "Summary: " + ", ".join(parts)


def change_what(c: Change) -> str:
    if c.kind in (ChangeKind.NAD_SWAP, ChangeKind.DEFAULT_NETWORK_SWAP, ChangeKind.COSMETIC_REWRITE):
        return f"{c.from_} -> {c.to}"
    if c.kind is ChangeKind.HOTPLUG:
        return f"+ {c.to}"
    labels = {
        ChangeKind.NAD_ADDED: "(new)",
        ChangeKind.NAD_REMOVED: "(removed)",
        ChangeKind.VM_ADDED: "(new)",
        ChangeKind.VM_REMOVED: "(removed)",
        ChangeKind.UNPLUG: "state: absent",
    }
    return c.detail or labels.get(c.kind, "")


ROW_INDENT = " " * 24
"""Where a table row continues when it does not fit the width: under its second column."""


def _changes(result: CheckResult, width: int) -> list[str]:
    if not result.changes:
        return ["No VM network or NAD changes.", ""]
    out = [f"Changes ({len(result.changes)})"]
    for c in result.changes:
        subject = c.vm or c.nad or "-"
        net = c.network or c.interface or ""
        root = f"  [{overlay(c.source_root)}]" if c.source_root is not None else ""
        cells = f"  {c.kind.value:<21} {subject:<24} {net:<12} "
        out.extend(row(cells, change_what(c), f"{where(c.file, c.line)}{root}", width, ROW_INDENT))
    return [*out, ""]


def _findings(title: str, findings: list[Finding], opts: Options) -> list[str]:
    if not findings:
        return []
    out = [f"{title} ({len(findings)})"]
    for f in findings:
        out.extend(_finding_lines(f, opts))
    return [*out, ""]


def _skipped(result: CheckResult) -> list[str]:
    if not result.skipped:
        return []
    by_reason: dict[str, list[str]] = defaultdict(list)
    for s in result.skipped:
        by_reason[s.reason].append(s.code)
    return [f"Skipped ({reason}): {' '.join(codes)}" for reason, codes in sorted(by_reason.items())] + [""]


def plan_headline(plan: MigrationPlan) -> str:
    """`6 live-migrate, 1 restart, ...; 7 migrations take at least 7 waves under ...`: the plan in one sentence."""
    counts = ", ".join(f"{len(plan.of(o))} {o.value}" for o in PlanOutcome if plan.of(o)) or "nothing planned"
    if plan.parallel_migrations_per_cluster is None:
        return f"{counts}; no KubeVirt CR, so nothing migrates"
    migrations = sum(n.migrations for n in plan.nodes)
    if not migrations:
        return f"{counts}; no migration"
    doomed = migrations - len(plan.of(PlanOutcome.LIVE_MIGRATE))
    doomed_note = f" ({doomed} of them cannot succeed)" if doomed else ""
    loads = ", ".join(f"{n.node} {n.migrations}" for n in plan.nodes)
    return (
        f"{counts}; {plural(migrations, 'migration')}{doomed_note} take at least "
        f"{plural(plan.waves, 'wave')} under parallelMigrationsPerCluster {plan.parallel_migrations_per_cluster} "
        f"and parallelOutboundMigrationsPerNode {plan.parallel_outbound_migrations_per_node} ({loads})"
    )


def instance_label(e: PlanEntry) -> str:
    """The VM as the cluster knows it: a pool member names its pool; a VM the cluster lacks says so."""
    if e.instance is None:
        return f"{e.vm} (not in the cluster)"
    return e.instance if e.instance == e.vm else f"{e.instance} (pool {e.vm})"


def _plan(plan: MigrationPlan | None, opts: Options) -> list[str]:
    if plan is None:
        return []
    out = wrap(plan_headline(plan), opts.width, "  ", first="Migration plan: ")
    for outcome in PlanOutcome:
        entries = plan.of(outcome)
        if entries:
            out.append(f"  {outcome.value} ({len(entries)})")
        for e in entries:
            node = f"  on {e.node}" if e.node else ""
            out.append(f"    {instance_label(e)}  [{', '.join(e.networks)}]{node}  {where(e.file, e.line)}")
            out.extend(wrap(e.reason, opts.width, " " * 6))
    return [*out, ""]


def _warnings(warnings: tuple[str, ...], opts: Options) -> list[str]:
    return [line for w in warnings for line in wrap(w, opts.width, " " * 9, first="warning: ")]


def render_check(result: CheckResult, opts: Options) -> str:
    out = [
        paint("gitnad check", BOLD, opts.color)
        + f"  base {short(result.refs.base)} -> head {short(result.refs.head)}"
        + f"  (cluster: {result.cluster_source or 'offline'})",
        "",
    ]
    out.extend(_warnings(result.warnings, opts))
    if not opts.quiet:  # quiet: findings and the summary only
        out.extend(_changes(result, opts.width))
    out.extend(_findings("Findings", active(result.findings), opts))
    out.extend(_findings("Waived", [f for f in result.findings if f.waived], opts))
    out.extend(_skipped(result))
    if not opts.quiet:
        out.extend(_plan(result.plan, opts))
    out.append(_summary_line(result, opts.color))
    return "\n".join(out) + "\n"


def render_scan(result: ScanResult, opts: Options) -> str:
    out = [paint("gitnad scan", BOLD, opts.color) + f"  {short(result.ref) if result.ref else 'working tree'}", ""]
    out.extend(_warnings(result.warnings, opts))
    if not opts.quiet:
        out.extend(_inventory(result, opts.width))
    if result.findings:
        out.extend(["", f"Findings ({len(result.findings)})"])
        for f in result.findings:
            out.extend(_finding_lines(f, opts))
    errors = sum(1 for f in result.findings if f.severity is Severity.ERROR and not f.waived)
    vms, nads = len(result.vms), len(result.nads)
    out.extend(["", f"{result.files_scanned} file(s), {vms} VM(s), {nads} NAD(s), {errors} error(s)"])
    return "\n".join(out) + "\n"


def _inventory(result: ScanResult, width: int) -> list[str]:
    out = [f"VirtualMachines ({len(result.vms)})"]
    for vm in result.vms:
        kind = "" if vm.kind.value == "VirtualMachine" else " (VirtualMachinePool)"
        root = f"  [{overlay(vm.source_root)}]" if vm.source_root is not None else ""
        out.append(f"  {vm.key}{kind}  {where(vm.file, vm.line)}{root}")
        ifaces = {i.name: i for i in vm.interfaces}
        for net in vm.networks:
            iface = ifaces.get(net.name)
            binding = iface.binding if iface else "-"
            src = f"multus {net.nad}" + (" (default)" if net.default else "") if net.nad else net.source.value
            state = f" state={iface.state}" if iface and iface.state else ""
            at = f"{net.file}:{net.line}" if net.file is not None else f"line {net.line}"
            out.extend(row(f"    {net.name:<16} {src:<40} ", f"binding={binding}{state}", at, width, " " * 6))
    out.extend(["", f"NetworkAttachmentDefinitions ({len(result.nads)})"])
    for nad in result.nads:
        vlan = f" vlan={nad.vlan}" if nad.vlan is not None else ""
        res = f" resource={nad.resource_name}" if nad.resource_name else ""
        kind = f"type={nad.cni_type or '?'}{vlan}{res}"
        out.extend(row(f"  {nad.key:<36} ", kind, where(nad.file, nad.line), width, " " * 4))
    return out


def render(result: Result, opts: Options) -> str:
    """The text report of any result; every string in it is cleaned of control characters first."""
    safe = cleaned(result)
    if isinstance(safe, CheckResult):
        return render_check(safe, opts)
    if isinstance(safe, ScanResult):
        return render_scan(safe, opts)
    if isinstance(safe, DriftResult):
        return text_drift.render_drift(safe, opts)
    if isinstance(safe, ReconcileResult):
        return text_drift.render_reconcile(safe, opts)
    if isinstance(safe, PolicyValidateResult):
        return text_policy.render_validate(safe)
    return text_policy.render_test(safe, opts.width)
