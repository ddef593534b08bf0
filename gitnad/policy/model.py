"""Policies and waivers as frozen values: what `loader` builds from schema-valid documents.

Matching helpers (globs, label selectors, VLAN ranges, change windows) live here too, so the evaluator
and the waiver logic share one reading of each field.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from fnmatch import fnmatchcase
from zoneinfo import ZoneInfo

from gitnad.models.base import Frozen
from gitnad.models.findings import Severity

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def glob_any(globs: tuple[str, ...], value: str) -> bool:
    return any(fnmatchcase(value, g) for g in globs)


class Operator(enum.StrEnum):
    IN = "In"
    NOT_IN = "NotIn"
    EXISTS = "Exists"
    DOES_NOT_EXIST = "DoesNotExist"


class Requirement(Frozen):
    key: str
    operator: Operator
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        present = self.key in labels
        if self.operator is Operator.EXISTS:
            return present
        if self.operator is Operator.DOES_NOT_EXIST:
            return not present
        if self.operator is Operator.IN:
            return present and labels[self.key] in self.values
        return not present or labels[self.key] not in self.values


class LabelSelector(Frozen):
    """Kubernetes label selector semantics: every label and every expression must hold."""

    match_labels: dict[str, str] = {}
    match_expressions: tuple[Requirement, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        return all(labels.get(k) == v for k, v in self.match_labels.items()) and all(
            r.matches(labels) for r in self.match_expressions
        )

    def describe(self) -> str:
        parts = [f"{k}={v}" for k, v in sorted(self.match_labels.items())]
        for r in self.match_expressions:
            vals = f" ({', '.join(r.values)})" if r.values else ""
            parts.append(f"{r.key} {r.operator.value}{vals}")
        return ", ".join(parts) or "(everything)"


class Match(Frozen):
    """Which VMs and networks something applies to. Empty fields match everything."""

    namespaces: tuple[str, ...] = ()
    vms: tuple[str, ...] = ()
    vm_selector: LabelSelector | None = None
    networks: tuple[str, ...] = ()

    @property
    def needs_vm(self) -> bool:
        return bool(self.namespaces or self.vms or self.vm_selector is not None)

    def matches_vm(self, vm_key: str, labels: Mapping[str, str]) -> bool:
        namespace = vm_key.split("/", 1)[0]
        if self.namespaces and not glob_any(self.namespaces, namespace):
            return False
        if self.vms and not glob_any(self.vms, vm_key):
            return False
        return self.vm_selector is None or self.vm_selector.matches(labels)

    def matches_network(self, network: str | None) -> bool:
        if not self.networks:
            return True
        return network is not None and glob_any(self.networks, network)


class Transition(Frozen):
    from_: str
    to: str

    def matches(self, old: str, new: str) -> bool:
        return fnmatchcase(old, self.from_) and fnmatchcase(new, self.to)


class VlanRange(Frozen):
    low: int
    high: int

    def __contains__(self, vlan: int) -> bool:
        return self.low <= vlan <= self.high

    def __str__(self) -> str:
        return str(self.low) if self.low == self.high else f"{self.low}-{self.high}"


class ChangeWindow(Frozen):
    """Days + a local start/end; an end at or before the start means the window runs past midnight."""

    days: tuple[str, ...]
    start: time
    end: time | None
    """None means 24:00."""
    timezone: str = "UTC"

    def contains(self, moment: datetime) -> bool:
        local = moment.astimezone(ZoneInfo(self.timezone))
        for offset in (0, 1):
            day = local.date() - timedelta(days=offset)
            if DAYS[day.weekday()] not in self.days:
                continue
            begin = datetime.combine(day, self.start, local.tzinfo)
            finish = self._finish(day, local)
            if begin <= local < finish:
                return True
        return False

    def _finish(self, day: date, local: datetime) -> datetime:
        if self.end is None or self.end <= self.start:
            return datetime.combine(day + timedelta(days=1), self.end or time(0), local.tzinfo)
        return datetime.combine(day, self.end, local.tzinfo)

    def describe(self) -> str:
        end = self.end.strftime("%H:%M") if self.end is not None else "24:00"
        return f"{','.join(self.days)} {self.start.strftime('%H:%M')}-{end} {self.timezone}"


class Constraints(Frozen):
    allowed_targets: tuple[str, ...] | None = None
    denied_targets: tuple[str, ...] | None = None
    allowed_transitions: tuple[Transition, ...] | None = None
    target_nad_selector: LabelSelector | None = None
    require_same_cni_type: bool = False
    allowed_vlans: tuple[VlanRange, ...] | None = None
    max_swaps_per_change: int | None = None
    required_vm_annotations: tuple[str, ...] | None = None
    change_windows: tuple[ChangeWindow, ...] | None = None


class Origin(Frozen):
    """Where a policy document was read: file (as given) and the line of its metadata.name."""

    file: str
    line: int | None = None


class Policy(Frozen):
    name: str
    severity: Severity = Severity.ERROR
    description: str | None = None
    match: Match = Match()
    constraints: Constraints
    origin: Origin


class PolicyException(Frozen):
    """A central waiver (`kind: NADPolicyException`)."""

    name: str
    rules: tuple[str, ...]
    reason: str
    policies: tuple[str, ...] = ()
    owner: str | None = None
    expires: date | None = None
    match: Match = Match()
    origin: Origin


class PolicySet(Frozen):
    policies: tuple[Policy, ...] = ()
    exceptions: tuple[PolicyException, ...] = ()
    files: tuple[str, ...] = ()
    """Every file read, as given."""

    @property
    def empty(self) -> bool:
        return not self.policies and not self.exceptions
