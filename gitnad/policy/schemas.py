"""gitnad's JSON Schemas (2020-12) and validation against them: the only module that imports jsonschema.

The schema files live in `policies/schema/` (shipped inside the package as `gitnad/data/schema`). Every
error becomes a `SchemaProblem` carrying the JSON pointer and the 1-based line of the offending node, taken
from the line marks that `gitnad.sources.yamlio` puts on mappings and sequences (read here by duck typing,
so this package does not depend on the sources layer).

jsonschema is imported on first validation, not with this module: `gitnad check --staged --offline` in a repo
without policies or `.gitnad.yaml` (the pre-commit hook) never validates anything and should not pay ~70 ms for it.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator, ValidationError
    from referencing import Registry

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "data" / "schema"


class SchemaName(enum.StrEnum):
    """Every document gitnad validates, by the schema file that defines it."""

    POLICY = "nadpolicy.schema.json"
    EXCEPTION = "nadpolicyexception.schema.json"
    CONFIG = "config.schema.json"
    POLICY_TEST = "policytest.schema.json"


@dataclass(frozen=True)
class SchemaProblem:
    """One violation: where (JSON pointer and line) and what (jsonschema's message)."""

    pointer: str
    line: int | None
    message: str

    def render(self, file: str) -> str:
        where = f"{file}:{self.line}" if self.line is not None else file
        return f"{where}: {self.pointer or '/'}: {self.message}"


@runtime_checkable
class LineMap(Protocol):
    """A mapping with line marks (`gitnad.sources.yamlio.LMap`)."""

    line: int

    def key_line(self, key: Hashable, default: int | None = None) -> int: ...

    def __contains__(self, key: object) -> bool: ...

    def __getitem__(self, key: Any) -> Any: ...


@runtime_checkable
class LineSeq(Protocol):
    """A sequence with line marks (`gitnad.sources.yamlio.LSeq`)."""

    line: int

    def item_line(self, index: int) -> int: ...

    def __len__(self) -> int: ...

    def __getitem__(self, index: Any) -> Any: ...


def schema_path(name: SchemaName) -> Path:
    return SCHEMA_DIR / name.value


@cache
def _registry() -> Registry[Any]:
    from referencing import Registry, Resource

    resources = []
    for path in sorted(SCHEMA_DIR.glob("*.schema.json")):
        contents = json.loads(path.read_text(encoding="utf-8"))
        resources.append((contents["$id"], Resource.from_contents(contents)))
    registry: Registry[Any] = Registry().with_resources(resources)
    return registry


@cache
def _validator(name: SchemaName) -> Draft202012Validator:
    from jsonschema import Draft202012Validator

    schema = json.loads(schema_path(name).read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, registry=_registry())


def pointer(path: Sequence[Hashable]) -> str:
    """RFC 6901 JSON pointer of a path of keys and indexes."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


def line_of(document: Any, path: Sequence[Hashable]) -> int | None:
    """The line of the node at `path`: the key's line for a mapping member, the item's line for a list item."""
    node = document
    line = node.line if isinstance(node, (LineMap, LineSeq)) else None
    for step in path:
        if isinstance(node, LineMap) and step in node:
            line = node.key_line(step)
            node = node[step]
        elif isinstance(node, LineSeq) and isinstance(step, int) and 0 <= step < len(node):
            line = node.item_line(step)
            node = node[step]
        else:
            break
    return line


def _unexpected_key(error: ValidationError) -> str | None:
    """For `additionalProperties`: the first key the schema does not allow (to point at its line)."""
    if error.validator != "additionalProperties" or not isinstance(error.instance, dict):
        return None
    allowed = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
    return next((str(k) for k in error.instance if k not in allowed), None)


def _problem(document: Any, error: ValidationError) -> SchemaProblem:
    path = list(error.absolute_path)
    extra = _unexpected_key(error)
    line = line_of(document, [*path, extra] if extra is not None else path)
    return SchemaProblem(pointer=pointer(path), line=line, message=error.message)


def validate(document: Any, name: SchemaName) -> list[SchemaProblem]:
    """Every violation of the schema, ordered by line then pointer (deterministic)."""
    problems = [_problem(document, e) for e in _validator(name).iter_errors(document)]
    return sorted(set(problems), key=lambda p: (p.line or 0, p.pointer, p.message))
