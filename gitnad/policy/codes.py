"""Metadata of the policy finding codes (GN301-GN309) and of the waiver meta findings (GN901, GN902).

Names are the constraint names in kebab case, so a waiver annotation reads
`waive.gitnad.dev/allowed-vlans: "..."`. The app layer joins these with the built-in rules wherever a
rule is named (severity overrides, SARIF rule metadata, `policy validate`).
"""

from __future__ import annotations

from gitnad.models.findings import RuleMeta, Scope, Severity


def _policy(code: str, name: str, summary: str, example: str) -> RuleMeta:
    doc = (
        f"{code} {name}.\n\nWhat: {summary} (a user NADPolicy; the finding's `policy` names it).\n\n"
        "Why: the platform team decided so in its policy files (`.gitnad/policies/`).\n\n"
        f"Example: {example}.\n\n"
        "Fix: change the manifest to satisfy the policy, or waive the finding with a reason "
        f"(`waive.gitnad.dev/{name}` on the VM, or a NADPolicyException). Reference: policies/README.md."
    )
    return RuleMeta(code=code, name=name, severity=Severity.ERROR, scope=Scope.POLICY, summary=summary, doc=doc)


ALLOWED_TARGETS = _policy(
    "GN301",
    "allowed-targets",
    "The target NAD matches none of the policy's allowedTargets",
    '`allowedTargets: ["prod-*/vlan-2*"]` and a VM in prod moved to `prod/vlan-30`',
)
DENIED_TARGETS = _policy(
    "GN302",
    "denied-targets",
    "The target NAD matches one of the policy's deniedTargets",
    '`deniedTargets: ["*/legacy-*"]` and a VM moved to `prod/legacy-10`',
)
ALLOWED_TRANSITIONS = _policy(
    "GN303",
    "allowed-transitions",
    "The NAD swap (from -> to) matches none of the policy's allowedTransitions",
    '`allowedTransitions: [{from: "*/vlan-10", to: "*/vlan-20"}]` and a move from `prod/vlan-10` to `prod/vlan-30`',
)
TARGET_NAD_SELECTOR = _policy(
    "GN304",
    "target-nad-selector",
    "The target NAD's labels do not match the policy's targetNADSelector",
    "`targetNADSelector: {matchLabels: {tenant: a}}` and a target NAD labelled `tenant: b`",
)
REQUIRE_SAME_CNI_TYPE = _policy(
    "GN305",
    "require-same-cni-type",
    "Old and new NAD differ in CNI type",
    "`requireSameCNIType: true` and a move from a `bridge` NAD to a `macvlan` NAD",
)
ALLOWED_VLANS = _policy(
    "GN306",
    "allowed-vlans",
    "The target NAD's VLAN is not among the policy's allowedVLANs",
    '`allowedVLANs: ["20", "30-39"]` and a target NAD whose CNI config says `"vlan": 40`',
)
MAX_SWAPS_PER_CHANGE = _policy(
    "GN307",
    "max-swaps-per-change",
    "The change swaps more NADs than the policy's maxSwapsPerChange",
    "`maxSwapsPerChange: 10` and one pull request that moves 12 VM networks",
)
REQUIRED_VM_ANNOTATIONS = _policy(
    "GN308",
    "required-vm-annotations",
    "A VM with a NAD change lacks an annotation the policy requires",
    '`requiredVMAnnotations: ["change-ticket"]` and a moved VM without a `change-ticket` annotation',
)
CHANGE_WINDOWS = _policy(
    "GN309",
    "change-windows",
    "The NAD change is checked outside the policy's changeWindows",
    '`changeWindows: [{days: [Sat, Sun], start: "02:00", end: "06:00", timezone: UTC}]` and a check on a Tuesday',
)

WAIVER_EXPIRED = RuleMeta(
    code="GN901",
    name="waiver-expired",
    severity=Severity.ERROR,
    scope=Scope.META,
    summary="A waiver is past its expires date; the finding it named is not waived",
    doc="GN901 waiver-expired.\n\nWhat: a waiver (VM annotation or NADPolicyException) is past its `expires` "
    "date.\n\nWhy: waivers are temporary by design; the finding it named counts again.\n\nExample: "
    '`waive.gitnad.dev/target-nad-missing: "NAD comes with the network team\'s change; expires=2026-01-31"` '
    "on a VM, checked on 2026-02-01.\n\nFix: fix the "
    "finding, or renew the waiver with a new date and a current reason.",
)
UNUSED_WAIVER = RuleMeta(
    code="GN902",
    name="unused-waiver",
    severity=Severity.WARNING,
    scope=Scope.META,
    summary="A waiver matched no finding (or is invalid and waives nothing: then an error)",
    doc="GN902 unused-waiver.\n\nWhat: a waiver matched no finding of this change (warning), or an annotation "
    "waiver is invalid (no reason, a bad date, no rule name) and waives nothing (error).\n\nWhy: stale waivers "
    "hide future problems, and a waiver that looks meant to waive but does not is never silently skipped.\n\n"
    'Example: `waive.gitnad.dev/GN205: "expires=2026-12-31"` gives a date but no reason.\n\n'
    "Fix: remove the waiver, or correct its rule name, reason, match or format.",
)

POLICY_RULES: tuple[RuleMeta, ...] = (
    ALLOWED_TARGETS,
    DENIED_TARGETS,
    ALLOWED_TRANSITIONS,
    TARGET_NAD_SELECTOR,
    REQUIRE_SAME_CNI_TYPE,
    ALLOWED_VLANS,
    MAX_SWAPS_PER_CHANGE,
    REQUIRED_VM_ANNOTATIONS,
    CHANGE_WINDOWS,
)
META_RULES: tuple[RuleMeta, ...] = (WAIVER_EXPIRED, UNUSED_WAIVER)
ALL: tuple[RuleMeta, ...] = POLICY_RULES + META_RULES


def lookup(code_or_name: str) -> RuleMeta | None:
    """A policy / meta rule by code (`GN306`, any case) or name (`allowed-vlans`)."""
    return next((m for m in ALL if m.code == code_or_name.upper() or m.name == code_or_name), None)
