"""Unsafe and broken kustomizations: each is a Problem with the file and line of the offending entry, refused before
any process starts (remote bases, plugins, Helm, paths leaving the repository), and the other overlay still renders."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from gitnad.sources.gitrefs import GitRepo
from gitnad.sources.kustomize import input_reader
from gitnad.sources.kustomize.graph import discover
from gitnad.sources.kustomize.model import Problem, ProblemKind
from gitnad.sources.kustomize.render import RenderOptions, render
from tests.gitrepo import TempRepo
from tests.unit.sources.kustomize_repo import gitops_files, replace

STAGING_K = "overlays/staging/kustomization.yaml"
PROD_K = "overlays/prod/kustomization.yaml"
BASE_ENTRY = "  - ../../base\n"
NO_NETWORK = "; gitnad renders without network, so vendor it into the repository (or commit the rendered output)"
EXEC_FUNCTION = """transformers:
  - |-
    apiVersion: example.com/v1
    kind: Exec
    metadata:
      name: run
      annotations:
        config.kubernetes.io/function: |
          exec:
            path: ./plugin.sh
"""
GO_PLUGIN = "apiVersion: someteam.example.com/v1\nkind: ChartInflator\nmetadata:\n  name: notImportantHere\n"
HELM = (
    "helmCharts:\n  - name: minecraft\n    repo: https://itzg.github.io/minecraft-server-charts\n    version: 3.1.3\n"
)


def _staging(old: str, new: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    files = gitops_files()
    files[STAGING_K] = replace(files[STAGING_K], old, new)
    return files | (extra or {})


def _append(text: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    files = gitops_files()
    return files | {STAGING_K: files[STAGING_K] + text} | (extra or {})


def _problem(line: int, kind: ProblemKind, message: str) -> Problem:
    return Problem(STAGING_K, line, kind, message)


# (files, the one problem of overlays/staging)
REFUSED = {
    "remote-url": (
        _staging(BASE_ENTRY, BASE_ENTRY + "  - https://github.com/kubernetes-sigs/kustomize//examples/hello?ref=v5\n"),
        _problem(
            7,
            ProblemKind.REMOTE,
            "resources: 'https://github.com/kubernetes-sigs/kustomize//examples/hello?ref=v5' is a remote URL "
            "(https://)" + NO_NETWORK,
        ),
    ),
    "github-shorthand": (
        _staging(BASE_ENTRY, "  - github.com/example/gitops//base?ref=v1\n"),
        _problem(
            6,
            ProblemKind.REMOTE,
            "resources: 'github.com/example/gitops//base?ref=v1' is a remote GitHub repository" + NO_NETWORK,
        ),
    ),
    "go-getter": (
        _staging(BASE_ENTRY, BASE_ENTRY + "  - git::https://example.com/gitops.git//base\n"),
        _problem(
            7,
            ProblemKind.REMOTE,
            "resources: 'git::https://example.com/gitops.git//base' is a remote git repository (go-getter 'git::' "
            "URL)" + NO_NETWORK,
        ),
    ),
    "scp-style": (
        _append("components:\n  - git@example.com:team/gitops.git//components/x\n"),
        _problem(
            14,
            ProblemKind.REMOTE,
            "components: 'git@example.com:team/gitops.git//components/x' is a remote git repository (scp-style URL)"
            + NO_NETWORK,
        ),
    ),
    "remote-patch-file": (
        _staging("  - path: nad-patch.yaml\n", "  - path: https://example.com/patch.yaml\n"),
        _problem(
            8, ProblemKind.REMOTE, "patches: 'https://example.com/patch.yaml' is a remote URL (https://)" + NO_NETWORK
        ),
    ),
    "krm-exec-function": (
        _append(EXEC_FUNCTION),
        _problem(
            15, ProblemKind.PLUGIN, "transformers: 'Exec' is a KRM function (exec or container): gitnad runs no plugins"
        ),
    ),
    "go-or-exec-plugin-file": (
        _append("generators:\n  - plugin.yaml\n", {"overlays/staging/plugin.yaml": GO_PLUGIN}),
        _problem(
            14,
            ProblemKind.PLUGIN,
            "generators: overlays/staging/plugin.yaml: 'ChartInflator' (someteam.example.com/v1) is an external plugin "
            "(exec or Go): gitnad runs no plugins",
        ),
    ),
    "helm-charts": (
        _append(HELM),
        _problem(
            13,
            ProblemKind.HELM,
            "'helmCharts': gitnad does not inflate Helm charts unless kustomize.allowHelm is true in .gitnad.yaml",
        ),
    ),
    "leaves-the-repository": (
        _staging(BASE_ENTRY, "  - ../../../elsewhere/base\n"),
        _problem(6, ProblemKind.OUTSIDE, "resources: '../../../elsewhere/base' leaves the repository"),
    ),
    "file-outside-the-kustomization": (
        _staging("  - path: nad-patch.yaml\n", "  - path: ../prod/binding.yaml\n"),
        _problem(
            8,
            ProblemKind.OUTSIDE,
            "patches: '../prod/binding.yaml' is not in or below overlays/staging; kustomize loads files only from the "
            "kustomization's own directory (LoadRestrictionsRootOnly): move the file there or make its directory a "
            "base",
        ),
    ),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_unsafe_input_is_refused_before_any_process_starts(tmp_path: Path, case: str) -> None:
    files, expected = REFUSED[case]
    repo = TempRepo(tmp_path / "repo")
    sha = repo.commit(files)
    start = time.monotonic()
    reader = input_reader(GitRepo(repo.root), sha)
    graph = discover(reader)
    # No kubectl exists at this path: a root that tried to run gets NO_KUBECTL, a refused one never gets that far.
    results = render(reader, graph, options=RenderOptions(kubectl=tmp_path / "no-kubectl"))
    elapsed = time.monotonic() - start
    assert graph.problems == (expected,)
    assert [(r.root, r.problems) for r in results] == [
        (
            "overlays/prod",
            (
                Problem(
                    PROD_K,
                    None,
                    ProblemKind.NO_KUBECTL,
                    f"kubectl '{tmp_path / 'no-kubectl'}' (kustomize.kubectl) is not an executable file",
                    "overlays/prod",
                ),
            ),
        ),
        ("overlays/staging", (expected,)),
    ]
    assert elapsed < 2.0


def test_helm_with_opt_in_still_refuses_a_chart_repository(tmp_path: Path) -> None:
    repo = TempRepo(tmp_path / "repo")
    sha = repo.commit(_append(HELM))
    graph = discover(input_reader(GitRepo(repo.root), sha), allow_helm=True)
    assert graph.problems == (
        _problem(
            15,
            ProblemKind.REMOTE,
            "helmCharts: chart repository 'https://itzg.github.io/minecraft-server-charts' needs the network; vendor "
            "the chart under the chart home",
        ),
    )


# (files, the problems of overlays/staging), rendered with the real kubectl: overlays/prod still renders
BROKEN = {
    "yaml-error": (
        _staging("namePrefix: stg-\n", "namePrefix: [stg-\n"),
        (
            _problem(
                5,
                ProblemKind.SYNTAX,
                "YAML syntax error: did not find expected ',' or ']' (while parsing a flow sequence)",
            ),
        ),
    ),
    "unknown-field": (
        _staging("namePrefix: stg-\n", "namePrefx: stg-\n"),
        (
            _problem(
                4, ProblemKind.INVALID, "unknown field 'namePrefx' in a kustomization (did you mean 'namePrefix'?)"
            ),
        ),
    ),
    "missing-resource": (
        _staging(BASE_ENTRY, BASE_ENTRY + "  - missing-vm.yaml\n"),
        (
            _problem(
                7, ProblemKind.MISSING, "resources: 'missing-vm.yaml' does not exist (overlays/staging/missing-vm.yaml)"
            ),
        ),
    ),
    "not-a-kubernetes-object": (
        _staging(BASE_ENTRY, BASE_ENTRY + "  - values.yaml\n", {"overlays/staging/values.yaml": "replicas: 3\n"}),
        (
            Problem(
                STAGING_K,
                None,
                ProblemKind.RENDER,
                "accumulating resources: accumulation err='accumulating resources from 'values.yaml': missing Resource "
                "metadata': must build at directory: 'overlays/staging/values.yaml': file is not directory",
                "overlays/staging",
            ),
        ),
    ),
    "kustomize-refuses": (
        _staging(
            "  - path: nad-patch.yaml\n", '  - patch: \'[{"op": "replace", "path": "/spec/no/x", "value": 1}]\'\n'
        ),
        (
            Problem(
                STAGING_K,
                None,
                ProblemKind.RENDER,
                "replace operation does not apply: doc is missing path: /spec/no/x: missing value",
                "overlays/staging",
            ),
        ),
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_broken_overlay_is_a_problem_and_the_other_overlay_renders(tmp_path: Path, case: str) -> None:
    files, expected = BROKEN[case]
    repo = TempRepo(tmp_path / "repo")
    sha = repo.commit(files)
    reader = input_reader(GitRepo(repo.root), sha)
    prod, staging = render(reader, discover(reader))
    assert (staging.root, staging.objects, staging.problems) == ("overlays/staging", (), expected)
    assert (prod.problems, [o.body["metadata"]["name"] for o in prod.objects]) == ((), ["vlan-10", "web", "workers"])
