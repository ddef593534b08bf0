"""Errors and exit codes: every failure gitnad knows about is a GitnadError subclass with an exit code.

Also the credentials of this run (`keep_secret`, `redact`): the cluster adapter registers every credential it
loads (bearer token, password, client key), and no text gitnad shows may carry one — a GitnadError's message
is redacted when the error is made, the error boundary redacts what it prints (tracebacks included: the
kubernetes client puts the server's answer in its exceptions, and a debugging proxy may echo the request's
headers there), and the adapters redact server text before it reaches a report.
"""

from __future__ import annotations

import enum
import threading
from collections.abc import Sequence

REDACTED = "[redacted]"
MIN_SECRET_LENGTH = 8
"""Shorter values are not registered: replacing every occurrence of a short string would garble messages."""
_secrets: set[str] = set()
_lock = threading.Lock()


def keep_secret(*values: str | None) -> None:
    """Register credentials that must never be shown (each at least MIN_SECRET_LENGTH characters)."""
    with _lock:
        _secrets.update(v for v in values if v and len(v) >= MIN_SECRET_LENGTH)


def redact(text: str) -> str:
    """`text` with every registered credential replaced by REDACTED (longest first: no half-replaced secret)."""
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


class ExitCode(enum.IntEnum):
    """Process exit codes (SPEC §2), and the shell's codes for a run cut short by a signal."""

    OK = 0
    FINDINGS = 1
    USAGE = 2
    UNDECIDED = 3
    """Could not decide; also every unexpected (internal) error."""
    INTERRUPTED = 130
    """Ctrl-C (128 + SIGINT), as a shell reports a command it interrupted."""
    BROKEN_PIPE = 141
    """The reader of stdout went away (`gitnad scan | head`): 128 + SIGPIPE, as for any other command."""


class GitnadError(Exception):
    """Base error: a message that says what went wrong and what to do next."""

    exit_code: ExitCode = ExitCode.UNDECIDED

    def __init__(self, message: str, details: Sequence[str] = ()) -> None:
        """`details`: one line per problem, naming what the input named (files, objects). The error boundary shows
        each on its own line with every control character escaped, so a file name holding a newline cannot
        forge a line of the message; `message` is the headline and the details, one per line."""
        message = redact(message)
        self.headline = message
        self.details = tuple(redact(d) for d in details)
        self.message = "\n".join((message, *self.details))
        super().__init__(self.message)


class UsageError(GitnadError):
    """Bad flag combination or argument."""

    exit_code = ExitCode.USAGE


class ConfigError(GitnadError):
    """Invalid configuration, policy or snapshot file; the message names file, line and JSON pointer."""

    exit_code = ExitCode.USAGE


class RefError(GitnadError):
    """A git ref that does not resolve."""

    exit_code = ExitCode.USAGE


class BaseRefError(RefError):
    """`check` has no base to compare with: base and head are one commit, there is no merge-base, or the base
    commit is not in this (shallow) clone. Comparing head with itself would pass without checking anything."""


class NotAWorkingCopyError(UsageError):
    """The path is not inside a git working copy: run from a clone or pass --repo (`scan PATH` alone also reads
    a plain directory)."""


class BareRepositoryError(NotAWorkingCopyError):
    """The path is a bare repository: it has refs but no working tree, and no command reads it as a directory."""


class GitError(GitnadError):
    """git failed in a way that is not the user's ref."""

    exit_code = ExitCode.UNDECIDED


class ClusterError(GitnadError):
    """The cluster could not be read: unreachable, forbidden, timed out, or incomplete."""

    exit_code = ExitCode.UNDECIDED


class SnapshotError(GitnadError):
    """A snapshot file that cannot be used."""

    exit_code = ExitCode.USAGE


class OutputError(GitnadError):
    """A report or snapshot could not be written (disk full, device error): the run was not delivered."""

    exit_code = ExitCode.UNDECIDED
