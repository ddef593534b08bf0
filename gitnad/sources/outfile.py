"""Writing the files gitnad produces (reports, snapshots): checked before any work, replaced atomically.

- `check_writable(path)`: the destination can be written — its directory exists and is writable, it is not a
  directory — so a bad path fails at once (exit 2) instead of after minutes of cluster reads.
- `append_text(path, text)`: for files several writers share ($GITHUB_STEP_SUMMARY).
- `write_text(path, text)`: a regular file, or a new path, is replaced atomically (a temp file in the same
  directory, fsync, rename), so a reader never sees half a report; a replaced file keeps its permission bits
  (and its owner when we may set it), a new one gets the umask's, as with any shell redirection.
  Anything else is written where it is: a device (`/dev/null`, `/dev/full`), a FIFO, a terminal, and the
  descriptor aliases `/dev/stdout`, `/dev/stderr`, `/dev/fd/N` (appended, as `>>` would: the shell already
  opened them). Renaming over those would replace the device node with a regular file — as root, /dev/null.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from pathlib import Path

from gitnad.errors import OutputError, UsageError

_FD_ALIASES = ("/dev/stdout", "/dev/stderr")
_FD_DIRS = ("/dev/fd/", "/proc/self/fd/")


def shown(path: Path) -> str:
    """The path as given, or quoted with escapes when it holds a control character: a newline in a file name
    must not forge a line of the error, an escape sequence must not reach the terminal."""
    text = str(path)
    return text if text.isprintable() else repr(text)


def _stat(path: Path, what: str) -> os.stat_result | None:
    """The target's status, following links; None when it does not exist yet."""
    try:
        return os.stat(path)
    except FileNotFoundError:
        return None
    except OSError as e:  # ENOTDIR (a path through a file), EACCES, ELOOP, ENAMETOOLONG
        raise UsageError(f"{what} {shown(path)}: {e.strerror}") from e


def in_place(path: Path) -> bool:
    """True for a target that must be written where it is rather than replaced by a rename."""
    if str(path) in _FD_ALIASES or str(path).startswith(_FD_DIRS):
        return True
    st = _stat(path, "output")
    return st is not None and not stat.S_ISREG(st.st_mode)


def check_writable(path: Path, what: str = "--output") -> None:
    """Raise UsageError (exit 2) naming the path unless `write_text(path, ...)` can succeed."""
    st = _stat(path, what)
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise UsageError(f"{what} {shown(path)}: is a directory; name a file")
    if st is not None and stat.S_ISSOCK(st.st_mode):
        raise UsageError(f"{what} {shown(path)}: is a socket; name a file, a device or a FIFO")
    if st is not None and not os.access(path, os.W_OK):
        raise UsageError(f"{what} {shown(path)}: permission denied")
    if st is not None and in_place(path):
        return
    parent = path.resolve().parent
    if not parent.is_dir():
        raise UsageError(f"{what} {shown(path)}: directory {shown(parent)} does not exist; create it first")
    if not os.access(parent, os.W_OK | os.X_OK):
        why = "the file is written beside it, then renamed"
        raise UsageError(f"{what} {shown(path)}: directory {shown(parent)} is not writable ({why})")


def write_text(path: Path, text: str, what: str = "--output") -> None:
    """Write `text` (UTF-8) to `path`; OutputError (exit 3) when the system refuses it mid-way."""
    try:
        if in_place(path):
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_NOCTTY)  # never O_CREAT: no stray regular file
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
        else:
            _replace(path.resolve(), text.encode("utf-8"))
    except OSError as e:
        raise OutputError(f"{what} {shown(path)}: could not write: {e.strerror or e}") from e


def append_text(path: Path, text: str, what: str) -> None:
    """Append `text` (a file others write to as well, such as $GITHUB_STEP_SUMMARY); created if missing."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOCTTY, 0o666)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
    except OSError as e:
        raise OutputError(f"{what} {shown(path)}: could not write: {e.strerror or e}") from e


def _replace(target: Path, data: bytes) -> None:
    old = _stat(target, "output")
    tmp = target.with_name(f".{target.name[:100]}.{secrets.token_hex(4)}.tmp")
    # Create with the umask applied (0666 & ~umask) like a shell redirection; an existing file's bits win below.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            if old is not None:
                _keep_owner_and_mode(f.fileno(), old)
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _keep_owner_and_mode(fd: int, old: os.stat_result) -> None:
    with contextlib.suppress(PermissionError):  # not ours to give away: the file becomes the writer's, as `cp`
        os.fchown(fd, old.st_uid, old.st_gid)
    os.fchmod(fd, stat.S_IMODE(old.st_mode))
