"""The one YAML reader: libyaml's C parser (PyYAML `CSafeLoader`) with line marks, read as YAML 1.1.

Kubernetes decodes YAML 1.1 (`yes` is a boolean, `0777` is octal), which is what PyYAML's resolver does.
Mappings come back as `LMap` and sequences as `LSeq`: plain dict/list subclasses that also carry the
1-based line of every key and item, so findings can point at the exact node.

Guards (each becomes a `YamlProblem`, never an exception): syntax errors (at the last line when the input
ends early), duplicate mapping keys, alias/anchor expansion bombs and recursive aliases, nesting deeper than
the limit, binary (NUL) and non-UTF-8 input; UTF-16/32 with a byte-order mark is decoded.

Speed: the alias walk (`_check_graph`) only runs when the text contains `*`, since without aliases the node
graph is a tree whose size the file limit already bounds; depth is bounded while constructing.
"""

from __future__ import annotations

import codecs
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

import yaml

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
C_ACCELERATED: bool = _Loader is not yaml.SafeLoader


class LMap(dict[Any, Any]):
    """A mapping that knows the 1-based line of itself, of each key and of each value."""

    __slots__ = ("key_lines", "line", "value_lines")

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.key_lines: dict[Hashable, int] = {}
        self.value_lines: dict[Hashable, int] = {}

    def key_line(self, key: Hashable, default: int | None = None) -> int:
        return self.key_lines.get(key, self.line if default is None else default)

    def value_line(self, key: Hashable, default: int | None = None) -> int:
        return self.value_lines.get(key, self.key_line(key, default))


class LSeq(list[Any]):
    """A sequence that knows the 1-based line of itself and of each item."""

    __slots__ = ("item_lines", "line")

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.item_lines: list[int] = []

    def item_line(self, index: int) -> int:
        return self.item_lines[index] if index < len(self.item_lines) else self.line


@dataclass(frozen=True)
class YamlLimits:
    max_depth: int = 64
    max_nodes: int = 200_000
    """Upper bound on nodes after alias expansion: defeats billion-laughs documents."""


@dataclass(frozen=True)
class YamlProblem:
    message: str
    line: int | None


@dataclass(frozen=True)
class Document:
    index: int
    line: int
    data: Any


class _Rejected(yaml.YAMLError):
    """A document gitnad refuses to build (duplicate key, bomb, too deep, recursive)."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


_MERGE_TAG = "tag:yaml.org,2002:merge"


class _LineLoader(_Loader):  # type: ignore[misc, valid-type]
    """CSafeLoader whose constructor records lines, rejects duplicate keys and bounds nesting depth."""

    max_depth: int = YamlLimits.max_depth
    _depth: int = 0

    def _enter(self, node: yaml.Node) -> None:
        self._depth += 1
        if self._depth > self.max_depth:
            raise _Rejected(f"nesting deeper than {self.max_depth} levels", node.start_mark.line + 1)

    def _fill_mapping(self, node: yaml.MappingNode, out: LMap) -> None:
        """Keys written twice are rejected; keys from `<<` merges yield to written ones (YAML merge semantics)."""
        self._enter(node)
        explicit = sum(1 for key_node, _ in node.value if key_node.tag != _MERGE_TAG)
        self.flatten_mapping(node)  # merged pairs first, in precedence order, then the written ones
        merged = len(node.value) - explicit
        written: set[Hashable] = set()
        key_lines, value_lines = out.key_lines, out.value_lines
        for i, (key_node, value_node) in enumerate(node.value):
            key = self.construct_object(key_node, deep=True)
            kline = key_node.start_mark.line + 1
            if not isinstance(key, Hashable):
                raise _Rejected("unhashable mapping key", kline)
            if i < merged and key in out:
                continue  # an earlier merge source wins
            if i >= merged:
                if key in written:
                    raise _Rejected(f"duplicate mapping key {key!r} (first on line {key_lines[key]})", kline)
                written.add(key)
            out[key] = self.construct_object(value_node, deep=True)
            key_lines[key] = kline
            value_lines[key] = value_node.start_mark.line + 1
        self._depth -= 1

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> LMap:
        out = LMap(node.start_mark.line + 1)
        self._fill_mapping(node, out)
        return out

    def construct_lmap(self, node: yaml.MappingNode) -> Any:
        out = LMap(node.start_mark.line + 1)
        yield out
        self._fill_mapping(node, out)

    def construct_lseq(self, node: yaml.SequenceNode) -> Any:
        out = LSeq(node.start_mark.line + 1)
        yield out
        self._enter(node)
        lines = out.item_lines
        for item in node.value:
            out.append(self.construct_object(item, deep=True))
            lines.append(item.start_mark.line + 1)
        self._depth -= 1


_LineLoader.add_constructor("tag:yaml.org,2002:map", _LineLoader.construct_lmap)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _LineLoader.construct_lseq)
# Timestamps stay strings: the API server sees them as strings in these objects, and datetime
# values would not round-trip to JSON.
_LineLoader.add_constructor("tag:yaml.org,2002:timestamp", _LineLoader.construct_yaml_str)


def _check_graph(root: yaml.Node, limits: YamlLimits) -> None:
    """Reject recursion, nesting past the limit and alias expansion past the node budget.

    Only needed when the stream has aliases: they make the composed graph a DAG whose expanded size can
    be exponential. Sizes are memoized per node, so this walk is linear in distinct nodes.
    """
    size: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, int, bool]] = [(root, 1, False)]
    while stack:
        node, depth, done = stack.pop()
        nid = id(node)
        if done:
            on_path.discard(nid)
            total = 1 + sum(size[id(c)] for c in _children(node))
            if total > limits.max_nodes:
                raise _Rejected(
                    f"document expands to more than {limits.max_nodes} nodes (alias/anchor bomb?)",
                    node.start_mark.line + 1,
                )
            size[nid] = total
            continue
        if nid in size:
            continue
        if nid in on_path:
            raise _Rejected("recursive alias: a node contains itself", node.start_mark.line + 1)
        if depth > limits.max_depth and isinstance(node, yaml.CollectionNode):
            raise _Rejected(f"nesting deeper than {limits.max_depth} levels", node.start_mark.line + 1)
        on_path.add(nid)
        stack.append((node, depth, True))
        for child in _children(node):
            if id(child) not in size:
                stack.append((child, depth + 1, False))


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


@dataclass(frozen=True)
class LoadResult:
    documents: tuple[Document, ...]
    problem: YamlProblem | None
    """Set when the file could not be read completely; documents before it are kept."""


def _decode(data: bytes) -> str | YamlProblem:
    """UTF-8 (or UTF-16/32 with a byte-order mark, as Kubernetes tooling accepts); NUL bytes mean binary."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec)
            except UnicodeDecodeError as e:
                return YamlProblem(f"not valid {codec.upper()} (byte {e.start})", None)
    if b"\x00" in data:
        nul = data.index(b"\x00")
        return YamlProblem(f"binary file (NUL byte at offset {nul})", data.count(b"\n", 0, nul) + 1)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        return YamlProblem(f"not valid UTF-8 (byte {e.start})", data.count(b"\n", 0, e.start) + 1)


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _last_line(text: str) -> int:
    return max(1, text.count("\n") + (0 if text.endswith("\n") else 1))


def _syntax_message(e: yaml.MarkedYAMLError) -> str:
    """libyaml's "while parsing X" / "did not find Y" as one sentence."""
    problem = e.problem or str(e)
    return f"YAML syntax error: {problem} ({e.context})" if e.context else f"YAML syntax error: {problem}"


def load_documents(data: bytes | str, limits: YamlLimits = YamlLimits()) -> LoadResult:
    """Parse every document of a YAML (or JSON) stream. Never raises for bad input."""
    text = _decode(data) if isinstance(data, bytes) else data
    if isinstance(text, YamlProblem):
        return LoadResult((), text)
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\x00" in text:
        nul = text.index("\x00")
        return LoadResult((), YamlProblem("binary file (NUL character)", text.count("\n", 0, nul) + 1))
    has_aliases = "*" in text  # no `*` means no alias: the node graph is a tree, sized by the file itself
    docs: list[Document] = []
    loader = _LineLoader(text)
    loader.max_depth = limits.max_depth
    try:
        while loader.check_node():
            node = loader.get_node()
            if has_aliases:
                _check_graph(node, limits)
            docs.append(Document(len(docs), node.start_mark.line + 1, loader.construct_document(node)))
    except _Rejected as e:
        return LoadResult(tuple(docs), YamlProblem(str(e), e.line))
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = min(mark.line + 1, _last_line(text)) if mark else None  # errors at end of input: the last line
        return LoadResult(tuple(docs), YamlProblem(_syntax_message(e), line))
    except RecursionError:
        return LoadResult(tuple(docs), YamlProblem(f"nesting deeper than {limits.max_depth} levels", None))
    except (yaml.YAMLError, ValueError, TypeError, OverflowError) as e:
        return LoadResult(tuple(docs), YamlProblem(f"cannot parse: {e}", None))
    finally:
        loader.dispose()
    return LoadResult(tuple(docs), None)
