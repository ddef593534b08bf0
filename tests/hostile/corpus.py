"""The hostile corpus: files built to break a YAML/JSON reader, a glob matcher or a terminal, next to a good fleet.

Everything is generated at test time (the 100 MB and 100k-object inputs into tmp, never committed). A case is a
set of files added to a small, good GitOps repository (`fleet`): a VM prod/vm1 moving from nad-a to nad-b
between the base and the head commit, and both NADs. The good part's results are known, so a test can assert
that the rest of the repository was still checked whatever the hostile file did.

`manifest_cases` are files of the repository; `wrong_type_cases` are generated from the shapes gitnad reads
(`gitnad.sources.shapes`), so a field added there is fuzzed here without a new line of test.
"""

from __future__ import annotations

import codecs
import copy
import json
import random
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from gitnad.sources import shapes
from gitnad.sources.layout import INTO_GIT_DIR
from tests.e2e import kubevirt_actor as k
from tests.gitutil import Content, Symlink, commit, make_repo
from tests.unit.cluster import listfiles

NS = "prod"
GOOD_VM = "vms/vm1.yaml"
GOOD_NADS = "nads/nads.yaml"
MIB = 1 << 20


def vm_body(name: str = "vm1", nad: str = "nad-b") -> dict[str, Any]:
    """prod/<name>: the pod network and `secondary-network` on `nad` (KubeVirt v1.9 shapes)."""
    body = k.vm(name, NS, [k.Net("default"), k.Net("secondary-network", nad)])
    del body["status"]
    return body


def dump(body: Any) -> str:
    return str(yaml.safe_dump(body, sort_keys=False))


def nads() -> str:
    return "---\n".join(dump(k.nad(n, NS, vlan=v)) for n, v in (("nad-a", 10), ("nad-b", 20)))


def fleet(root: Path, hostile: Mapping[str, Content]) -> tuple[str, str]:
    """The good repository at `root` with `hostile` added at head; returns (base sha, head sha)."""
    repo = make_repo(root)
    base = commit(repo, {GOOD_VM: dump(vm_body(nad="nad-a")), GOOD_NADS: nads()}, "fleet")
    head = commit(repo, {GOOD_VM: dump(vm_body(nad="nad-b")), **hostile}, "move vm1 to nad-b, add hostile files")
    return base, head


def snapshot(path: Path) -> Path:
    """The healthy cluster of the good fleet: prod/vm1 running on prod/nad-b."""
    return listfiles.write(path, listfiles.items(listfiles.cluster()))


# --- YAML and JSON built to hurt a parser ------------------------------------------------------------------


HEADER = "apiVersion: kubevirt.io/v1\nkind: VirtualMachine\nmetadata: {name: hostile, namespace: prod}\n"


def billion_laughs(levels: int = 9) -> str:
    """Ten aliases per level, `levels` deep: 10**levels nodes once expanded, a few hundred bytes written."""
    lines = [HEADER.rstrip("\n"), "spec:", '  a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels + 1):
        refs = ", ".join([f"*a{i - 1}"] * 10)
        lines.append(f"  a{i}: &a{i} [{refs}]")
    return "\n".join(lines) + "\n"


def recursive_alias() -> str:
    return HEADER + "spec: &loop\n  template: *loop\n"


def nested_flow(depth: int, opening: str = "[", closing: str = "]") -> str:
    return HEADER + "spec: " + opening * depth + closing * depth + "\n"


def nested_mapping_flow(depth: int) -> str:
    return HEADER + "spec: " + "{a: " * depth + "1" + "}" * depth + "\n"


def nested_json(depth: int) -> str:
    head = '{"apiVersion": "kubevirt.io/v1", "kind": "VirtualMachine", "metadata": {"name": "deep"}, "spec": '
    return head + '{"a": ' * depth + "1" + "}" * depth + "}\n"


def random_bytes(size: int, seed: int, with_kind: bool) -> bytes:
    data = bytearray(random.Random(seed).randbytes(size))
    if with_kind:
        data[size // 2 : size // 2 + 16] = b" VirtualMachine "
    return bytes(data)


def utf16(text: str, bom: bool, codec: str = "utf-16-le") -> bytes:
    return (codecs.BOM_UTF16_LE if bom else b"") + text.encode(codec)


def named(name: str, nad: str = "nad-b") -> str:
    """A good VM whose metadata.name (or, via `nad`, networkName) is the hostile text (YAML-escaped)."""
    return dump(vm_body(name, nad))


def waiver(value: str) -> str:
    body = vm_body("waived")
    body["metadata"]["annotations"] = {"waive.gitnad.dev/GN106": value}
    return dump(body)


@dataclass(frozen=True)
class Case:
    """Hostile files and what each must become: a GN001 (file, line, words in the message), a note, or a VM."""

    id: str
    files: Mapping[str, Content]
    gn001: Mapping[str, tuple[int | None, str]] = field(default_factory=dict)
    """file -> (line, text the GN001 message contains)."""
    notes: Mapping[str, str] = field(default_factory=dict)
    """file -> text of the note (a file that is not ours)."""
    vms: tuple[str, ...] = ()
    """VMs (namespace/name, as printed) the scan must list besides prod/vm1."""
    unreadable: bool = True
    """Something cannot be read: the run must not exit 0."""


DEPTH = "YAML syntax error: exceeded maximum nesting depth"
"""libyaml's own bound (1,000 levels), met before gitnad's (64) can be."""
BIDI = "\u202e"
CONTROL_NAMES = {"newline": "vm\nx", "escape": "vm\x1b[31mred", "cr": "vm\rx", "bidi": f"vm{BIDI}x"}


def manifest_cases() -> list[Case]:
    """The small hostile files (each under the 4 MiB file limit), one case each."""
    leaves = "symlink leaves the repository"
    loop = "symlink loop (more than 40 links followed)"
    cases = [
        Case("billion-laughs", {"vms/bomb.yaml": billion_laughs()}, {"vms/bomb.yaml": (10, "alias/anchor bomb")}),
        Case("recursive-alias", {"vms/loop.yaml": recursive_alias()}, {"vms/loop.yaml": (4, "recursive alias")}),
        Case("deep-yaml-seq-10k", {"vms/deep.yaml": nested_flow(10_000)}, {"vms/deep.yaml": (4, DEPTH)}),
        Case(
            "deep-yaml-map-10k",
            {"vms/deep.yaml": nested_mapping_flow(10_000)},
            {"vms/deep.yaml": (4, DEPTH)},
        ),
        Case("deep-yaml-seq-1m", {"vms/deep.yaml": nested_flow(1_000_000)}, {"vms/deep.yaml": (4, DEPTH)}),
        Case("deep-json-10k", {"vms/deep.json": nested_json(10_000)}, {"vms/deep.json": (1, DEPTH)}),
        Case(
            "random-bytes-ours",
            {"vms/noise.yaml": random_bytes(64 * 1024, 1, with_kind=True)},
            {"vms/noise.yaml": (None, "")},
        ),
        Case(
            "random-bytes-not-ours",
            {"vms/noise.yaml": random_bytes(64 * 1024, 2, with_kind=False)},
            notes={"vms/noise.yaml": "it names no VirtualMachine"},
        ),
        Case(
            "invalid-utf8",
            {"vms/latin1.yaml": HEADER.encode() + b"spec:\n  note: caf\xe9\n"},
            {"vms/latin1.yaml": (5, "not valid UTF-8")},
        ),
        Case("utf16-bom", {"vms/wide.yaml": utf16(named("wide"), bom=True)}, vms=("prod/wide",), unreadable=False),
        Case(
            "utf16-be-bom",
            {"vms/wide.yaml": codecs.BOM_UTF16_BE + named("wide").encode("utf-16-be")},
            vms=("prod/wide",),
            unreadable=False,
        ),
        Case("utf16-no-bom", {"vms/wide.yaml": utf16(named("wide"), bom=False)}, {"vms/wide.yaml": (1, "binary")}),
        Case("nul-byte", {"vms/nul.yaml": HEADER + "spec: {}\n\x00"}, {"vms/nul.yaml": (5, "binary")}),
        Case(
            "symlink-absolute",
            {"vms/abs.yaml": Symlink("/etc/passwd")},
            {"vms/abs.yaml": (None, leaves)},
        ),
        Case("symlink-dotdot", {"vms/up.yaml": Symlink("../../outside.yaml")}, {"vms/up.yaml": (None, leaves)}),
        Case(
            "symlink-loop",
            {"vms/a.yaml": Symlink("b.yaml"), "vms/b.yaml": Symlink("a.yaml")},
            {"vms/a.yaml": (None, loop), "vms/b.yaml": (None, loop)},
        ),
        Case(
            "symlink-dangling",
            {"vms/gone.yaml": Symlink("nothere.yaml")},
            {"vms/gone.yaml": (None, "dangling symlink: vms/nothere.yaml does not exist")},
        ),
        Case("symlink-into-git", {"vms/git.yaml": Symlink("../.git/config")}, {"vms/git.yaml": (None, INTO_GIT_DIR)}),
        Case("vm-name-1mib", {"vms/long.yaml": named("v" * MIB)}, vms=("prod/" + "v" * MIB,), unreadable=False),
        Case(
            "nad-name-1mib", {"vms/longnad.yaml": named("longnad", "n" * MIB)}, vms=("prod/longnad",), unreadable=False
        ),
        Case(
            "waiver-semicolons",
            {"vms/waived.yaml": waiver("x" + ";" * MIB + " expires=2020-01-01")},
            vms=("prod/waived",),
            unreadable=False,
        ),
        Case("waiver-only-semicolons", {"vms/waived.yaml": waiver(";" * MIB)}, vms=("prod/waived",), unreadable=False),
    ]
    for label, text in CONTROL_NAMES.items():
        cases.append(Case(f"name-{label}", {f"vms/{label}.yaml": named(text)}, vms=(f"prod/{text}",), unreadable=False))
        path = f"vms/{text}.yaml"
        cases.append(Case(f"path-{label}", {path: named(f"p-{label}")}, vms=(f"prod/p-{label}",), unreadable=False))
    return cases


# --- every field gitnad reads, given the wrong type ----------------------------------------------------------


WRONG: dict[shapes.T, tuple[tuple[str, Any], ...]] = {
    shapes.T.STR: (
        ("int", 511),
        ("bool", False),
        ("float", 1e3),
        ("list", ["a"]),
        ("map", {"a": "b"}),
        ("bytes", b"hi"),
    ),
    shapes.T.BOOL: (("str", "true"), ("int", 1), ("list", [True]), ("map", {"a": True})),
    shapes.T.MAP: (("str", "x"), ("int", 7), ("list", ["x"])),
    shapes.T.LIST: (("str", "x"), ("int", 7), ("map", {"a": 1})),
    shapes.T.STR_MAP: (("str", "x"), ("list", ["x"]), ("int-value", {"k": 1}), ("map-value", {"k": {"a": 1}})),
}


def shape_paths(shape: shapes.Shape, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], shapes.T]]:
    """Every field path of a shape (list items at index 1: the good VM's second network/interface)."""
    for key, sub in shape.fields.items():
        path = (*prefix, key)
        yield path, sub.type
        if sub.item is not None:
            yield from shape_paths(sub.item, (*path, 1))
        yield from shape_paths(sub, path)


def _set(body: Any, path: tuple[Any, ...], value: Any) -> None:
    node = body
    for part in path[:-1]:
        if isinstance(part, str) and part not in node:
            node[part] = {}
        node = node[part]
    node[path[-1]] = value


def dotted(path: tuple[Any, ...]) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else p)
    return out


def pool_body() -> dict[str, Any]:
    vm = vm_body("pool")
    return {
        "apiVersion": "pool.kubevirt.io/v1alpha1",
        "kind": "VirtualMachinePool",
        "metadata": {"name": "pool", "namespace": NS},
        "spec": {"replicas": 1, "virtualMachineTemplate": {"metadata": {}, "spec": vm["spec"]}},
    }


def nad_body() -> dict[str, Any]:
    return k.nad("nad-c", NS)


def wrong_type_cases() -> list[tuple[str, str, str]]:
    """(id, YAML text, the `shapes` path the GN001 names) for every field of VMs, pools and NADs, every wrong type."""
    out: list[tuple[str, str, str]] = []
    for kind, shape, make in (
        ("vm", shapes.VM_SHAPE, vm_body),
        ("pool", shapes.POOL_SHAPE, pool_body),
        ("nad", shapes.NAD_SHAPE, nad_body),
    ):
        for path, t in shape_paths(shape):
            if path in (("apiVersion",), ("kind",)):
                continue  # without them the object is not one of ours: covered by the scanner's own tests
            for label, value in WRONG[t]:
                body = make()
                _set(body, path, copy.deepcopy(value))
                where = dotted(path) + ("[k]" if label.endswith("-value") else "")
                out.append((f"{kind}:{dotted(path)}={label}", dump(body), where))
    return out


# --- the big ones (session fixtures) --------------------------------------------------------------------------


@dataclass(frozen=True)
class BigFiles:
    plain_yaml: Path
    """100 MB of YAML naming no kind gitnad reads."""
    vm_yaml: Path
    """100 MB of YAML whose last document is a VirtualMachine."""
    snapshot_json: Path
    """A List of 100,000 objects (50,000 VMs and their VMIs), JSON."""
    snapshot_yaml: Path
    """The same List as YAML."""


def _fill(path: Path, size: int, tail: str) -> Path:
    line = "- key: " + "x" * 90 + "\n"
    with path.open("w", encoding="utf-8") as f:
        f.write("items:\n")
        written = 7
        block = line * 10_000
        while written + len(block) < size:
            f.write(block)
            written += len(block)
        f.write(tail)
    return path


def big_files(tmp: Path) -> BigFiles:
    size = 100 * 10**6
    plain = _fill(tmp / "plain.yaml", size, "")
    vm = _fill(tmp / "vm.yaml", size, "---\n" + dump(vm_body("big")))
    objects = listfiles.cluster()
    vms, vmis = [], []
    for i in range(50_000):
        name = f"vm{i}"
        vms.append(k.vm(name, NS, [k.Net("default"), k.Net("secondary-network", "nad-b")]))
        vmis.append(k.vmi(name, NS, f"uid-{i}", [k.Net("default"), k.Net("secondary-network", "nad-b")], node="node01"))
    objects["VirtualMachine"] += vms
    objects["VirtualMachineInstance"] += vmis
    items = listfiles.items(objects)
    snap_json = listfiles.write(tmp / "big.json", items)
    snap_yaml = listfiles.write(tmp / "big.yaml", items)
    return BigFiles(plain, vm, snap_json, snap_yaml)


def json_text(body: Any) -> str:
    return json.dumps(body)
