"""NAD reference names: normalization and validation, exactly as KubeVirt resolves them; printable names."""

from __future__ import annotations

import re

_DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


def is_dns1123_label(value: str) -> bool:
    """A namespace name (and the namespace part of a NAD reference)."""
    return len(value) <= 63 and _DNS1123_LABEL.fullmatch(value) is not None


def is_dns1123_subdomain(value: str) -> bool:
    """An object name as the API server accepts it."""
    return len(value) <= 253 and _DNS1123_SUBDOMAIN.fullmatch(value) is not None


def normalize_nad(raw: str, namespace: str) -> str:
    """`nad` -> `<namespace>/nad`; `ns/nad` unchanged (KubeVirt's NetAttachDefNamespacedName)."""
    return raw if "/" in raw else f"{namespace}/{raw}"


def nad_reference_problem(raw: str) -> str | None:
    """Why a `networkName` is not a valid NAD reference (GN101), else None."""
    if not raw:
        return "networkName is empty"
    if raw.count("/") > 1:
        return f"networkName {raw!r} has more than one '/'"
    ns, _, name = raw.rpartition("/")
    if "/" in raw and not is_dns1123_label(ns):
        return f"namespace {ns!r} in networkName {raw!r} is not a valid DNS-1123 label"
    if not is_dns1123_subdomain(name):
        return f"name {name!r} in networkName {raw!r} is not a valid DNS-1123 name"
    return None


def printable(text: str) -> str:
    """`text` with every non-printable character escaped (`\\n`, `\\x1b`, an undecodable byte as `\\xff`).

    Paths and names come from the repository: a newline or an escape sequence in one must not forge or
    recolour lines of a report when it is quoted in a message.
    """
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else _escape(c) for c in text)


def _escape(c: str) -> str:
    code = ord(c)
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8, kept by the surrogateescape decoder
        return f"\\x{code - 0xDC00:02x}"
    return repr(c)[1:-1]
