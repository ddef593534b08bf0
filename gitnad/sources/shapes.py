"""The types the API server requires of every field gitnad reads from a VM, a VM pool or a NAD.

After YAML resolution (`networkName: 0777` is the integer 511, `namespace: no` the boolean false, a MAC written
`!!binary` is bytes) a value of the wrong type is not what the author meant, and the API server would refuse
the object. gitnad refuses it too, at the exact line, rather than reading `str(511)`, a default namespace or a
network without a name. Only the fields gitnad reads are checked: the others are the API server's business.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from gitnad.models.manifest import VMKind
from gitnad.models.names import printable
from gitnad.sources.yamlio import LMap, LSeq


class T(enum.Enum):
    STR = "a string"
    BOOL = "a boolean"
    MAP = "a mapping"
    LIST = "a list"
    STR_MAP = "a mapping of strings"


@dataclass(frozen=True)
class Shape:
    """What one field must be; null is always allowed (the API server reads it as the zero value)."""

    type: T
    fields: Mapping[str, Shape] = field(default_factory=dict)
    item: Shape | None = None
    named: bool = False
    """A list item that must carry a `name` (KubeVirt indexes networks and interfaces by it)."""


@dataclass(frozen=True)
class FieldProblem:
    message: str
    line: int


_STR = Shape(T.STR)
_BOOL = Shape(T.BOOL)
_LABELS = Shape(T.STR_MAP)
_METADATA = Shape(
    T.MAP, {"name": _STR, "namespace": _STR, "labels": _LABELS, "annotations": _LABELS, "generateName": _STR}
)
_NETWORK = Shape(T.MAP, {"name": _STR, "multus": Shape(T.MAP, {"networkName": _STR, "default": _BOOL})}, named=True)
_INTERFACE = Shape(
    T.MAP,
    {"name": _STR, "binding": Shape(T.MAP, {"name": _STR}), "state": _STR, "macAddress": _STR, "model": _STR},
    named=True,
)
_TEMPLATE_SPEC = Shape(
    T.MAP,
    {
        "networks": Shape(T.LIST, item=_NETWORK),
        "domain": Shape(T.MAP, {"devices": Shape(T.MAP, {"interfaces": Shape(T.LIST, item=_INTERFACE)})}),
    },
)
_VM_SPEC = Shape(
    T.MAP,
    {
        "running": _BOOL,
        "runStrategy": _STR,
        "template": Shape(T.MAP, {"metadata": Shape(T.MAP, {"labels": _LABELS}), "spec": _TEMPLATE_SPEC}),
    },
)
VM_SHAPE = Shape(T.MAP, {"apiVersion": _STR, "kind": _STR, "metadata": _METADATA, "spec": _VM_SPEC})
POOL_SHAPE = Shape(
    T.MAP,
    {
        "apiVersion": _STR,
        "kind": _STR,
        "metadata": _METADATA,
        "spec": Shape(T.MAP, {"virtualMachineTemplate": Shape(T.MAP, {"spec": _VM_SPEC})}),
    },
)
NAD_SHAPE = Shape(T.MAP, {"apiVersion": _STR, "kind": _STR, "metadata": _METADATA})


def shape_of(kind: VMKind | None) -> Shape:
    """The shape of a VM, a VM pool, or (None) a NAD."""
    if kind is VMKind.VIRTUAL_MACHINE:
        return VM_SHAPE
    return POOL_SHAPE if kind is VMKind.VIRTUAL_MACHINE_POOL else NAD_SHAPE


def problems(obj: Any, shape: Shape) -> list[FieldProblem]:
    """Every field of `obj` that gitnad reads and that is not of the type the API server requires, in order."""
    out: list[FieldProblem] = []
    _check(obj, shape, "", _line(obj), out)
    return out


def _check(value: Any, shape: Shape, path: str, line: int, out: list[FieldProblem]) -> None:
    if value is None:
        return
    if not _is(value, shape.type):
        out.append(FieldProblem(_wrong(path, shape.type, value), line))
        return
    if shape.type is T.STR_MAP:
        for k, v in value.items():
            if v is not None and not isinstance(v, str):
                out.append(FieldProblem(_wrong(f"{path}[{printable(str(k))}]", T.STR, v), _key_line(value, k, line)))
    elif shape.type is T.MAP:
        for k, sub in shape.fields.items():
            if k in value:
                _check(value[k], sub, f"{path}.{k}" if path else k, _key_line(value, k, line), out)
    elif shape.type is T.LIST and shape.item is not None:
        for i, item in enumerate(value):
            where, iline = f"{path}[{i}]", _item_line(value, i, line)
            if shape.item.named and isinstance(item, Mapping) and item.get("name") is None:
                out.append(FieldProblem(f"{where} has no name", iline))
            _check(item, shape.item, where, iline, out)


def _is(value: Any, t: T) -> bool:
    if t is T.STR:
        return isinstance(value, str)
    if t is T.BOOL:
        return isinstance(value, bool)
    if t is T.LIST:
        return isinstance(value, Sequence) and not isinstance(value, str | bytes)
    return isinstance(value, Mapping)


def _wrong(path: str, t: T, value: Any) -> str:
    if t is T.STR and isinstance(value, bytes):
        return f"{path} is not a string (YAML read it as binary data: a !!binary tag; write the plain string)"
    if t in (T.STR, T.BOOL) and not isinstance(value, Mapping | list):
        hint = "quote it" if t is T.STR else "write true or false, unquoted"
        return f"{path} is not {t.value} (YAML read it as {describe(value)}; {hint})"
    return f"{path} is not {t.value} (found {describe(value)})"


def describe(value: Any) -> str:
    """What YAML made of a value, in words: `the integer 511`, `the boolean false`, `a list`."""
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int):
        return f"the integer {value}" if abs(value) < 10**30 else "a very large integer"
    if isinstance(value, float):
        return f"the number {value!r}"
    if isinstance(value, str):
        shown = printable(value if len(value) <= 40 else value[:40] + "...")
        return f"the string '{shown}'"
    if isinstance(value, bytes):
        return "binary data (a !!binary tag)"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def _line(obj: Any) -> int:
    return obj.line if isinstance(obj, LMap | LSeq) else 0


def _key_line(obj: Any, key: Any, default: int) -> int:
    return obj.key_line(key) if isinstance(obj, LMap) else default


def _item_line(seq: Any, index: int, default: int) -> int:
    return seq.item_line(index) if isinstance(seq, LSeq) else default
