"""yamlio.load_plain / dump_yaml: the fast snapshot paths give exactly what the line-tracking loader and PyYAML's
representer give (values, problems and lines; bytes), and plain input never takes the slow path."""

from __future__ import annotations

import datetime
import math
from typing import Any

import pytest
import yaml

from gitnad.sources import goyaml, yamlio
from gitnad.sources.yamlio import LMap, LSeq, YamlLimits, dump_yaml, load_documents, load_plain

LIST = """\
apiVersion: v1
kind: List
metadata:
  annotations: {a: b}
items:
- apiVersion: v1
  kind: Pod
  metadata: {name: p, labels: {x: "1"}}
-   apiVersion: v1
    kind: Pod
- plain
- [1, 2]
other: [a,
  b]
"""

# (id, text): every case must give what load_documents gives, through whichever path.
CASES = [
    ("list", LIST),
    ("yaml-1.1-scalars", "a: yes\nb: No\nc: on\nd: 0777\ne: 0x1F\nf: 1_000\ng: 1:30\nh: ~\ni:\nj: 1.5e3\nk: .inf\n"),
    ("quoted-and-tagged-str", "a: '0777'\nb: \"yes\"\nc: ! 12\nd: !!str 12\ne: 2024-01-01\nf: 2024-01-01T10:00:00Z\n"),
    ("explicit-int-tag", 'a: !!int "12"\n'),
    ("binary", "a: !!binary aGVsbG8=\n"),
    ("set-and-omap", "s: !!set {a, b}\no: !!omap [{a: 1}, {b: 2}]\n"),
    ("unknown-tag", "a: !thing 1\n"),
    ("anchors", "a: &x {k: 1}\nb: *x\nc: &y 5\nd: *y\n"),
    ("merge", "base: &b {x: 1, y: 2}\nobj:\n  <<: *b\n  y: 20\n"),
    ("duplicate", "a: 1\nb: 2\na: 3\n"),
    ("duplicate-nested", "items:\n- {n: 1, n: 2}\n"),
    ("unhashable-key", "? [a, b]\n: 1\n"),
    ("flow-key", "{a: 1}: 2\n"),
    ("value-tag", "a: =\n"),
    ("merge-as-value", "a: <<\n"),
    ("deep", "a: " + "[" * 70 + "]" * 70 + "\n"),
    ("deep-ok", "a: " + "[" * 63 + "]" * 63 + "\n"),
    ("syntax", "a: 1\nb: [1,\n"),
    ("tab-indent", "a:\n\tb: 1\n"),
    ("multi-doc", "a: 1\n---\n---\nb: [x]\n...\n--- 7\n"),
    ("empty", ""),
    ("comment-only", "# nothing\n"),
    ("root-list", "- a\n- b: [c]\n"),
    ("root-scalar", "just text\n"),
    ("json", '{"apiVersion": "v1", "kind": "List", "items": [{"a": 1}, {"b": null}]}'),
    ("unicode", 'a: é✓\nb: "\\u00e9"\n'),
    ("bom", "\ufeffa: 1\n"),
    ("nul", "a: 1\x00\n"),
    ("later-doc-error", "a: 1\n---\nb: 2\nb: 3\n"),
    ("literal-block", "a: |\n  line 1\n  line 2\nb: >-\n  folded\n  text\n"),
    ("bool-keys-collide", "true: 1\nyes: 2\n"),
]


def _expected(data: bytes | str, limits: YamlLimits) -> tuple[list[tuple[int, int, Any, dict[Any, Any]]], Any]:
    result = load_documents(data, limits)
    docs = []
    for d in result.documents:
        lines = (
            {k: tuple(v.item_lines) for k, v in d.data.items() if isinstance(v, LSeq)}
            if isinstance(d.data, LMap)
            else {}
        )
        docs.append((d.index, d.line, yamlio.plain(d.data), lines))
    return docs, result.problem


def _no_line_marks(value: Any) -> bool:
    if isinstance(value, dict):
        return type(value) is dict and all(_no_line_marks(k) and _no_line_marks(v) for k, v in value.items())
    if isinstance(value, list):
        return type(value) is list and all(_no_line_marks(v) for v in value)
    return True


@pytest.mark.parametrize("text", [t for _, t in CASES], ids=[i for i, _ in CASES])
@pytest.mark.parametrize("as_bytes", [False, True], ids=["str", "bytes"])
def test_load_plain_equals_load_documents(text: str, as_bytes: bool) -> None:
    data: bytes | str = text.encode() if as_bytes else text
    limits = YamlLimits(max_nodes=50)
    result = load_plain(data, limits)
    got = [(d.index, d.line, d.data, {k: tuple(v) for k, v in d.item_lines.items()}) for d in result.documents]
    assert (got, result.problem) == _expected(data, limits)
    assert all(_no_line_marks(d.data) for d in result.documents)


def test_list_item_lines() -> None:
    (doc,) = load_plain(LIST).documents
    assert (doc.line, doc.item_lines) == (1, {"items": (6, 9, 11, 12), "other": (13, 14)})


@pytest.mark.parametrize(
    "text",
    [LIST, "a: yes\nb: '1'\nc: [1, 2.5, ~, 2024-01-01]\n---\n- x\n", '{"a": [1, {"b": "c"}]}'],
    ids=["list", "scalars-and-docs", "json"],
)
def test_plain_input_never_takes_the_line_tracking_path(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = load_plain(text)

    def refuse(*args: Any) -> Any:
        raise AssertionError("load_plain fell back to load_documents")

    monkeypatch.setattr(yamlio, "load_documents", refuse)
    assert load_plain(text) == expected


def test_alias_bomb_is_still_refused() -> None:
    bomb = "a: &a [x, x, x, x]\nb: &b [*a, *a, *a, *a]\nc: &c [*b, *b, *b, *b]\nd: [*c, *c, *c, *c]\n"
    result = load_plain(bomb, YamlLimits(max_nodes=100))
    assert result.problem == yamlio.YamlProblem("document expands to more than 100 nodes (alias/anchor bomb?)", 4)


class _NoAliases(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    """PyYAML's representer, quoting every string that PyYAML or Kubernetes' decoder would not read back as one."""

    def ignore_aliases(self, data: Any) -> bool:
        return True

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        tag = super().resolve(kind, value, implicit)
        if kind is yaml.ScalarNode and implicit[0] and tag == "tag:yaml.org,2002:str":
            return goyaml.plain_scalar_tag(value)
        return tag


def _representer_dump(obj: Any) -> str:
    return str(yaml.dump(obj, Dumper=_NoAliases, sort_keys=False, default_flow_style=False, allow_unicode=True))


SHARED = {"k": "v"}
LOOK_ALIKES = ["yes", "No", "on", "y", "N", "0777", "0o17", "0x1F", "1e3", "08", "1_000", "null", "~", "", "true"]
LOOK_ALIKES += ["1:30", "52:54:00:12:34:56", "=", "<<", "+inf", ".5"]
OBJECTS = [
    ("k8s-list", yaml.safe_load(LIST)),
    (
        "look-alike-strings",
        {s: s for s in LOOK_ALIKES},
    ),
    (
        "scalars",
        {
            "i": 7,
            "neg": -3,
            "big": 10**30,
            "f": 1.5,
            "e": 1e20,
            "inf": math.inf,
            "nan": math.nan,
            "none": None,
            "t": True,
        },
    ),
    ("int-keys", {1: "a", 2.5: "b", None: "c", False: "d"}),
    ("empty", {"d": {}, "l": [], "nested": [{}, []]}),
    ("unicode", {"é": "✓ ünïcödé", "emoji": "🙂", "ctl": "bell\x07"}),
    ("multiline", {"a": "line 1\nline 2\n", "b": "trailing space \n", "c": " leading", "d": "x" * 200}),
    ("special", {"colon": "a: b", "hash": "a #b", "dash": "- x", "quote": "'q'", "json": '{"a":[1]}', "star": "*x"}),
    ("shared-objects", {"a": SHARED, "b": SHARED, "c": [SHARED, SHARED]}),
    ("datetime", {"t": datetime.datetime(2026, 11, 25, 10, 0, tzinfo=datetime.UTC), "d": datetime.date(2026, 1, 2)}),
    ("bytes", {"b": b"\x00\x01"}),
    ("tuple", {"t": (1, "yes", {"k": None})}),
    ("root-list", [1, "a", None, [True]]),
    ("root-scalar", "text"),
]


@pytest.mark.parametrize("obj", [o for _, o in OBJECTS], ids=[i for i, _ in OBJECTS])
def test_dump_yaml_is_byte_identical_to_the_representer(obj: Any) -> None:
    assert dump_yaml(obj) == _representer_dump(obj)


def test_dump_yaml_refuses_what_the_representer_refuses() -> None:
    with pytest.raises(yaml.representer.RepresenterError):
        dump_yaml({"a": object()})


def test_dump_yaml_round_trips_through_load_plain() -> None:
    obj = {"items": [{"a": "yes", "b": 1, "c": None, "d": ["0777", "x: y", "y", "n", "1e3", "08"], "e": {}}]}
    (doc,) = load_plain(dump_yaml(obj)).documents
    assert doc.data == obj
