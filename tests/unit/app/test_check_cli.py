"""`gitnad check` end to end through the real CLI on real temporary git repositories."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from gitnad.cli import main
from tests.gitrepo import TempRepo
from tests.imports import among, modules_loaded
from tests.vmfactory import Net, nad_yaml, vm_yaml

POD = Net("default", kind="pod", binding="masquerade")
W = {"argocd.argoproj.io/sync-wave": "-1"}
NADS = nad_yaml("vlan-10", vlan=10, annotations=W) + "---\n" + nad_yaml("vlan-20", vlan=20, annotations=W)


def vm(target: str, name: str = "db-1", **kw: str) -> str:
    return vm_yaml(name, [POD, Net("bridge-net", nad=target, **kw)])  # type: ignore[arg-type]


def gitnad(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, list(args), env=env or {}, catch_exceptions=False)


@pytest.fixture
def repo(tmp_path: Path) -> TempRepo:
    r = TempRepo(tmp_path / "fleet")
    r.commit({"nads/vlan.yaml": NADS, "vms/db-1.yaml": vm("vlan-10")}, "initial")
    return r


def test_clean_swap_json_contract(repo: TempRepo) -> None:
    base = repo.repo.head.commit.hexsha
    head = repo.commit({"vms/db-1.yaml": vm("vlan-20")}, "move db-1")
    r = gitnad("check", "--repo", str(repo.root), "--base", base, "--head", head, "--offline", "--format", "json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.output)
    assert doc["command"] == "check" and doc["tool"] == "gitnad"
    assert doc["refs"] == {"base": base, "head": head}
    assert doc["changes"] == [
        {
            "kind": "nad-swap",
            "vm": "prod/db-1",
            "network": "bridge-net",
            "from": "prod/vlan-10",
            "to": "prod/vlan-20",
            "file": "vms/db-1.yaml",
            "line": 24,
            "detail": "'vlan-10' -> 'vlan-20'",
        }
    ]
    assert doc["findings"] == []
    assert [s["code"] for s in doc["skipped"]] == [f"GN2{i:02d}" for i in range(1, 13)]
    assert {s["reason"] for s in doc["skipped"]} == {"offline"}
    assert doc["summary"] == {"error": 0, "warning": 0, "info": 0, "waived": 0}


def test_findings_exit_1_and_fail_on(repo: TempRepo) -> None:
    base = repo.repo.head.commit.hexsha
    head = repo.commit({"vms/db-1.yaml": vm("vlan-30")}, "typo")
    args = ["check", "--repo", str(repo.root), "--base", base, "--head", head, "--offline"]
    assert gitnad(*args).exit_code == 0  # GN106 is a warning
    r = gitnad(*args, "--fail-on", "warning")
    assert r.exit_code == 1
    assert "GN106 target-nad-not-in-repo  vms/db-1.yaml:24" in r.output


def test_bad_ref_is_exit_2_naming_the_ref(repo: TempRepo) -> None:
    r = CliRunner().invoke(main, ["check", "--repo", str(repo.root), "--base", "nope-123", "--offline"])
    assert r.exit_code == 2
    assert "nope-123" in r.output


def test_offline_with_snapshot_is_usage_error(repo: TempRepo, tmp_path: Path) -> None:
    snap = tmp_path / "s.yaml"
    snap.write_text("apiVersion: v1\nkind: List\nitems: []\n")
    r = CliRunner().invoke(main, ["check", "--repo", str(repo.root), "--offline", "--snapshot", str(snap)])
    assert r.exit_code == 2
    assert r.output == "gitnad: error: --offline cannot be combined with --snapshot: offline reads no cluster\n"


def test_staged_compares_index_with_head(repo: TempRepo) -> None:
    repo.stage({"vms/db-1.yaml": vm("vlan-20", binding="sriov")})
    r = gitnad("check", "--repo", str(repo.root), "--staged", "--offline", "--format", "json")
    doc = json.loads(r.output)
    assert doc["refs"]["head"] == "INDEX"
    assert sorted((f["code"], f["line"]) for f in doc["findings"]) == [("GN102", 18), ("GN103", 18), ("GN111", 24)]
    assert r.exit_code == 1


def test_staged_honours_pre_commit_refs(repo: TempRepo) -> None:
    base = repo.repo.head.commit.hexsha
    head = repo.commit({"vms/db-1.yaml": vm("prod/vlan-10")}, "cosmetic")
    repo.stage({"vms/db-1.yaml": vm("vlan-20")})  # staged content must be ignored for pre-push
    r = gitnad(
        "check",
        "--repo",
        str(repo.root),
        "--staged",
        "--offline",
        "--format",
        "json",
        env={"PRE_COMMIT_FROM_REF": base, "PRE_COMMIT_TO_REF": head},
    )
    doc = json.loads(r.output)
    assert doc["refs"] == {"base": base, "head": head}
    assert [(c["kind"], c["to"]) for c in doc["changes"]] == [("cosmetic-rewrite", "prod/vlan-10")]


def test_renamed_file_keeps_vm_identity(repo: TempRepo) -> None:
    base = repo.repo.head.commit.hexsha
    repo.move("vms/db-1.yaml", "clusters/prod/db-1.yaml")
    head = repo.commit({"clusters/prod/db-1.yaml": vm("vlan-20")}, "move and swap")
    r = gitnad("check", "--repo", str(repo.root), "--base", base, "--head", head, "--offline", "--format", "json")
    doc = json.loads(r.output)
    assert [(c["kind"], c["vm"], c["file"]) for c in doc["changes"]] == [
        ("nad-swap", "prod/db-1", "clusters/prod/db-1.yaml")
    ]


def test_unreadable_head_file_is_gn001_not_a_removal(repo: TempRepo) -> None:
    base = repo.repo.head.commit.hexsha
    head = repo.commit({"vms/db-1.yaml": "apiVersion: kubevirt.io/v1\nkind: VirtualMachine\nmetadata: [\n"}, "oops")
    r = gitnad("check", "--repo", str(repo.root), "--base", base, "--head", head, "--offline", "--format", "json")
    doc = json.loads(r.output)
    assert doc["changes"] == []
    assert [(f["code"], f["file"], f["line"]) for f in doc["findings"]] == [("GN001", "vms/db-1.yaml", 3)]
    assert r.exit_code == 1


def test_other_files_still_checked_when_one_is_bad(repo: TempRepo) -> None:
    base = repo.repo.head.commit.hexsha
    head = repo.commit(
        {"vms/db-1.yaml": vm("vlan-20", binding="sriov"), "vms/bin.yaml": b"kind: VirtualMachine\n\x00\x01\x02binary"},
        "mixed",
    )
    r = gitnad("check", "--repo", str(repo.root), "--base", base, "--head", head, "--offline", "--format", "json")
    codes = sorted((f["code"], f["file"]) for f in json.loads(r.output)["findings"])
    assert codes == [
        ("GN001", "vms/bin.yaml"),
        ("GN102", "vms/db-1.yaml"),
        ("GN103", "vms/db-1.yaml"),
        ("GN111", "vms/db-1.yaml"),
    ]


def test_text_output_is_readable(repo: TempRepo) -> None:
    base = repo.repo.head.commit.hexsha
    head = repo.commit({"vms/db-1.yaml": vm("vlan-20")}, "move db-1")
    r = gitnad("check", "--repo", str(repo.root), "--base", base, "--head", head, "--offline")
    assert "nad-swap" in r.output and "prod/vlan-10 -> prod/vlan-20" in r.output
    assert "Skipped (offline): GN201" in r.output
    assert r.output.rstrip().endswith("Summary: 0 errors, 0 warnings, 0 info, 0 waived")


def test_quiet_text_shows_only_findings_and_summary(repo: TempRepo) -> None:
    base = repo.repo.head.commit.hexsha
    head = repo.commit({"vms/db-1.yaml": vm("vlan-30")}, "typo")
    r = gitnad("check", "--repo", str(repo.root), "--base", base, "--head", head, "--offline", "-q")
    assert "Changes (" not in r.output
    assert "GN106 target-nad-not-in-repo  vms/db-1.yaml:24" in r.output
    assert r.output.rstrip().endswith("Summary: 0 errors, 1 warning(s), 0 info, 0 waived")


def test_invalid_policy_is_exit_2_before_any_cluster_read(repo: TempRepo, tmp_path: Path) -> None:
    repo.commit(
        {
            ".gitnad/policies/p.yaml": "apiVersion: gitnad.dev/v1alpha1\nkind: NADPolicy\nmetadata:\n  name: p\n"
            "spec:\n  constraints:\n    allowedVLANs: [20]\n"
        },
        "policy",
    )
    repo.commit({"vms/db-1.yaml": vm("vlan-20")}, "move")  # the base of the check holds the invalid policy
    unreachable = tmp_path / "kubeconfig"
    unreachable.write_text(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: 'https://127.0.0.1:1'}\n"
        "users:\n- name: u\n  user: {token: t}\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\n"
        "current-context: x\n"
    )
    r = CliRunner().invoke(
        main, ["check", "--repo", str(repo.root), "--base", "HEAD~1", "--kubeconfig", str(unreachable)]
    )
    assert r.exit_code == 2, r.output
    assert ".gitnad/policies/p.yaml:7: /spec/constraints/allowedVLANs/0: 20 is not of type 'string'" in r.output


def test_pre_commit_hook_imports_no_cluster_client_rich_or_jsonschema(repo: TempRepo) -> None:
    """`check --staged --offline` (the pre-commit hook) in a repo without policies, config or kustomizations
    validates nothing, starts no worker pool, discovers no overlays, builds no cluster models and renders text only:
    what it does not need is never imported (issue 12)."""
    repo.stage({"vms/db-1.yaml": vm("vlan-20")})
    unused_reports = ("github", "json", "junit", "markdown", "openmetrics", "sarif")
    unused_kustomize = ("graph", "kfile", "model", "render", "locate", "patches", "runner", "materialize")
    unused = (
        *(f"gitnad.report.{r}" for r in unused_reports),
        *(f"gitnad.sources.kustomize.{k}" for k in unused_kustomize),
        "gitnad.sources.rendered",
        "gitnad.models.cluster",
    )
    code, modules = modules_loaded(["check", "--repo", str(repo.root), "--staged", "--offline"])
    heavy = ("kubernetes", "rich", "jsonschema", "referencing", "multiprocessing", "concurrent", "xml")
    assert (code, among(modules, heavy), among(modules, unused)) == (0, [], [])


def test_upper_case_extension_is_a_manifest_as_in_scan(tmp_path: Path) -> None:
    repo = TempRepo(tmp_path / "fleet")
    base = repo.commit({"nads/vlan.YML": NADS, "vms/DB-1.YAML": vm("vlan-10")}, "initial")
    head = repo.commit({"vms/DB-1.YAML": vm("vlan-20")}, "move db-1")
    r = gitnad("check", "--repo", str(repo.root), "--base", base, "--head", head, "--offline", "--format", "json")
    assert [(c["kind"], c["vm"], c["to"], c["file"]) for c in json.loads(r.output)["changes"]] == [
        ("nad-swap", "prod/db-1", "prod/vlan-20", "vms/DB-1.YAML")
    ]


@pytest.mark.parametrize("what", ["vm-name", "removed-nad-name"])
def test_a_1_mib_name_reaches_git_grep_without_the_argument_list(tmp_path: Path, what: str) -> None:
    """The names check greps for (a VM gone from its file, a removed NAD) go to git on stdin: a 1 MiB name is past
    the kernel's 128 KiB limit for one argument ("Argument list too long"), and past the 32 KiB regex git builds."""
    repo = TempRepo(tmp_path / "fleet")
    name = "db-" + "x" * 1024 * 1024
    nads = NADS + "---\n" + nad_yaml(name, vlan=30)
    if what == "vm-name":
        base = repo.commit({"nads/vlan.yaml": NADS, "vms/db-1.yaml": vm("vlan-10", name=name)}, "huge VM name")
        head = repo.commit({"vms/db-1.yaml": None}, "remove it")
        expected = [("vm-removed", f"prod/{name}")]
    else:
        base = repo.commit({"nads/vlan.yaml": nads, "vms/db-1.yaml": vm(name)}, "huge NAD name")
        head = repo.commit({"nads/vlan.yaml": NADS}, "remove the NAD")
        expected = [("nad-removed", None)]
    r = gitnad("check", "--repo", str(repo.root), "--base", base, "--head", head, "--offline", "--format", "json")
    assert r.exit_code in (0, 1), r.output[:500]
    doc = json.loads(r.output)
    assert [(c["kind"], c.get("vm")) for c in doc["changes"]] == expected
    if what == "removed-nad-name":  # the VM still on it was found through the grep
        assert [(f["code"], f["vm"]) for f in doc["findings"]] == [("GN109", "prod/db-1")]
