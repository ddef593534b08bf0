"""Policy, exception, config and test-case schemas: valid files load, invalid files fail with the exact text."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from gitnad.app.policy_files import load_policies
from gitnad.errors import ConfigError
from gitnad.policy.schemas import SchemaName, schema_path, validate
from gitnad.sources.ownfiles import display_path
from gitnad.sources.yamlio import load_documents

HEAD = "apiVersion: gitnad.dev/v1alpha1\nkind: NADPolicy\nmetadata:\n  name: p\nspec:\n"


def write(tmp_path: Path, text: str, name: str = "p.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def load_error(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as e:
        load_policies([path])
    first, *rest = e.value.message.splitlines()
    assert first == "invalid policy file:"
    return [line.replace(display_path(path), "p.yaml") for line in rest]


def test_every_schema_is_a_valid_2020_12_schema() -> None:
    from jsonschema import Draft202012Validator

    for name in SchemaName:
        import json

        schema = json.loads(schema_path(name).read_text())
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        Draft202012Validator.check_schema(schema)


INVALID = [
    (
        "vlan-not-a-string",
        HEAD + '  constraints:\n    allowedVLANs: [20, "30-39"]\n',
        ["p.yaml:7: /spec/constraints/allowedVLANs/0: 20 is not of type 'string'"],
    ),
    (
        "vlan-item-on-its-own-line",
        HEAD + '  constraints:\n    allowedVLANs:\n    - "20"\n    - 20\n',
        ["p.yaml:9: /spec/constraints/allowedVLANs/1: 20 is not of type 'string'"],
    ),
    (
        "vlan-bad-range-text",
        HEAD + '  constraints:\n    allowedVLANs: ["20-"]\n',
        ["p.yaml:7: /spec/constraints/allowedVLANs/0: '20-' does not match '^[0-9]{1,4}(-[0-9]{1,4})?$'"],
    ),
    (
        "unknown-constraint",
        HEAD + '  constraints:\n    maxSwapsPerChange: 2\n    allowedVlans: ["20"]\n',
        ["p.yaml:8: /spec/constraints: Additional properties are not allowed ('allowedVlans' was unexpected)"],
    ),
    (
        "no-constraints",
        HEAD + "  severity: warning\n",
        ["p.yaml:5: /spec: 'constraints' is a required property"],
    ),
    (
        "empty-constraints",
        HEAD + "  constraints: {}\n",
        ["p.yaml:6: /spec/constraints: {} should be non-empty"],
    ),
    (
        "bad-severity",
        HEAD + "  severity: fatal\n  constraints:\n    requireSameCNIType: true\n",
        ["p.yaml:6: /spec/severity: 'fatal' is not one of ['error', 'warning', 'info']"],
    ),
    (
        "bad-day-and-time",
        HEAD + '  constraints:\n    changeWindows:\n    - {days: [Saturday], start: "2:00", end: "06:00"}\n',
        [
            "p.yaml:8: /spec/constraints/changeWindows/0/days/0: 'Saturday' is not one of "
            "['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun']",
            "p.yaml:8: /spec/constraints/changeWindows/0/start: '2:00' does not match "
            "'^([01][0-9]|2[0-3]):[0-5][0-9]$'",
        ],
    ),
    (
        "selector-in-without-values",
        HEAD + "  match:\n    vmSelector:\n      matchExpressions:\n      - {key: tier, operator: In}\n"
        "  constraints:\n    requireSameCNIType: true\n",
        ["p.yaml:9: /spec/match/vmSelector/matchExpressions/0: 'values' is a required property"],
    ),
    (
        "wrong-api-version",
        "apiVersion: gitnad.dev/v1\nkind: NADPolicy\nmetadata: {name: p}\n"
        "spec:\n  constraints: {maxSwapsPerChange: 1}\n",
        ["p.yaml:1: /apiVersion: 'gitnad.dev/v1' is unknown; expected 'gitnad.dev/v1alpha1'"],
    ),
    (
        "bad-name",
        "apiVersion: gitnad.dev/v1alpha1\nkind: NADPolicy\nmetadata: {name: Prod_Moves}\n"
        "spec:\n  constraints: {maxSwapsPerChange: 1}\n",
        ["p.yaml:3: /metadata/name: 'Prod_Moves' does not match '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$'"],
    ),
    (
        "unknown-kind",
        "apiVersion: gitnad.dev/v1alpha1\nkind: NADPolicies\nmetadata: {name: p}\n",
        ["p.yaml:2: /kind: 'NADPolicies' is not one of ['NADPolicy', 'NADPolicyException']"],
    ),
    (
        "unknown-time-zone",
        HEAD + '  constraints:\n    changeWindows:\n    - days: [Sat]\n      start: "02:00"\n      end: "06:00"\n'
        "      timezone: Mars/Olympus\n",
        [
            "p.yaml:11: /spec/constraints/changeWindows/0/timezone: 'Mars/Olympus' is not an IANA time zone "
            "(e.g. UTC, Europe/Berlin)"
        ],
    ),
    (
        "reversed-vlan-range",
        HEAD + '  constraints:\n    allowedVLANs: ["39-30", "4095"]\n',
        [
            "p.yaml:7: /spec/constraints/allowedVLANs/0: '39-30' is not a VLAN id or range within 0-4094 (low-high)",
            "p.yaml:7: /spec/constraints/allowedVLANs/1: '4095' is not a VLAN id or range within 0-4094 (low-high)",
        ],
    ),
    (
        "exception-without-reason",
        "apiVersion: gitnad.dev/v1alpha1\nkind: NADPolicyException\nmetadata: {name: e}\nspec:\n"
        '  rules: [GN205]\n  reason: "  "\n',
        ["p.yaml:6: /spec/reason: '  ' does not match '\\\\S'"],
    ),
    (
        "exception-bad-expiry",
        "apiVersion: gitnad.dev/v1alpha1\nkind: NADPolicyException\nmetadata: {name: e}\nspec:\n"
        "  rules: [GN205]\n  reason: r\n  expires: 2026-02-30\n",
        ["p.yaml:7: /spec/expires: '2026-02-30' is not a valid date (YYYY-MM-DD)"],
    ),
    (
        "exception-no-rules",
        "apiVersion: gitnad.dev/v1alpha1\nkind: NADPolicyException\nmetadata: {name: e}\nspec:\n  reason: r\n",
        ["p.yaml:4: /spec: 'rules' is a required property"],
    ),
    (
        "yaml-syntax",
        HEAD + "  constraints:\n    maxSwapsPerChange: 1: 2\n",
        ["p.yaml:7: YAML syntax error: mapping values are not allowed in this context"],
    ),
    (
        "duplicate-key",
        HEAD + "  constraints:\n    maxSwapsPerChange: 1\n    maxSwapsPerChange: 2\n",
        ["p.yaml:8: duplicate mapping key 'maxSwapsPerChange' (first on line 7)"],
    ),
    (
        "duplicate-policy-name",
        HEAD + "  constraints: {maxSwapsPerChange: 1}\n---\n" + HEAD + "  constraints: {maxSwapsPerChange: 2}\n",
        ["p.yaml:11: /metadata/name: NADPolicy 'p' is already defined at p.yaml:4"],
    ),
]


@pytest.mark.parametrize(("text", "errors"), [c[1:] for c in INVALID], ids=[c[0] for c in INVALID])
def test_invalid_policy_files(tmp_path: Path, text: str, errors: list[str]) -> None:
    assert load_error(write(tmp_path, text)) == errors


def test_errors_name_the_path_as_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "policies").mkdir()
    write(tmp_path, HEAD + "  constraints:\n    allowedVLANs: [20]\n", "policies/p.yaml")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError) as e:
        load_policies([Path("policies")])
    assert e.value.message == (
        "invalid policy file:\npolicies/p.yaml:7: /spec/constraints/allowedVLANs/0: 20 is not of type 'string'"
    )
    assert e.value.exit_code == 2


def test_spec_example_policy_is_valid(tmp_path: Path) -> None:
    text = """\
        apiVersion: gitnad.dev/v1alpha1
        kind: NADPolicy
        metadata: {name: prod-vlan-moves}
        spec:
          severity: error
          match:
            namespaces: ["prod-*"]
            vmSelector: {matchLabels: {tier: db}}
            networks: ["bridge-net"]
          constraints:
            allowedTargets: ["prod-*/vlan-2*"]
            deniedTargets: ["*/legacy-*"]
            allowedTransitions: [{from: "*/vlan-10", to: "*/vlan-20"}]
            targetNADSelector: {matchLabels: {tenant: a}}
            requireSameCNIType: true
            allowedVLANs: ["20", "30-39"]
            maxSwapsPerChange: 10
            requiredVMAnnotations: ["change-ticket"]
            changeWindows: [{days: [Sat, Sun], start: "02:00", end: "06:00", timezone: UTC}]
        """
    policies = load_policies([write(tmp_path, text)])
    (p,) = policies.policies
    assert (p.name, p.severity.value, p.origin.line) == ("prod-vlan-moves", "error", 3)
    c = p.constraints
    assert [str(r) for r in c.allowed_vlans or ()] == ["20", "30-39"]
    assert c.max_swaps_per_change == 10
    assert c.require_same_cni_type is True


def test_policy_test_schema_rejects_case_without_refs() -> None:
    doc = (
        load_documents(
            "apiVersion: gitnad.dev/v1alpha1\nkind: NADPolicyTest\nmetadata: {name: t}\npolicies: [p.yaml]\n"
            "cases:\n- name: c\n  expect: []\n"
        )
        .documents[0]
        .data
    )
    problems = validate(doc, SchemaName.POLICY_TEST)
    assert [(p.line, p.pointer, p.message) for p in problems] == [
        (6, "/cases/0", "{'name': 'c', 'expect': []} is not valid under any of the given schemas")
    ]
