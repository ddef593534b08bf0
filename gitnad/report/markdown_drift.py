"""Markdown for drift, reconcile and the policy commands (the check and scan live in `markdown`)."""

from __future__ import annotations

from collections import Counter

from gitnad.models.results import (
    ActionOutcome,
    DriftItem,
    DriftResult,
    DriftState,
    PolicyTestResult,
    PolicyValidateResult,
    ReconcileResult,
)
from gitnad.report.common import attention, drift_of, nothing_planned, plural, short
from gitnad.report.mdtext import Document, code, table, text

ITEM_HEADER = ["VM", "Network", "State", "Declared", "Live pod", "Detail"]


def _item_rows(items: list[DriftItem]) -> list[str]:
    rows = [
        [
            code(i.vm),
            code(i.network),
            f"**{i.state.value}**" if not i.converged else i.state.value,
            code(i.declared or "-"),
            code(i.pod or "-"),
            text(i.detail),
        ]
        for i in items
    ]
    return table(ITEM_HEADER, rows)[2:]


def _verdict(result: DriftResult) -> str:
    items = result.items
    if not items:
        return "nothing to check"
    converged = sum(1 for i in items if i.converged)
    word = "converged" if converged == len(items) else "NOT converged"
    return f"{word}, {converged} of {plural(len(items), 'network')} converged"


def _tally(result: DriftResult) -> str:
    counts = Counter(i.state for i in result.items)
    return " · ".join(f"{s.value} {counts[s]}" for s in DriftState if counts[s]) or "no items"


def _drift(doc: Document, result: DriftResult, command: str, mark: str) -> None:
    base = f" (VMs changed since {code(short(result.base), in_table=False)})" if result.base else ""
    source = f" · cluster: {code(result.cluster_source, in_table=False)}" if result.cluster_source else ""
    doc.add(
        mark,
        f"## gitnad {command}: {_verdict(result)}",
        "",
        f"ref {code(short(result.ref) if result.ref else 'working tree', in_table=False)}{base}{source}",
        "",
        _tally(result),
        "",
    )
    for w in result.warnings:
        doc.add(f"> warning: {text(w)}", "")
    todo = attention(result.items)
    doc.section([f"### Needs attention ({len(todo)})", "", *table(ITEM_HEADER, [])], _item_rows(todo))
    done = [i for i in result.items if i.converged]
    heading = [f"<details><summary>Converged ({len(done)})</summary>", "", *table(ITEM_HEADER, [])]
    doc.section(heading, _item_rows(done), trailer=("", "</details>", ""))


def _actions(doc: Document, result: ReconcileResult) -> None:
    mode = "applied" if result.applied else "dry run: nothing was changed; run with `--apply` to execute"
    slots = "unknown" if result.free_slots is None else str(result.free_slots)
    counts = Counter(a.outcome for a in result.actions)
    tally = ", ".join(f"{counts[o]} {o.value}" for o in ActionOutcome if counts[o]) or nothing_planned(result)
    doc.add(f"### Plan ({mode})", "", f"free migration slots: {slots} · {tally}", "")
    rows = [
        [
            text(a.outcome.value),
            text(a.kind.value),
            code(a.vm),
            code(a.network or ""),
            a.state.value,
            text(a.reason),
            text(a.result or ""),
        ]
        for a in result.actions
    ]
    header = ["Outcome", "Action", "VM", "Network", "State", "Reason", "Result"]
    doc.section(table(header, [])[:2], table(header, rows)[2:])


def render(result: DriftResult | ReconcileResult, doc: Document, mark: str, rest: str) -> str:
    _drift(doc, drift_of(result), result.command, mark)
    if isinstance(result, ReconcileResult):
        _actions(doc, result)
    return doc.render(rest)


def render_policy_test(result: PolicyTestResult, doc: Document, mark: str, rest: str) -> str:
    failed = [c for c in result.cases if not c.passed]
    verdict = "passed" if not failed else f"{len(failed)} of {plural(len(result.cases), 'case')} failed"
    doc.add(mark, f"## gitnad policy test: {verdict}", "")
    rows = [
        [
            "pass" if c.passed else "**FAIL**",
            text(c.label),
            code(f"{c.file}:{c.line}" if c.line else c.file),
            "<br>".join(text(m) for m in c.missing),
            "<br>".join(text(u) for u in c.unexpected),
        ]
        for c in sorted(result.cases, key=lambda c: c.passed)  # failures first, file order kept within
    ]
    header = ["Result", "Case", "Where", "Missing", "Unexpected"]
    doc.section(table(header, []), table(header, rows)[2:])
    return doc.render(rest)


def render_policy_validate(result: PolicyValidateResult, doc: Document, mark: str, rest: str) -> str:
    invalid = [f for f in result.files if not f.valid]
    verdict = "valid" if not invalid else f"{len(invalid)} of {plural(len(result.files), 'file')} invalid"
    doc.add(mark, f"## gitnad policy validate: {verdict}", "")
    rows = [
        [
            "ok" if f.valid else "**invalid**",
            code(f.file),
            "<br>".join(
                [
                    *(f"NADPolicy {code(p)}" for p in f.policies),
                    *(f"NADPolicyException {code(e)}" for e in f.exceptions),
                ]
            ),
            "<br>".join(text(e) for e in f.errors),
        ]
        for f in sorted(result.files, key=lambda f: f.valid)
    ]
    header = ["Result", "File", "Holds", "Errors"]
    doc.section(table(header, []), table(header, rows)[2:])
    return doc.render(rest)
