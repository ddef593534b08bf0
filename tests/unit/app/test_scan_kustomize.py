"""`gitnad scan` on Kustomize overlays (tests/data/kustomize/gitops), rendered by the real kustomize: every VM as
the overlays render it, with the overlay root it came from and the file and line of each value; kustomize inputs
are not standalone manifests; each `kustomize:` setting has its effect."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from gitnad.cli import main
from tests.gitrepo import TempRepo
from tests.unit.report.test_json_schemas import errors
from tests.unit.sources.kustomize_repo import GITOPS, gitops_files, replace

FILES = gitops_files()
STAGING_K = "overlays/staging/kustomization.yaml"
PROD_K = "overlays/prod/kustomization.yaml"
UNKNOWN = "overlay {} is not rendered: its VMs and NADs are unknown"

TEXT = """\
gitnad scan  {ref}

VirtualMachines (4)
  prod/workers (VirtualMachinePool)  base/pool.yaml:4  [overlay overlays/prod]
    data             multus prod/vlan-40                      binding=bridge
      components/pool-net/pool-nad.yaml:3
  staging/stg-workers (VirtualMachinePool)  base/pool.yaml:4  [overlay overlays/staging]
    data             multus staging/vlan-10                   binding=bridge  line 32
  prod/web  base/vm.yaml:4  [overlay overlays/prod]
    default          pod                                      binding=masquerade  line 22
    data             multus prod-net/vlan-30                  binding=sriov
      overlays/prod/kustomization.yaml:15
  staging/stg-web  base/vm.yaml:4  [overlay overlays/staging]
    default          pod                                      binding=masquerade  line 22
    data             multus staging/vlan-20                   binding=bridge
      overlays/staging/nad-patch.yaml:4

NetworkAttachmentDefinitions (2)
  prod/vlan-10                         type=bridge vlan=10  base/nad.yaml:4
  staging/stg-vlan-10                  type=bridge vlan=10  base/nad.yaml:4

3 file(s), 4 VM(s), 2 NAD(s), 0 error(s)
"""


def scan(path: Path, *extra: str) -> tuple[int, str]:
    r = CliRunner().invoke(main, ["scan", str(path), "--no-color", *extra], catch_exceptions=False)
    return r.exit_code, r.output


def scan_json(path: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    code, out = scan(path, "--format", "json", *extra)
    doc = json.loads(out)
    assert errors("scan", doc) == []
    return code, doc


@pytest.fixture
def repo(tmp_path: Path) -> tuple[TempRepo, str]:
    r = TempRepo(tmp_path / "gitops")
    return r, r.commit(FILES)


def test_scan_text_shows_each_rendered_vm_with_its_overlay(repo: tuple[TempRepo, str]) -> None:
    r, sha = repo
    assert scan(r.root) == (0, TEXT.format(ref="working tree"))
    assert scan(r.root, "--ref", sha) == (0, TEXT.format(ref=sha[:12]))


def test_a_plain_directory_renders_too(tmp_path: Path) -> None:
    shutil.copytree(GITOPS, tmp_path / "gitops")
    assert scan(tmp_path / "gitops") == (0, TEXT.format(ref="working tree"))


def test_scan_json_carries_the_root_and_the_file_of_each_patched_value(repo: tuple[TempRepo, str]) -> None:
    r, _ = repo
    code, doc = scan_json(r.root)
    assert code == 0
    web = next(v for v in doc["vms"] if v["name"] == "stg-web")
    assert web == {
        "kind": "VirtualMachine",
        "namespace": "staging",
        "name": "stg-web",
        "file": "base/vm.yaml",
        "line": 4,
        "source_root": "overlays/staging",
        "networks": [
            {"name": "default", "source": "pod", "nad": None, "default": False, "line": 22},
            {
                "name": "data",
                "source": "multus",
                "nad": "staging/vlan-20",
                "default": False,
                "line": 4,
                "file": "overlays/staging/nad-patch.yaml",
            },
        ],
        "interfaces": [
            {"name": "default", "binding": "masquerade", "model": None, "mac": None, "state": None, "line": 14},
            {"name": "data", "binding": "bridge", "model": None, "mac": None, "state": None, "line": 16},
        ],
    }
    prod = next(v for v in doc["vms"] if v["name"] == "web")
    assert prod["interfaces"][1] == {  # the strategic-merge patch replaced the whole list: its lines
        "name": "data",
        "binding": "sriov",
        "model": None,
        "mac": None,
        "state": None,
        "line": 14,
        "file": "overlays/prod/binding.yaml",
    }
    assert [(n["namespace"], n["name"], n["file"], n["line"], n["source_root"]) for n in doc["nads"]] == [
        ("prod", "vlan-10", "base/nad.yaml", 4, "overlays/prod"),
        ("staging", "stg-vlan-10", "base/nad.yaml", 4, "overlays/staging"),
    ]
    assert doc["findings"] == [] and doc["warnings"] == []


def test_scan_output_is_the_same_bytes_under_other_hash_seeds(repo: tuple[TempRepo, str]) -> None:
    r, _ = repo
    outputs = set()
    for seed in ("0", "1", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        cmd = [sys.executable, "-m", "gitnad.cli", "scan", str(r.root), "--format", "json"]
        outputs.add(subprocess.run(cmd, env=env, capture_output=True, check=True).stdout)
    assert len(outputs) == 1


def test_a_broken_resource_is_gn001_at_its_line_and_patches_are_never_manifests(tmp_path: Path) -> None:
    """base/vm.yaml is listed as a resource: a syntax error there is GN001 at its line (a manifest is expected),
    and both overlays that render it say they cannot; the patch files stay silent."""
    r = TempRepo(tmp_path / "gitops")
    r.commit(FILES | {"base/vm.yaml": replace(FILES["base/vm.yaml"], "  labels:\n", "  labels: [\n")})
    code, doc = scan_json(r.root)
    assert code == 1
    found = [(f["code"], f["file"], f["line"], f.get("source_root")) for f in doc["findings"]]
    assert found == [
        ("GN001", "base/vm.yaml", 7, None),
        ("GN001", PROD_K, None, "overlays/prod"),
        ("GN001", STAGING_K, None, "overlays/staging"),
    ]
    assert doc["findings"][0]["message"] == (
        "base/vm.yaml:7: YAML syntax error: did not find expected ',' or ']' (while parsing a flow sequence)"
    )
    assert doc["findings"][1]["message"].endswith(
        "MalformedYAMLError: yaml: line 4: did not find expected ',' or ']' in File: vm.yaml; "
        + UNKNOWN.format("overlays/prod")
    )
    assert doc["vms"] == []


SETTINGS = {
    "off": (
        "kustomize: false\n",
        # every file is a plain manifest again: the strategic-merge patch reads as a second VM
        [("GN113", "overlays/prod/binding.yaml", 5, None)],
        ["default/web", "default/web", "default/workers"],
        [],
    ),
    "roots": (
        "kustomize:\n  roots: [overlays/prod]\n",
        [],
        ["prod/web", "prod/workers"],
        [
            "Kustomize roots not rendered (kustomize.roots, kustomize.excludeRoots, exclude): overlays/staging; "
            "their VMs and NADs are not checked"
        ],
    ),
    "exclude-roots": (
        "kustomize:\n  excludeRoots: ['*/prod']\n",
        [],
        ["staging/stg-web", "staging/stg-workers"],
        [
            "Kustomize roots not rendered (kustomize.roots, kustomize.excludeRoots, exclude): overlays/prod; "
            "their VMs and NADs are not checked"
        ],
    ),
    "exclude": (
        "exclude: [overlays/staging/kustomization.yaml]\n",
        [],
        ["prod/web", "prod/workers"],
        [
            "Kustomize roots not rendered (kustomize.roots, kustomize.excludeRoots, exclude): overlays/staging; "
            "their VMs and NADs are not checked"
        ],
    ),
    "timeout": (
        "kustomize: {timeoutSeconds: 0.001}\n",
        [("GN001", PROD_K, None, "overlays/prod"), ("GN001", STAGING_K, None, "overlays/staging")],
        [],
        [],
    ),
    "kubectl": (
        "kustomize: {kubectl: /nonexistent/kubectl}\n",
        [("GN001", PROD_K, None, "overlays/prod"), ("GN001", STAGING_K, None, "overlays/staging")],
        [],
        [],
    ),
}


@pytest.mark.parametrize("case", sorted(SETTINGS))
def test_each_kustomize_setting_has_its_effect(tmp_path: Path, case: str) -> None:
    config, expected, vms, warnings = SETTINGS[case]
    r = TempRepo(tmp_path / "gitops")
    r.commit(FILES | {".gitnad.yaml": config})
    code, doc = scan_json(r.root)
    assert [(f["code"], f["file"], f["line"], f.get("source_root")) for f in doc["findings"]] == expected
    assert sorted(f"{v['namespace']}/{v['name']}" for v in doc["vms"]) == vms
    assert doc["warnings"] == warnings
    assert code == (1 if expected else 0)


def test_timeout_and_kubectl_messages_say_what_to_change(tmp_path: Path) -> None:
    r = TempRepo(tmp_path / "gitops")
    r.commit(FILES | {".gitnad.yaml": "kustomize: {timeoutSeconds: 0.001}\n"})
    _, doc = scan_json(r.root)
    assert doc["findings"][0]["message"] == (
        f"{PROD_K}: kubectl kustomize ran past 0.001 s and was killed; simplify the overlay or raise "
        f"kustomize.timeoutSeconds; {UNKNOWN.format('overlays/prod')}"
    )


HELM = "helmCharts:\n  - name: web\n    releaseName: web\n"
CHART = {"overlays/staging/charts/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n"}


@pytest.mark.parametrize("allow", [False, True], ids=["refused", "allowed"])
def test_helm_charts_are_refused_unless_allowed(tmp_path: Path, allow: bool) -> None:
    """Allowed, kustomize runs with --enable-helm and helm from PATH (this machine has none: kustomize's error)."""
    r = TempRepo(tmp_path / "gitops")
    config = {".gitnad.yaml": f"kustomize: {{allowHelm: {str(allow).lower()}}}\n"}
    r.commit(FILES | CHART | config | {STAGING_K: FILES[STAGING_K] + HELM})
    code, doc = scan_json(r.root)
    assert code == 1
    [finding] = doc["findings"]
    if allow:
        assert (finding["file"], finding["line"]) == (STAGING_K, None)
        assert "'helm version --short'" in finding["message"]
        assert "(is 'helm' installed?)" in finding["message"]
    else:
        assert (finding["file"], finding["line"]) == (STAGING_K, 13)
        assert finding["message"] == (
            f"{STAGING_K}:13: 'helmCharts': gitnad does not inflate Helm charts unless kustomize.allowHelm is true "
            f"in .gitnad.yaml; {UNKNOWN.format('overlays/staging')}"
        )
    assert doc["warnings"] == [
        "Helm chart sources not scanned (rendering Helm is out of scope): overlays/staging/charts/web (1 file(s))"
    ]


def test_a_subdirectory_renders_its_overlays_from_bases_elsewhere(repo: tuple[TempRepo, str]) -> None:
    r, _ = repo
    code, doc = scan_json(r.root / "overlays" / "staging")
    assert code == 0
    assert sorted(f"{v['namespace']}/{v['name']}" for v in doc["vms"]) == ["staging/stg-web", "staging/stg-workers"]
