"""yamlio: YAML 1.1 values as the API server decodes them, merge keys, encodings, and the guards' exact lines."""

from __future__ import annotations

import math
from typing import Any

import pytest

from gitnad.sources.yamlio import LMap, LSeq, YamlLimits, YamlProblem, load_documents


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("v: yes", True),
        ("v: No", False),
        ("v: on", True),
        ("v: off", False),
        ("v: y", True),  # goyaml.v2 (sigs.k8s.io/yaml) reads y/n as booleans; PyYAML would say "y"
        ("v: N", False),
        ("v: 0777", 511),
        ("v: 0o17", 15),
        ("v: 0x1F", 31),
        ("v: 0X1F", 31),
        ("v: -0b101", -5),
        ("v: 1_000", 1000),
        ("v: 08", 8.0),  # not an octal: Go's ParseFloat takes it
        ("v: 1e3", 1000.0),
        ("v: .5", 0.5),
        ("v: -.inf", -math.inf),
        ("v: +inf", "+inf"),
        ("v: 12e", "12e"),
        ("v: 52:54:00:12:34:56", "52:54:00:12:34:56"),  # a MAC address, not a base-60 integer
        ("v: 1:30", "1:30"),
        ("v: =", "="),
        ("v: <<", "<<"),
        ("v: '0777'", "0777"),
        ("v: !!str 0777", "0777"),
        ("v: !!int '0x1F'", 31),
        ("v: !!float 5", 5.0),
        ("v: !!bool y", True),
        ("v: 2024-01-01", "2024-01-01"),
        ("v: 2024-01-01T10:00:00Z", "2024-01-01T10:00:00Z"),
        ("v: !!timestamp 2024-01-01", "2024-01-01"),
        ("v: ~", None),
        ("v: Null", None),
        ("v: !!binary aGVsbG8=", b"hello"),
        ("v: !!set {a, b}", {"a": None, "b": None}),
        ("v: !!omap [{a: 1}, {b: 2}]", [{"a": 1}, {"b": 2}]),
    ],
    ids=lambda v: str(v),
)
def test_scalars_resolve_as_kubernetes_decodes_them(text: str, value: Any) -> None:
    result = load_documents(text)
    assert (result.problem, result.documents[0].data) == (None, {"v": value})


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("v: !foo bar", "unknown YAML tag !foo (Kubernetes manifests use plain YAML; remove the tag)"),
        ("v: !Ref [a]", "unknown YAML tag !Ref (Kubernetes manifests use plain YAML; remove the tag)"),
        (
            "v: !!python/object:os.system x",
            "unknown YAML tag !!python/object:os.system (Kubernetes manifests use plain YAML; remove the tag)",
        ),
        ("v: !!int abc", "cannot read 'abc' as an integer"),
        ("v: !!float x", "cannot read 'x' as a number"),
        ("v: !!bool maybe", "cannot read 'maybe' as a boolean"),
        ("v: " + "9" * 5000, "an integer of 5000 digits is too long to read"),
    ],
    ids=["local-tag", "cloudformation-tag", "python-tag", "bad-int", "bad-float", "bad-bool", "huge-int"],
)
def test_tags_and_values_it_cannot_read_are_named(text: str, problem: str) -> None:
    assert load_documents("a: 1\n" + text + "\n").problem == YamlProblem(problem, 2)


MERGE = """\
base: &base {u: 1, w: 2}
other: &other {u: 9, z: 3}
obj:
  <<: [*base, *other]
  w: 20
"""


def test_merge_keys_yield_to_written_keys_and_to_earlier_sources() -> None:
    (doc,) = load_documents(MERGE).documents
    assert doc.data["obj"] == {"u": 1, "w": 20, "z": 3}
    assert doc.data["obj"].key_lines == {"u": 1, "w": 5, "z": 2}


GUARDS = [
    pytest.param(
        "b: &b {x: 1}\nobj:\n  <<: *b\n  w: 3\n  w: 4\n",
        YamlProblem("duplicate mapping key 'w' (first on line 4)", 5),
        id="duplicate-after-merge",
    ),
    pytest.param(
        "a: 1\nb: [1,\n",
        YamlProblem("YAML syntax error: did not find expected node content (while parsing a flow node)", 2),
        id="cut-off-at-the-end",
    ),
    pytest.param(
        "a: &x " + "[" * 65 + "]" * 65 + "\nb: *x\n",
        YamlProblem("nesting deeper than 64 levels", 1),
        id="deep-with-aliases",
    ),
    pytest.param("a: " + "{b: " * 65 + "1" + "}" * 65, YamlProblem("nesting deeper than 64 levels", 1), id="deep-flow"),
    pytest.param(
        "a: &a [x, x, x]\nb: &b [*a, *a, *a]\nc: [*b, *b]\n",
        YamlProblem("document expands to more than 20 nodes (alias/anchor bomb?)", 3),
        id="small-node-budget",
    ),
]


@pytest.mark.parametrize(("text", "problem"), GUARDS)
def test_guards_report_the_exact_line(text: str, problem: YamlProblem) -> None:
    assert load_documents(text, YamlLimits(max_nodes=20)).problem == problem


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("a: 1\n".encode("utf-16"), {"a": 1}),
        ("a: 1\n".encode("utf-16-be").join([b"\xfe\xff", b""]), {"a": 1}),
        ("a: é\n".encode("utf-32"), {"a": "é"}),
        ("\ufeffa: 1\n".encode(), {"a": 1}),
    ],
    ids=["utf-16-le", "utf-16-be", "utf-32", "utf-8-bom"],
)
def test_byte_order_marks_are_decoded(data: bytes, expected: dict[str, Any]) -> None:
    result = load_documents(data)
    assert (result.problem, result.documents[0].data) == (None, expected)


def test_lines_of_keys_values_and_items() -> None:
    (doc,) = load_documents("top:\n  list:\n  - a\n  -\n    b: 1\n  key:\n    value\n").documents
    top = doc.data["top"]
    assert isinstance(top, LMap) and isinstance(top["list"], LSeq)
    assert (top.line, top.key_line("list"), top.value_line("key"), top["list"].item_lines) == (2, 2, 7, [3, 5])


def test_documents_before_an_error_are_kept_with_their_index_and_line() -> None:
    result = load_documents("a: 1\n---\nb: 2\n---\nc: [\n")
    assert [(d.index, d.line, d.data) for d in result.documents] == [(0, 1, {"a": 1}), (1, 3, {"b": 2})]
    assert result.problem is not None and result.problem.line == 5
