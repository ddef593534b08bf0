"""The one error boundary of the command line, and what it knows about the run (pre-commit's error_handler).

`Gitnad.main` maps every way a run ends to one exit code (SPEC §2 plus the shell's 130 and 141): gitnad's
errors to theirs, click's usage errors to 2, Ctrl-C to 130, a closed stdout to a quiet 141, anything else to
3 with one line naming the innermost gitnad frame (`-v`: the traceback first). Messages reach the terminal
with control characters escaped and the run's credentials redacted (`gitnad.errors.redact`). Also here: the
per-run state that option callbacks fill (`-v`, `--no-color`) and the two terminal helpers every command uses
(`colour`, `echo`).
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import os
import sys
import threading
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, NoReturn, TextIO

import click

from gitnad.errors import ExitCode, GitnadError, redact

GC_GEN0 = 100_000
"""Allocations between young-generation collections during a run (Python's default: 700). A run builds one large
acyclic heap (thousands of parsed VMs) and keeps it to the end; with the default, the sorting, grouping and
rendering after a scan trigger collections that re-walk all of it (a third of a cached 10,000-file scan)."""


@dataclass
class RunState:
    """What the boundary and the terminal writers need to know about this run (set by option callbacks)."""

    verbose: bool = False
    no_color: bool = False


class ReaderGone(Exception):
    """stdout's reader went away (`| head`): `echo` raises this instead of the BrokenPipeError it got."""


class Carried(Exception):
    """Carries another EPIPE (a socket, a subprocess) past click, which would end any EPIPE with a silent exit 1."""


class Gitnad(click.Group):
    """The root command's class: its `main` is the boundary (it never returns; it exits)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError as e:  # not stdout's (echo turns that one into ReaderGone): a bug to report
            raise Carried from e

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        state = RunState()
        threshold = gc.get_threshold()
        gc.set_threshold(GC_GEN0, *threshold[1:])
        try:
            rv = super().main(args, prog_name, complete_var, standalone_mode=False, obj=state, **extra)
            code = int(rv) if isinstance(rv, int) else int(ExitCode.OK)
        except BaseException as e:  # the boundary: every way a run ends comes through here
            code = _exit_code(e, state)
        finally:
            gc.set_threshold(*threshold)  # a caller in the same process (a test's CliRunner) keeps its own
        sys.exit(code)


def leave(code: str | int | None) -> NoReturn:
    """End the process with `code` after a run, as `sys.exit(code)` would, without the interpreter's teardown.

    A normal exit frees every object and module one at a time and runs a last full garbage collection: 80-105 ms
    after a check or a cached scan of 10,000 files (5-10% of the run), spent on memory the system takes back. What
    such an exit does that anyone could see is done first, in its order: the atexit handlers run (the Kubernetes
    client's temporary certificate files, logging), then stdout and stderr are flushed. Whenever skipping the
    rest is not plainly the same (another thread still runs and a normal exit would wait for it, a flush fails,
    the code is not a number), the interpreter's own exit runs instead.
    """
    if not isinstance(code, int) or threading.active_count() > 1:
        sys.exit(code)
    try:
        atexit._run_exitfuncs()  # in the interpreter's order: threads joined (none left), atexit, then the streams
        _flush()
    except BaseException:  # a stream that cannot take its bytes: the normal exit reports it as it always has
        sys.exit(code)
    os._exit(code)


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        if stream is not None:
            stream.flush()


def _exit_code(e: BaseException, state: RunState) -> int:
    """gitnad's errors to their codes, Ctrl-C to 130, a closed stdout to 141, anything else to 3 (one line)."""
    if isinstance(e, SystemExit):
        raise e
    if isinstance(e, Carried) and e.__cause__ is not None:
        e = e.__cause__
    if isinstance(e, GitnadError):
        _say("error: " + _shown(e), e, state)
        return int(e.exit_code)
    if isinstance(e, click.ClickException):
        e.show()
        return int(ExitCode.USAGE)
    if isinstance(e, click.Abort | KeyboardInterrupt):
        _say("interrupted", None, state)
        return int(ExitCode.INTERRUPTED)
    if isinstance(e, ReaderGone):
        _silence_stdout()
        return int(ExitCode.BROKEN_PIPE)
    if not isinstance(e, Exception):  # GeneratorExit and other interpreter signals: not ours to translate
        raise e
    what = _printable(redact(f"{type(e).__name__}: {e}"))[:500]  # redacted before the cut: no piece of a secret
    hint = "traceback above" if state.verbose else "re-run with -v for the traceback"
    _say(f"internal error: {what} (at {_innermost(e.__traceback__)}); {hint}", e, state)
    return int(ExitCode.UNDECIDED)


def _say(message: str, e: BaseException | None, state: RunState) -> None:
    """The message (and with -v the traceback first), with the run's credentials redacted: library exceptions
    in the chain carry server answers, which may echo the request's headers."""
    if state.verbose and e is not None:
        click.echo(redact("".join(traceback.format_exception(e)).rstrip("\n")), err=True)
    click.echo(redact(f"gitnad: {message}"), err=True)


def _innermost(tb: TracebackType | None) -> str:
    """`module:line` of the innermost gitnad frame (the boundary's own frame is one, so there always is one)."""
    where = "gitnad"
    while tb is not None:
        module = str(tb.tb_frame.f_globals.get("__name__", "?"))
        if module == "gitnad" or module.startswith("gitnad."):
            where = f"{module}:{tb.tb_lineno}"
        tb = tb.tb_next
    return where


def _shown(e: GitnadError) -> str:
    """The headline, then each detail on its own line with its newlines escaped too: a detail names what the input
    named (a policy file called `a\\nforged.yaml`), and only gitnad's own line breaks may end a line."""
    return "\n".join([_printable(e.headline, keep="\n"), *(_printable(d) for d in e.details)])


def _printable(text: str, keep: str = "") -> str:
    """Control characters (escape sequences, newlines) shown escaped: one error is one line, never a command."""
    return "".join(c if c.isprintable() or c in keep else repr(c)[1:-1] for c in text)


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush does not complain about the closed pipe."""
    with contextlib.suppress(OSError, ValueError, AttributeError):  # no real descriptor (tests): nothing to flush
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def state() -> RunState:
    """This run's state (inside a command)."""
    return click.get_current_context().ensure_object(RunState)


def remember(field: str) -> Callable[[click.Context, click.Parameter, bool], bool]:
    """A flag's callback that sets `field` of the run state (the boundary reads it after the command is gone)."""

    def callback(ctx: click.Context, _param: click.Parameter, value: bool) -> bool:
        if value:
            setattr(ctx.ensure_object(RunState), field, True)
        return value

    return callback


def colour(stream: TextIO) -> bool:
    """Colour only on a terminal, and never with --no-color or NO_COLOR set (no-color.org)."""
    return not state().no_color and not os.environ.get("NO_COLOR") and stream.isatty()


def echo(text: str) -> None:
    """A report or message to stdout, with exactly one final newline (click.echo flushes: a closed pipe shows)."""
    try:
        click.echo(text, nl=not text.endswith("\n"))
    except BrokenPipeError as e:
        raise ReaderGone from e
