"""`load_documents` has two ways to build a file: from libyaml's events (`_lined_documents`, plain manifests) and
from composed nodes (`_composed_documents`, which decides everything else). On any generated input the answer
must be the one the node path gives: the same documents, values and types, every line mark of every mapping key,
value and sequence item, the same problem at the same line, whatever the depth limit.

Three sources of input: YAML pieces stitched at random (mostly broken: syntax errors, aliases, tags), values
dumped by PyYAML in block, flow and mixed styles with scalars chosen where goyaml.v2 resolution is subtle
(`yes`, `0x1F`, `017`, `.nan`, `<<`, `=`, timestamps, 5,000-digit integers), and those dumps with anchors,
aliases, merge keys, tags and duplicate keys spliced in.
"""

from __future__ import annotations

from typing import Any

import yaml
from hypothesis import given
from hypothesis import strategies as st

from gitnad.sources import yamlio
from gitnad.sources.yamlio import YamlLimits
from tests.fuzz import strategies as gen
from tests.fuzz.test_readers_fuzz import yaml_texts
from tests.unit.sources.test_yamlio_lined import assert_same

GO_SCALARS = [
    "yes",
    "No",
    "on",
    "OFF",
    "y",
    "~",
    "null",
    "Null",
    "0x1F",
    "0o17",
    "017",
    "0b101",
    "1_000",
    "+12",
    "-0",
    "1e3",
    ".5",
    "-.inf",
    ".NaN",
    ".nan",
    "2026-11-24T10:00:00Z",
    "2026-11-24",
    "<<",
    "=",
    "9" * 5000,
    "12:30:00",
    "",
    "é",
]
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.sampled_from(GO_SCALARS)
    | gen.hostile_text.filter(lambda s: "\x00" not in s)
)
keys = st.sampled_from(["a", "b", "name", "<<", "1", "true", "~", "kind"]) | st.integers(-2, 2) | st.booleans()
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=25,
)
SPLICES = [
    "&x ",
    "*x",
    "!!str ",
    "!!int ",
    "!!float ",
    "!!bool ",
    "!!null ",
    "!!binary ",
    "!!set ",
    "!foo ",
    "! ",
    "<<: *x\n",
    "<<: {m: 1}\n",
    "a: 1\n",
    "? [k]\n: v\n",
    "---\n",
    "...\n",
    "%YAML 1.1\n---\n",
    "%TAG !e! tag:example.com,2000:\n---\n",
    "!e!thing ",
]


@st.composite
def dumped(draw: st.DrawFn) -> str:
    """A value as PyYAML writes it, in a drawn style, over one or more documents."""
    docs = draw(st.lists(values, min_size=1, max_size=3))
    flow = draw(st.sampled_from([None, True, False]))
    width = draw(st.sampled_from([20, 80, 10_000]))
    return yaml.safe_dump_all(
        docs, default_flow_style=flow, width=width, allow_unicode=draw(st.booleans()), explicit_start=True
    )


@st.composite
def spliced(draw: st.DrawFn) -> str:
    """A dump with anchors, aliases, tags, merge keys or document markers inserted at line starts and after
    `: ` and `- `, where they are most often valid YAML."""
    lines = draw(dumped()).splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(lines)))
        piece = draw(st.sampled_from(SPLICES))
        if at < len(lines) and not piece.endswith("\n"):
            line = lines[at]
            cut = max(line.find(": ") + 2 if ": " in line else 0, line.find("- ") + 2 if "- " in line else 0)
            lines[at] = line[:cut] + piece + line[cut:]
        else:
            indent = len(lines[at]) - len(lines[at].lstrip(" ")) if at < len(lines) else 0
            lines.insert(at, " " * indent + piece)
    return "".join(lines)


@given(st.one_of(yaml_texts, dumped(), spliced()), st.sampled_from([1, 2, 3, 64]))
def test_the_event_path_reads_every_input_as_the_node_path_does(text: str, depth: int) -> None:
    limits = YamlLimits(max_depth=depth)
    if "\x00" in text:
        return  # refused before either path (binary file)
    # `load_documents` drops one byte-order mark before choosing a path; the node path is handed what it got.
    assert_same(yamlio.load_documents(text, limits), yamlio._composed_documents(text.removeprefix("\ufeff"), limits))


plain_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(10**30), 10**30)
    | st.floats(allow_nan=False)
    | st.sampled_from([s for s in GO_SCALARS if s not in ("<<", "=", "9" * 5000)])
    | gen.hostile_text.filter(lambda s: "\x00" not in s)
)
plain_values = st.recursive(
    plain_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(["a", "b", "name", "kind"]), inner),
    max_leaves=25,
)


@given(st.lists(plain_values, min_size=1, max_size=3), st.sampled_from([None, True, False]))
def test_a_plain_dump_is_built_from_events(docs: list[Any], flow: bool | None) -> None:
    """The property above would hold trivially if everything fell back: a dump with no anchors, tags, merge keys,
    `=` values or keys Python reads as one is built from events, and reads as the node path reads it."""
    text = yaml.safe_dump_all(docs, default_flow_style=flow, explicit_start=True)
    fast = yamlio._lined_documents(text, YamlLimits.max_depth)  # no _Fallback
    assert_same(yamlio.LoadResult(tuple(fast), None), yamlio._composed_documents(text, YamlLimits()))
