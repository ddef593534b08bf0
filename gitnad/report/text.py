"""Text for people: aligned, grouped, colour only when asked (a TTY)."""

from __future__ import annotations

from collections import defaultdict

from gitnad.models.changes import Change, ChangeKind
from gitnad.models.findings import Finding, Severity
from gitnad.models.results import CheckResult, DriftResult, ReconcileResult, ScanResult
from gitnad.report import text_drift
from gitnad.report.ansi import BOLD, BOLD_RED, BOLD_YELLOW, CYAN, DIM, paint

SEVERITY_COLOUR = {Severity.ERROR: BOLD_RED, Severity.WARNING: BOLD_YELLOW, Severity.INFO: CYAN}


def short(sha: str | None) -> str:
    return "(none)" if sha is None else sha if len(sha) < 40 else sha[:12]


def where(file: str | None, line: int | None) -> str:
    if file is None:
        return "-"
    return f"{file}:{line}" if line else file


def _finding_line(f: Finding, color: bool) -> list[str]:
    sev = f.severity.value.upper()
    tag = paint(f"{sev:<7}", DIM if f.waived else SEVERITY_COLOUR[f.severity], color)
    head = f"  {tag} {f.code} {f.rule}  {where(f.file, f.line)}"
    if f.policy:
        head += f"  [policy {f.policy}]"
    lines = [head, f"          {f.message}"]
    if f.waived:
        lines.append(paint(f"          waived: {f.waiver or 'yes'}", DIM, color))
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


def _change_what(c: Change) -> str:
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


def render_check(result: CheckResult, color: bool, quiet: bool = False) -> str:
    out = [
        paint("gitnad check", BOLD, color)
        + f"  base {short(result.refs.base)} -> head {short(result.refs.head)}"
        + f"  (cluster: {result.cluster_source or 'offline'})",
        "",
    ]
    out.extend(f"warning: {w}" for w in result.warnings)
    if quiet:
        pass  # findings and the summary only
    elif result.changes:
        out.append(f"Changes ({len(result.changes)})")
        for c in result.changes:
            subject = c.vm or c.nad or "-"
            net = c.network or c.interface or ""
            out.append(f"  {c.kind.value:<21} {subject:<24} {net:<12} {_change_what(c)}  {where(c.file, c.line)}")
        out.append("")
    else:
        out.extend(["No VM network or NAD changes.", ""])
    active = [f for f in result.findings if not f.waived]
    waived = [f for f in result.findings if f.waived]
    if active:
        out.append(f"Findings ({len(active)})")
        for f in active:
            out.extend(_finding_line(f, color))
        out.append("")
    if waived:
        out.append(f"Waived ({len(waived)})")
        for f in waived:
            out.extend(_finding_line(f, color))
        out.append("")
    if result.skipped:
        by_reason: dict[str, list[str]] = defaultdict(list)
        for s in result.skipped:
            by_reason[s.reason].append(s.code)
        for reason, codes in sorted(by_reason.items()):
            out.append(f"Skipped ({reason}): {' '.join(codes)}")
        out.append("")
    out.append(_summary_line(result, color))
    return "\n".join(out) + "\n"


def render_scan(result: ScanResult, color: bool, quiet: bool = False) -> str:
    out = [paint("gitnad scan", BOLD, color) + f"  {short(result.ref) if result.ref else 'working tree'}", ""]
    out.extend(f"warning: {w}" for w in result.warnings)
    if not quiet:
        out.extend(_inventory(result))
    if result.findings:
        out.extend(["", f"Findings ({len(result.findings)})"])
        for f in result.findings:
            out.extend(_finding_line(f, color))
    errors = sum(1 for f in result.findings if f.severity is Severity.ERROR and not f.waived)
    vms, nads = len(result.vms), len(result.nads)
    out.extend(["", f"{result.files_scanned} file(s), {vms} VM(s), {nads} NAD(s), {errors} error(s)"])
    return "\n".join(out) + "\n"


def _inventory(result: ScanResult) -> list[str]:
    out = [f"VirtualMachines ({len(result.vms)})"]
    for vm in result.vms:
        kind = "" if vm.kind.value == "VirtualMachine" else " (VirtualMachinePool)"
        out.append(f"  {vm.key}{kind}  {where(vm.file, vm.line)}")
        ifaces = {i.name: i for i in vm.interfaces}
        for net in vm.networks:
            iface = ifaces.get(net.name)
            binding = iface.binding if iface else "-"
            src = f"multus {net.nad}" + (" (default)" if net.default else "") if net.nad else net.source.value
            state = f" state={iface.state}" if iface and iface.state else ""
            out.append(f"    {net.name:<16} {src:<40} binding={binding}{state}  line {net.line}")
    out.extend(["", f"NetworkAttachmentDefinitions ({len(result.nads)})"])
    for nad in result.nads:
        vlan = f" vlan={nad.vlan}" if nad.vlan is not None else ""
        res = f" resource={nad.resource_name}" if nad.resource_name else ""
        out.append(f"  {nad.key:<36} type={nad.cni_type or '?'}{vlan}{res}  {where(nad.file, nad.line)}")
    return out


def render(
    result: ScanResult | CheckResult | DriftResult | ReconcileResult, *, color: bool = False, quiet: bool = False
) -> str:
    if isinstance(result, CheckResult):
        return render_check(result, color, quiet)
    if isinstance(result, ScanResult):
        return render_scan(result, color, quiet)
    if isinstance(result, DriftResult):
        return text_drift.render_drift(result, color=color, quiet=quiet)
    return text_drift.render_reconcile(result, color=color, quiet=quiet)
