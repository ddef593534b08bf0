"""The one YAML reader: libyaml's C parser (PyYAML `CSafeLoader`) with line marks, read as Kubernetes reads it.

kubectl, Argo CD and Flux turn YAML into JSON with `sigs.k8s.io/yaml`, whose resolver (a fork of go-yaml v2) is
YAML 1.1 with its own edges, and that is the resolver used here (`goyaml.plain_scalar_tag`): `yes`/`y`/`on` are
booleans, `0777` is octal, `1e3` a float, but `52:54:00:12:34:56` (a MAC address) is a string, not a base-60
integer as PyYAML would have it, `=` is a plain string and timestamps stay strings. Tags: `!!binary` gives bytes
(so a check can say what it is), `!!set`/`!!omap`/`!!pairs` give the mapping or sequence go-yaml gives, and any
other tag (`!foo`, `!!python/object`) is refused with a message naming it.
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
import gc
import io
from collections.abc import Hashable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import yaml

from gitnad.sources.goyaml import (
    BOOL_TAG,
    FLOAT_TAG,
    INT_TAG,
    MERGE_TAG,
    STR_TAG,
    WORDS,
    YAML_TAG,
    go_float,
    go_int,
    plain_scalar_tag,
)

PARSER_ID = f"PyYAML {yaml.__version__} libyaml {yaml.__with_libyaml__}"
"""The YAML library that reads manifests: part of the parse cache's key (a new PyYAML may read text differently)."""

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


def _short_tag(tag: str) -> str:
    return "!!" + tag.removeprefix(YAML_TAG) if tag.startswith(YAML_TAG) else tag


def _node_line(node: yaml.Node) -> int:
    return node.start_mark.line + 1 if node.start_mark is not None else 0


def _scalar_only(node: yaml.Node, what: str) -> None:
    """`!!int []`, `!!float {}`, `!!bool [x]`: the tag of a scalar on a collection is refused at its line (the
    goyaml readers take text; a list would crash them or read as the wrong kind of problem)."""
    if not isinstance(node, yaml.ScalarNode):
        kind = "mapping" if isinstance(node, yaml.MappingNode) else "sequence"
        raise _Rejected(f"cannot read a {kind} as {what} ({_short_tag(str(node.tag))})", _node_line(node))


class _LineLoader(_Loader):  # type: ignore[misc, valid-type]
    """CSafeLoader whose constructor records lines, rejects duplicate keys and bounds nesting depth, and whose
    resolver is Kubernetes' (`plain_scalar_tag`)."""

    max_depth: int = YamlLimits.max_depth
    _depth: int = 0

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        if kind is yaml.ScalarNode and implicit[0]:
            return plain_scalar_tag(value)
        tag: str = super().resolve(kind, value, implicit)
        return tag

    def construct_go_int(self, node: yaml.Node) -> int:
        _scalar_only(node, "an integer")
        try:
            value = go_int(node.value)
        except ValueError:  # more digits than int() converts (sys.int_max_str_digits)
            raise _Rejected(f"an integer of {len(node.value)} digits is too long to read", _node_line(node)) from None
        if value is None:
            raise _Rejected(f"cannot read {node.value[:40]!r} as an integer", _node_line(node))
        return value

    def construct_go_float(self, node: yaml.Node) -> float:
        _scalar_only(node, "a number")
        value = go_float(node.value)
        if value is None:
            raise _Rejected(f"cannot read {node.value[:40]!r} as a number", _node_line(node))
        return value

    def construct_go_bool(self, node: yaml.Node) -> bool:
        _scalar_only(node, "a boolean")
        word = WORDS.get(node.value) or WORDS.get(node.value.lower())
        if word is None or word[0] != BOOL_TAG:
            raise _Rejected(f"cannot read {node.value[:40]!r} as a boolean", _node_line(node))
        return bool(word[1])

    def construct_unknown(self, node: yaml.Node) -> Any:
        """Kubernetes has no use for application tags; say which one rather than guess what it meant."""
        if node.tag == MERGE_TAG and isinstance(node, yaml.ScalarNode):
            return node.value  # `<<` as a value (merges as keys are flattened before construction): a string
        raise _Rejected(
            f"unknown YAML tag {_short_tag(str(node.tag))} (Kubernetes manifests use plain YAML; remove the tag)",
            _node_line(node),
        )

    def _enter(self, node: yaml.Node) -> None:
        self._depth += 1
        if self._depth > self.max_depth:
            raise _Rejected(f"nesting deeper than {self.max_depth} levels", node.start_mark.line + 1)

    def _fill_mapping(self, node: yaml.MappingNode, out: LMap) -> None:
        """Keys written twice are rejected; keys from `<<` merges yield to written ones (YAML merge semantics)."""
        self._enter(node)
        explicit = sum(1 for key_node, _ in node.value if key_node.tag != MERGE_TAG)
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


_LineLoader.add_constructor(YAML_TAG + "map", _LineLoader.construct_lmap)
_LineLoader.add_constructor(YAML_TAG + "seq", _LineLoader.construct_lseq)
# go-yaml has no sets or ordered maps: `!!set {a, b}` is the mapping {a: null, b: null} and `!!omap`/`!!pairs`
# are the sequence of one-key mappings as written (PyYAML's Python set would also iterate in hash order).
_LineLoader.add_constructor(YAML_TAG + "set", _LineLoader.construct_lmap)
_LineLoader.add_constructor(YAML_TAG + "omap", _LineLoader.construct_lseq)
_LineLoader.add_constructor(YAML_TAG + "pairs", _LineLoader.construct_lseq)
_LineLoader.add_constructor(INT_TAG, _LineLoader.construct_go_int)
_LineLoader.add_constructor(FLOAT_TAG, _LineLoader.construct_go_float)
_LineLoader.add_constructor(BOOL_TAG, _LineLoader.construct_go_bool)
_LineLoader.add_constructor(None, _LineLoader.construct_unknown)
# Timestamps stay strings: the API server sees them as strings in these objects, and datetime
# values would not round-trip to JSON.
_LineLoader.add_constructor(YAML_TAG + "timestamp", _LineLoader.construct_yaml_str)


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
    """Parse every document of a YAML (or JSON) stream. Never raises for bad input.

    Plain manifests are built straight from libyaml's events (`_lined_documents`: 0.55x the time of composing
    nodes first, bench/RESULTS.md); anything that path does not handle exactly as the node path does (anchors
    and aliases, tags beyond `!!str`/`!!map`/`!!seq`, merge keys, duplicate or unhashable keys, deep nesting,
    values the resolver refuses, syntax errors) is parsed again through nodes, which decides: the same
    documents, lines and problems either way (`tests/unit/sources/test_yamlio_lined.py`).
    """
    text = _decode(data) if isinstance(data, bytes) else data
    if isinstance(text, YamlProblem):
        return LoadResult((), text)
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\x00" in text:
        nul = text.index("\x00")
        return LoadResult((), YamlProblem("binary file (NUL character)", text.count("\n", 0, nul) + 1))
    try:
        return LoadResult(tuple(_lined_documents(text, limits.max_depth)), None)
    except (_Fallback, yaml.YAMLError, ValueError, TypeError, OverflowError, RecursionError):
        return _composed_documents(text, limits)


def _composed_documents(text: str, limits: YamlLimits) -> LoadResult:
    """Through composed nodes: every check, every problem with its line, documents before an error kept."""
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


def _lined_documents(text: str, max_depth: int) -> list[Document]:
    """Every document as `_LineLoader` builds it (LMap/LSeq with their lines), from events; `_Fallback` (or a
    YAML error) for anything else."""
    loader = _LineLoader(text)
    resolved: dict[str, tuple[Any]] = {}
    try:
        loader.get_event()  # stream start
        docs: list[Document] = []
        while not loader.check_event(yaml.StreamEndEvent):
            loader.get_event()  # document start
            docs.append(_lined_document(loader, len(docs), max_depth, resolved))
        return docs
    finally:
        loader.dispose()


def _lined_document(loader: _LineLoader, index: int, max_depth: int, resolved: dict[str, tuple[Any]]) -> Document:
    """One document from events (its start consumed), with an explicit stack; lines are the events' marks,
    which are the composed nodes' marks."""
    get = loader.get_event
    stack: list[tuple[Any, Any, int]] = []
    container: Any = None
    key: Any = _NO_KEY
    key_line = 0
    root: Any = None
    root_line = 0
    while True:
        event = get()
        cls = type(event)
        if cls is yaml.ScalarEvent:
            value, line = _scalar(loader, event, resolved), event.start_mark.line + 1
        elif cls is yaml.MappingStartEvent or cls is yaml.SequenceStartEvent:
            is_map = cls is yaml.MappingStartEvent
            if event.anchor is not None or event.tag not in (_MAP_TAGS if is_map else _SEQ_TAGS):
                raise _Fallback
            stack.append((container, key, key_line))
            if len(stack) > max_depth:
                raise _Fallback  # the node path names the depth and the line
            line = event.start_mark.line + 1
            container, key = (LMap(line) if is_map else LSeq(line)), _NO_KEY
            continue
        elif cls is yaml.MappingEndEvent or cls is yaml.SequenceEndEvent:
            value, line = container, container.line
            container, key, key_line = stack.pop()
        elif cls is yaml.DocumentEndEvent:
            return Document(index, root_line, root)
        else:
            raise _Fallback  # alias
        if container is None:
            root, root_line = value, line
        elif type(container) is LSeq:
            container.append(value)
            container.item_lines.append(line)
        elif key is _NO_KEY:
            key, key_line = value, line
        elif key in container:
            raise _Fallback  # a duplicate key: the node path names both lines (an unhashable key: TypeError)
        else:
            container[key] = value
            container.key_lines[key] = key_line
            container.value_lines[key] = line
            key = _NO_KEY


# --- plain loading and dumping (cluster snapshots) --------------------------------------------------
#
# Snapshots are one large machine-written document: line marks on every node would only serve error
# messages, so the fast path builds plain dict/list straight from libyaml's events and keeps just the line
# of each item of the root mapping's sequences (a List's items). Anything it does not handle exactly the way
# `load_documents` does (anchors and aliases, explicit or unusual tags, merge keys, duplicate or unhashable
# keys, deep nesting, syntax errors) sends the whole input through `load_documents`, which then decides:
# the same data, or the same problem at the same line.

_MAP_TAGS = (None, "!", "tag:yaml.org,2002:map")
_SEQ_TAGS = (None, "!", "tag:yaml.org,2002:seq")
_PLAIN_SCALAR_TAGS = frozenset(
    {STR_TAG, *(f"tag:yaml.org,2002:{t}" for t in ("int", "bool", "null", "float", "timestamp"))}
)
_NO_KEY = object()


@dataclass(frozen=True)
class PlainDocument:
    index: int
    line: int
    data: Any
    """Plain dict/list/scalars: no line marks."""
    item_lines: dict[Hashable, tuple[int, ...]]
    """For a mapping document: the 1-based line of every item of each sequence value (e.g. a List's items)."""


@dataclass(frozen=True)
class PlainResult:
    documents: tuple[PlainDocument, ...]
    problem: YamlProblem | None
    """As `LoadResult.problem`: the same message and line `load_documents` gives."""


class _Fallback(Exception):
    """The event path met something only the line-tracking constructor handles exactly."""


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Building a large acyclic tree triggers cyclic-GC passes that re-walk every live object: 1.4x the event
    path's time (and 5x the line-tracking fallback's) when a repo scan is already in memory (bench/README.md)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def plain(value: Any) -> Any:
    """LMap/LSeq (any Mapping/list) -> plain dict/list, recursively."""
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def load_plain(data: bytes | str, limits: YamlLimits = YamlLimits()) -> PlainResult:
    """Every document of a YAML (or JSON) stream as plain data; same values and problems as `load_documents`.

    Never raises for bad input. Over 10x faster than `load_documents` on a large snapshot (bench/README.md).
    """
    with _gc_paused():
        text = _decode(data) if isinstance(data, bytes) else data
        if isinstance(text, str):
            text = text[1:] if text.startswith("\ufeff") else text
            if "\x00" not in text:
                try:
                    return PlainResult(tuple(_fast_documents(text, limits.max_depth)), None)
                except (_Fallback, yaml.YAMLError, ValueError, TypeError, OverflowError, RecursionError):
                    pass
        return _slow_plain(data, limits)


def _slow_plain(data: bytes | str, limits: YamlLimits) -> PlainResult:
    result = load_documents(data, limits)
    docs = tuple(PlainDocument(d.index, d.line, plain(d.data), _root_item_lines(d.data)) for d in result.documents)
    return PlainResult(docs, result.problem)


def _root_item_lines(root: Any) -> dict[Hashable, tuple[int, ...]]:
    if not isinstance(root, LMap):
        return {}
    return {k: tuple(v.item_line(i) for i in range(len(v))) for k, v in root.items() if isinstance(v, LSeq)}


def _fast_documents(text: str, max_depth: int) -> list[PlainDocument]:
    loader = _LineLoader(text)
    try:
        loader.get_event()  # stream start
        docs: list[PlainDocument] = []
        while not loader.check_event(yaml.StreamEndEvent):
            loader.get_event()  # document start
            docs.append(_fast_document(loader, len(docs), max_depth, {}))
        return docs
    finally:
        loader.dispose()


def _scalar(loader: _LineLoader, event: yaml.ScalarEvent, resolved: dict[str, tuple[Any]]) -> Any:
    """A scalar as the composer and `_LineLoader` would build it; cached per plain text (YAML 1.1 resolution
    depends on nothing else)."""
    if event.anchor is not None:
        raise _Fallback
    tag = event.tag
    if tag is None or tag == "!":
        if not event.implicit[0]:
            return event.value  # quoted (or `!`): a string
        hit = resolved.get(event.value)
        if hit is None:
            tag = loader.resolve(yaml.ScalarNode, event.value, event.implicit)
            if tag not in _PLAIN_SCALAR_TAGS:
                raise _Fallback  # `<<` merge, `=` value: the constructor decides
            value = event.value if tag == STR_TAG else loader.construct_object(yaml.ScalarNode(tag, event.value))
            hit = resolved[event.value] = (value,)
        return hit[0]
    if tag == STR_TAG:
        return event.value
    raise _Fallback


def _fast_document(loader: _LineLoader, index: int, max_depth: int, resolved: dict[str, tuple[Any]]) -> PlainDocument:
    """Build one document from events (the document start already consumed) with an explicit stack."""
    get = loader.get_event
    stack: list[tuple[Any, Any, list[int] | None]] = []
    container: Any = None
    key: Any = _NO_KEY
    lines: list[int] | None = None  # item lines of `container` when it is a sequence in the root mapping
    item_lines: dict[Hashable, list[int]] = {}
    root: Any = None
    root_line = 0
    while True:
        event = get()
        cls = type(event)
        if container is None and cls is not yaml.DocumentEndEvent:
            root_line = event.start_mark.line + 1
        elif lines is not None and cls is not yaml.SequenceEndEvent:
            lines.append(event.start_mark.line + 1)
        if cls is yaml.ScalarEvent:
            value = _scalar(loader, event, resolved)
        elif cls is yaml.MappingStartEvent or cls is yaml.SequenceStartEvent:
            is_map = cls is yaml.MappingStartEvent
            if event.anchor is not None or event.tag not in (_MAP_TAGS if is_map else _SEQ_TAGS):
                raise _Fallback
            stack.append((container, key, lines))
            if len(stack) > max_depth:
                raise _Fallback
            lines = None
            if not is_map and len(stack) == 2 and isinstance(container, dict):
                lines = item_lines[key] = []
            container, key = ({} if is_map else []), _NO_KEY
            continue
        elif cls is yaml.MappingEndEvent or cls is yaml.SequenceEndEvent:
            value = container
            container, key, lines = stack.pop()
        elif cls is yaml.DocumentEndEvent:
            return PlainDocument(index, root_line, root, {k: tuple(v) for k, v in item_lines.items()})
        else:
            raise _Fallback  # alias
        if container is None:
            root = value
        elif type(container) is list:
            container.append(value)
        elif key is _NO_KEY:
            key = value
        elif key in container:
            raise _Fallback  # duplicate key: load_documents names both lines
        else:
            container[key] = value
            key = _NO_KEY


def dump_yaml(obj: Any) -> str:
    """`obj` as block-style YAML, keys in insertion order, Unicode as is, never anchors (like `kubectl -o yaml`).

    Byte-identical to `yaml.dump(obj, Dumper=CSafeDumper, sort_keys=False, default_flow_style=False,
    allow_unicode=True)` with aliases off, except that strings Kubernetes' decoder would not read back as strings
    (`y`, `1e3`) are quoted too; dicts, lists, strings, booleans and None go straight to the libyaml emitter as
    events (no representer node graph): ~8x faster on a large List.
    """
    out = io.StringIO()
    dumper = _NoAliasDumper(out, default_flow_style=False, allow_unicode=True, sort_keys=False)
    try:
        _Emit(dumper).document(obj)
    finally:
        dumper.dispose()
    return out.getvalue()


class _NoAliasDumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    """libyaml's emitter when available; objects met twice are written twice (kubectl prints no anchors)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


_SCALAR_EVENTS = {
    None: ("tag:yaml.org,2002:null", "null"),
    True: ("tag:yaml.org,2002:bool", "true"),
    False: ("tag:yaml.org,2002:bool", "false"),
}


class _Emit:
    """Events for one document, exactly as representer + serializer would produce them (aliases off)."""

    def __init__(self, dumper: Any) -> None:  # PyYAML's stubs leave resolve/represent_data untyped
        self.dumper = dumper
        self.emit = dumper.emit
        self.plain: dict[str, bool] = {}

    def document(self, obj: Any) -> None:
        self.emit(yaml.StreamStartEvent())
        self.emit(yaml.DocumentStartEvent(explicit=False))
        self.value(obj)
        self.emit(yaml.DocumentEndEvent(explicit=False))
        self.emit(yaml.StreamEndEvent())

    def value(self, obj: Any) -> None:
        kind = type(obj)
        if kind is str:
            self.emit(yaml.ScalarEvent(None, STR_TAG, (self._plain_ok(obj), True), obj))
        elif kind is dict:
            self.emit(yaml.MappingStartEvent(None, "tag:yaml.org,2002:map", True, flow_style=False))
            for k, v in obj.items():
                self.value(k)
                self.value(v)
            self.emit(yaml.MappingEndEvent())
        elif kind is list:
            self.emit(yaml.SequenceStartEvent(None, "tag:yaml.org,2002:seq", True, flow_style=False))
            for v in obj:
                self.value(v)
            self.emit(yaml.SequenceEndEvent())
        elif obj is None or kind is bool:
            tag, text = _SCALAR_EVENTS[obj]
            self.emit(yaml.ScalarEvent(None, tag, (True, False), text))
        else:
            self.node(self.dumper.represent_data(obj))

    def _plain_ok(self, text: str) -> bool:
        """Whether `text` reads back as a string when written plain, by PyYAML and by Kubernetes' decoder (else
        the emitter quotes it): `y`, `1e3` are strings to the one and not to the other."""
        ok = self.plain.get(text)
        if ok is None:
            ok = self.plain[text] = (
                self.dumper.resolve(yaml.ScalarNode, text, (True, False)) == STR_TAG
                and plain_scalar_tag(text) == STR_TAG
            )
        return ok

    def node(self, node: Any) -> None:
        """What the serializer emits for a representer node (ints, floats, None, bools, other types)."""
        resolve = self.dumper.resolve
        if isinstance(node, yaml.ScalarNode):  # the serializer's implicit flags
            implicit = (
                node.tag == resolve(yaml.ScalarNode, node.value, (True, False)),
                node.tag == resolve(yaml.ScalarNode, node.value, (False, True)),
            )
            self.emit(yaml.ScalarEvent(None, node.tag, implicit, node.value, style=node.style))
        elif isinstance(node, yaml.SequenceNode):
            implicit_seq = node.tag == resolve(yaml.SequenceNode, node.value, True)
            self.emit(yaml.SequenceStartEvent(None, node.tag, implicit_seq, flow_style=node.flow_style))
            for item in node.value:
                self.node(item)
            self.emit(yaml.SequenceEndEvent())
        else:
            implicit_map = node.tag == resolve(yaml.MappingNode, node.value, True)
            self.emit(yaml.MappingStartEvent(None, node.tag, implicit_map, flow_style=node.flow_style))
            for key, item in node.value:
                self.node(key)
                self.node(item)
            self.emit(yaml.MappingEndEvent())
