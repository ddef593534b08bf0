"""`gitnad check` with policies, waivers and `.gitnad.yaml` on real temporary git repositories, through the CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from gitnad.cli import main
from tests.gitrepo import TempRepo
from tests.vmfactory import Net, nad_yaml, vm_yaml

POD = Net("default", kind="pod", binding="masquerade")
W = {"argocd.argoproj.io/sync-wave": "-1"}
NADS = "---\n".join(nad_yaml(n, vlan=v, annotations=W) for n, v in (("vlan-10", 10), ("vlan-20", 20), ("vlan-25", 25)))
POLICY = """\
apiVersion: gitnad.dev/v1alpha1
kind: NADPolicy
metadata: {name: prod-vlans}
spec:
  constraints:
    allowedVLANs: ["20"]
"""


def vm(target: str, annotations: dict[str, str] | None = None) -> str:
    return vm_yaml("db-1", [POD, Net("bridge-net", nad=target)], annotations=annotations)


def gitnad(repo: TempRepo, base: str, head: str, *extra: str) -> tuple[Result, dict[str, Any]]:
    args = ["check", "--repo", str(repo.root), "--base", base, "--head", head, "--offline", "--format", "json"]
    r = CliRunner().invoke(main, [*args, *extra], catch_exceptions=False)
    return r, (json.loads(r.output) if r.exit_code in (0, 1) else {})


def brief(doc: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [(f["code"], f["severity"], f["line"], f["waived"], f["policy"]) for f in doc["findings"]]


@pytest.fixture
def repo(tmp_path: Path) -> TempRepo:
    r = TempRepo(tmp_path / "fleet")
    r.commit({"nads/vlan.yaml": NADS, "vms/db-1.yaml": vm("vlan-10")}, "initial")
    return r


def test_default_policy_dir_is_used(repo: TempRepo) -> None:
    base = repo.commit({".gitnad/policies/vlans.yaml": POLICY}, "policies")
    head = repo.commit({"vms/db-1.yaml": vm("vlan-25")}, "move")
    r, doc = gitnad(repo, base, head)
    assert r.exit_code == 1
    assert brief(doc) == [("GN306", "error", 24, False, "prod-vlans")]
    assert doc["findings"][0]["message"] == (
        "policy prod-vlans (allowedVLANs): prod/db-1 network bridge-net moves prod/vlan-10 -> prod/vlan-25: "
        "prod/vlan-25 is on VLAN 25, not in 20"
    )


def test_annotation_waiver_turns_the_check_green(repo: TempRepo) -> None:
    base = repo.commit({".gitnad/policies/vlans.yaml": POLICY}, "policies")
    waiver = {"waive.gitnad.dev/allowed-vlans": "VLAN 25 approved for db-1 (CHG-77); expires=2099-01-01"}
    head = repo.commit({"vms/db-1.yaml": vm("vlan-25", waiver)}, "move, waived")
    r, doc = gitnad(repo, base, head)
    assert r.exit_code == 0, r.output
    assert brief(doc) == [("GN306", "error", 26, True, "prod-vlans")]
    assert doc["findings"][0]["waiver"] == (
        "annotation waive.gitnad.dev/allowed-vlans on prod/db-1 (expires 2099-01-01): "
        "VLAN 25 approved for db-1 (CHG-77)"
    )
    assert doc["summary"] == {"error": 0, "warning": 0, "info": 0, "waived": 1}


def test_policy_flag_and_config_severity_and_fail_on(repo: TempRepo, tmp_path: Path) -> None:
    policy = tmp_path / "p.yaml"
    policy.write_text(POLICY)
    config = "severity:\n  allowed-vlans: warning\nfailOn: warning\n"
    base = repo.commit({".gitnad.yaml": config}, "config")
    head = repo.commit({"vms/db-1.yaml": vm("vlan-25")}, "move")
    r, doc = gitnad(repo, base, head, "--policy", str(policy))
    assert r.exit_code == 1
    assert brief(doc) == [("GN306", "warning", 24, False, "prod-vlans")]
    r, _ = gitnad(repo, base, head, "--policy", str(policy), "--fail-on", "error")
    assert r.exit_code == 0


def test_invalid_policy_is_exit_2_with_file_line_pointer(repo: TempRepo, tmp_path: Path) -> None:
    policy = tmp_path / "bad.yaml"
    policy.write_text(POLICY.replace('["20"]', "[20]"))
    head = repo.commit({"vms/db-1.yaml": vm("vlan-20")}, "move")
    base = repo.repo.head.commit.parents[0].hexsha
    r, _ = gitnad(repo, base, head, "--policy", str(policy))
    assert r.exit_code == 2
    assert f"{policy}:6: /spec/constraints/allowedVLANs/0: 20 is not of type 'string'" in r.output


def test_invalid_config_is_exit_2(repo: TempRepo) -> None:
    base = repo.commit({".gitnad.yaml": "failOn: sometimes\n"}, "config")
    head = repo.commit({"vms/db-1.yaml": vm("vlan-20")}, "move")
    r, _ = gitnad(repo, base, head)
    assert r.exit_code == 2
    assert r.output == (
        "gitnad: error: invalid configuration:\n.gitnad.yaml:1: /failOn: 'sometimes' is not one of ['error', "
        f"'warning', 'info']\n(read at base {base}: check applies the configuration of the reviewed state, so a "
        "change cannot repair the one that judges it; check the repairing change with --config-from head)\n"
    )


def test_unused_annotation_waiver_warns_and_cluster_waivers_are_quiet_offline(repo: TempRepo) -> None:
    waivers = {
        "waive.gitnad.dev/GN110": "no CNI change here",
        "waive.gitnad.dev/vmi-not-migratable": "RWO disk, restart planned",
    }
    base = repo.repo.head.commit.hexsha
    head = repo.commit({"vms/db-1.yaml": vm("vlan-20", waivers)}, "move")
    r, doc = gitnad(repo, base, head, "--fail-on", "warning")
    assert r.exit_code == 1
    assert [(f["code"], f["message"]) for f in doc["findings"]] == [
        ("GN902", "annotation waive.gitnad.dev/GN110 on prod/db-1 for GN110 matched no finding; remove it")
    ]


@pytest.mark.parametrize(
    ("override", "expires", "expected"),
    [
        ("unused-waiver: info", "2099-01-01", [("GN902", "info", 7, False, None)]),
        (
            "GN901: warning",
            "2020-01-01",
            [("GN306", "error", 26, False, "prod-vlans"), ("GN901", "warning", 7, False, None)],
        ),
    ],
    ids=["gn902-by-name", "gn901-by-code"],
)
def test_config_severity_overrides_the_waiver_meta_findings(
    repo: TempRepo, override: str, expires: str, expected: list[tuple[Any, ...]]
) -> None:
    """GN901 / GN902 are named in `severity:` like any rule (SPEC §5: every default severity is overridable)."""
    base = repo.commit({".gitnad.yaml": f"severity:\n  {override}\n", ".gitnad/policies/vlans.yaml": POLICY}, "cfg")
    waiver = {"waive.gitnad.dev/allowed-vlans": f"VLAN 25 approved (CHG-77); expires={expires}"}
    target = "vlan-20" if expires.startswith("2099") else "vlan-25"
    head = repo.commit({"vms/db-1.yaml": vm(target, waiver)}, "move")
    _, doc = gitnad(repo, base, head)
    assert sorted(brief(doc)) == sorted(expected)


def test_exception_naming_an_unknown_rule_is_exit_2_as_in_policy_validate(repo: TempRepo, tmp_path: Path) -> None:
    """`check` rejects the policy file that `policy validate` rejects: a waiver for a typo'd rule waives nothing."""
    exception = tmp_path / "waive.yaml"
    exception.write_text(
        "apiVersion: gitnad.dev/v1alpha1\nkind: NADPolicyException\nmetadata: {name: e}\nspec:\n"
        "  rules: [GN205, vmi-not-migrateable]\n  reason: RWO disk, restart planned\n"
    )
    base = repo.repo.head.commit.hexsha
    head = repo.commit({"vms/db-1.yaml": vm("vlan-20")}, "move")
    r, _ = gitnad(repo, base, head, "--policy", str(exception))
    assert r.exit_code == 2
    assert f"{exception}:5: /spec/rules/1: 'vmi-not-migrateable' is not a rule code or name" in r.output


def test_policy_file_with_upper_case_extension_in_the_policy_dir_is_loaded(repo: TempRepo) -> None:
    """A policy that is silently skipped is a policy not enforced: `.YAML` counts like `.yaml`, as for manifests."""
    base = repo.commit({".gitnad/policies/VLANS.YAML": POLICY}, "policies")
    head = repo.commit({"vms/db-1.yaml": vm("vlan-25")}, "move")
    r, doc = gitnad(repo, base, head)
    assert r.exit_code == 1
    assert brief(doc) == [("GN306", "error", 24, False, "prod-vlans")]


@pytest.mark.parametrize(
    "value", ["expires=2099-01-01", "   ", "; expires=2099-01-01"], ids=["date-alone", "blank", "no-reason"]
)
def test_annotation_without_a_reason_waives_nothing_and_fails_the_check(repo: TempRepo, value: str) -> None:
    base = repo.commit({".gitnad/policies/vlans.yaml": POLICY}, "policies")
    head = repo.commit({"vms/db-1.yaml": vm("vlan-25", {"waive.gitnad.dev/allowed-vlans": value})}, "move")
    r, doc = gitnad(repo, base, head)
    assert r.exit_code == 1
    assert brief(doc) == [("GN902", "error", 7, False, None), ("GN306", "error", 26, False, "prod-vlans")]
    assert doc["findings"][0]["message"] == (
        "annotation waive.gitnad.dev/allowed-vlans on prod/db-1 is invalid and waives nothing: a waiver needs a "
        "reason before the optional '; expires=YYYY-MM-DD'"
    )


def test_policy_with_an_unknown_api_version_in_the_policy_dir_is_exit_2(repo: TempRepo) -> None:
    """Skipped silently, the policy would not be enforced and the check would pass."""
    base = repo.commit({".gitnad/policies/vlans.yaml": POLICY.replace("gitnad.dev/", "gitnad.io/")}, "policies")
    head = repo.commit({"vms/db-1.yaml": vm("vlan-25")}, "move")
    r, _ = gitnad(repo, base, head)
    assert r.exit_code == 2
    assert r.output == (
        "gitnad: error: invalid policy file:\n.gitnad/policies/vlans.yaml:1: /apiVersion: 'gitnad.io/v1alpha1' is "
        f"unknown; expected 'gitnad.dev/v1alpha1'\n(read at base {base}: check applies the configuration of the "
        "reviewed state, so a change cannot repair the one that judges it; check the repairing change with "
        "--config-from head)\n"
    )
