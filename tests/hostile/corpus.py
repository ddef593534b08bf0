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

from gitnad.sources import shapes, yamlio
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


_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
"""libyaml's emitter: the same bytes as PyYAML's pure-Python one for every file of this corpus, ~50x faster on the
1 MiB names (the corpus is built when pytest collects, in every test process)."""


def dump(body: Any) -> str:
    return str(yaml.dump(body, Dumper=_DUMPER, sort_keys=False))


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
    """A List of 100,000 objects (50,000 running VMs and their VMIs) and the healthy cluster, JSON."""
    snapshot_yaml: Path
    """The same List as YAML, with 20,000 objects (10,000 pairs): the YAML reader is checked for bounded, linear
    cost at a fifth of the size, which keeps the suite's time in hand."""


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
    return BigFiles(plain, vm, *_big_snapshots(tmp, json_pairs=50_000, yaml_pairs=10_000))


def _big_snapshots(tmp: Path, *, json_pairs: int, yaml_pairs: int) -> tuple[Path, Path]:
    """The healthy List plus that many running VMs with their VMIs (2 objects a pair), as kubectl prints them. One
    pair is rendered and its text repeated with the names changed: rendering 100k objects took minutes."""
    nets = [k.Net("default"), k.Net("secondary-network", "nad-b")]
    pair = [
        k.vm("big-@", NS, nets),
        k.vmi("big-@", NS, "uid-@", nets, node="node01", pod_uid="pod-uid-@"),
    ]
    body = snapshot_body()
    head_json = json.dumps(body)
    item_json = json.dumps(pair)[1:-1]
    snap_json = tmp / "big.json"
    with snap_json.open("w", encoding="utf-8") as f:
        f.write(head_json[:-2])  # the List ends with its items: `...]}`
        for i in range(json_pairs):
            f.write("," + item_json.replace("@", str(i)))
        f.write("]}")
    snap_yaml = tmp / "big.yaml"
    item_yaml = yamlio.dump_yaml(pair)
    with snap_yaml.open("w", encoding="utf-8") as f:
        f.write(yamlio.dump_yaml(body))  # `items:` is its last key: more items are more `- ` entries
        for i in range(yaml_pairs):
            f.write(item_yaml.replace("@", str(i)))
    return snap_json, snap_yaml


def json_text(body: Any) -> str:
    return json.dumps(body)


# --- snapshots -----------------------------------------------------------------------------------------------


def snapshot_body(objects: dict[str, list[dict[str, Any]]] | None = None) -> dict[str, Any]:
    """The healthy cluster as a kubectl List (no gitnad annotations)."""
    items = listfiles.items(objects or listfiles.cluster())
    return {"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""}, "items": items}


def snapshot_cases() -> list[tuple[str, bytes, str]]:
    """(id, file content, what the error names) for snapshot files that cannot be read: exit 2 naming the file."""
    return [
        ("deep-json-10k", ('{"kind": "List", "items": [' + "[" * 10_000 + "]" * 10_000 + "]}").encode(), "nested"),
        ("deep-json-1m", ('{"kind": "List", "items": ' + "[" * 1_000_000 + "]" * 1_000_000 + "}").encode(), "nested"),
        ("deep-yaml-10k", ("kind: List\nitems: " + "[" * 10_000 + "]" * 10_000 + "\n").encode(), DEPTH),
        ("alias-bomb", billion_laughs().replace("VirtualMachine", "List").encode(), "alias/anchor bomb"),
        ("random-bytes", random_bytes(64 * 1024, 3, with_kind=False), ""),
        ("invalid-utf8", b"kind: List\nitems: []\nnote: caf\xe9\n", "not valid UTF-8"),
        ("empty", b"", "expected one Kubernetes v1 List document, found 0"),
        ("scalar", b"42\n", "not a Kubernetes v1 List"),
        ("two-documents", b"kind: List\nitems: []\n---\nkind: List\nitems: []\n", "found 2 documents"),
        ("items-not-a-list", b'{"kind": "List", "items": "x"}', "items is not a list"),
        ("item-not-an-object", b'{"kind": "List", "items": [1]}', "list item is not an object"),
        ("duplicate-key-json", b'{"kind": "List", "kind": "List", "items": []}', "duplicate key"),
        ("captured-at-garbage", _annotated({"gitnad.dev/captured-at": "yesterday"}), "not an RFC 3339 time"),
        *hostile_names(),
    ]


def _annotated(annotations: dict[str, str]) -> bytes:
    body = snapshot_body()
    body["metadata"] = {"annotations": annotations}
    return json.dumps(body).encode()


def hostile_names() -> list[tuple[str, bytes, str]]:
    """A List with one more VM whose name has control characters or 1 MiB: refused whole, the name escaped."""
    out = []
    for label, text in [*CONTROL_NAMES.items(), ("1mib", "v" * MIB)]:
        objects = listfiles.cluster()
        objects["VirtualMachine"].append(k.vm(text, NS, [k.Net("default"), k.Net("secondary-network", "nad-b")]))
        out.append((f"vm-name-{label}", json.dumps(snapshot_body(objects)).encode(), "is not a Kubernetes object name"))
    return out


def readable_snapshot_cases() -> list[tuple[str, bytes]]:
    """Snapshots that read although built to trip a reader: UTF-16 JSON (with a BOM, and without one, which JSON's
    own encoding detection reads), times without a zone or at the ends of the calendar."""
    good = json.dumps(snapshot_body())
    out = [
        ("utf16-bom", codecs.BOM_UTF16_LE + good.encode("utf-16-le")),
        ("utf16-json-no-bom", good.encode("utf-16-le")),
        ("utf16-be-yaml-bom", codecs.BOM_UTF16_BE + dump(snapshot_body()).encode("utf-16-be")),
    ]
    for label, stamp in (
        ("naive", "2026-11-24T10:05:00"),
        ("year-9999", "9999-12-31T23:59:59Z"),
        ("year-1", "0001-01-01T00:00:00+14:00"),
    ):
        out.append((f"captured-at-{label}", _annotated({"gitnad.dev/captured-at": stamp})))
    return out


def keep_paths(keep: Mapping[str, Any], prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Every path of a snapshot allow-list (`snapshot.KEEP`): the fields gitnad reads of one kind."""
    for key, sub in keep.items():
        yield (*prefix, key)
        if sub is not None:
            yield from keep_paths(sub, (*prefix, key))


def minimal_objects() -> dict[str, list[dict[str, Any]]]:
    """The healthy cluster with every object cut to what the API server always sets: apiVersion, kind, and
    metadata name, namespace and uid."""
    out: dict[str, list[dict[str, Any]]] = {}
    for kind, objs in listfiles.cluster().items():
        out[kind] = [
            {
                "apiVersion": o["apiVersion"],
                "kind": o["kind"],
                "metadata": {x: o["metadata"][x] for x in ("name", "namespace", "uid") if x in o["metadata"]},
            }
            for o in objs
        ]
    return out


# --- policies, exceptions and .gitnad.yaml --------------------------------------------------------------------

SCHEMAS = Path(__file__).resolve().parents[2] / "policies" / "schema"
FULL_POLICY: dict[str, Any] = {
    "apiVersion": "gitnad.dev/v1alpha1",
    "kind": "NADPolicy",
    "metadata": {"name": "everything"},
    "spec": {
        "description": "every field",
        "severity": "error",
        "match": {
            "namespaces": ["prod"],
            "vms": ["vm1"],
            "vmSelector": {
                "matchLabels": {"tier": "db"},
                "matchExpressions": [{"key": "t", "operator": "In", "values": ["a"]}],
            },
            "networks": ["secondary-network"],
        },
        "constraints": {
            "allowedTargets": ["prod/*"],
            "deniedTargets": ["*/legacy-*"],
            "allowedTransitions": [{"from": "*/nad-a", "to": "*/nad-b"}],
            "targetNADSelector": {"matchLabels": {"tenant": "a"}},
            "requireSameCNIType": True,
            "allowedVLANs": ["20", "30-39"],
            "maxSwapsPerChange": 10,
            "requiredVMAnnotations": ["change-ticket"],
            "changeWindows": [{"days": ["Sat"], "start": "02:00", "end": "06:00", "timezone": "UTC"}],
        },
    },
}
FULL_EXCEPTION: dict[str, Any] = {
    "apiVersion": "gitnad.dev/v1alpha1",
    "kind": "NADPolicyException",
    "metadata": {"name": "waive-it"},
    "spec": {
        "rules": ["GN106"],
        "reason": "a reason",
        "owner": "team",
        "expires": "2099-01-01",
        "policies": ["everything"],
        "match": {"namespaces": ["prod"]},
    },
}
FULL_CONFIG: dict[str, Any] = {
    "defaultNamespace": "prod",
    "exclude": ["charts/**"],
    "policies": [".gitnad/policies"],
    "severity": {"GN106": "error"},
    "failOn": "error",
    "kustomize": {"enabled": False, "kubectl": "kubectl"},
    "maxFileBytes": 4194304,
    "cluster": {"context": "c", "deadlineSeconds": 60, "requestTimeoutSeconds": 15, "maxSnapshotBytes": 268435456},
}
WRONG_FOR = {"string": 7, "array": "x", "object": ["x"], "integer": "x", "boolean": "x", "number": "x"}


def _resolve(node: dict[str, Any], file: str, schemas: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """Follow `$ref`s (to another schema file or within one) to the node that says what a value is."""
    ref = node.get("$ref")
    if not isinstance(ref, str):
        return node, file
    other, _, pointer = ref.partition("#")
    file = other or file
    target: Any = schemas[file]
    for part in pointer.strip("/").split("/"):
        target = target[part]
    return _resolve(target, file, schemas)


def schema_paths(schema_file: str, example: Any) -> Iterator[tuple[tuple[Any, ...], str]]:
    """(path, JSON type) of every field the example holds whose schema names a type (a policy, an exception or a
    configuration: the fields gitnad validates and reads)."""
    schemas = {p.name: json.loads(p.read_text()) for p in SCHEMAS.glob("*.json")}
    stack: list[tuple[tuple[Any, ...], Any, dict[str, Any], str]] = [((), example, schemas[schema_file], schema_file)]
    while stack:
        path, value, node, file = stack.pop()
        node, file = _resolve(node, file, schemas)
        kind = node.get("type")
        if path and isinstance(kind, str):
            yield path, kind
        if isinstance(value, dict):
            for key, sub in value.items():
                props = node.get("properties", {})
                child = props.get(key) or node.get("additionalProperties")
                if isinstance(child, dict):
                    stack.append(((*path, key), sub, child, file))
        elif isinstance(value, list) and isinstance(node.get("items"), dict) and value:
            stack.append(((*path, 0), value[0], node["items"], file))


def wrong_documents(schema_file: str, example: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(id, YAML of the example with one field of the wrong type, JSON pointer of that field)."""
    out = []
    for path, kind in sorted(schema_paths(schema_file, example), key=str):
        body = copy.deepcopy(example)
        _set(body, path, WRONG_FOR[kind])
        pointer = "/" + "/".join(str(p) for p in path)
        out.append((f"{schema_file.split('.')[0]}:{pointer}={kind}", dump(body), pointer))
    return out


BACKTRACKING_GLOBS = ["*a" * 30 + "b", "**/" * 30 + "x", "*" * 1000 + "b", "[" * 500 + "a"]
"""Policy globs built to make a regex engine retry: fnmatch's translation must stay linear."""


def backtracking_policy() -> str:
    body = copy.deepcopy(FULL_POLICY)
    body["spec"]["match"] = {"namespaces": [*BACKTRACKING_GLOBS, "prod"]}
    body["spec"]["constraints"] = {
        "allowedTargets": BACKTRACKING_GLOBS,
        "deniedTargets": BACKTRACKING_GLOBS,
        "allowedTransitions": [{"from": g, "to": g} for g in BACKTRACKING_GLOBS],
    }
    return dump(body)
