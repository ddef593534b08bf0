"""`sources.overlays` and `sources.rendered`: which roots render, which files are kustomize inputs, and the models a
render gives (the same VM, pool and NAD models as plain manifests, each value at the file and line that wrote it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitnad.config import KustomizeSettings
from gitnad.models.manifest import NAD, VM
from gitnad.sources.gitrefs import GitRepo
from gitnad.sources.kustomize import graph as graph_module
from gitnad.sources.kustomize import input_reader
from gitnad.sources.overlays import Overlays
from tests.gitrepo import TempRepo
from tests.unit.sources.kustomize_repo import gitops_files, replace

FILES = gitops_files()
STAGING_PATCH = "overlays/staging/nad-patch.yaml"
STAGING_K = "overlays/staging/kustomization.yaml"


DEFAULT = KustomizeSettings()


def overlays(tmp_path: Path, files: dict[str, str], settings: KustomizeSettings = DEFAULT) -> Overlays:
    repo = TempRepo(tmp_path / "repo")
    sha = repo.commit(files)
    return Overlays(input_reader(GitRepo(repo.root), sha), settings, max_file_bytes=1 << 20)


def test_a_tree_without_kustomizations_is_not_even_discovered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def never(*_args: object, **_kw: object) -> None:
        raise AssertionError("discover ran")

    monkeypatch.setattr(graph_module, "discover", never)  # Overlays imports it when there is something to discover
    found = overlays(tmp_path, {"vms/a.yaml": FILES["base/vm.yaml"], "notes/kustomize.md": "# not one\n"})
    assert not found
    assert (found.roots, found.inputs, found.render_all()) == ((), frozenset(), ())


def test_inputs_are_what_kustomizations_read_and_resources_are_expected(tmp_path: Path) -> None:
    found = overlays(tmp_path, FILES | {"overlays/staging/plain/nad.yaml": FILES["base/nad.yaml"]})
    assert found.roots == ("overlays/prod", "overlays/staging")
    assert found.resources == {"base/vm.yaml", "base/pool.yaml", "base/nad.yaml"}
    assert "overlays/staging/plain/nad.yaml" not in found.inputs  # a directory of its own: maybe another app's
    assert {STAGING_PATCH, "overlays/prod/binding.yaml", "components/pool-net/pool-nad.yaml"} <= found.inputs


def test_a_file_beside_a_kustomization_that_it_does_not_list_is_not_a_manifest(tmp_path: Path) -> None:
    """Argo CD and Flux apply a directory holding a kustomization as its render: a file there that the
    kustomization does not list is applied by nothing, so it must not read as a plain manifest (in the default
    namespace) that makes a NAD look present."""
    found = overlays(tmp_path, FILES | {"overlays/staging/unlisted-nad.yaml": FILES["base/nad.yaml"]})
    assert "overlays/staging/unlisted-nad.yaml" in found.inputs
    assert "overlays/staging/unlisted-nad.yaml" not in found.resources


def test_below_a_kustomization_that_cannot_be_read_every_file_is_an_input(tmp_path: Path) -> None:
    """What the broken kustomization names is unknown: its patch must not read as a VM of its own."""
    broken = replace(FILES[STAGING_K], "namePrefix: stg-", "namePrefix: [stg-")
    found = overlays(tmp_path, FILES | {STAGING_K: broken, "overlays/staging/extra/smp.yaml": "kind: VirtualMachine\n"})
    assert {STAGING_PATCH, "overlays/staging/extra/smp.yaml"} <= found.inputs


def _vm(found: Overlays, root: str, name: str) -> VM:
    (rendered,) = found.render([root])
    return next(v for v in rendered.scan.vms if v.name == name)


def test_each_value_of_a_rendered_vm_points_where_it_was_written(tmp_path: Path) -> None:
    found = overlays(tmp_path, FILES)
    web = _vm(found, "overlays/prod", "web")
    assert (web.key, web.file, web.line, web.source_root) == ("prod/web", "base/vm.yaml", 4, "overlays/prod")
    data = web.network("data")
    assert data is not None
    assert (data.nad, data.file, data.line) == ("prod-net/vlan-30", "overlays/prod/kustomization.yaml", 15)
    iface = web.interface("data")
    assert iface is not None
    assert (iface.binding, iface.file, iface.line, iface.binding_file, iface.binding_line) == (
        "sriov",
        "overlays/prod/binding.yaml",
        14,
        "overlays/prod/binding.yaml",
        15,
    )
    pod = web.network("default")
    assert pod is not None and (pod.file, pod.line) == (None, 22)  # from the base: the VM's own file
    assert web.file_of(pod) == "base/vm.yaml" and web.file_of(data) == "overlays/prod/kustomization.yaml"


def test_a_nad_config_patched_by_an_overlay_points_at_the_patch(tmp_path: Path) -> None:
    patch = (
        "- op: replace\n  path: /spec/config\n"
        '  value: \'{"cniVersion": "0.3.1", "type": "bridge", "bridge": "br1", "vlan": 11}\'\n'
    )
    target = "    target:\n      kind: NetworkAttachmentDefinition\n"
    kustomization = FILES[STAGING_K] + "  - path: nad-config.yaml\n" + target
    found = overlays(tmp_path, FILES | {STAGING_K: kustomization, "overlays/staging/nad-config.yaml": patch})
    (rendered,) = found.render(["overlays/staging"])
    (nad,) = rendered.scan.nads
    assert nad == NAD(
        namespace="staging",
        name="stg-vlan-10",
        cni_type="bridge",
        vlan=11,
        config_canonical='{"bridge":"br1","cniVersion":"0.3.1","type":"bridge","vlan":11}',
        file="base/nad.yaml",
        line=4,
        config_line=3,
        config_file="overlays/staging/nad-config.yaml",
        source_root="overlays/staging",
    )


def test_a_value_of_the_wrong_type_written_by_a_patch_is_gn001_of_the_rendered_object(tmp_path: Path) -> None:
    """`value: 0777` is the integer 511 once rendered: the VM is broken as the overlay renders it."""
    found = overlays(tmp_path, FILES | {STAGING_PATCH: replace(FILES[STAGING_PATCH], "vlan-20", "0777")})
    (rendered,) = found.render(["overlays/staging"])
    assert [v.key for v in rendered.scan.vms] == ["staging/stg-workers"]
    assert [(p.file, p.line, p.source_root, p.message) for p in rendered.scan.problems] == [
        (
            "base/vm.yaml",
            4,
            "overlays/staging",
            "base/vm.yaml:4: VirtualMachine stg-web: spec.template.spec.networks[1].multus.networkName is not a "
            "string (YAML read it as the integer 511; quote it), as overlay overlays/staging renders it",
        )
    ]
    assert rendered.failed


@pytest.mark.parametrize(
    ("settings", "roots", "left_out"),
    [
        (KustomizeSettings(), ("overlays/prod", "overlays/staging"), ()),
        (KustomizeSettings(roots=("overlays",)), ("overlays/prod", "overlays/staging"), ()),
        (KustomizeSettings(roots=("staging",)), ("overlays/staging",), ("overlays/prod",)),
        (KustomizeSettings(exclude_roots=("overlays/*",)), (), ("overlays/prod", "overlays/staging")),
        (KustomizeSettings(enabled=False), (), ()),
    ],
    ids=["all", "a-parent-directory", "a-name-at-any-depth", "exclude-a-glob", "disabled"],
)
def test_root_selection(
    tmp_path: Path, settings: KustomizeSettings, roots: tuple[str, ...], left_out: tuple[str, ...]
) -> None:
    found = overlays(tmp_path, FILES, settings)
    assert (found.roots, found.left_out) == (roots, left_out)
