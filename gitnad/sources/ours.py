"""What could be a manifest gitnad reads, judged from a file's bytes alone (SPEC §3).

A file gitnad cannot parse is an error (GN001) only when its text names a kind gitnad reads; otherwise it is
someone else's YAML (a playbook with a syntax error, a values file with a duplicate key) and only a note. The
test is a word match on the raw bytes (UTF-8, or UTF-16 without a byte-order mark), so it needs no parser and
also works on a stream: an over-size file is judged chunk by chunk, never loaded whole.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable

OUR_KINDS = ("VirtualMachine", "VirtualMachinePool", "NetworkAttachmentDefinition")
_WORD_BYTE = b"[A-Za-z0-9_]"
_NUL = b"\\x00"
_CODECS = (("utf-8", _WORD_BYTE), ("utf-16-le", _WORD_BYTE + _NUL), ("utf-16-be", _NUL + _WORD_BYTE))
"""Our kinds are looked for in UTF-8 and, for text without a byte-order mark, in UTF-16 of either byte order: a
wide file naming a VirtualMachine is ours although it reads as binary (NUL bytes). Each codec: a word character."""


def _spelled(word: str, codec: str) -> bytes:
    return re.escape(word.encode(codec))


def _forms() -> tuple[tuple[bytes, re.Pattern[bytes]], ...]:
    """(a literal every match starts with, the word pattern) per codec and name stem. `bytes.find` of the literal
    is what makes a search fast (a pattern starting with a look-behind gets no literal-prefix scan from `re`);
    the pattern then judges each candidate where it stands, its look-behind seeing the bytes before."""
    out: list[tuple[bytes, re.Pattern[bytes]]] = []
    for codec, char in _CODECS:
        names = b"|".join(_spelled(kind, codec) for kind in OUR_KINDS)
        word = re.compile(b"(?<!%s)(?:%s)(?:%s)?(?!%s)" % (char, names, _spelled("List", codec), char))
        out.extend((stem.encode(codec), word) for stem in ("VirtualMachine", "NetworkAttachmentDefinition"))
    return tuple(out)


_FORMS = _forms()
"""Words: `VirtualMachine` or `VirtualMachineList`, never `VirtualMachineInstance` nor `VirtualMachineSnapshot`."""
_MARGIN = 2
"""Bytes of context a name needs on either side to be judged a word: one character (two bytes in UTF-16)."""
_KEEP = 128 + _MARGIN
"""Bytes a stream window keeps for the next one: more than any name (62 bytes in UTF-16) with its context."""
_WIDE_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
LFS_POINTER = b"version https://git-lfs.github.com/spec/v1"
KIND_LIST = "VirtualMachine, VirtualMachinePool or NetworkAttachmentDefinition"


def names_our_kind(data: bytes) -> bool:
    """Whether the text names a kind gitnad reads (UTF-16/32 text with a byte-order mark is decoded first)."""
    if data.startswith(_WIDE_BOMS):
        for codec in ("utf-32", "utf-16"):
            try:
                text = data.decode(codec).encode("utf-8")
                return _search(text, 0, len(text))
            except UnicodeDecodeError:
                continue
        return True  # wide text that does not decode: it could be anything, so it could be ours
    return _search(data, 0, len(data))


def stream_names_our_kind(chunks: Iterable[bytes]) -> bool:
    """`names_our_kind` over a stream, in bounded memory, with the same answer as on the whole text.

    Chunks gather into a window of at least `2 * _KEEP` bytes, which is searched, then cut to its last `_KEEP`
    bytes (any name, UTF-16 included, with its context) for the next one. A match is judged only where the
    window holds its context: one ending within `_MARGIN` bytes of a window's end waits for the next window,
    which holds it whole and what follows; one starting within `_MARGIN` bytes of a cut window's start was
    already judged in the previous window. Text with a UTF-16/32 byte-order mark could be anything: True.
    """
    window = b""
    head = b""
    cut = False
    for chunk in chunks:
        if len(head) < len(codecs.BOM_UTF32_LE):
            head += chunk[: len(codecs.BOM_UTF32_LE)]
            if head.startswith(_WIDE_BOMS):
                return True
        window += chunk
        if len(window) >= 2 * _KEEP:
            if _search(window, _MARGIN if cut else 0, len(window) - _MARGIN):
                return True
            window, cut = window[-_KEEP:], True
    return _search(window, _MARGIN if cut else 0, len(window))


def _search(window: bytes, first: int, last: int) -> bool:
    """Whether a name starts at `first` or after and ends at `last` or before."""
    for stem, word in _FORMS:
        at = window.find(stem, first)
        while at != -1:
            m = word.match(window, at)
            if m is not None and m.end() <= last:
                return True
            at = window.find(stem, at + 1)
    return False


def is_lfs_pointer(data: bytes) -> bool:
    """A Git LFS pointer file: the real content (maybe a manifest) is not in the repository."""
    return data.startswith(LFS_POINTER)
