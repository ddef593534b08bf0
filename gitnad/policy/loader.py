"""Policy documents -> frozen `PolicySet`: schema validation, semantic checks, models. No file I/O here.

The app layer (`gitnad.app.policy_files`) finds and parses the files (with `gitnad.sources.yamlio`, whose
line marks give every problem its line) and feeds each document to `add_document`. Every problem is
collected and raised once as a `ConfigError` whose lines read `<file>:<line>: <JSON pointer>: <message>`,
so a user fixes a file in one pass.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from gitnad.errors import ConfigError
from gitnad.models.findings import Severity
from gitnad.policy.model import (
    ChangeWindow,
    Constraints,
    LabelSelector,
    Match,
    Operator,
    Origin,
    Policy,
    PolicyException,
    PolicySet,
    Requirement,
    Transition,
    VlanRange,
)
from gitnad.policy.schemas import SchemaName, SchemaProblem, line_of, pointer, validate

API_GROUP = "gitnad.dev"
API_VERSION = f"{API_GROUP}/v1alpha1"
TEST_KIND = "NADPolicyTest"
POLICY_KIND = "NADPolicy"
EXCEPTION_KIND = "NADPolicyException"
KINDS = {POLICY_KIND: SchemaName.POLICY, EXCEPTION_KIND: SchemaName.EXCEPTION}
_OUR_KINDS = frozenset(k.lower() for k in (*KINDS, TEST_KIND))
RuleCheck = Callable[[str], bool]


@dataclass
class Collector:
    """What loading found so far, across files."""

    policies: list[Policy] = field(default_factory=list)
    exceptions: list[PolicyException] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    known_rule: RuleCheck | None = None


def is_foreign(data: object) -> bool:
    """Not meant for gitnad, so a policy directory may hold it (the manifests and snapshots of policy tests):
    a document that is not a mapping, or whose API group and kind both are someone else's. A document that
    only looks like ours (a `gitnad` API group, or one of our kinds in any case) is ours, and then an unknown
    apiVersion or kind is an error, never a silently skipped policy."""
    if not isinstance(data, Mapping):
        return True
    api, kind = data.get("apiVersion"), data.get("kind")
    group = api.split("/", 1)[0] if isinstance(api, str) else ""
    return "gitnad" not in group.lower() and not (isinstance(kind, str) and kind.lower() in _OUR_KINDS)


def is_policy_test(data: object) -> bool:
    """A `gitnad-test.yaml` document: read by `policy test`, skipped when found in a policy directory."""
    return isinstance(data, Mapping) and data.get("apiVersion") == API_VERSION and data.get("kind") == TEST_KIND


def _identity_problems(data: Mapping[str, Any], line: int, file: str) -> list[str]:
    """apiVersion and kind, checked before the schema so that the message says what was found and expected."""
    out = []
    api, kind = data.get("apiVersion"), data.get("kind")
    if api != API_VERSION:
        found = "missing" if api is None else f"{api!r} is unknown"
        out.append(f"{file}:{line_of(data, ['apiVersion']) or line}: /apiVersion: {found}; expected {API_VERSION!r}")
    if not (isinstance(kind, str) and kind in KINDS):
        found = "missing" if kind is None else f"{kind!r} is not one of {sorted(KINDS)}"
        out.append(f"{file}:{line_of(data, ['kind']) or line}: /kind: {found}")
    return out


def add_document(data: Any, line: int, file: str, collector: Collector) -> None:
    """Validate one parsed document and add the policy or exception it defines (or its problems)."""
    if not isinstance(data, Mapping):
        collector.errors.append(f"{file}:{line}: /: a policy document must be a mapping")
        return
    identity = _identity_problems(data, line, file)
    if identity:
        collector.errors.extend(identity)
        return
    schema = KINDS[data["kind"]]
    problems = validate(data, schema)
    if not problems:
        problems = semantic_problems(data)
    if not problems and schema is SchemaName.EXCEPTION and collector.known_rule is not None:
        problems = unknown_rules(data, collector.known_rule)
    if problems:
        collector.errors.extend(p.render(file) for p in problems)
        return
    origin = Origin(file=file, line=line_of(data, ["metadata", "name"]))
    if schema is SchemaName.POLICY:
        collector.policies.append(build_policy(data, origin))
    else:
        collector.exceptions.append(build_exception(data, origin))


def check_unique(collector: Collector) -> list[tuple[str, str]]:
    """Names defined twice, as errors of the collector; returned as (file of the later definition, error) so
    that a per-file report needs no parsing of the text."""
    found: list[tuple[str, str]] = []
    for kind, items in (("NADPolicy", collector.policies), ("NADPolicyException", collector.exceptions)):
        seen: dict[str, Origin] = {}
        for item in items:
            first = seen.setdefault(item.name, item.origin)
            if first is not item.origin:
                error = (
                    f"{item.origin.file}:{item.origin.line}: /metadata/name: {kind} {item.name!r} is already "
                    f"defined at {first.file}:{first.line}"
                )
                collector.errors.append(error)
                found.append((item.origin.file, error))
    return found


def policy_set(collector: Collector) -> PolicySet:
    """The loaded policies, or one ConfigError listing every problem of every file."""
    check_unique(collector)
    if collector.errors:
        raise ConfigError("invalid policy file:", collector.errors)
    return PolicySet(
        policies=tuple(collector.policies), exceptions=tuple(collector.exceptions), files=tuple(collector.files)
    )


# --- semantic checks the schema cannot express ------------------------------------------------------


def semantic_problems(data: Mapping[str, Any]) -> list[SchemaProblem]:
    out: list[SchemaProblem] = []
    spec = data.get("spec", {})
    constraints = spec.get("constraints", {})
    for i, text in enumerate(constraints.get("allowedVLANs", ())):
        low, high = _range(text)
        if low > high or high > 4094:
            path = ["spec", "constraints", "allowedVLANs", i]
            out.append(_at(data, path, f"{text!r} is not a VLAN id or range within 0-4094 (low-high)"))
    for i, window in enumerate(constraints.get("changeWindows", ())):
        tz = window.get("timezone", "UTC")
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            path = ["spec", "constraints", "changeWindows", i, "timezone"]
            out.append(_at(data, path, f"{tz!r} is not an IANA time zone (e.g. UTC, Europe/Berlin)"))
    expires = spec.get("expires")
    if isinstance(expires, str) and _date(expires) is None:
        out.append(_at(data, ["spec", "expires"], f"{expires!r} is not a valid date (YYYY-MM-DD)"))
    return out


def unknown_rules(data: Mapping[str, Any], known_rule: RuleCheck) -> list[SchemaProblem]:
    return [
        _at(data, ["spec", "rules", i], f"{ref!r} is not a rule code or name")
        for i, ref in enumerate(data["spec"]["rules"])
        if not known_rule(ref)
    ]


def _at(data: Any, path: list[Any], message: str) -> SchemaProblem:
    return SchemaProblem(pointer=pointer(path), line=line_of(data, path), message=message)


def _range(text: str) -> tuple[int, int]:
    low, _, high = text.partition("-")
    return int(low), int(high or low)


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _time(text: str) -> time | None:
    return None if text == "24:00" else time.fromisoformat(text)


# --- documents -> models -------------------------------------------------------------------------------


def selector(data: Mapping[str, Any] | None) -> LabelSelector | None:
    if data is None:
        return None
    return LabelSelector(
        match_labels=dict(data.get("matchLabels", {})),
        match_expressions=tuple(
            Requirement(key=e["key"], operator=Operator(e["operator"]), values=tuple(e.get("values", ())))
            for e in data.get("matchExpressions", ())
        ),
    )


def match(data: Mapping[str, Any] | None) -> Match:
    data = data or {}
    return Match(
        namespaces=tuple(data.get("namespaces", ())),
        vms=tuple(data.get("vms", ())),
        vm_selector=selector(data.get("vmSelector")),
        networks=tuple(data.get("networks", ())),
    )


def _opt_tuple(data: Mapping[str, Any], key: str) -> tuple[str, ...] | None:
    return tuple(data[key]) if key in data else None


def constraints(data: Mapping[str, Any]) -> Constraints:
    return Constraints(
        allowed_targets=_opt_tuple(data, "allowedTargets"),
        denied_targets=_opt_tuple(data, "deniedTargets"),
        allowed_transitions=tuple(Transition(from_=t["from"], to=t["to"]) for t in data["allowedTransitions"])
        if "allowedTransitions" in data
        else None,
        target_nad_selector=selector(data.get("targetNADSelector")),
        require_same_cni_type=data.get("requireSameCNIType") is True,
        allowed_vlans=tuple(VlanRange(low=lo, high=hi) for lo, hi in map(_range, data["allowedVLANs"]))
        if "allowedVLANs" in data
        else None,
        max_swaps_per_change=data.get("maxSwapsPerChange"),
        required_vm_annotations=_opt_tuple(data, "requiredVMAnnotations"),
        change_windows=tuple(
            ChangeWindow(
                days=tuple(w["days"]),
                start=time.fromisoformat(w["start"]),
                end=_time(w["end"]),
                timezone=w.get("timezone", "UTC"),
            )
            for w in data["changeWindows"]
        )
        if "changeWindows" in data
        else None,
    )


def build_policy(data: Mapping[str, Any], origin: Origin) -> Policy:
    spec = data["spec"]
    return Policy(
        name=data["metadata"]["name"],
        severity=Severity(spec.get("severity", "error")),
        description=spec.get("description"),
        match=match(spec.get("match")),
        constraints=constraints(spec["constraints"]),
        origin=origin,
    )


def build_exception(data: Mapping[str, Any], origin: Origin) -> PolicyException:
    spec = data["spec"]
    return PolicyException(
        name=data["metadata"]["name"],
        rules=tuple(spec["rules"]),
        reason=spec["reason"].strip(),
        policies=tuple(spec.get("policies", ())),
        owner=spec.get("owner"),
        expires=_date(spec["expires"]) if "expires" in spec else None,
        match=match(spec.get("match")),
        origin=origin,
    )


def problem_at(file: str, data: Any, path: Sequence[Any], message: str) -> str:
    """`file:line: /pointer: message` for a problem found after schema validation."""
    return _at(data, list(path), message).render(file)
