"""Waivers: VM annotations and `NADPolicyException`s -> findings marked waived, plus GN901 / GN902.

Annotation form (on the VM at head): `waive.gitnad.dev/<rule code or name>: "<reason>[; expires=YYYY-MM-DD]"`.
A waived finding stays in every output with `waived: true` and the waiver's text; it no longer counts
toward the exit code. An expired waiver waives nothing and is itself an error (GN901); a waiver that
matched no finding is a warning (GN902), except when every rule it names did not run (offline). A
central exception is judged unused only when it names VMs and one of them is part of the change. An
invalid annotation (no reason, a bad date, no rule) waives nothing and is GN902 at error severity.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from gitnad.models.context import CheckContext
from gitnad.models.findings import Finding, RuleMeta, Severity, WaiverSource
from gitnad.models.manifest import VM, WAIVER_ANNOTATION_PREFIX
from gitnad.policy import codes
from gitnad.policy.model import PolicyException, PolicySet

EXPIRES = "expires"
NEEDS_REASON = "a waiver needs a reason before the optional '; expires=YYYY-MM-DD'"


def rule_matches(ref: str, finding: Finding) -> bool:
    """Codes are accepted in any case, names as written."""
    return ref.upper() == finding.code or ref == finding.rule


@dataclass(eq=False)
class Waiver:
    """One waiver from either source, with what it matched during this check."""

    rules: tuple[str, ...]
    reason: str
    label: str
    """Where it comes from: `annotation waive.gitnad.dev/x on ns/vm` or `NADPolicyException y (file:line)`."""
    applies: Callable[[Finding], bool]
    source: WaiverSource
    expires: date | None = None
    owner: str | None = None
    vm: str | None = None
    file: str | None = None
    line: int | None = None
    report_unused: bool = True
    used: int = field(default=0)

    def expired(self, today: date) -> bool:
        return self.expires is not None and self.expires < today

    def matches(self, finding: Finding) -> bool:
        return any(rule_matches(r, finding) for r in self.rules) and self.applies(finding)

    def text(self) -> str:
        extra = [x for x in (f"owner {self.owner}" if self.owner else "", self._expiry()) if x]
        return f"{self.label}{' (' + ', '.join(extra) + ')' if extra else ''}: {self.reason}"

    def _expiry(self) -> str:
        return f"expires {self.expires.isoformat()}" if self.expires else ""


@dataclass(frozen=True)
class Malformed:
    vm: VM
    key: str
    problem: str


def _expiry(clause: str) -> str | None:
    """The date text of an `expires=<date>` clause (keyword in any case, spaces around `=` allowed), else None."""
    text = clause.strip()
    if text[: len(EXPIRES)].lower() != EXPIRES:
        return None
    rest = text[len(EXPIRES) :].lstrip()
    return rest[1:].strip() if rest.startswith("=") else None


def parse_annotation(value: str) -> tuple[str, date | None, str | None]:
    """(reason, expires, problem) of `"<reason>[; expires=YYYY-MM-DD]"`.

    Linear in the value (one `rpartition`, a few strips; a lazy DOTALL regex took 37 s on 120k characters).
    The reason is everything before the last `;` when what follows it is an `expires=` clause, else the whole
    value; a value that is only an `expires=` clause has no reason. Without a reason a waiver waives nothing.
    """
    before, semicolon, after = value.rpartition(";")
    raw = _expiry(after) if semicolon else None
    reason_text = before if raw is not None else value
    if not semicolon and _expiry(value) is not None:  # "expires=2020-01-01" alone: a date, not a reason
        reason_text, raw = "", _expiry(value)
    reason = reason_text.strip()
    expires = None
    if raw is not None:
        try:
            expires = date.fromisoformat(raw)
        except ValueError:
            return reason, None, f"expires={raw!r} is not a date (YYYY-MM-DD)"
    return reason, expires, None if reason else NEEDS_REASON


def _on_vm(key: str) -> Callable[[Finding], bool]:
    def applies(f: Finding) -> bool:
        return f.vm == key

    return applies


def _vm_waivers(vm: VM, report_unused: bool) -> tuple[list[Waiver], list[Malformed]]:
    waivers: list[Waiver] = []
    bad: list[Malformed] = []
    for key, value in sorted(vm.annotations.items()):
        if not key.startswith(WAIVER_ANNOTATION_PREFIX):
            continue
        ref = key[len(WAIVER_ANNOTATION_PREFIX) :]
        reason, expires, problem = parse_annotation(value)
        if problem is not None or not ref:
            bad.append(Malformed(vm, key, problem or "the annotation names no rule"))
            continue
        waivers.append(
            Waiver(
                rules=(ref,),
                reason=reason,
                label=f"annotation {key} on {vm.key}",
                applies=_on_vm(vm.key),
                source=WaiverSource.ANNOTATION,
                expires=expires,
                vm=vm.key,
                file=vm.file,
                line=vm.waiver_lines.get(key, vm.line),
                report_unused=report_unused,
            )
        )
    return waivers, bad


def _vms(ctx: CheckContext) -> tuple[list[VM], list[VM]]:
    """(VMs the change touches at head, other VMs at head the findings may name)."""
    changed = {d.head.key: d.head for d in ctx.deltas if d.head is not None}
    others = {vm.key: vm for vms in ctx.head_references.values() for vm in vms if vm.key not in changed}
    return list(changed.values()), list(others.values())


def vm_labels(ctx: CheckContext) -> dict[str, dict[str, str]]:
    """Labels of every VM a finding may name: the repo (head, else base), else the live cluster."""
    out: dict[str, dict[str, str]] = {}
    if ctx.cluster is not None:
        out.update({v.key: dict(v.labels) for v in ctx.cluster.vms})
    for vms in ctx.head_references.values():
        out.update({vm.key: dict(vm.labels) for vm in vms})
    for d in ctx.deltas:
        vm = d.head or d.base
        if vm is not None:
            out[d.key] = dict(vm.labels)
    return out


def _exception_applies(exc: PolicyException, labels: Mapping[str, Mapping[str, str]]) -> Callable[[Finding], bool]:
    def applies(f: Finding) -> bool:
        if exc.policies and f.policy not in exc.policies:
            return False
        if f.vm is None:
            if exc.match.needs_vm:
                return False
        elif not exc.match.matches_vm(f.vm, labels.get(f.vm, {})):
            return False
        return exc.match.matches_network(f.network)

    return applies


def _concerns_change(exc: PolicyException, ctx: CheckContext, labels: Mapping[str, Mapping[str, str]]) -> bool:
    """The exception names VMs (by namespace, name or labels) and one of them is changed here.

    Only then can this change tell that it is unused: a central exception about other VMs, or about every VM,
    is simply not exercised by a change that does not trigger it.
    """
    return exc.match.needs_vm and any(exc.match.matches_vm(d.key, labels.get(d.key, {})) for d in ctx.deltas)


def _exception_waiver(exc: PolicyException, ctx: CheckContext, labels: Mapping[str, Mapping[str, str]]) -> Waiver:
    return Waiver(
        rules=exc.rules,
        reason=exc.reason,
        label=f"NADPolicyException {exc.name} ({exc.origin.file}:{exc.origin.line})",
        applies=_exception_applies(exc, labels),
        source=WaiverSource.EXCEPTION,
        expires=exc.expires,
        owner=exc.owner,
        file=exc.origin.file,
        line=exc.origin.line,
        report_unused=_concerns_change(exc, ctx, labels),
    )


def collect(ctx: CheckContext, policies: PolicySet) -> tuple[list[Waiver], list[Malformed]]:
    changed, others = _vms(ctx)
    waivers: list[Waiver] = []
    bad: list[Malformed] = []
    for vms, report in ((changed, True), (others, False)):
        for vm in sorted(vms, key=lambda v: v.key):
            w, b = _vm_waivers(vm, report)
            waivers.extend(w)
            bad.extend(b if report else ())
    if policies.exceptions:  # the label index walks every live VM: only central exceptions need it
        labels = vm_labels(ctx)
        waivers.extend(_exception_waiver(e, ctx, labels) for e in policies.exceptions)
    return waivers, bad


def _meta(meta: RuleMeta, message: str, vm: str | None, file: str | None, line: int | None) -> Finding:
    return Finding(code=meta.code, rule=meta.name, severity=meta.severity, message=message, vm=vm, file=file, line=line)


def _waive(f: Finding, waivers: Iterable[Waiver], today: date) -> Finding:
    hits = [w for w in waivers if not w.expired(today) and w.matches(f)]
    for w in hits:
        w.used += 1
    if not hits:
        return f
    return f.model_copy(update={"waived": True, "waiver": hits[0].text(), "waiver_source": hits[0].source})


def _not_run(w: Waiver, not_run: Collection[str]) -> bool:
    names = {n.upper() for n in not_run} | set(not_run)
    return all(r in names or r.upper() in names for r in w.rules)


def _reports(waivers: list[Waiver], bad: list[Malformed], today: date, not_run: Collection[str]) -> list[Finding]:
    out: list[Finding] = []
    for w in waivers:
        rules = ", ".join(w.rules)
        if w.expired(today):
            assert w.expires is not None
            out.append(
                _meta(
                    codes.WAIVER_EXPIRED,
                    f"{w.label} for {rules} expired on {w.expires.isoformat()}: the findings it named are no "
                    "longer waived; fix them, or renew the waiver with a new date and reason",
                    w.vm,
                    w.file,
                    w.line,
                )
            )
        elif w.used == 0 and w.report_unused and not _not_run(w, not_run):
            message = f"{w.label} for {rules} matched no finding; remove it"
            out.append(_meta(codes.UNUSED_WAIVER, message, w.vm, w.file, w.line))
    for b in bad:
        message = f"annotation {b.key} on {b.vm.key} is invalid and waives nothing: {b.problem}"
        invalid = _meta(codes.UNUSED_WAIVER, message, b.vm.key, b.vm.file, b.vm.waiver_lines.get(b.key, b.vm.line))
        out.append(invalid.model_copy(update={"severity": Severity.ERROR}))  # looks meant for gitnad: an error
    return out


def apply_waivers(
    findings: list[Finding],
    ctx: CheckContext,
    policies: PolicySet,
    now: datetime,
    *,
    not_run: Collection[str] = (),
) -> list[Finding]:
    """Findings with waivers applied, plus GN901 / GN902. `not_run`: codes and names of rules that did not run."""
    waivers, bad = collect(ctx, policies)
    today = now.date()
    out = [_waive(f, waivers, today) for f in findings]
    return out + _reports(waivers, bad, today, not_run)
