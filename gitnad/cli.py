"""Command line: click options -> frozen settings -> app use case -> reports and an exit code.

The only module that imports click, prints or exits. Each command below is one row: its own options, the
shared option groups (repo, declared state, cluster, output), one call into `gitnad.app`, and delivery of the
result in every format asked for. The root command's `main` is the one error boundary (`_exit_code`).
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import sys
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from types import TracebackType
from typing import Any, TextIO, TypeVar

import click

from gitnad import __version__
from gitnad.config import DEFAULT_WAIT_TIMEOUT, MAX_DURATION, ClusterSettings, OutputFormat, OutputSettings
from gitnad.errors import ExitCode, GitnadError, UsageError

F = TypeVar("F", bound=Callable[..., Any])

# --- the error boundary ---------------------------------------------------------------------------------


@dataclass
class RunState:
    """What the boundary and the terminal writers need to know about this run (set by option callbacks)."""

    verbose: bool = False
    no_color: bool = False


class ReaderGone(Exception):
    """stdout's reader went away (`| head`); raised instead of BrokenPipeError, which click turns into exit 1."""


class Gitnad(click.Group):
    """The root command. Its `main` maps every way a run ends to one exit code (SPEC §2)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError as e:
            raise ReaderGone from e

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        state = RunState()
        try:
            rv = super().main(args, prog_name, complete_var, standalone_mode=False, obj=state, **extra)
            code = int(rv) if isinstance(rv, int) else int(ExitCode.OK)
        except BaseException as e:  # the boundary: every way a run ends comes through here
            code = _exit_code(e, state)
        sys.exit(code)


def _exit_code(e: BaseException, state: RunState) -> int:
    """gitnad's errors to their codes, Ctrl-C to 130, a closed stdout to 141, anything else to 3 (one line)."""
    if isinstance(e, SystemExit):
        raise e
    if isinstance(e, GitnadError):
        _say("error: " + _printable(e.message, keep="\n"), e, state)
        return int(e.exit_code)
    if isinstance(e, click.ClickException):
        e.show()
        return int(ExitCode.USAGE)
    if isinstance(e, click.Abort | KeyboardInterrupt):
        _say("interrupted", None, state)
        return int(ExitCode.INTERRUPTED)
    if isinstance(e, ReaderGone | BrokenPipeError):
        _silence_stdout()
        return int(ExitCode.BROKEN_PIPE)
    if not isinstance(e, Exception):  # GeneratorExit and other interpreter signals: not ours to translate
        raise e
    what = _printable(f"{type(e).__name__}: {e}")[:500]
    hint = "traceback above" if state.verbose else "re-run with -v for the traceback"
    _say(f"internal error: {what} (at {_innermost(e.__traceback__)}); {hint}", e, state)
    return int(ExitCode.UNDECIDED)


def _say(message: str, e: BaseException | None, state: RunState) -> None:
    if state.verbose and e is not None:
        click.echo("".join(traceback.format_exception(e)).rstrip("\n"), err=True)
    click.echo(f"gitnad: {message}", err=True)


def _innermost(tb: TracebackType | None) -> str:
    """`module:line` of the innermost gitnad frame (the innermost frame when none is ours)."""
    where = "unknown location"
    while tb is not None:
        module = str(tb.tb_frame.f_globals.get("__name__", "?"))
        if module.split(".")[0] == "gitnad" or where == "unknown location":
            where = f"{module}:{tb.tb_lineno}"
        tb = tb.tb_next
    return where


def _printable(text: str, keep: str = "") -> str:
    """Control characters (escape sequences, newlines) shown escaped: one error is one line, never a command."""
    return "".join(c if c.isprintable() or c in keep else repr(c)[1:-1] for c in text)


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush does not complain about the closed pipe."""
    with contextlib.suppress(OSError, ValueError, AttributeError):  # no real descriptor (tests): nothing to flush
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _state() -> RunState:
    return click.get_current_context().ensure_object(RunState)


def _remember(field: str) -> Callable[[click.Context, click.Parameter, bool], bool]:
    def callback(ctx: click.Context, _param: click.Parameter, value: bool) -> bool:
        if value:
            setattr(ctx.ensure_object(RunState), field, True)
        return value

    return callback


def _colour(stream: TextIO) -> bool:
    """Colour only on a terminal, and never with --no-color or NO_COLOR set (no-color.org)."""
    return not _state().no_color and not os.environ.get("NO_COLOR") and stream.isatty()


def _echo(text: str) -> None:
    click.echo(text, nl=not text.endswith("\n"))


# --- option groups ----------------------------------------------------------------------------------------


def options(*decorators: Callable[[F], F]) -> Callable[[F], F]:
    """Several click decorators as one, applied in the order listed (top to bottom, as written on a function)."""

    def apply(f: F) -> F:
        for d in reversed(decorators):
            f = d(f)
        return f

    return apply


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_DURATION = re.compile(r"([0-9]{1,12}(?:\.[0-9]{1,9})?)([smhd]?)")


class Duration(click.ParamType[timedelta]):
    """`90s`, `15m`, `2h`, `1d` or plain seconds; more than zero and at most MAX_DURATION (a typo otherwise)."""

    name = "duration"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> timedelta:
        if isinstance(value, timedelta):
            return value
        m = _DURATION.fullmatch(str(value).strip())
        if m is None:
            self.fail(f"{value!r} is not a duration (e.g. 90s, 15m, 2h, 1d)", param, ctx)
        seconds = float(m[1]) * _UNITS[m[2] or "s"]
        if seconds <= 0:
            self.fail(f"{value!r}: must be more than zero", param, ctx)
        if seconds > MAX_DURATION.total_seconds():
            self.fail(f"{value!r}: longer than {MAX_DURATION.days} days", param, ctx)
        return timedelta(seconds=seconds)


verbose_option = click.option(
    "-v",
    "--verbose",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_remember("verbose"),
    help="When gitnad fails, print the Python traceback (with the library error beneath) before its message.",
)
no_color_option = click.option(
    "--no-color", is_flag=True, expose_value=False, callback=_remember("no_color"), help="Never colour the output."
)
repo_options = options(
    click.option("--repo", type=click.Path(file_okay=False, path_type=Path), default=Path("."), show_default=True),
    click.option(
        "--config", "config_file", type=click.Path(dir_okay=False, path_type=Path), help="[default: .gitnad.yaml]"
    ),
)
declared_options = options(
    click.option("--ref", default="HEAD", show_default=True, help="Declared state."),
    click.option("--base", default=None, help="Only VMs whose NAD changed between BASE and REF."),
)
live_options = options(
    click.option(
        "--kubeconfig", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Kubeconfig (live)."
    ),
    click.option("--context", default=None, help="Kubeconfig context (live)."),
)


def cluster_options(offline: bool = False) -> Callable[[F], F]:
    """--snapshot, the live flags, --max-snapshot-age (and --offline for check), as one `cluster` argument."""
    opts = [
        click.option(
            "--snapshot", type=click.Path(dir_okay=False, path_type=Path), help="Read cluster facts from a file."
        ),
        live_options,
        click.option("--max-snapshot-age", type=Duration(), help="With --snapshot: warn when it is older than this."),
    ]
    if offline:
        opts.insert(0, click.option("--offline", is_flag=True, help="No cluster: cluster rules are listed as skipped."))

    def wrap(f: F) -> F:
        @functools.wraps(f)
        def command(
            *args: Any,
            snapshot: Path | None,
            kubeconfig: Path | None,
            context: str | None,
            max_snapshot_age: timedelta | None,
            offline: bool = False,
            **kw: Any,
        ) -> Any:
            cluster = cluster_settings(offline, snapshot, kubeconfig, context, max_snapshot_age)
            return f(*args, cluster=cluster, **kw)

        return options(*opts)(command)  # type: ignore[return-value]

    return wrap


def cluster_settings(
    offline: bool, snapshot: Path | None, kubeconfig: Path | None, context: str | None, max_age: timedelta | None
) -> ClusterSettings:
    """One cluster source; a flag the chosen source would ignore is refused rather than silently dropped."""
    live = [name for name, v in (("--kubeconfig", kubeconfig), ("--context", context)) if v is not None]
    given = [*(["--snapshot"] if snapshot is not None else []), *live]
    given += ["--max-snapshot-age"] if max_age is not None else []
    if offline and given:
        raise UsageError(f"--offline cannot be combined with {', '.join(given)}: offline reads no cluster")
    if snapshot is not None and live:
        raise UsageError(f"--snapshot cannot be combined with {', '.join(live)}: a snapshot reads no live cluster")
    if max_age is not None and snapshot is None:
        raise UsageError("--max-snapshot-age needs --snapshot: it ages a snapshot file, and there is none")
    return ClusterSettings(
        offline=offline, snapshot=snapshot, kubeconfig=kubeconfig, context=context, max_snapshot_age=max_age
    )


def output_options(f: F) -> F:
    """--format / --output (repeatable, paired by gitnad.app.outputs), --no-color, -q, as one `out` argument."""

    @functools.wraps(f)
    def command(*args: Any, formats: tuple[str, ...], outputs: tuple[Path, ...], quiet: bool, **kw: Any) -> Any:
        from gitnad.app import outputs as app_outputs

        targets = app_outputs.pair([OutputFormat(x) for x in formats], outputs)
        app_outputs.check_targets(targets)  # before any work: a bad path costs a millisecond, not a cluster read
        return f(*args, out=OutputSettings(targets=targets, color=_colour(sys.stdout), quiet=quiet), **kw)

    return options(  # type: ignore[return-value]
        click.option(
            "--format",
            "formats",
            multiple=True,
            type=click.Choice([m.value for m in OutputFormat]),
            help="Report format, repeatable: one per --output, plus one first for stdout [default: text].",
        ),
        click.option(
            "--output",
            "outputs",
            multiple=True,
            type=click.Path(path_type=Path),
            help="Write the report of the matching --format here (atomically; '-' is stdout). Repeatable.",
        ),
        no_color_option,
        click.option("-q", "--quiet", is_flag=True, help="Text: only findings / non-converged items."),
        verbose_option,
    )(command)


def _deliver(result: Any, code: ExitCode, out: OutputSettings) -> int:
    from gitnad.app import outputs as app_outputs

    step_summary = os.environ.get("GITHUB_STEP_SUMMARY")
    app_outputs.deliver(result, out, _echo, Path(step_summary) if step_summary else None)
    return int(code)


# --- the commands -----------------------------------------------------------------------------------------


@click.group(cls=Gitnad, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(__version__, prog_name="gitnad")
def main() -> None:
    """gitnad keeps KubeVirt VM network (NAD) moves safe in GitOps."""


@main.command()
@click.argument("path", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--ref", default=None, help="Scan this git ref instead of the working tree.")
@repo_options
@output_options
def scan(path: Path | None, ref: str | None, repo: Path, config_file: Path | None, out: OutputSettings) -> int:
    """List every VM / VirtualMachinePool with its networks and interfaces, and every NAD."""
    import gitnad.app.scan as app_scan

    result, code = app_scan.run(path or repo, ref, config_file)
    return _deliver(result, code, out)


@main.command()
@click.option("--base", help="Base ref [default: PRE_COMMIT_FROM_REF, else merge-base with the default branch].")
@click.option("--head", help="Head ref [default: PRE_COMMIT_TO_REF, else HEAD].")
@click.option("--staged", is_flag=True, help="Compare HEAD with the index (the pre-commit case).")
@click.option("--fail-on", type=click.Choice(["error", "warning", "info"]), help="[default: failOn, else error]")
@click.option("--policy", "policies", multiple=True, type=click.Path(path_type=Path), help="Policy file or dir.")
@cluster_options(offline=True)
@repo_options
@output_options
def check(
    base: str | None,
    head: str | None,
    staged: bool,
    fail_on: str | None,
    policies: tuple[Path, ...],
    cluster: ClusterSettings,
    repo: Path,
    config_file: Path | None,
    out: OutputSettings,
) -> int:
    """The PR / pre-commit check: diff two refs, classify NAD changes, evaluate rules and policies."""
    import gitnad.app.check as app_check

    if staged and head is not None:
        raise UsageError("--staged compares HEAD with the index; it cannot be combined with --head")
    req = app_check.CheckRequest(
        repo=repo,
        config_file=config_file,
        base=base,
        head=head,
        staged=staged,
        fail_on=fail_on,
        policies=policies,
        cluster=cluster,
    )
    result, code = app_check.run(req)
    return _deliver(result, code, out)


@main.command()
@declared_options
@click.option("--wait", is_flag=True, help="Watch until every item is converged or cannot change by itself.")
@click.option("--timeout", type=Duration(), help="With --wait: give up after this long [default: 15m].")
@cluster_options()
@repo_options
@output_options
def drift(
    ref: str,
    base: str | None,
    wait: bool,
    timeout: timedelta | None,
    cluster: ClusterSettings,
    repo: Path,
    config_file: Path | None,
    out: OutputSettings,
) -> int:
    """Post-sync proof: does every VM network run on the NAD declared in git?"""
    import gitnad.app.drift as app_drift
    from gitnad.report import progress

    if timeout is not None and not wait:
        raise UsageError("--timeout bounds --wait; add --wait or drop --timeout")
    req = app_drift.DriftRequest(
        repo=repo,
        config_file=config_file,
        ref=ref,
        base=base,
        wait=wait,
        timeout=timeout or DEFAULT_WAIT_TIMEOUT,
        cluster=cluster,
    )
    colour = _colour(sys.stderr)
    result, code = app_drift.run(req, lambda: progress.display(sys.stderr, req.timeout.total_seconds(), colour))
    return _deliver(result, code, out)


@main.command()
@declared_options
@click.option("--apply", "apply_", is_flag=True, help="Execute the plan (default: dry-run).")
@click.option("--allow-restart", is_flag=True, help="Restart VMs that can only converge by a restart.")
@click.option("--max-actions", type=click.IntRange(min=0), help="At most this many actions.")
@cluster_options()
@repo_options
@output_options
def reconcile(
    ref: str,
    base: str | None,
    apply_: bool,
    allow_restart: bool,
    max_actions: int | None,
    cluster: ClusterSettings,
    repo: Path,
    config_file: Path | None,
    out: OutputSettings,
) -> int:
    """Drift plus a plan to converge: create migrations within free slots, restart only if allowed."""
    import gitnad.app.reconcile as app_reconcile

    req = app_reconcile.ReconcileRequest(
        repo=repo,
        config_file=config_file,
        ref=ref,
        base=base,
        apply=apply_,
        allow_restart=allow_restart,
        max_actions=max_actions,
        cluster=cluster,
    )
    result, code = app_reconcile.run(req)
    return _deliver(result, code, out)


@main.command()
@click.option("-o", "--out", "out_file", type=click.Path(dir_okay=False, path_type=Path), help="[default: stdout]")
@click.option("--namespace", "namespaces", multiple=True, help="Only these namespaces (repeatable).")
@click.option("--format", "fmt", type=click.Choice(["yaml", "json"]), help="[default: from the -o suffix, else yaml]")
@live_options
@verbose_option
def snapshot(
    out_file: Path | None, namespaces: tuple[str, ...], fmt: str | None, kubeconfig: Path | None, context: str | None
) -> int:
    """Write the cluster facts gitnad needs to a file (a v1 List), for checks without cluster credentials."""
    import gitnad.app.snapshot as app_snapshot
    from gitnad.sources import outfile

    if out_file is not None:
        outfile.check_writable(out_file, "-o")  # before the cluster read, which can take minutes
    text, code = app_snapshot.run(ClusterSettings(kubeconfig=kubeconfig, context=context), namespaces, out_file, fmt)
    _echo(text)
    return int(code)


@main.group()
def policy() -> None:
    """Validate and unit-test NADPolicy files."""


@policy.command("validate")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@verbose_option
def policy_validate(paths: tuple[Path, ...], fmt: str) -> int:
    """Validate policy (and exception) files against the schema."""
    import gitnad.app.policy as app_policy

    text, code = app_policy.validate(paths, fmt)
    _echo(text)
    return int(code)


@policy.command("test")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@verbose_option
def policy_test(directory: Path, fmt: str) -> int:
    """Run policy test cases (manifests or a base/head pair, optional snapshot, expected findings)."""
    import gitnad.app.policy as app_policy

    text, code = app_policy.test(directory, fmt)
    _echo(text)
    return int(code)


@main.command("rules")
@click.argument("names", nargs=-1)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@verbose_option
def rules_command(names: tuple[str, ...], fmt: str) -> int:
    """List every rule (built-in, policy, waiver), or print the documentation of the rules named (code or name)."""
    from gitnad.app import rules_catalogue
    from gitnad.report import rules as rules_report

    chosen = rules_catalogue.select(names)
    _echo(rules_report.render(chosen, fmt, full=bool(names), version=__version__))
    return int(ExitCode.OK)


@main.command()
@click.option("--keep", type=click.Path(file_okay=False, path_type=Path), help="Keep the demo repo here.")
@no_color_option
@verbose_option
def demo(keep: Path | None) -> int:
    """Run check then drift on the bundled fixtures (no cluster, no network) and print both reports."""
    import gitnad.app.demo as app_demo
    from gitnad.report.demo import render_demo

    result, code = app_demo.run(keep)
    _echo(render_demo(result, color=_colour(sys.stdout)))
    return int(code)


if __name__ == "__main__":  # pragma: no cover
    main()
