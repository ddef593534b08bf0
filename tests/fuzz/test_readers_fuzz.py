"""The readers of untrusted text on generated input: YAML/JSON manifests, waiver annotations, policy documents
and snapshot Lists. Each may only answer with its documented outcome:

- `yamlio.load_documents` / `load_plain` never raise (a problem is a `YamlProblem`), and agree with each other;
- `scanner.scan_file` never raises: bad input is GN001 or a note; the documents of a file, in any order, give
  the same VMs and NADs, and files written in any order scan to the same result;
- `waivers.parse_annotation` never raises, in time linear in the value;
- the policy loader answers with `ConfigError` (exit 2) or a policy set, nothing else;
- the snapshot reader answers with `SnapshotError` or cluster facts (GN212/Unknown inside), nothing else.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from gitnad.config import ClusterSettings
from gitnad.errors import GitnadError
from gitnad.policy import loader
from gitnad.policy.waivers import parse_annotation
from gitnad.sources import yamlio
from gitnad.sources.cluster import load_facts
from gitnad.sources.scanner import ScanSettings, scan, scan_documents, scan_file
from gitnad.sources.trees import directory_reader
from tests.fuzz import strategies as gen
from tests.hostile import corpus

YAML_PIECES = [
    "a: 1\n",
    "- x\n",
    "  - y\n",
    "---\n",
    "&a [1, 2]\n",
    "*a\n",
    "b: *a\n",
    "{",
    "}",
    "[",
    "]",
    ": ",
    "? ",
    "!!binary aGk=\n",
    "!foo x\n",
    "<<: [*a, *a]\n",
    "!!set {a, b}\n",
    "!!omap [a: 1]\n",
    "9" * 5000 + "\n",
    "0x1F\n",
    "-.inf\n",
    "0b101\n",
    "1_000\n",
    "2026-11-24T10:00:00Z\n",
    "? [a]\n: b\n",
    "<<: *a\n",
    "kind: VirtualMachine\n",
    "apiVersion: kubevirt.io/v1\n",
    "metadata: {name: x}\n",
    "'",
    '"',
    "\\",
    "\t",
    "#c\n",
    "0777\n",
    "yes\n",
    "1e3\n",
    "~\n",
    "\ufeff",
    "\x00",
    "é",
    "\n",
]
yaml_texts = st.lists(st.sampled_from(YAML_PIECES), max_size=20).map("".join)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | gen.hostile_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(gen.hostile_text, inner, max_size=4),
    max_leaves=20,
)
SETTINGS = ScanSettings(workers=1)


@pytest.fixture(scope="module")
def snapshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the generated snapshot files are written (one at a time, overwritten by each example)."""
    return tmp_path_factory.mktemp("snapshots")


@given(st.one_of(yaml_texts, yaml_texts.map(lambda t: t.encode("utf-8", "surrogatepass")), st.binary(max_size=200)))
def test_the_yaml_reader_never_raises_and_its_two_paths_agree(data: str | bytes) -> None:
    full = yamlio.load_documents(data)
    fast = yamlio.load_plain(data)
    assert [yamlio.plain(d.data) for d in full.documents] == [d.data for d in fast.documents]
    assert full.problem == fast.problem


@given(st.one_of(yaml_texts.map(str.encode), st.binary(max_size=300)))
def test_scanning_any_bytes_is_models_or_gn001_or_a_note(data: bytes) -> None:
    found = scan_file("vms/x.yaml", data, SETTINGS)
    assert all(p.code == "GN001" and p.file == "vms/x.yaml" for p in found.problems)
    assert all(n.file == "vms/x.yaml" for n in found.notes)


@given(gen.network_specs(), st.lists(st.tuples(st.integers(0, 200), json_values), min_size=1, max_size=3))
def test_a_vm_bent_anywhere_is_a_vm_or_gn001(specs: list[dict[str, Any]], bends: list[tuple[int, Any]]) -> None:
    """A good VM with values replaced anywhere by any JSON value: read as a VM whose names are strings, or GN001."""
    body = gen.vm_dict("vm", specs)
    paths = _object_paths(body)
    for pick, value in bends:
        _try_set(body, paths[pick % len(paths)], value)
    found = scan_file("vms/x.yaml", yaml.safe_dump(body).encode(), SETTINGS)
    assert all(p.code == "GN001" for p in found.problems)
    for vm in found.vms:
        assert isinstance(vm.name, str) and isinstance(vm.namespace, str)
        assert all(isinstance(n.name, str) and (n.nad is None or isinstance(n.nad, str)) for n in vm.networks)
    assert found.vms or found.problems or not _is_vm(body)


def _is_vm(body: Any) -> bool:
    return (
        isinstance(body, dict)
        and body.get("kind") == "VirtualMachine"
        and isinstance(body.get("apiVersion"), str)
        and body["apiVersion"].startswith("kubevirt.io/")
    )


@given(st.lists(gen.network_specs(), min_size=1, max_size=4), st.data())
def test_the_order_of_documents_never_changes_what_is_read(
    specs: list[list[dict[str, Any]]], rnd: st.DataObject
) -> None:
    bodies = [gen.vm_dict(f"vm-{i}", s) for i, s in enumerate(specs)] + [corpus.nad_body()]
    text = "---\n".join(yaml.safe_dump(b) for b in bodies)
    docs = list(yamlio.load_documents(text).documents)
    order = rnd.draw(st.permutations(docs))

    def summary(found: Any) -> tuple[list[Any], list[Any], list[Any]]:
        vms = sorted((v.key, [(n.name, n.nad) for n in v.networks], [i.name for i in v.interfaces]) for v in found.vms)
        return vms, sorted(n.key for n in found.nads), sorted(p.message for p in found.problems)

    assert summary(scan_documents("vms/x.yaml", order, SETTINGS)) == summary(
        scan_documents("vms/x.yaml", docs, SETTINGS)
    )


@given(
    st.lists(
        st.tuples(st.sampled_from(["a.yaml", "b/c.yaml", "b/d.json", "e.yml", "f/g/h.yaml"]), gen.network_specs()),
        min_size=1,
        max_size=5,
        unique_by=lambda t: t[0],
    ),
    st.data(),
)
def test_the_order_files_are_written_in_never_changes_a_scan(
    snapshots: Path, files: list[tuple[str, list[dict[str, Any]]]], rnd: st.DataObject
) -> None:
    """The same files written in two orders into two directories (a broken one among them): the same result."""
    texts = {name: yaml.safe_dump(gen.vm_dict(f"vm-{i % 2}", specs)) for i, (name, specs) in enumerate(files)}
    texts[files[0][0]] += "metadata: {name: a, name: b}\n"  # a duplicate key: GN001
    results = []
    for label, order in (("one", list(texts)), ("two", rnd.draw(st.permutations(list(texts))))):
        root = snapshots / f"tree-{label}"
        shutil.rmtree(root, ignore_errors=True)
        for name in order:
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_text(texts[name])
        found = scan(directory_reader(root), SETTINGS)
        results.append(
            (
                [(v.key, v.file, v.line, [(n.name, n.nad) for n in v.networks]) for v in found.vms],
                [(p.file, p.line, p.message) for p in found.problems],
                found.files,
            )
        )
    assert results[0] == results[1]


@given(st.text(alphabet=st.sampled_from(";= expirs-0123456789abcE\n\t"), max_size=200))
def test_a_waiver_annotation_parses_to_an_answer(value: str) -> None:
    reason, expires, problem = parse_annotation(value)
    assert reason == reason.strip() and reason in value
    assert (problem is None) == bool(reason) or expires is None


def test_a_waiver_annotation_parses_in_linear_time() -> None:
    for value in ("x" + ";" * 10**6 + " expires=2020-01-01", ";" * 10**6, "expires=" * 10**5, "; expires=" * 10**5):
        start = time.process_time()
        parse_annotation(value)
        assert time.process_time() - start < 0.5, value[:30]


def _mutations() -> st.SearchStrategy[tuple[tuple[str, ...], Any]]:
    paths = [p for p, _ in corpus.schema_paths("nadpolicy.schema.json", corpus.FULL_POLICY)]
    return st.tuples(st.sampled_from(paths), json_values)


@given(st.one_of(json_values, st.lists(_mutations(), max_size=3)))
def test_the_policy_loader_answers_with_a_policy_or_a_config_error(doc: Any) -> None:
    if isinstance(doc, list) and all(isinstance(m, tuple) for m in doc):
        body = json.loads(json.dumps(corpus.FULL_POLICY))
        for path, value in doc:
            _try_set(body, path, value)
        doc = body
    collector = loader.Collector(known_rule=lambda ref: ref.upper().startswith("GN"))
    loader.add_document(doc, 1, "p.yaml", collector)
    try:
        loader.policy_set(collector)
    except GitnadError as e:
        assert e.exit_code == 2 and "p.yaml:" in e.message


@given(
    st.lists(st.tuples(st.sampled_from(list(corpus.listfiles.cluster())), st.integers(0, 30), json_values), max_size=4),
    st.booleans(),
)
def test_the_snapshot_reader_answers_with_facts_or_a_snapshot_error(
    snapshots: Path, bends: list[tuple[str, int, Any]], as_yaml: bool
) -> None:
    objects = corpus.listfiles.cluster()
    for kind, pick, value in bends:
        if not objects[kind]:
            continue
        obj = objects[kind][0]
        paths = [p for p in _object_paths(obj)]
        _try_set(obj, paths[pick % len(paths)], value)
    body = corpus.snapshot_body(objects)
    path = snapshots / ("s.yaml" if as_yaml else "s.json")
    path.write_text(yamlio.dump_yaml(body) if as_yaml else json.dumps(body))
    try:
        load_facts(ClusterSettings(snapshot=path))
    except GitnadError as e:
        assert e.exit_code in (2, 3) and str(path) in e.message


def _try_set(body: Any, path: tuple[Any, ...], value: Any) -> None:
    """Set `path` in `body` when an earlier change left a way there (it may have replaced a parent)."""
    node = body
    for part in path[:-1]:
        if (isinstance(node, dict) and isinstance(node.get(part), dict | list)) or (
            isinstance(node, list) and isinstance(part, int) and part < len(node)
        ):
            node = node[part]
        else:
            return
    if isinstance(node, dict) or (isinstance(node, list) and isinstance(path[-1], int) and path[-1] < len(node)):
        node[path[-1]] = value


def _object_paths(obj: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key and list index of `obj`, as paths."""
    items = obj.items() if isinstance(obj, dict) else enumerate(obj) if isinstance(obj, list) else ()
    out: list[tuple[Any, ...]] = []
    for k, v in items:
        out.append((*prefix, k))
        out.extend(_object_paths(v, (*prefix, k)))
    return out
