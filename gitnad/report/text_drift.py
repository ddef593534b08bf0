"""Text reports for people: drift as a per-VM table, reconcile as that table plus the plan and its results.

Pure: a function of the result. ANSI colour only when asked (`color=True`); the caller decides (TTY).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from gitnad.models.results import Action, ActionOutcome, DriftItem, DriftResult, DriftState, ReconcileResult
from gitnad.report.ansi import BOLD, DIM, GREEN, MAGENTA, RED, YELLOW, paint

HEADERS = ("VM", "NETWORK", "STATE", "DECLARED", "LIVE POD", "DETAIL")
GAP = "  "


def state_colour(state: DriftState) -> str:
    if state.converged:
        return GREEN
    if state is DriftState.UNKNOWN:
        return MAGENTA
    if state.terminal or state is DriftState.MIGRATION_FAILED:
        return RED
    return YELLOW


def _row(item: DriftItem) -> tuple[str, ...]:
    pod = item.pod or "-"
    return (item.vm, item.network, item.state.value, item.declared or "-", pod, item.detail)


def _format_rows(rows: Sequence[tuple[str, ...]], states: Sequence[DriftState | None], color: bool) -> list[str]:
    """Left-aligned columns; the last (detail) column is never padded or cut."""
    widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]) - 1)]
    out = []
    for row, state in zip(rows, states, strict=True):
        cells = [row[c].ljust(widths[c]) for c in range(len(widths))]
        if state is None:
            cells = [paint(c, BOLD, color) for c in cells]
        else:
            cells[2] = paint(cells[2], state_colour(state), color)
        out.append(GAP.join([*cells, row[-1]]).rstrip())
    return out


def drift_table(items: Sequence[DriftItem], color: bool = False) -> list[str]:
    """The per-(VM, network) table, with a header row; empty list when there is nothing to show."""
    if not items:
        return []
    rows = [HEADERS, *(_row(i) for i in items)]
    return _format_rows(rows, [None, *(i.state for i in items)], color)


def summary_line(items: Sequence[DriftItem], color: bool = False, unreadable: int = 0) -> str:
    """The verdict; never CONVERGED (or "nothing to check") while `unreadable` manifests hide VMs."""
    counts = Counter(i.state for i in items)
    parts = [f"{counts[s]} {paint(s.value, state_colour(s), color)}" for s in DriftState if counts[s]]
    converged = sum(1 for i in items if i.converged)
    if unreadable:
        verdict = paint("UNDECIDED", MAGENTA, color)
    elif not items:
        verdict = "nothing to check"
    elif converged == len(items):
        verdict = paint("CONVERGED", GREEN, color)
    else:
        verdict = paint("NOT CONVERGED", RED, color)
    tally = ", ".join(parts) or "0 items"
    unread = f"; {unreadable} manifest(s) could not be read" if unreadable else ""
    return f"{verdict}: {converged} of {len(items)} network(s) converged ({tally}){unread}"


def _header(result: DriftResult, command: str, color: bool) -> str:
    ref = (result.ref or "working tree")[:12]
    base = f" (VMs changed since {result.base[:12]})" if result.base else ""
    source = f"  cluster {result.cluster_source}" if result.cluster_source else ""
    return paint(f"gitnad {command}  ref {ref}{base}{source}", BOLD, color)


def render_drift(result: DriftResult, *, color: bool = False, quiet: bool = False, command: str = "drift") -> str:
    """The table of every item (only the non-converged ones when `quiet`), the verdict and warnings."""
    lines = [_header(result, command, color), ""]
    shown = [i for i in result.items if not i.converged] if quiet else list(result.items)
    if quiet and result.items:
        empty = "Every network is converged."
    elif result.unreadable:
        empty = "No VM with a multus network was read at this ref: some manifests could not be read (below)."
    else:
        empty = "No VM with a multus network is declared at this ref."
    lines += drift_table(shown, color) or [empty]
    lines += ["", summary_line(result.items, color, len(result.unreadable))]
    lines += [
        paint(f"error: {u.reason} (at {u.ref[:12]}): a VM in it is not checked", RED, color) for u in result.unreadable
    ]
    lines += [paint(f"warning: {w}", YELLOW, color) for w in result.warnings]
    return "\n".join(lines) + "\n"


def _action_line(a: Action, color: bool) -> str:
    outcome_colour = {
        ActionOutcome.APPLIED: GREEN,
        ActionOutcome.FAILED: RED,
        ActionOutcome.SKIPPED: DIM,
        ActionOutcome.PLANNED: YELLOW,
    }[a.outcome]
    where = f"{a.vm}" + (f" [{a.network}]" if a.network else "")
    outcome = paint(f"{a.outcome.value:<8}", outcome_colour, color)
    result = f" -> {a.result}" if a.result else ""
    return f"  {outcome} {a.kind.value:<17} {where} ({a.state.value}): {a.reason}{result}"


def render_reconcile(result: ReconcileResult, *, color: bool = False, quiet: bool = False) -> str:
    drift = render_drift(result.drift, color=color, quiet=quiet, command=result.command)
    mode = "applied" if result.applied else "dry-run: nothing was changed; run with --apply to execute"
    slots = "unknown" if result.free_slots is None else str(result.free_slots)
    lines = [drift.rstrip("\n"), "", paint(f"Plan ({mode}); free migration slots: {slots}", BOLD, color)]
    lines += [_action_line(a, color) for a in result.actions] or ["  nothing to do"]
    counts = Counter(a.outcome for a in result.actions)
    if result.actions:
        lines.append("  " + ", ".join(f"{counts[o]} {o.value}" for o in ActionOutcome if counts[o]))
    return "\n".join(lines) + "\n"
