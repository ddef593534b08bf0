"""Typed reads of raw Kubernetes bodies: a field that is absent (or null) is None, a field of the wrong type is
a `FieldError` naming its path. Absent and unreadable stay distinct, so a `status.interfaces` written as a
string is never read as "no interfaces".

Timestamps are normalized here, once: every time gitnad keeps is timezone-aware UTC. The API writes RFC 3339
with `Z`; a hand-made snapshot may drop the zone, which is then taken as UTC (what the API means), so naive
and aware times are never compared.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple


class FieldError(ValueError):
    """A field present with the wrong type or a value that cannot be read; the message starts with its path."""


def as_mapping(value: Any) -> Mapping[str, Any]:
    """Lenient: the value when it is a mapping, else an empty one (for identity reads that must not fail)."""
    return value if isinstance(value, Mapping) else {}


def as_str(value: Any) -> str | None:
    """Lenient: the value when it is a string, else None."""
    return value if isinstance(value, str) else None


def describe(value: Any) -> str:
    """`a string`, `a list`, ... for messages."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, Sequence):
        return "a list"
    return type(value).__name__


def parse_time(value: str) -> datetime | None:
    """An RFC 3339 time as timezone-aware UTC (a time without a zone is UTC); None when it is not one."""
    try:
        t = datetime.fromisoformat(value)
    except ValueError:
        return None
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)


class Node(NamedTuple):
    """A mapping inside a body and its path from the object's root (`status.migrationState`).

    A named tuple, not a frozen dataclass: a body's read makes a dozen, and a frozen dataclass's `__init__` (one
    `object.__setattr__` per field) cost more than the reads. Each read first tries the exact type a JSON
    decoder makes (`dict`, `list`, `str`, `bool`), before the general checks."""

    data: Mapping[str, Any]
    path: str = ""

    def _at(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def _get(self, key: str, expected: type, what: str) -> Any:
        value = self.data.get(key)
        if value is None:
            return None
        if (
            not isinstance(value, expected)
            or (isinstance(value, bool) and expected is not bool)  # bool is an int in Python, not in JSON
            or (expected is Sequence and isinstance(value, (str, bytes)))
        ):
            raise FieldError(f"{self._at(key)} is {describe(value)}, not {what}")
        return value

    def mapping(self, key: str) -> Node:
        """The mapping at `key`; an empty one when absent."""
        value = self.data.get(key)
        if type(value) is not dict:
            value = self._get(key, Mapping, "a mapping")
        return Node(value if value is not None else {}, self._at(key))

    def items(self, key: str) -> list[Any]:
        """The list at `key` (any item types); empty when absent."""
        value = self.data.get(key)
        if type(value) is list:
            return value[:]
        value = self._get(key, Sequence, "a list")
        return list(value) if value is not None else []

    def mappings(self, key: str) -> list[Node]:
        """The list of mappings at `key`; empty when absent."""
        out = []
        at = self._at(key)
        for i, item in enumerate(self.items(key)):
            where = f"{at}[{i}]"
            if type(item) is not dict and not isinstance(item, Mapping):
                raise FieldError(f"{where} is {describe(item)}, not a mapping")
            out.append(Node(item, where))
        return out

    def string(self, key: str) -> str | None:
        value = self.data.get(key)
        if type(value) is str:
            return value
        checked: str | None = self._get(key, str, "a string")
        return checked

    def strings(self, key: str) -> tuple[str, ...]:
        """A list of strings; empty when absent."""
        out = []
        for i, item in enumerate(self.items(key)):
            if not isinstance(item, str):
                raise FieldError(f"{self._at(key)}[{i}] is {describe(item)}, not a string")
            out.append(item)
        return tuple(out)

    def string_map(self, key: str) -> dict[str, str]:
        """A mapping of strings to strings (labels, annotations, activePods); empty when absent."""
        out: dict[str, str] = {}
        for k, v in self.mapping(key).data.items():
            if not isinstance(v, str):
                raise FieldError(f"{self._at(key)}[{k!r}] is {describe(v)}, not a string")
            out[str(k)] = v
        return out

    def boolean(self, key: str) -> bool | None:
        value = self.data.get(key)
        if type(value) is bool:
            return value
        checked: bool | None = self._get(key, bool, "a boolean")
        return checked

    def integer(self, key: str) -> int | None:
        value: int | None = self._get(key, int, "an integer")
        return value

    def time(self, key: str) -> datetime | None:
        raw = self.string(key)
        if raw is None or raw == "":
            return None
        t = parse_time(raw)
        if t is None:
            raise FieldError(f"{self._at(key)} is {raw[:64]!r}, not an RFC 3339 time")
        return t
