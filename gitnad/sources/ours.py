"""What could be a manifest gitnad reads, judged from a file's bytes alone (SPEC §3).

A file gitnad cannot parse is an error (GN001) only when its text names a kind gitnad reads; otherwise it is
someone else's YAML (a playbook with a syntax error, a values file with a duplicate key) and only a note. The
test is a word match on the raw bytes, so it needs no parser and also works on a stream: an over-size file is
judged chunk by chunk, never loaded whole.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable

OUR_KINDS = ("VirtualMachine", "VirtualMachinePool", "NetworkAttachmentDefinition")
_KIND_WORD = re.compile(
    rb"(?<![A-Za-z0-9_])(?:VirtualMachine(?:Pool)?|NetworkAttachmentDefinition)(?:List)?(?![A-Za-z0-9_])"
)
"""`VirtualMachine` or `VirtualMachineList`, but not `VirtualMachineInstance` nor `VirtualMachineSnapshot`."""
_OVERLAP = 64
"""Bytes kept from one chunk to the next so a name split across chunks is still seen (longer than any name)."""
_WIDE_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
LFS_POINTER = b"version https://git-lfs.github.com/spec/v1"
KIND_LIST = "VirtualMachine, VirtualMachinePool or NetworkAttachmentDefinition"


def names_our_kind(data: bytes) -> bool:
    """Whether the text names a kind gitnad reads (UTF-16/32 text with a byte-order mark is decoded first)."""
    if data.startswith(_WIDE_BOMS):
        for codec in ("utf-32", "utf-16"):
            try:
                return _KIND_WORD.search(data.decode(codec).encode("utf-8")) is not None
            except UnicodeDecodeError:
                continue
        return True  # wide text that does not decode: it could be anything, so it could be ours
    return _KIND_WORD.search(data) is not None


def stream_names_our_kind(chunks: Iterable[bytes]) -> bool:
    """`names_our_kind` over a stream, in bounded memory, with the same answer as on the whole text.

    Each window is the end of the previous one (`_OVERLAP` bytes, which hold any name, plus the byte before them)
    and the next chunk. A match touching the end of a window waits for the next one, where the byte after it is
    known; a match at the very start of a cut window was already judged, with the byte before it, in the previous
    window. Wide (UTF-16/32) text could be anything: True.
    """
    carry = b""
    cut = False
    pending: bytes | None = None
    start = b""
    for chunk in chunks:
        if len(start) < len(codecs.BOM_UTF32_LE):
            start += chunk[: len(codecs.BOM_UTF32_LE)]
            if start.startswith(_WIDE_BOMS):
                return True
        if pending is not None:
            window = carry + pending
            if _search(window, skip_start=cut, skip_end=True):
                return True
            cut = cut or len(window) > _OVERLAP + 1
            carry = window[-(_OVERLAP + 1) :]
        pending = chunk
    return pending is not None and _search(carry + pending, skip_start=cut, skip_end=False)


def _search(window: bytes, skip_start: bool, skip_end: bool) -> bool:
    for m in _KIND_WORD.finditer(window):
        if (skip_start and m.start() == 0) or (skip_end and m.end() == len(window)):
            continue
        return True
    return False


def is_lfs_pointer(data: bytes) -> bool:
    """A Git LFS pointer file: the real content (maybe a manifest) is not in the repository."""
    return data.startswith(LFS_POINTER)
