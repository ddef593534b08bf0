"""Reading kustomization files the way kustomize does (pure: no repository, no process): fields, lines,
remote references, plugin configurations, label selectors, and the buildMetadata gitnad injects."""

from __future__ import annotations

import json
from typing import Any

import pytest

from gitnad.sources.kustomize.kfile import Ref, read_kustomization
from gitnad.sources.kustomize.materialize import with_build_metadata
from gitnad.sources.kustomize.model import PatchSpec, Problem, ProblemKind, Selector
from gitnad.sources.kustomize.patches import selector_matches
from gitnad.sources.kustomize.replacements import field_path_writes
from gitnad.sources.kustomize.safety import check_plugin_doc, remote_reason

REMOTE = [
    ("../../base", None),
    ("base", None),
    ("vm.yaml", None),
    ("vendor/repo.git/base", None),
    ("https://example.com/base", "a remote URL (https://)"),
    ("HTTP://EXAMPLE.COM/x.yaml", "a remote URL (http://)"),
    ("ssh://git@example.com/team/repo", "a remote URL (ssh://)"),
    ("file:///srv/repos/gitops", "a remote URL (file://)"),
    ("git::https://example.com/repo.git//base", "a remote git repository (go-getter 'git::' URL)"),
    ("github.com/org/repo/base?ref=v1", "a remote GitHub repository"),
    ("GitHub.com:org/repo", "a remote GitHub repository"),
    ("git@gitlab.example.com:org/repo.git//base", "a remote git repository (scp-style URL)"),
    ("base?ref=v1", "a remote git reference (?ref=)"),
    ("base?timeout=5&version=v2", "a remote git reference (?ref=)"),
]


@pytest.mark.parametrize(("value", "reason"), REMOTE, ids=[v for v, _ in REMOTE])
def test_remote_references(value: str, reason: str | None) -> None:
    assert remote_reason(value) == reason


FUNCTION = {"annotations": {"config.kubernetes.io/function": "exec:\n  path: ./x\n"}}
PLUGINS: list[tuple[str, dict[str, Any], bool, tuple[ProblemKind, str] | None]] = [
    ("builtin-patch", {"apiVersion": "builtin", "kind": "PatchTransformer"}, False, None),
    (
        "builtin-helm",
        {"apiVersion": "builtin", "kind": "HelmChartInflationGenerator"},
        False,
        (
            ProblemKind.HELM,
            "builtin HelmChartInflationGenerator: gitnad does not inflate Helm charts unless kustomize.allowHelm is "
            "true in .gitnad.yaml",
        ),
    ),
    ("builtin-helm-allowed", {"apiVersion": "builtin", "kind": "HelmChartInflationGenerator"}, True, None),
    (
        "builtin-version-unknown-kind",
        {"apiVersion": "builtin", "kind": "Shell"},
        False,
        (ProblemKind.PLUGIN, "'Shell' (builtin) is an external plugin (exec or Go): gitnad runs no plugins"),
    ),
    (
        "krm-function",
        {"apiVersion": "example.com/v1", "kind": "Fn", "metadata": FUNCTION},
        False,
        (ProblemKind.PLUGIN, "'Fn' is a KRM function (exec or container): gitnad runs no plugins"),
    ),
    (
        "legacy-krm-function",
        {"apiVersion": "v1", "kind": "Fn", "metadata": {"annotations": {"config.k8s.io/function": "container: {}"}}},
        False,
        (ProblemKind.PLUGIN, "'Fn' is a KRM function (exec or container): gitnad runs no plugins"),
    ),
    (
        "go-or-exec",
        {"apiVersion": "someteam.example.com/v1", "kind": "SedTransformer"},
        False,
        (
            ProblemKind.PLUGIN,
            "'SedTransformer' (someteam.example.com/v1) is an external plugin (exec or Go): gitnad runs no plugins",
        ),
    ),
]


@pytest.mark.parametrize(("doc", "allow_helm", "reason"), [p[1:] for p in PLUGINS], ids=[p[0] for p in PLUGINS])
def test_plugin_configurations(doc: dict[str, Any], allow_helm: bool, reason: tuple[ProblemKind, str] | None) -> None:
    assert check_plugin_doc(doc, allow_helm) == reason


F = "app/kustomization.yaml"


def _read(text: str, allow_helm: bool = False) -> Any:
    return read_kustomization("app", F, text.encode(), allow_helm)


# (kustomization text, problems)
PROBLEMS = [
    (
        "resources: []\nResources: []\n",
        [(2, ProblemKind.INVALID, "field 'resources' is given twice ('resources', 'Resources')")],
    ),
    ("resources: vm.yaml\n", [(1, ProblemKind.INVALID, "'resources' must be a list of strings")]),
    (
        "resources:\n- 3\n- ''\n",
        [
            (2, ProblemKind.INVALID, "'resources' entries must be non-empty strings"),
            (3, ProblemKind.INVALID, "'resources' entries must be non-empty strings"),
        ],
    ),
    ("kind: Kustomisation\n", [(1, ProblemKind.INVALID, "kind 'Kustomisation': should be Kustomization or Component")]),
    (
        "resources: []\n---\nresources: []\n",
        [(3, ProblemKind.SYNTAX, "a kustomization file holds several YAML documents")],
    ),
    ("- vm.yaml\n", [(1, ProblemKind.SYNTAX, "a kustomization file holds no mapping")]),
    ("namespace: a\nnamespace: b\n", [(2, ProblemKind.SYNTAX, "duplicate mapping key 'namespace' (first on line 1)")]),
    ("namespace: [a]\n", [(1, ProblemKind.INVALID, "'namespace' must be a string")]),
    (
        "patches:\n- target: {kind: VirtualMachine}\n",
        [(2, ProblemKind.INVALID, "'patches' entry needs 'path' or 'patch'")],
    ),
    (
        "patches:\n- path: p.yaml\n  tarket: {kind: VirtualMachine}\n",
        [(3, ProblemKind.INVALID, "unknown field 'tarket' in a 'patches' entry (did you mean 'target'?)")],
    ),
    (
        "patches:\n- path: p.yaml\n  target: {kynd: VirtualMachine}\n",
        [(3, ProblemKind.INVALID, "unknown field 'kynd' in a patch target (did you mean 'kind'?)")],
    ),
    (
        "helmCharts:\n- name: x\n",
        [
            (
                1,
                ProblemKind.HELM,
                "'helmCharts': gitnad does not inflate Helm charts unless kustomize.allowHelm is true in .gitnad.yaml",
            )
        ],
    ),
]


@pytest.mark.parametrize(("text", "problems"), PROBLEMS, ids=[t.split("\n")[0] for t, _ in PROBLEMS])
def test_kustomization_problems_name_the_line(text: str, problems: list[tuple[int, ProblemKind, str]]) -> None:
    assert list(_read(text).problems) == [Problem(F, line, kind, msg) for line, kind, msg in problems]


def test_field_names_match_case_insensitively_like_encoding_json() -> None:
    k = _read("Resources:\n- vm.yaml\nNAMESPACE: prod\nnamePrefix: p-\nBases:\n- ../base\n")
    assert (k.problems, k.refs, k.namespace, k.name_prefix) == (
        (),
        (Ref("resources", "vm.yaml", 2, "resource"), Ref("bases", "../base", 6, "resource")),
        ("prod", 3),
        "p-",
    )


def test_patches_keep_their_lines_in_kustomize_order() -> None:
    text = (
        "patchesJson6902:\n"  # 1
        "- target: {kind: VirtualMachine, name: web}\n"  # 2
        "  path: ops.yaml\n"  # 3
        "patches:\n"  # 4
        "- patch: |-\n"  # 5
        "    - op: remove\n"  # 6
        "      path: /spec/running\n"  # 7
        "  target:\n"  # 8
        "    kind: VirtualMachine\n"  # 9
        "    labelSelector: tier=db\n"  # 10
        '- patch: "[{\\"op\\": \\"remove\\", \\"path\\": \\"/x\\"}]"\n'  # 11
        "  target: {kind: VirtualMachine}\n"  # 12
        "patchesStrategicMerge:\n"  # 13
        "- smp.yaml\n"  # 14
        "- |-\n"  # 15
        "  apiVersion: kubevirt.io/v1\n"  # 16
        "  kind: VirtualMachine\n"  # 17
        "  metadata: {name: web}\n"  # 18
    )
    k = _read(text)
    vm = Selector(kind="VirtualMachine")
    smp_text = "apiVersion: kubevirt.io/v1\nkind: VirtualMachine\nmetadata: {name: web}"
    assert (k.problems, k.patches) == (
        (),
        (
            PatchSpec("patchesStrategicMerge", 14, path="smp.yaml"),
            PatchSpec("patchesStrategicMerge", 15, inline=smp_text, inline_first_line=16, inline_line=15),
            PatchSpec(
                "patches",
                5,
                inline="- op: remove\n  path: /spec/running",
                inline_first_line=6,
                inline_line=5,
                target=Selector(kind="VirtualMachine", label_selector="tier=db"),
            ),
            PatchSpec("patches", 11, inline='[{"op": "remove", "path": "/x"}]', inline_line=11, target=vm),
            PatchSpec("patchesJson6902", 3, path="ops.yaml", target=Selector(kind="VirtualMachine", name="web")),
        ),
    )


def test_generator_sources_and_other_file_fields_are_references() -> None:
    text = (
        "configMapGenerator:\n"
        "- name: app\n"
        "  files: [conf/app.properties, key=conf/other.txt]\n"
        "  envs: [app.env]\n"
        "secretGenerator:\n"
        "- name: s\n"
        "  env: s.env\n"
        "crds: [crd.json]\n"
        "openapi:\n"
        "  path: schema.json\n"
        "replacements:\n"
        "- path: repl.yaml\n"
    )
    k = _read(text)
    assert [(r.field, r.value, r.line, r.role) for r in k.refs] == [
        ("crds", "crd.json", 8, "file"),
        ("configMapGenerator", "conf/app.properties", 3, "source"),
        ("configMapGenerator", "conf/other.txt", 3, "source"),
        ("configMapGenerator", "app.env", 4, "source"),
        ("secretGenerator", "s.env", 7, "source"),
        ("replacements", "repl.yaml", 12, "file"),
        ("openapi", "schema.json", 10, "file"),
    ]


SELECTORS = [
    ("", {}, True),
    ("tier=db", {"tier": "db"}, True),
    ("tier==db", {"tier": "web"}, False),
    ("tier!=db", {}, True),
    ("tier in (db, cache)", {"tier": "cache"}, True),
    ("tier notin (db,cache)", {"tier": "db"}, False),
    ("tier", {"tier": ""}, True),
    ("!tier", {"tier": "db"}, False),
    ("app=web,tier in (db)", {"app": "web", "tier": "db"}, True),
    ("app=web,tier in (db)", {"app": "web"}, False),
]


@pytest.mark.parametrize(("expr", "labels", "match"), SELECTORS, ids=[f"{e}~{sorted(lb)}" for e, lb, _ in SELECTORS])
def test_label_selectors(expr: str, labels: dict[str, str], match: bool) -> None:
    assert selector_matches(expr, labels) is match


def test_build_metadata_is_appended_to_a_block_mapping_byte_for_byte() -> None:
    data = b"resources:\n- vm.yaml\n"
    assert with_build_metadata(data) == (
        data + b"buildMetadata: [originAnnotations, transformerAnnotations]\n",
        ("originAnnotations", "transformerAnnotations"),
    )


@pytest.mark.parametrize(
    ("data", "have"),
    [
        (b"{resources: [vm.yaml]}", []),
        (b"resources: [vm.yaml]\nbuildMetadata: [originAnnotations]\n", ["originAnnotations"]),
    ],
    ids=["flow-mapping", "existing-buildMetadata"],
)
def test_build_metadata_is_merged_as_json_otherwise(data: bytes, have: list[str]) -> None:
    out, added = with_build_metadata(data)
    assert json.loads(out) == {"resources": ["vm.yaml"], "buildMetadata": [*have, *added]}
    assert added == tuple(m for m in ("originAnnotations", "transformerAnnotations") if m not in have)


def test_build_metadata_already_complete_is_left_alone() -> None:
    data = b"buildMetadata: [transformerAnnotations, originAnnotations]\n"
    assert with_build_metadata(data) == (data, ())


BODY = {"spec": {"networks": [{"name": "pod"}, {"name": "data", "multus": {"networkName": "a"}}]}}
FIELD_PATHS = [
    ("spec.networks.[name=data].multus.networkName", True),
    ("spec.networks.1.multus.networkName", True),
    ("spec.networks.*.multus.networkName", True),
    ("spec.networks.[name=data]", True),
    ("spec.networks.[name=pod].multus.networkName", False),
    ("spec.networks.0.multus.networkName", False),
    ("spec.networks.1.multus.networkName.extra", False),
    ("metadata.name", False),
]


@pytest.mark.parametrize(("field_path", "writes"), FIELD_PATHS, ids=[f for f, _ in FIELD_PATHS])
def test_replacement_field_paths(field_path: str, writes: bool) -> None:
    assert field_path_writes(field_path, ("spec", "networks", 1, "multus", "networkName"), BODY) is writes
