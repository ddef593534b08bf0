"""`load_documents` builds plain manifests from libyaml's events (`_lined_documents`) and sends everything else
through composed nodes (`_composed_documents`): both must give the same documents, values, lines and problems.

Each case names the path it takes; every YAML and JSON file of the repository's tests and fixtures is compared
too (documents, every line mark, the problem).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
import yaml

from gitnad.sources import yamlio
from gitnad.sources.yamlio import LMap, LoadResult, LSeq, YamlLimits, YamlProblem

ROOT = Path(__file__).resolve().parents[3]

FAST = [
    ("manifest", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  labels: {x: y}\ndata:\n  k: v\n"),
    ("multi-document", "a: 1\n---\nb: [1, 2]\n---\n- x\n- {y: z}\n"),
    ("empty-documents", "---\n---\na: 1\n---\n"),
    ("empty-stream", ""),
    ("comments-only", "# nothing here\n"),
    ("scalar-root", "just a string\n"),
    ("json", '{"apiVersion": "v1", "items": [{"a": 1}, {"b": [true, null, 1.5]}]}'),
    ("json-lines", '{\n  "a": {\n    "b": [\n      1,\n      2\n    ]\n  }\n}\n'),
    ("block-scalars", "a: |\n  line 1\n  line 2\nb: >-\n  folded\n  text\nc: after\n"),
    ("quoted", '\'a\': "b"\n"c": \'d\'\ne: "yes"\n'),
    ("go-words", "a: yes\nb: On\nc: off\nd: ~\ne: NULL\nf: 0x1F\ng: 0o17\nh: 017\ni: 1e3\nj: .5\nk: -.inf\n"),
    ("numeric-keys", "1: one\n2.5: two\nfalse: no\nnull: nothing\n"),
    ("binary-digits-stay-a-string", "a: 0b102\n"),
    ("timestamp-stays-a-string", "when: 2026-01-01T00:00:00Z\nday: 2026-01-01\n"),
    ("explicit-map-and-seq-tags", "a: !!map {b: 1}\nc: !!seq [1]\nd: !!str 5\n"),
    ("nested-sequences", "a:\n- - 1\n  - 2\n- - 3\nb:\n  - c: d\n    e: f\n"),
    ("unicode", 'name: grüße\nemoji: "\\u263A"\n'),
    ("windows-newlines", "a: 1\r\nb:\r\n  c: 2\r\n"),
]
SLOW = [
    ("anchor-alias", "a: &x {b: 1}\nc: *x\n"),
    ("merge-key", "base: &b {x: 1}\nm:\n  <<: *b\n  y: 2\n"),
    ("merge-key-without-alias", "m:\n  <<: {x: 1}\n  y: 2\n"),
    ("duplicate-key", "a: 1\nb: 2\na: 3\n"),
    ("unhashable-key", "? [1, 2]\n: value\n"),
    ("mapping-key", "? {a: 1}\n: value\n"),
    ("int-tag", "a: !!int 7\n"),
    ("set-tag", "a: !!set {x, y}\n"),
    ("omap-tag", "a: !!omap [{x: 1}]\n"),
    ("unknown-tag", "a: !Ref thing\n"),
    ("too-long-integer", "a: " + "9" * 5000 + "\n"),
    ("one-and-true-are-one-key", "1: one\ntrue: yes\n"),
    ("syntax-error-after-a-document", "a: 1\n---\nb: [1, 2\nc: 3\n"),
    ("syntax-error-first", "a: b: c\n"),
    ("tab-indent", "a:\n\tb: 1\n"),
    ("deep", "a: " + "[" * 70 + "]" * 70 + "\n"),
    ("alias-bomb", "a: &a [x, x]\nb: &b [*a, *a]\nc: &c [*b, *b]\n"),
]


def same(a: Any, b: Any) -> bool:
    """Equal values, types and every line mark."""
    if type(a) is not type(b):
        return False
    if isinstance(a, LMap):
        return (
            (a.line, a.key_lines, a.value_lines, list(a)) == (b.line, b.key_lines, b.value_lines, list(b))
            and all(same(a[k], b[k]) for k in a)
        )  # fmt: skip
    if isinstance(a, LSeq):
        return (a.line, a.item_lines, len(a)) == (b.line, b.item_lines, len(b)) and all(map(same, a, b))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)  # `.nan` reads as NaN both ways, and NaN equals nothing
    return bool(a == b)


def assert_same(new: LoadResult, old: LoadResult) -> None:
    assert new.problem == old.problem
    assert [(d.index, d.line) for d in new.documents] == [(d.index, d.line) for d in old.documents]
    assert all(same(n.data, o.data) for n, o in zip(new.documents, old.documents, strict=True))


@pytest.mark.parametrize("text", [t for _, t in FAST], ids=[n for n, _ in FAST])
def test_plain_manifests_take_the_event_path_and_read_the_same(text: str) -> None:
    yamlio._lined_documents(text, YamlLimits.max_depth)  # no fallback
    assert_same(yamlio.load_documents(text), yamlio._composed_documents(text, YamlLimits()))


@pytest.mark.parametrize("text", [t for _, t in SLOW], ids=[n for n, _ in SLOW])
def test_everything_else_falls_back_to_nodes_with_the_same_result(text: str) -> None:
    with pytest.raises((yamlio._Fallback, yaml.YAMLError, ValueError, TypeError)):
        yamlio._lined_documents(text, YamlLimits.max_depth)
    assert_same(yamlio.load_documents(text), yamlio._composed_documents(text, YamlLimits()))


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("--- !!int []\n", YamlProblem("cannot read a sequence as an integer (!!int)", 1)),
        ("a: !!float {}\n", YamlProblem("cannot read a mapping as a number (!!float)", 1)),
        ("a: 1\nb:\n  - !!bool [x]\n", YamlProblem("cannot read a sequence as a boolean (!!bool)", 3)),
    ],
    ids=["int-on-a-sequence", "float-on-a-mapping", "bool-on-a-nested-sequence"],
)
def test_a_scalar_tag_on_a_collection_is_a_problem_at_its_line(text: str, problem: YamlProblem) -> None:
    """Found by tests/fuzz/test_yamlio_paths_fuzz.py: `!!int []` crashed the reader (the goyaml readers take text)."""
    result = yamlio.load_documents(text)
    assert result.problem == problem
    assert result.documents == ()


def test_depth_limit_falls_back_and_names_the_depth() -> None:
    text = "a:\n" + "".join("  " * i + "- \n" for i in range(1, 5)) + "  " * 5 + "x: 1\n"
    limits = YamlLimits(max_depth=3)
    result = yamlio.load_documents(text, limits)
    assert_same(result, yamlio._composed_documents(text, limits))
    assert result.problem is not None and "nesting deeper than 3 levels" in result.problem.message


FILES = sorted(
    p
    for base in (ROOT / "tests", ROOT / "fixtures", ROOT / "examples", ROOT / "policies", ROOT / "deploy")
    for p in base.rglob("*")
    if p.suffix.lower() in (".yaml", ".yml", ".json") and p.is_file()
)


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(ROOT)) for p in FILES])
def test_every_yaml_file_of_the_repository_reads_the_same_both_ways(path: Path) -> None:
    data = path.read_bytes()
    text = data.decode("utf-8", "replace").removeprefix("\ufeff")
    if "\x00" in text:
        pytest.skip("binary")
    assert_same(yamlio.load_documents(data), yamlio._composed_documents(text, YamlLimits()))
