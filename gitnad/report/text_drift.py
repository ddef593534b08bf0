"""Text reports for people: drift as a per-VM table, reconcile as that table plus the plan and its results.

Pure: a function of the result. ANSI colour only when asked (`color=True`); the caller decides (TTY).
The table keeps its columns aligned within the width: the free-text detail wraps inside its column when
there is room, else it goes under its row (`drift --wait` redraws the same table live).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from gitnad.config import DEFAULT_WIDTH
from gitnad.models.results import Action, ActionOutcome, DriftItem, DriftResult, DriftState, ReconcileResult
from gitnad.report.ansi import BOLD, DIM, GREEN, MAGENTA, RED, YELLOW, paint
from gitnad.report.common import MIN_ROOM, Options, nothing_planned, wrap
from gitnad.report.escape import clean_all

HEADERS = ("VM", "NETWORK", "STATE", "DECLARED", "LIVE POD", "DETAIL")
GAP = "  "
STACKED_INDENT = "    "


def state_colour(state: DriftState) -> str:
    if state.converged:
        return GREEN
    if state is DriftState.UNKNOWN:
        return MAGENTA
    if state.terminal or state is DriftState.MIGRATION_FAILED:
        return RED
    return YELLOW


def _row(item: DriftItem) -> tuple[str, ...]:
    cells = (item.vm, item.network, item.state.value, item.declared or "-", item.pod or "-", item.detail)
    return clean_all(cells)  # `drift --wait` draws items straight from the cluster


def _format_rows(
    rows: Sequence[tuple[str, ...]], states: Sequence[DriftState | None], color: bool, width: int
) -> list[str]:
    """Left-aligned columns; the last (detail) column is wrapped, never cut."""
    widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]) - 1)]
    start = sum(widths) + len(GAP) * len(widths)
    room = width - start
    stacked = room < MIN_ROOM and any(len(r[-1]) > room for r in rows[1:])
    out = []
    for row, state in zip(rows, states, strict=True):
        cells = [row[c].ljust(widths[c]) for c in range(len(widths))]
        if state is None:
            cells = [paint(c, BOLD, color) for c in cells]
        else:
            cells[2] = paint(cells[2], state_colour(state), color)
        prefix = GAP.join(cells) + GAP
        if stacked:
            out.append(prefix.rstrip())
            if state is not None:
                out.extend(wrap(row[-1], width, STACKED_INDENT))
            continue
        detail = row[-1] if state is None else wrap(row[-1], room, "")
        first, *rest = [detail] if isinstance(detail, str) else detail
        out.append((prefix + first).rstrip())
        out.extend(" " * start + line for line in rest)
    return out


def drift_table(items: Sequence[DriftItem], color: bool = False, width: int = DEFAULT_WIDTH) -> list[str]:
    """The per-(VM, network) table, with a header row; empty list when there is nothing to show."""
    if not items:
        return []
    rows = [HEADERS, *(_row(i) for i in items)]
    return _format_rows(rows, [None, *(i.state for i in items)], color, width)


def summary_line(items: Sequence[DriftItem], color: bool = False, unreadable: int = 0) -> str:
    """The verdict; never CONVERGED (or "nothing to check") while `unreadable` manifests hide VMs."""
    counts = Counter(i.state for i in items)
    parts = [f"{counts[s]} {paint(s.value, state_colour(s), color)}" for s in DriftState if counts[s]]
    converged = sum(1 for i in items if i.converged)
    verdict = summary_line_verdict(items, color, unreadable)
    tally = ", ".join(parts) or "0 items"
    unread = f"; {unreadable} manifest(s) could not be read" if unreadable else ""
    return f"{verdict}: {converged} of {len(items)} network(s) converged ({tally}){unread}"


def summary_lines(items: Sequence[DriftItem], color: bool, width: int, unreadable: int = 0) -> list[str]:
    """The verdict line, wrapped at `width` (then only the verdict itself is coloured)."""
    line = summary_line(items, color, unreadable)
    plain = summary_line(items, unreadable=unreadable)
    if len(plain) <= width:
        return [line]
    verdict, _, rest = plain.partition(": ")
    first, *more = wrap(rest, width, "  ", first=f"{verdict}: ")
    return [summary_line_verdict(items, color, unreadable) + first[len(verdict) :], *more]


def summary_line_verdict(items: Sequence[DriftItem], color: bool, unreadable: int = 0) -> str:
    """UNDECIDED while `unreadable` manifests hide VMs or an item is Unknown (exit 3, as `DriftResult.decided`);
    never CONVERGED (or "nothing to check") then."""
    converged = sum(1 for i in items if i.converged)
    if unreadable or any(i.state is DriftState.UNKNOWN for i in items):
        return paint("UNDECIDED", MAGENTA, color)
    if not items:
        return "nothing to check"
    if converged == len(items):
        return paint("CONVERGED", GREEN, color)
    return paint("NOT CONVERGED", RED, color)


def _header(result: DriftResult, command: str, color: bool) -> str:
    ref = (result.ref or "working tree")[:12]
    base = f" (VMs changed since {result.base[:12]})" if result.base else ""
    source = f"  cluster {result.cluster_source}" if result.cluster_source else ""
    return paint(f"gitnad {command}  ref {ref}{base}{source}", BOLD, color)


def render_drift(result: DriftResult, opts: Options, command: str = "drift") -> str:
    """The table of every item (only the non-converged ones when `quiet`), the verdict and warnings."""
    color = opts.color
    lines = [_header(result, command, color), ""]
    shown = [i for i in result.items if not i.converged] if opts.quiet else list(result.items)
    if opts.quiet and result.items:
        empty = "Every network is converged."
    elif result.unreadable:
        empty = "No VM with a multus network was read at this ref: some manifests could not be read (below)."
    else:
        empty = "No VM with a multus network is declared at this ref."
    lines += drift_table(shown, color, opts.width) or [empty]
    lines += ["", *summary_lines(result.items, color, opts.width, len(result.unreadable))]
    for u in result.unreadable:
        error = f"{u.reason} (at {u.ref[:12]}): a VM in it is not checked"
        lines += [paint(line, RED, color) for line in wrap(error, opts.width, "  ", first="error: ")]
    for w in result.warnings:
        lines += [paint(line, YELLOW, color) for line in wrap(w, opts.width, "  ", first="warning: ")]
    return "\n".join(lines) + "\n"


def _action_lines(a: Action, opts: Options) -> list[str]:
    outcome_colour = {
        ActionOutcome.APPLIED: GREEN,
        ActionOutcome.FAILED: RED,
        ActionOutcome.SKIPPED: DIM,
        ActionOutcome.PLANNED: YELLOW,
    }[a.outcome]
    where = f"{a.vm}" + (f" [{a.network}]" if a.network else "")
    outcome = f"{a.outcome.value:<8}"
    result = f" -> {a.result}" if a.result else ""
    head = f"  {outcome} {a.kind.value:<17} "
    text = f"{where} ({a.state.value}): {a.reason}{result}"
    first, *rest = wrap(text, opts.width, " " * len(head), first=head)
    lead = "  " + paint(outcome, outcome_colour, opts.color)  # `head` starts every first line: colour its cell
    return [lead + first[2 + len(outcome) :], *rest]


def render_reconcile(result: ReconcileResult, opts: Options) -> str:
    drift = render_drift(result.drift, opts, command=result.command)
    mode = "applied" if result.applied else "dry-run: nothing was changed; run with --apply to execute"
    slots = "unknown" if result.free_slots is None else str(result.free_slots)
    lines = [drift.rstrip("\n"), "", paint(f"Plan ({mode}); free migration slots: {slots}", BOLD, opts.color)]
    lines += [line for a in result.actions for line in _action_lines(a, opts)] or [f"  {nothing_planned(result)}"]
    counts = Counter(a.outcome for a in result.actions)
    if result.actions:
        lines.append("  " + ", ".join(f"{counts[o]} {o.value}" for o in ActionOutcome if counts[o]))
    return "\n".join(lines) + "\n"
