"""`gitnad policy validate` and `gitnad policy test` through the real CLI; the shipped examples pass."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from gitnad.app.policy_files import load_policies
from gitnad.cli import main
from tests.schemas import schema_errors

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "policies" / "examples"


def gitnad(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def cwd(monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(ROOT)
    return ROOT


def test_validate_examples(cwd: Path) -> None:
    r = gitnad("policy", "validate", "policies/examples")
    assert r.exit_code == 0, r.output
    assert r.output.splitlines() == [
        "policies/examples/exceptions/db-9-legacy.yaml: ok (NADPolicyException db-9-legacy)",
        "policies/examples/no-legacy-nads.yaml: ok (NADPolicy no-legacy-nads)",
        "policies/examples/prod-change-control.yaml: ok (NADPolicy prod-change-control)",
        "policies/examples/prod-vlan-moves.yaml: ok (NADPolicy prod-vlan-moves)",
        "policies/examples/tenant-a-nads.yaml: ok (NADPolicy tenant-a-nads)",
        "5 file(s) checked, 0 invalid",
    ]


def test_validate_reports_each_file_and_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("good.yaml").write_text((EXAMPLES / "no-legacy-nads.yaml").read_text())
    Path("bad.yaml").write_text(
        "apiVersion: gitnad.dev/v1alpha1\nkind: NADPolicyException\nmetadata: {name: e}\nspec:\n"
        "  rules: [GN205, not-a-rule]\n  reason: r\n"
    )
    r = gitnad("policy", "validate", "good.yaml", "bad.yaml")
    assert r.exit_code == 2
    assert r.output.splitlines() == [
        "good.yaml: ok (NADPolicy no-legacy-nads)",
        "bad.yaml:5: /spec/rules/1: 'not-a-rule' is not a rule code or name",
        "2 file(s) checked, 1 invalid",
    ]
    doc = json.loads(gitnad("policy", "validate", "--format", "json", "good.yaml", "bad.yaml").output)
    assert doc["valid"] is False
    assert [(f["file"], f["valid"], f["errors"]) for f in doc["files"]] == [
        ("good.yaml", True, []),
        ("bad.yaml", False, ["bad.yaml:5: /spec/rules/1: 'not-a-rule' is not a rule code or name"]),
    ]


def test_explicit_file_must_hold_only_policies(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("vm.yaml").write_text("apiVersion: kubevirt.io/v1\nkind: VirtualMachine\nmetadata: {name: x}\n")
    r = gitnad("policy", "validate", "vm.yaml")
    assert r.exit_code == 2
    assert r.output.splitlines() == [
        "vm.yaml:1: /apiVersion: 'kubevirt.io/v1' is unknown; expected 'gitnad.dev/v1alpha1'",
        "vm.yaml:2: /kind: 'VirtualMachine' is not one of ['NADPolicy', 'NADPolicyException']",
        "1 file(s) checked, 1 invalid",
    ]


def test_policy_test_examples_pass(cwd: Path) -> None:
    r = gitnad("policy", "test", "policies/examples")
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert lines[-1] == "10 case(s): 10 passed, 0 failed"
    assert all(line.startswith("PASS examples / ") for line in lines[:-1])


def test_policy_test_failure_shows_missing_and_unexpected(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    work = tmp_path / "examples"
    shutil.copytree(EXAMPLES, work)
    test_file = work / "tests" / "gitnad-test.yaml"
    doc = yaml.safe_load(test_file.read_text())
    doc["cases"] = [c for c in doc["cases"] if c["name"].startswith("VLAN 25")]
    doc["cases"][0]["expect"] = [{"code": "GN304", "policy": "tenant-a-nads"}, {"code": "GN302"}]
    test_file.write_text(yaml.safe_dump(doc, sort_keys=False))
    monkeypatch.chdir(tmp_path)
    r = gitnad("policy", "test", "examples")
    assert r.exit_code == 1
    assert r.output.splitlines() == [
        "FAIL examples / VLAN 25 belongs to tenant b and is not a production VLAN",
        "  missing:    code=GN302",
        "  unexpected: GN306 error vm=prod-east/db-1 network=bridge-net policy=prod-vlan-moves line=29:",
        "              policy prod-vlan-moves (allowedVLANs): prod-east/db-1 network bridge-net moves",
        "              prod-east/vlan-10 -> prod-east/vlan-25: prod-east/vlan-25 is on VLAN 25, not in 20,",
        "              30-39",
        "1 case(s): 0 passed, 1 failed",
    ]
    body = json.loads(gitnad("policy", "test", "--format", "json", "examples").output)
    assert [(c["case"], c["passed"], c["missing"]) for c in body["cases"]] == [
        ("VLAN 25 belongs to tenant b and is not a production VLAN", False, ["code=GN302"])
    ]


def test_policy_test_invalid_file_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("gitnad-test.yaml").write_text(
        "apiVersion: gitnad.dev/v1alpha1\nkind: NADPolicyTest\nmetadata: {name: t}\npolicies: [p.yaml]\n"
        "cases:\n- name: c\n  head: [vm.yaml]\n  expect:\n  - {code: GN399}\n"
    )
    r = CliRunner().invoke(main, ["policy", "test", "."])
    assert r.exit_code == 2
    assert "gitnad-test.yaml:9: /cases/0/expect/0/code: 'GN399' is not a rule code or name" in r.output


def test_no_test_files_is_a_usage_error(tmp_path: Path) -> None:
    r = CliRunner().invoke(main, ["policy", "test", str(tmp_path)])
    assert r.exit_code == 2
    assert f"{tmp_path}: no gitnad-test.yaml found" in r.output


def test_every_example_policy_is_exercised_by_a_failing_case() -> None:
    policies = load_policies([EXAMPLES])
    doc = yaml.safe_load((EXAMPLES / "tests" / "gitnad-test.yaml").read_text())
    named = {e.get("policy") for c in doc["cases"] for e in c["expect"]}
    assert {p.name for p in policies.policies} <= named
    waived = [e for c in doc["cases"] for e in c["expect"] if e.get("waived") is True]
    assert waived, "the exception example must waive something in a case"


def test_example_manifests_match_the_crd_schemas() -> None:
    from gitnad.sources.yamlio import load_documents

    checked = 0
    for path in sorted((EXAMPLES / "tests").rglob("*.yaml")):
        for doc in load_documents(path.read_bytes()).documents:
            data = doc.data
            items = data.get("items", []) if data.get("kind") == "List" else [data]
            for item in items:
                if item["kind"] in (
                    "VirtualMachine",
                    "VirtualMachineInstance",
                    "NetworkAttachmentDefinition",
                    "KubeVirt",
                ):
                    assert schema_errors(item) == [], f"{path}: {item['kind']} {item['metadata']['name']}"
                    checked += 1
    assert checked == 26


POLICY_BODY = "metadata: {name: p}\nspec:\n  constraints: {maxSwapsPerChange: 1}\n"
# (id, file text in a policy directory, `policy validate DIR` output before the summary line; [] = skipped)
IN_A_DIRECTORY = [
    (
        "other-gitnad-group",
        "apiVersion: gitnad.io/v1alpha1\nkind: NADPolicy\n" + POLICY_BODY,
        ["dir/p.yaml:1: /apiVersion: 'gitnad.io/v1alpha1' is unknown; expected 'gitnad.dev/v1alpha1'"],
    ),
    (
        "future-version",
        "apiVersion: gitnad.dev/v1beta1\nkind: NADPolicy\n" + POLICY_BODY,
        ["dir/p.yaml:1: /apiVersion: 'gitnad.dev/v1beta1' is unknown; expected 'gitnad.dev/v1alpha1'"],
    ),
    (
        "no-api-version",
        "kind: NADPolicyException\nmetadata: {name: e}\nspec: {rules: [GN205], reason: r}\n",
        ["dir/p.yaml:1: /apiVersion: missing; expected 'gitnad.dev/v1alpha1'"],
    ),
    (
        "our-kind-in-another-case-and-group",
        "apiVersion: policy.example.com/v1\nkind: nadpolicy\n" + POLICY_BODY,
        [
            "dir/p.yaml:1: /apiVersion: 'policy.example.com/v1' is unknown; expected 'gitnad.dev/v1alpha1'",
            "dir/p.yaml:2: /kind: 'nadpolicy' is not one of ['NADPolicy', 'NADPolicyException']",
        ],
    ),
    (
        "unknown-kind-in-our-group",
        "apiVersion: gitnad.dev/v1alpha1\nkind: NADPolicies\n" + POLICY_BODY,
        ["dir/p.yaml:2: /kind: 'NADPolicies' is not one of ['NADPolicy', 'NADPolicyException']"],
    ),
    (
        "yaml-syntax-error",
        "apiVersion: [\n",
        ["dir/p.yaml:1: YAML syntax error: did not find expected node content (while parsing a flow node)"],
    ),
    ("a-vm-manifest-of-a-test", "apiVersion: kubevirt.io/v1\nkind: VirtualMachine\nmetadata: {name: x}\n", []),
    ("a-list", "- a\n- b\n", []),
    ("a-policy-test", "apiVersion: gitnad.dev/v1alpha1\nkind: NADPolicyTest\npolicies: []\ncases: []\n", []),
]


@pytest.mark.parametrize(("text", "errors"), [c[1:] for c in IN_A_DIRECTORY], ids=[c[0] for c in IN_A_DIRECTORY])
def test_a_file_in_a_policy_directory_that_looks_meant_for_gitnad_is_never_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, errors: list[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("dir").mkdir()
    Path("dir/p.yaml").write_text(text)
    Path("dir/ok.yaml").write_text((EXAMPLES / "no-legacy-nads.yaml").read_text())
    r = gitnad("policy", "validate", "dir")
    ok = "dir/ok.yaml: ok (NADPolicy no-legacy-nads)"
    if errors:
        assert (r.exit_code, r.output.splitlines()) == (2, [ok, *errors, "2 file(s) checked, 1 invalid"])
    else:
        assert (r.exit_code, r.output.splitlines()) == (0, [ok, "1 file(s) checked, 0 invalid"])


def test_a_duplicate_name_is_reported_on_the_later_file_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Attributed by structure, not by text: a file named like another's error prefix gets none of its errors."""
    monkeypatch.chdir(tmp_path)
    Path("dir").mkdir()
    policy = (EXAMPLES / "no-legacy-nads.yaml").read_text()
    Path("dir/a.yaml").write_text(policy)
    Path("dir/a.yaml:1: b.yaml").write_text(policy)
    r = gitnad("policy", "validate", "dir")
    assert r.exit_code == 2
    assert r.output.splitlines() == [
        "dir/a.yaml: ok (NADPolicy no-legacy-nads)",
        "dir/a.yaml:1: b.yaml:5: /metadata/name: NADPolicy 'no-legacy-nads' is already defined at dir/a.yaml:5",
        "2 file(s) checked, 1 invalid",
    ]
