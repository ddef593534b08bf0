"""The scanner on real git repositories: every kind of bad input is GN001 at an exact file and line, and the
rest of the repository is still scanned; recognised kinds, lines and namespaces are exact."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from git import Repo

from gitnad.models.findings import Severity
from gitnad.models.manifest import NetworkSource, VMKind
from gitnad.sources.gitrefs import INDEX, GitRepo
from gitnad.sources.scanner import ManifestSet, ScanSettings, _workers, scan
from gitnad.sources.trees import FileProblem, TreeReader, directory_reader
from gitnad.sources.yamlio import YamlLimits
from tests.gitutil import Content, Symlink, commit, make_repo, stage

GOOD_VM = """\
apiVersion: kubevirt.io/v1
kind: VirtualMachine
metadata:
  name: web
  namespace: prod
spec:
  runStrategy: Always
  template:
    spec:
      domain:
        devices:
          interfaces:
          - name: default
            masquerade: {}
          - name: net1
            bridge: {}
      networks:
      - name: default
        pod: {}
      - name: net1
        multus:
          networkName: vlan-10
"""

BOMB = """\
apiVersion: v1
kind: {kind}
data:
  a: &a ["x","x","x","x","x","x","x","x","x","x"]
  b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]
  c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]
  d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]
  e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]
  f: [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]
"""

DEEP = (
    "apiVersion: v1\nkind: {kind}\ndata:\n"
    + "".join("  " * (i + 1) + f"k{i}:\n" for i in range(70))
    + "  " * 71
    + "1\n"
)

VM_THEN_BROKEN = GOOD_VM.replace("name: web", "name: first") + "---\napiVersion: v1\nkind: ConfigMap\ndata: [\n"

# A file that fails to read or parse: (content with {kind}, expected line, expected reason). With {kind} a kind
# gitnad reads it is GN001; with any other kind (ConfigMap) it is someone else's file, and only a note.
UNPARSABLE = [
    pytest.param(
        "apiVersion: v1\nkind: {kind}\nmetadata:\n  name: x\n data: 1\n",
        5,
        "YAML syntax error: did not find expected key (while parsing a block mapping)",
        id="yaml-syntax",
    ),
    pytest.param(
        "apiVersion: v1\nkind: {kind}\nmetadata:\n\tname: x\n",
        4,
        "YAML syntax error: found character that cannot start any token (while scanning for the next token)",
        id="tab-indent",
    ),
    pytest.param(
        "apiVersion: kubevirt.io/v1\nkind: {kind}\nmetadata:\n  name: a\n  namespace: x\n  name: b\n",
        6,
        "duplicate mapping key 'name' (first on line 4)",
        id="duplicate-key",
    ),
    pytest.param(
        b"apiVersion: v1\nkind: {kind}\ndata:\n  a: caf\xe9\n", 4, "not valid UTF-8 (byte {at})", id="invalid-utf8"
    ),
    pytest.param(
        b"apiVersion: v1\nkind: {kind}\n\x00\x01\x02\x03", 3, "binary file (NUL byte at offset {at})", id="nul"
    ),
    pytest.param(BOMB, 9, "document expands to more than 200000 nodes (alias/anchor bomb?)", id="alias-bomb"),
    pytest.param("kind: {kind}\na: &a [*a]\n", 2, "recursive alias: a node contains itself", id="recursive-alias"),
    pytest.param(DEEP, 67, "nesting deeper than 64 levels", id="deeply-nested"),
    pytest.param(
        '{"apiVersion": "v1",\n "kind": "{kind}",\n "kind": "Secret"}\n',
        3,
        "duplicate mapping key 'kind' (first on line 2)",
        id="json-duplicate-key",
    ),
    pytest.param(
        "apiVersion: v1\nkind: {kind}\ndata: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n",
        3,
        "unknown YAML tag !vault (Kubernetes manifests use plain YAML; remove the tag)",
        id="unknown-tag",
    ),
]

SOURCES = ["commit", "index", "worktree"]


def _fill(content: Content, kind: str) -> tuple[Content, int]:
    """The case with its kind, and the offset of the bad byte (for the messages that give it)."""
    if isinstance(content, bytes):
        filled = content.replace(b"{kind}", kind.encode())
        return filled, max(filled.find(b"\xe9"), filled.find(b"\x00"))
    assert isinstance(content, str)
    return content.replace("{kind}", kind), 0


SOURCES = ["commit", "index", "worktree"]


def _reader(repo: Repo, source: str) -> TreeReader:
    """Commit the files (source=commit), or only stage them (index), or only write them (worktree)."""
    git_repo = GitRepo(Path(str(repo.working_tree_dir)))
    if source == "commit":
        return git_repo.reader("HEAD")
    return git_repo.reader(INDEX) if source == "index" else git_repo.worktree_reader()


def _put(repo: Repo, files: dict[str, Content], source: str) -> TreeReader:
    commit(repo, {"README.md": "base\n"})
    if source == "commit":
        commit(repo, files)
    else:
        stage(repo, files)
    return _reader(repo, source)


def _problems(result: ManifestSet) -> list[tuple[str | None, int | None, str]]:
    return [(p.file, p.line, p.message) for p in result.problems]


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize(("content", "line", "reason"), UNPARSABLE)
def test_an_unparsable_file_naming_our_kind_is_gn001_at_its_line_and_the_rest_is_scanned(
    tmp_path: Path, source: str, content: Content, line: int, reason: str
) -> None:
    filled, at = _fill(content, "VirtualMachine")
    reader = _put(make_repo(tmp_path), {"apps/web.yaml": GOOD_VM, "bad/file.yaml": filled}, source)
    result = scan(reader, ScanSettings())
    why = reason.format(at=at)
    assert _problems(result) == [("bad/file.yaml", line, f"bad/file.yaml:{line}: {why}")]
    assert all(p.code == "GN001" and p.rule == "manifest-unreadable" for p in result.problems)
    assert all(p.severity is Severity.ERROR for p in result.problems)
    assert [vm.key for vm in result.vms] == ["prod/web"]
    assert (result.unreadable, result.files, result.notes) == (
        frozenset({"bad/file.yaml"}),
        ("apps/web.yaml", "bad/file.yaml"),
        (),
    )


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize(("content", "line", "reason"), UNPARSABLE)
def test_an_unparsable_file_naming_no_kind_of_ours_is_a_note(
    tmp_path: Path, source: str, content: Content, line: int, reason: str
) -> None:
    filled, at = _fill(content, "ConfigMap")
    reader = _put(make_repo(tmp_path), {"apps/web.yaml": GOOD_VM, "bad/file.yaml": filled}, source)
    result = scan(reader, ScanSettings())
    why = reason.format(at=at)
    assert (result.problems, result.unreadable) == ((), frozenset())
    assert [n.text for n in result.notes] == [
        f"bad/file.yaml:{line}: skipped, {why}; it names no VirtualMachine, VirtualMachinePool or "
        "NetworkAttachmentDefinition, so it is not read as a manifest"
    ]
    assert [vm.key for vm in result.vms] == ["prod/web"]


@pytest.mark.parametrize(("content", "line", "reason"), UNPARSABLE)
def test_an_unparsable_file_expected_to_be_a_manifest_is_gn001_whatever_it_names(
    tmp_path: Path, content: Content, line: int, reason: str
) -> None:
    filled, at = _fill(content, "ConfigMap")
    reader = _put(make_repo(tmp_path), {"apps/web.yaml": GOOD_VM, "bad/file.yaml": filled}, "commit")
    result = scan(reader, ScanSettings(), expected={"bad/file.yaml"})
    why = reason.format(at=at)
    assert (_problems(result), result.notes) == ([("bad/file.yaml", line, f"bad/file.yaml:{line}: {why}")], ())


# Our objects that are broken, or other cases that are GN001 whatever else the file holds.
BROKEN_OBJECTS = [
    pytest.param(
        "apiVersion: kubevirt.io/v1\nkind: VirtualMachine\nmetadata: {}\n",
        1,
        "VirtualMachine without metadata.name",
        id="vm-without-name",
    ),
    pytest.param(
        "kind: VirtualMachine\nmetadata: {name: x}\n", 1, "VirtualMachine without an apiVersion string", id="no-api"
    ),
    pytest.param(
        "apiVersion: 1\nkind: NetworkAttachmentDefinition\n",
        1,
        "NetworkAttachmentDefinition without an apiVersion string",
        id="api-not-a-string",
    ),
    pytest.param(
        "apiVersion: kubevirt.io/v1\nkind: VirtualMachineList\nitems:\n- 3\n",
        4,
        "item 1 of the VirtualMachineList is not a mapping (found the integer 3)",
        id="our-list-item-not-mapping",
    ),
    pytest.param(
        VM_THEN_BROKEN,
        26,
        "YAML syntax error: did not find expected node content (while parsing a flow node)",
        id="fails-part-way",
    ),
    pytest.param(
        "version https://git-lfs.github.com/spec/v1\noid sha256:4d7a\nsize 12345\n",
        1,
        "a Git LFS pointer, not the file's content (it may be a manifest): run git lfs pull or exclude it",
        id="lfs-pointer",
    ),
]


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize(("content", "line", "reason"), BROKEN_OBJECTS)
def test_a_broken_object_of_ours_is_gn001(tmp_path: Path, source: str, content: str, line: int, reason: str) -> None:
    reader = _put(make_repo(tmp_path), {"apps/web.yaml": GOOD_VM, "bad/file.yaml": content}, source)
    result = scan(reader, ScanSettings())
    assert _problems(result) == [("bad/file.yaml", line, f"bad/file.yaml:{line}: {reason}")]
    kept = ["prod/first"] if content == VM_THEN_BROKEN else []
    assert ([vm.key for vm in result.vms], result.notes) == (["prod/web", *kept], ())


NOT_KUBERNETES_OBJECTS = {
    "playbook.yml": "- hosts: all\n  become: yes\n  tasks:\n  - name: ping\n    ping: {}\n",
    "ci.yaml": "on: [push]\njobs:\n  test: {runs-on: ubuntu-latest}\n",
    "values.yaml": "replicaCount: 2\nimage: {repository: nginx}\n",
    "mkdocs.yml": "site_name: Docs\nnav:\n- Home: index.md\n",
    "scalar.yaml": "just text\n",
    "list.json": "[1, 2, 3]",
    "generic-list.yaml": "apiVersion: v1\nkind: List\nitems:\n- 3\n- [a]\n",
    "patch.yaml": "- op: replace\n  path: /spec/template/spec/networks/1/multus/networkName\n  value: vlan-20\n",
}


@pytest.mark.parametrize("source", SOURCES)
def test_yaml_that_is_not_a_kubernetes_object_is_ignored(tmp_path: Path, source: str) -> None:
    reader = _put(make_repo(tmp_path), {"apps/web.yaml": GOOD_VM, **NOT_KUBERNETES_OBJECTS}, source)
    result = scan(reader, ScanSettings())
    assert (result.problems, result.notes, [vm.key for vm in result.vms]) == ((), (), ["prod/web"])


@pytest.mark.parametrize("source", SOURCES)
def test_file_over_the_size_limit_is_gn001_without_line(tmp_path: Path, source: str) -> None:
    big = GOOD_VM + "#" + "x" * 300 + "\n"
    reader = _put(make_repo(tmp_path), {"apps/web.yaml": GOOD_VM, "big.yaml": big}, source)
    result = scan(reader, ScanSettings(max_file_bytes=len(GOOD_VM) + 10))
    limit = len(GOOD_VM) + 10
    assert _problems(result) == [
        ("big.yaml", None, f"big.yaml: file is {len(big)} bytes, over the {limit}-byte limit (maxFileBytes)")
    ]
    assert [vm.key for vm in result.vms] == ["prod/web"]


@pytest.mark.parametrize("source", SOURCES)
def test_an_over_size_file_naming_no_kind_of_ours_is_a_note(tmp_path: Path, source: str) -> None:
    """The kind name past the first chunk still counts: `kind: VirtualMachine` at the end makes it ours."""
    playbook = "- hosts: all\n  tasks:\n" + "  - debug: {msg: x}\n" * 100_000  # ~2 MiB: two stream chunks
    vm_at_the_end = playbook + "# kind: VirtualMachine\n"
    files: dict[str, Content] = {"apps/web.yaml": GOOD_VM, "big.yml": playbook, "tail.yml": vm_at_the_end}
    reader = _put(make_repo(tmp_path), files, source)
    result = scan(reader, ScanSettings(max_file_bytes=len(GOOD_VM) + 10))
    over = "bytes, over the 420-byte limit (maxFileBytes)"
    assert _problems(result) == [("tail.yml", None, f"tail.yml: file is {len(vm_at_the_end)} {over}")]
    assert [n.text for n in result.notes] == [
        f"big.yml: skipped, file is {len(playbook)} {over}; it names no VirtualMachine, VirtualMachinePool or "
        "NetworkAttachmentDefinition, so it is not read as a manifest"
    ]


@pytest.mark.parametrize("source", SOURCES)
def test_symlink_leaving_the_repository_is_gn001_and_inside_links_are_skipped(tmp_path: Path, source: str) -> None:
    outside = tmp_path / "outside.yaml"
    outside.write_text(GOOD_VM.replace("name: web", "name: secret"))
    files: dict[str, Content] = {
        "apps/web.yaml": GOOD_VM,
        "escape.yaml": Symlink("../outside.yaml"),
        "absolute.yaml": Symlink(str(outside)),
        "apps/alias.yaml": Symlink("web.yaml"),
        "apps/dir": Symlink(".."),
        "apps/via-dir.yaml": Symlink("dir/../outside.yaml"),
    }
    reader = _put(make_repo(tmp_path / "repo"), files, source)
    result = scan(reader, ScanSettings())
    leaves = "symlink leaves the repository"
    assert _problems(result) == [
        ("absolute.yaml", None, f"absolute.yaml: {leaves}"),
        ("apps/via-dir.yaml", None, f"apps/via-dir.yaml: {leaves}"),
        ("escape.yaml", None, f"escape.yaml: {leaves}"),
    ]
    assert [vm.key for vm in result.vms] == ["prod/web"]


def test_symlinked_directory_leaving_the_repository_is_not_read(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "vm.yaml").write_text(GOOD_VM)
    root = tmp_path / "plain"
    root.mkdir()
    (root / "ext").symlink_to(outside)
    reader = directory_reader(root)
    assert reader.paths() == []
    assert reader.read(["ext/vm.yaml"], 1 << 20) == {"ext/vm.yaml": FileProblem("symlink leaves the repository")}
    result = scan(reader, ScanSettings(), paths=["ext/vm.yaml"])
    assert _problems(result) == [("ext/vm.yaml", None, "ext/vm.yaml: symlink leaves the repository")]


UNKNOWN_KINDS = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: prod}
---
apiVersion: kubevirt.io/v1
kind: VirtualMachineInstance
metadata: {name: web, namespace: prod}
---
apiVersion: example.com/v1
kind: VirtualMachine
metadata: {name: not-kubevirt}
---
apiVersion: v1
kind: NetworkAttachmentDefinition
metadata: {name: wrong-group}
---
kustomize: is not a Kubernetes object
---
---
# only a comment
"""


def test_unknown_kinds_and_empty_documents_are_ignored_silently(tmp_path: Path) -> None:
    reader = _put(make_repo(tmp_path), {"other.yaml": UNKNOWN_KINDS, "empty.yaml": ""}, "commit")
    result = scan(reader, ScanSettings())
    assert (result.vms, result.nads, result.problems) == ((), (), ())
    assert result.files == ("empty.yaml", "other.yaml")


YAML11 = """\
apiVersion: kubevirt.io/v1
kind: VirtualMachine
metadata:
  name: legacy
  labels:
    mode: "0777"
    when: 2024-01-01
spec:
  running: yes
  template:
    spec:
      domain:
        devices:
          interfaces:
          - name: net1
            bridge: {}
            macAddress: 52:54:00:12:34:56
"""


def test_values_are_read_as_the_api_server_decodes_them(tmp_path: Path) -> None:
    reader = _put(make_repo(tmp_path), {"legacy.yaml": YAML11, "off.yaml": YAML11.replace(
        "legacy", "stopped").replace("yes", "off")}, "commit")  # fmt: skip
    result = scan(reader, ScanSettings())
    assert [(vm.name, vm.running) for vm in result.vms] == [("legacy", True), ("stopped", False)]
    assert result.vms[0].labels == {"mode": "0777", "when": "2024-01-01"}
    assert [i.mac for i in result.vms[0].interfaces] == ["52:54:00:12:34:56"]  # not a base-60 integer


LINES_VM = """\
apiVersion: kubevirt.io/v1
kind: VirtualMachine
metadata:
  name: lines
spec:
  template:
    spec:
      domain:
        devices:
          interfaces:
          - name: default
            masquerade: {}
          - macAddress: 02:00:00:00:00:01
            name: net1
            bridge: {}
          - name: net2
            binding:
              name: passt
      networks:
      - name: default
        pod: {}
      - multus:
          networkName: team-a/vlan-10
        name: net1
      - name: net2
        multus:
          default: true
          networkName: vlan-20
---
apiVersion: k8s.cni.cncf.io/v1
kind: NetworkAttachmentDefinition
metadata:
  namespace: team-a
  name: vlan-10
spec:
  config: '{"cniVersion": "0.3.1", "type": "bridge", "vlan": 10}'
"""


def test_lines_of_network_names_interfaces_bindings_and_nad_names_are_exact(tmp_path: Path) -> None:
    reader = _put(make_repo(tmp_path), {"vm.yaml": LINES_VM}, "commit")
    result = scan(reader, ScanSettings(default_namespace="fallback"))
    (vm,) = result.vms
    assert (vm.key, vm.line, vm.template_line) == ("fallback/lines", 4, 8)
    nets = [(n.name, n.source, n.nad, n.default, n.line, n.item_line) for n in vm.networks]
    assert nets == [
        ("default", NetworkSource.POD, None, False, 20, 20),
        ("net1", NetworkSource.MULTUS, "team-a/vlan-10", False, 23, 22),
        ("net2", NetworkSource.MULTUS, "fallback/vlan-20", True, 28, 25),
    ]
    ifaces = [(i.name, i.binding, i.binding_is_plugin, i.line, i.binding_line, i.item_line) for i in vm.interfaces]
    assert ifaces == [
        ("default", "masquerade", False, 11, 12, 11),
        ("net1", "bridge", False, 14, 15, 13),
        ("net2", "passt", True, 16, 17, 16),
    ]
    (nad,) = result.nads
    assert (nad.key, nad.cni_type, nad.vlan, nad.file, nad.line, nad.config_line) == (
        "team-a/vlan-10",
        "bridge",
        10,
        "vm.yaml",
        34,
        36,
    )


LIST = """\
apiVersion: v1
kind: List
items:
- apiVersion: kubevirt.io/v1
  kind: VirtualMachine
  metadata:
    name: in-list
  spec:
    template:
      spec:
        networks:
        - name: net1
          multus:
            networkName: vlan-1
- apiVersion: k8s.cni.cncf.io/v1
  kind: NetworkAttachmentDefinition
  metadata:
    name: vlan-1
  spec:
    config: '{"type": "macvlan"}'
"""

VM_LIST = """\
apiVersion: kubevirt.io/v1
kind: VirtualMachineList
items:
- apiVersion: kubevirt.io/v1
  kind: VirtualMachine
  metadata: {name: typed-list, namespace: ops}
"""

POOL = """\
apiVersion: pool.kubevirt.io/v1alpha1
kind: VirtualMachinePool
metadata:
  name: workers
  namespace: batch
spec:
  replicas: 3
  virtualMachineTemplate:
    spec:
      runStrategy: Always
      template:
        spec:
          domain:
            devices:
              interfaces:
              - name: net1
                sriov: {}
          networks:
          - name: net1
            multus:
              networkName: sriov-a
"""


def test_list_kinds_and_virtual_machine_pools(tmp_path: Path) -> None:
    files: dict[str, Content] = {"list.yaml": LIST, "vmlist.yml": VM_LIST, "pool.yaml": POOL}
    result = scan(_put(make_repo(tmp_path), files, "commit"), ScanSettings())
    assert result.problems == ()
    summary = [(vm.kind, vm.key, vm.file, vm.line, [(n.nad, n.line) for n in vm.networks]) for vm in result.vms]
    assert summary == [
        (VMKind.VIRTUAL_MACHINE, "default/in-list", "list.yaml", 7, [("default/vlan-1", 14)]),
        (VMKind.VIRTUAL_MACHINE_POOL, "batch/workers", "pool.yaml", 4, [("batch/sriov-a", 21)]),
        (VMKind.VIRTUAL_MACHINE, "ops/typed-list", "vmlist.yml", 6, []),
    ]
    assert [(i.name, i.binding, i.binding_line) for i in result.vms[1].interfaces] == [("net1", "sriov", 17)]
    assert [(n.key, n.cni_type, n.line) for n in result.nads] == [("default/vlan-1", "macvlan", 18)]


JSON_VM = """{
  "apiVersion": "kubevirt.io/v1",
  "kind": "VirtualMachine",
  "metadata": {"name": "from-json", "namespace": "j"},
  "spec": {"template": {"spec": {
    "networks": [
      {"name": "net1",
       "multus": {"networkName": "vlan-7"}}
    ]}}}
}
"""


def test_json_files_go_through_the_same_loader_with_lines(tmp_path: Path) -> None:
    result = scan(_put(make_repo(tmp_path), {"vm.json": JSON_VM}, "commit"), ScanSettings())
    (vm,) = result.vms
    assert (vm.key, vm.line, [(n.nad, n.line) for n in vm.networks]) == ("j/from-json", 4, [("j/vlan-7", 8)])


def test_output_is_sorted_by_file_then_document(tmp_path: Path) -> None:
    two = GOOD_VM.replace("name: web", "name: z-first") + "---\n" + GOOD_VM.replace("name: web", "name: a-second")
    bad = "kind: VirtualMachine\na: ["
    files: dict[str, Content] = {"b.yaml": two, "a.yaml": GOOD_VM, "c/bad.yaml": bad, "0/bad.yaml": bad}
    result = scan(_put(make_repo(tmp_path), files, "commit"), ScanSettings())
    assert [(vm.file, vm.doc_index, vm.name) for vm in result.vms] == [
        ("a.yaml", 0, "web"),
        ("b.yaml", 0, "z-first"),
        ("b.yaml", 1, "a-second"),
    ]
    assert [p.file for p in result.problems] == ["0/bad.yaml", "c/bad.yaml"]


def test_custom_limits_apply(tmp_path: Path) -> None:
    reader = _put(make_repo(tmp_path), {"vm.yaml": GOOD_VM}, "commit")
    result = scan(reader, ScanSettings(limits=YamlLimits(max_depth=5)))
    assert _problems(result) == [("vm.yaml", 12, "vm.yaml:12: nesting deeper than 5 levels")]


def test_only_the_requested_paths_are_read(tmp_path: Path) -> None:
    reader = _put(make_repo(tmp_path), {"a.yaml": GOOD_VM, "b.yaml": "a: [", "notes.txt": "x"}, "commit")
    result = scan(reader, ScanSettings(), paths=["a.yaml", "notes.txt", "missing.yaml"])
    assert (result.files, [vm.key for vm in result.vms], result.problems) == (("a.yaml",), ["prod/web"], ())


POOL_SCRIPT = """
import json, sys
from pathlib import Path
from gitnad.sources.scanner import ScanSettings, _workers, scan
from gitnad.sources.trees import directory_reader
reader = directory_reader(Path(sys.argv[1]))
items = [data for _, data in sorted(reader.read(reader.paths(), 1 << 20).items())]
serial, pooled = scan(reader, ScanSettings(workers=1)), scan(reader, ScanSettings(workers=2))
print(json.dumps({"workers": [_workers(ScanSettings(workers=1), items), _workers(ScanSettings(workers=2), items)],
                  "equal": pooled == serial, "vms": len(serial.vms)}))
"""


def test_a_worker_pool_gives_exactly_the_serial_result(tmp_path: Path) -> None:
    root = tmp_path / "many"
    for i in range(300):  # ~640 KiB: above the size where the scanner starts a pool
        path = root / f"ns-{i % 7}" / f"vm-{i:03d}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(GOOD_VM.replace("name: web", f"name: vm-{i:03d}") + "#" * 1400 + "\n")
    (root / "broken.yaml").write_text("kind: VirtualMachine\na: 1\na: 2\n")
    # A fresh interpreter: the pool is (rightly) refused while other threads run, as they may in this test process.
    out = subprocess.run([sys.executable, "-c", POOL_SCRIPT, str(root)], capture_output=True, text=True, check=True)
    cpus = len(os.sched_getaffinity(0))
    assert json.loads(out.stdout) == {"workers": [1, min(2, cpus)], "equal": True, "vms": 300}
    serial = scan(directory_reader(root), ScanSettings(workers=1))
    assert _problems(serial) == [("broken.yaml", 3, "broken.yaml:3: duplicate mapping key 'a' (first on line 2)")]


def test_no_pool_while_other_threads_run(tmp_path: Path) -> None:
    root = tmp_path / "many"
    root.mkdir()
    for i in range(300):
        (root / f"vm-{i:03d}.yaml").write_text(GOOD_VM.replace("name: web", f"name: vm-{i:03d}") + "#" * 1400 + "\n")
    reader = directory_reader(root)
    items = [data for _, data in sorted(reader.read(reader.paths(), 1 << 20).items())]
    stop = threading.Event()
    t = threading.Thread(target=stop.wait)
    t.start()
    try:
        assert _workers(ScanSettings(workers=2), items) == 1  # fork is unsafe with threads
    finally:
        stop.set()
        t.join()


@pytest.mark.parametrize("enabled", [True, False], ids=["gc-on", "gc-off"])
def test_a_scan_leaves_the_cyclic_gc_as_it_found_it(tmp_path: Path, enabled: bool) -> None:
    reader = _put(make_repo(tmp_path), {"vm.yaml": GOOD_VM, "broken.yaml": "kind: VirtualMachine\na: ["}, "commit")
    threshold = gc.get_threshold()
    if not enabled:
        gc.disable()
    try:
        result = scan(reader, ScanSettings(workers=1))
        assert (gc.isenabled(), gc.get_threshold(), gc.get_freeze_count()) == (enabled, threshold, 0)
    finally:
        gc.enable()
    assert len(result.vms) == 1 and len(result.problems) == 1


def test_a_scans_models_are_left_in_the_oldest_generation(tmp_path: Path) -> None:
    """Young-generation passes after a scan (sorting, rendering) do not walk its models again."""
    reader = _put(make_repo(tmp_path), {"vm.yaml": GOOD_VM}, "commit")
    (vm,) = scan(reader, ScanSettings(workers=1)).vms
    young = gc.get_objects(generation=0) + gc.get_objects(generation=1)
    assert not any(o is vm or o is vm.networks[0] for o in young)
    assert any(o is vm for o in gc.get_objects(generation=2))
