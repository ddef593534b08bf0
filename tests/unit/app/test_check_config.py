"""`check` judges a change by the reviewed configuration: `.gitnad.yaml` and the policies come from the base ref.

A pull request that lowers severities, excludes every file or deletes a policy does not turn its own errors
green; each such file it changes is GN903 (an error when the configuration it leaves does not load).
`--config-from head` opts into the change's own; `--config`/`--policy` named on the command line come from
disk. Real repositories through the CLI, exact findings.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from gitnad.cli import main
from tests.gitrepo import TempRepo
from tests.gitutil import Symlink
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
RELAXED = POLICY.replace('["20"]', '["20", "25"]')
CONFIG = "# reviewed like code\nfailOn: error\n"


def vm(target: str, binding: str = "bridge") -> str:
    return vm_yaml("db-1", [POD, Net("bridge-net", nad=target, binding=binding)])


def gitnad(repo: TempRepo, base: str, head: str, *extra: str) -> tuple[Result, dict[str, Any]]:
    args = ["check", "--repo", str(repo.root), "--base", base, "--head", head, "--offline", "--format", "json"]
    r = CliRunner().invoke(main, [*args, *extra], catch_exceptions=False)
    return r, (json.loads(r.output) if r.exit_code in (0, 1) else {})


def brief(doc: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [(f["code"], f["severity"], f["file"], f["line"]) for f in doc["findings"]]


def gn903(doc: dict[str, Any]) -> list[str]:
    return [f["message"] for f in doc["findings"] if f["code"] == "GN903"]


@pytest.fixture
def repo(tmp_path: Path) -> TempRepo:
    r = TempRepo(tmp_path / "fleet")
    r.commit({"nads/vlan.yaml": NADS, "vms/db-1.yaml": vm("vlan-10"), ".gitnad.yaml": CONFIG}, "initial")
    return r


# --- configuration ----------------------------------------------------------------------------------------


def applied_at_base(file: str, what: str, status: str, base: str) -> str:
    return f"{file}: {what} {status} by this change; this check applied the version at base {base}, the new one " + (
        "applies after the merge"
    )


def test_a_change_cannot_lower_the_severity_of_its_own_errors(repo: TempRepo) -> None:
    base = repo.repo.head.commit.hexsha
    relaxed = CONFIG + "severity: {GN001: info, GN102: info, GN103: info, GN111: info}\n"
    head = repo.commit({".gitnad.yaml": relaxed, "vms/db-1.yaml": vm("vlan-20", binding="sriov")}, "relax and rebind")
    r, doc = gitnad(repo, base, head)
    assert r.exit_code == 1
    assert brief(doc) == [
        ("GN102", "error", "vms/db-1.yaml", 18),
        ("GN903", "warning", ".gitnad.yaml", 3),
        ("GN103", "warning", "vms/db-1.yaml", 18),
        ("GN111", "warning", "vms/db-1.yaml", 24),
    ]
    assert gn903(doc) == [applied_at_base(".gitnad.yaml", "gitnad's configuration", "modified", base)]


def test_config_from_head_applies_the_changes_own_configuration(repo: TempRepo) -> None:
    base = repo.repo.head.commit.hexsha
    relaxed = CONFIG + "severity: {GN102: info, GN103: info, GN111: info}\n"
    head = repo.commit({".gitnad.yaml": relaxed, "vms/db-1.yaml": vm("vlan-20", binding="sriov")}, "relax and rebind")
    r, doc = gitnad(repo, base, head, "--config-from", "head")
    assert r.exit_code == 0, r.output
    assert brief(doc) == [
        ("GN903", "warning", ".gitnad.yaml", 3),
        ("GN102", "info", "vms/db-1.yaml", 18),
        ("GN103", "info", "vms/db-1.yaml", 18),
        ("GN111", "info", "vms/db-1.yaml", 24),
    ]
    assert gn903(doc) == [
        ".gitnad.yaml: gitnad's configuration modified by this change; this check applied the new version "
        "(--config-from head)"
    ]


def test_a_change_cannot_exclude_its_own_files(repo: TempRepo) -> None:
    base = repo.repo.head.commit.hexsha
    head = repo.commit(
        {".gitnad.yaml": CONFIG + 'exclude: ["**"]\n', "vms/db-1.yaml": vm("vlan-20", binding="sriov")}, "hide"
    )
    r, doc = gitnad(repo, base, head)
    assert r.exit_code == 1
    assert [c for c, *_ in brief(doc)] == ["GN102", "GN903", "GN103", "GN111"]
    assert doc["warnings"] == []


def test_an_exclude_that_matches_every_manifest_is_a_warning(repo: TempRepo) -> None:
    base = repo.commit({".gitnad.yaml": CONFIG + 'exclude: ["**"]\n'}, "exclude everything (reviewed)")
    head = repo.commit({"vms/db-1.yaml": vm("vlan-20", binding="sriov")}, "rebind")
    r, doc = gitnad(repo, base, head)
    assert r.exit_code == 0
    assert (doc["changes"], doc["findings"]) == ([], [])
    assert doc["warnings"] == [
        f"exclude in .gitnad.yaml at base {base} matches every manifest file at {head} (3): nothing was checked; "
        "narrow the globs"
    ]


def test_an_exclude_that_leaves_a_manifest_is_no_warning(repo: TempRepo) -> None:
    base = repo.commit({".gitnad.yaml": CONFIG + 'exclude: ["nads/**", ".gitnad.yaml"]\n'}, "exclude some")
    head = repo.commit({"nads/vlan.yaml": NADS + "# touched\n"}, "touch an excluded file")
    _, doc = gitnad(repo, base, head)
    assert doc["warnings"] == []


def test_an_invalid_new_configuration_is_an_error_before_merge(repo: TempRepo) -> None:
    """After the merge every check would stop with exit 2 (and could not repair itself): say so now."""
    base = repo.repo.head.commit.hexsha
    head = repo.commit({".gitnad.yaml": CONFIG.replace("error", "sometimes")}, "typo")
    r, doc = gitnad(repo, base, head)
    assert r.exit_code == 1
    assert brief(doc) == [("GN903", "error", ".gitnad.yaml", 2)]
    assert gn903(doc) == [
        ".gitnad.yaml: gitnad's configuration modified by this change, and the configuration it leaves does not "
        "load: every check after the merge would stop with exit 2. Fix it before merging: invalid configuration: "
        ".gitnad.yaml:2: /failOn: 'sometimes' is not one of ['error', 'warning', 'info']"
    ]


def test_a_policy_path_the_new_configuration_names_must_exist(repo: TempRepo) -> None:
    base = repo.repo.head.commit.hexsha
    head = repo.commit({".gitnad.yaml": CONFIG + "policies: [ops/policies]\n"}, "point at a directory not added")
    r, doc = gitnad(repo, base, head)
    assert r.exit_code == 1
    assert gn903(doc) == [
        ".gitnad.yaml: gitnad's configuration modified by this change, and the configuration it leaves does not "
        "load: every check after the merge would stop with exit 2. Fix it before merging: ops/policies: policy "
        f"path does not exist at head {head}"
    ]


def test_an_explicit_config_file_is_read_from_disk(repo: TempRepo, tmp_path: Path) -> None:
    outside = tmp_path / "ci-gitnad.yaml"
    outside.write_text("severity: {GN102: warning}\n")
    base = repo.repo.head.commit.hexsha
    strict = CONFIG.replace("error", "info")
    head = repo.commit({".gitnad.yaml": strict, "vms/db-1.yaml": vm("vlan-20", "sriov")}, "stricter, rebind")
    r, doc = gitnad(repo, base, head, "--config", str(outside))
    assert r.exit_code == 0, r.output  # GN102 lowered by the workflow's file; the repo's .gitnad.yaml is not used
    assert brief(doc) == [
        ("GN102", "warning", "vms/db-1.yaml", 18),
        ("GN103", "warning", "vms/db-1.yaml", 18),
        ("GN111", "warning", "vms/db-1.yaml", 24),
    ]


@pytest.mark.parametrize(
    ("files", "message"),
    [
        (
            {".gitnad.yaml": Symlink("config/gitnad.yaml"), "config/gitnad.yaml": "failOn: sometimes\n"},
            "invalid configuration:\n.gitnad.yaml:1: /failOn: 'sometimes' is not one of ['error', 'warning', 'info']",
        ),
        (
            {".gitnad.yaml": Symlink("../outside.yaml")},
            "invalid configuration:\n.gitnad.yaml: symlink leaves the repository",
        ),
        (
            {".gitnad.yaml": None, ".gitnad.yaml/x.yaml": "a: 1\n"},
            ".gitnad.yaml: configuration file is a directory at base {base}",
        ),
    ],
    ids=["symlink-followed", "symlink-leaving", "a-directory"],
)
def test_the_base_configuration_is_read_from_git_objects(repo: TempRepo, files: dict[str, Any], message: str) -> None:
    base = repo.commit(files, "odd configuration")
    head = repo.commit({"vms/db-1.yaml": vm("vlan-20")}, "move")
    (repo.root / ".gitnad.yaml").rename(repo.root / "moved-away")  # the working tree is never read
    r, _ = gitnad(repo, base, head)
    assert r.exit_code == 2
    assert r.output.startswith(f"gitnad: error: {message.format(base=base)}\n")
    assert r.output.endswith(
        f"(read at base {base}: check applies the configuration of the reviewed state, so a change cannot repair "
        "the one that judges it; check the repairing change with --config-from head)\n"
    )


def test_staged_applies_the_configuration_of_head_not_of_the_working_tree(repo: TempRepo) -> None:
    base = repo.commit({".gitnad.yaml": CONFIG + "severity: {GN102: warning}\n"}, "GN102 warns")
    repo.stage({"vms/db-1.yaml": vm("vlan-20", binding="sriov")})
    repo.write({".gitnad.yaml": CONFIG + "severity: {GN102: info}\n"})  # not staged: not applied, not reported
    r = CliRunner().invoke(
        main, ["check", "--repo", str(repo.root), "--staged", "--offline", "--format", "json"], catch_exceptions=False
    )
    doc = json.loads(r.output)
    assert doc["refs"] == {"base": base, "head": "INDEX"}
    assert brief(doc)[0] == ("GN102", "warning", "vms/db-1.yaml", 18)
    repo.stage({".gitnad.yaml": CONFIG + "severity: {GN102: info}\n"})
    r = CliRunner().invoke(
        main, ["check", "--repo", str(repo.root), "--staged", "--offline", "--format", "json"], catch_exceptions=False
    )
    doc = json.loads(r.output)
    assert brief(doc)[:2] == [("GN903", "warning", ".gitnad.yaml", 3), ("GN102", "warning", "vms/db-1.yaml", 18)]


# --- policies ---------------------------------------------------------------------------------------------


def test_deleting_a_policy_does_not_unenforce_it(repo: TempRepo) -> None:
    base = repo.commit({".gitnad/policies/vlans.yaml": POLICY}, "policy")
    head = repo.commit({".gitnad/policies/vlans.yaml": None, "vms/db-1.yaml": vm("vlan-25")}, "drop it, move")
    r, doc = gitnad(repo, base, head)
    assert r.exit_code == 1
    assert brief(doc) == [
        ("GN306", "error", "vms/db-1.yaml", 24),
        ("GN903", "warning", ".gitnad/policies/vlans.yaml", None),
    ]
    assert gn903(doc) == [
        f".gitnad/policies/vlans.yaml: policy file deleted by this change; this check still applied it (from base "
        f"{base}), after the merge it no longer applies"
    ]


def test_relaxing_a_policy_applies_after_the_merge(repo: TempRepo) -> None:
    base = repo.commit({".gitnad/policies/vlans.yaml": POLICY}, "policy")
    head = repo.commit({".gitnad/policies/vlans.yaml": RELAXED, "vms/db-1.yaml": vm("vlan-25")}, "relax, move")
    r, doc = gitnad(repo, base, head)
    assert r.exit_code == 1
    assert [(c, f, line) for c, _, f, line in brief(doc)] == [
        ("GN306", "vms/db-1.yaml", 24),
        ("GN903", ".gitnad/policies/vlans.yaml", 6),
    ]
    assert gn903(doc) == [applied_at_base(".gitnad/policies/vlans.yaml", "policy file", "modified", base)]
    r, doc = gitnad(repo, base, head, "--config-from", "head")
    assert r.exit_code == 0
    assert [c for c, *_ in brief(doc)] == ["GN903"]


def test_a_new_policy_applies_after_the_merge(repo: TempRepo) -> None:
    base = repo.repo.head.commit.hexsha
    head = repo.commit({"ops/policies/vlans.yaml": POLICY, ".gitnad.yaml": CONFIG + "policies: [ops/policies]\n"})
    r, doc = gitnad(repo, base, head)
    assert r.exit_code == 0
    assert brief(doc) == [("GN903", "warning", ".gitnad.yaml", 3), ("GN903", "warning", "ops/policies/vlans.yaml", 1)]
    assert gn903(doc)[1] == applied_at_base("ops/policies/vlans.yaml", "policy file", "added", base)


def test_an_invalid_new_policy_is_an_error_before_merge(repo: TempRepo) -> None:
    base = repo.commit({".gitnad/policies/vlans.yaml": POLICY}, "policy")
    head = repo.commit({".gitnad/policies/vlans.yaml": POLICY.replace('["20"]', "[20]")}, "typo")
    r, doc = gitnad(repo, base, head)
    assert r.exit_code == 1
    assert gn903(doc) == [
        ".gitnad/policies/vlans.yaml: policy file modified by this change, and the configuration it leaves does "
        "not load: every check after the merge would stop with exit 2. Fix it before merging: invalid policy "
        "file: .gitnad/policies/vlans.yaml:6: /spec/constraints/allowedVLANs/0: 20 is not of type 'string'"
    ]


def test_changed_files_in_a_policy_directory_that_are_not_policies_are_no_gn903(repo: TempRepo) -> None:
    test_vm = vm_yaml("fixture", [POD])
    base = repo.commit({".gitnad/policies/vlans.yaml": POLICY, ".gitnad/policies/tests/vm.yaml": test_vm}, "p")
    head = repo.commit({".gitnad/policies/tests/vm.yaml": test_vm + "# edited\n"}, "edit a test fixture")
    r, doc = gitnad(repo, base, head)
    assert (r.exit_code, brief(doc)) == (0, [])


def test_explicit_policy_paths_are_read_from_disk_and_repo_policies_are_not_watched(
    repo: TempRepo, tmp_path: Path
) -> None:
    outside = tmp_path / "vlans.yaml"
    outside.write_text(RELAXED)
    base = repo.commit({".gitnad/policies/vlans.yaml": POLICY}, "policy")
    head = repo.commit({".gitnad/policies/vlans.yaml": None, "vms/db-1.yaml": vm("vlan-25")}, "drop, move")
    r, doc = gitnad(repo, base, head, "--policy", str(outside))
    assert (r.exit_code, brief(doc)) == (0, [])


@pytest.mark.parametrize(
    ("paths", "problems"),
    [
        (
            '["../shared/policies"]',
            ["1: /policies/0: '../shared/policies' leaves the repository; policy paths are relative to its root"],
        ),
        (
            '[ok/policies, "/etc/gitnad", "a/../../b", "C:\\\\policies"]',
            [
                "1: /policies/1: '/etc/gitnad' leaves the repository; policy paths are relative to its root",
                "1: /policies/2: 'a/../../b' leaves the repository; policy paths are relative to its root",
                "1: /policies/3: 'C:\\\\policies' leaves the repository; policy paths are relative to its root",
            ],
        ),
    ],
    ids=["dot-dot", "absolute-and-climbing"],
)
def test_policy_paths_leaving_the_repository_are_refused(repo: TempRepo, paths: str, problems: list[str]) -> None:
    base = repo.commit({".gitnad.yaml": f"policies: {paths}\n"}, "policies elsewhere")
    head = repo.commit({"vms/db-1.yaml": vm("vlan-20")}, "move")
    r, _ = gitnad(repo, base, head)
    assert r.exit_code == 2
    lines = r.output.splitlines()
    assert lines[0] == "gitnad: error: invalid configuration:"
    assert lines[1:-1] == [f".gitnad.yaml:{p}" for p in problems]
