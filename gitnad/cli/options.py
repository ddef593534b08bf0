"""The option groups shared by the commands, so each command reads as one row of the table in `gitnad.cli`.

One decorator per group: repo (--repo, --config), declared state (--ref, --base), live cluster
(--kubeconfig, --context), cluster source (those plus --snapshot, --max-snapshot-age and, for check,
--offline; handed to the command as one `cluster` argument) and output (--format, --output, --no-color, -q,
-v; one `out` argument, its files checked before the command runs). A flag that the chosen combination
would ignore is refused here, the same way for every command. `deliver` hands the result to the reports.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import click

from gitnad.cli.boundary import colour, echo, remember
from gitnad.config import DEFAULT_WIDTH, MAX_DURATION, ClusterSettings, OutputFormat, OutputSettings
from gitnad.errors import ExitCode, UsageError

F = TypeVar("F", bound=Callable[..., Any])
MIN_WIDTH = 60
"""Narrower terminals still get this width: below it the tables stop being tables."""


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
    callback=remember("verbose"),
    help="When gitnad fails, print the Python traceback (with the library error beneath) before its message.",
)
no_color_option = click.option(
    "--no-color", is_flag=True, expose_value=False, callback=remember("no_color"), help="Never colour the output."
)
repo_options = options(
    click.option("--repo", type=click.Path(file_okay=False, path_type=Path), default=Path("."), show_default=True),
    click.option(
        "--config", "config_file", type=click.Path(dir_okay=False, path_type=Path), help="[default: .gitnad.yaml]"
    ),
    click.option(
        "--no-cache",
        is_flag=True,
        help="Parse every manifest again: neither read nor write the parse cache (.git/gitnad/).",
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
        click.option(
            "--max-snapshot-age",
            type=Duration(),
            help=(
                "With --snapshot: warn when it is older than this, by its gitnad.dev/captured-at annotation (written "
                "by `gitnad snapshot`; a kubectl List has none: a warning says its age is unknown)."
            ),
        ),
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


def output_options(command_name: str) -> Callable[[F], F]:
    """--format / --output (repeatable, paired by gitnad.app.outputs), --no-color, -q, -v, as one `out` argument.

    Every format is checked against what the command's result can be rendered in, and every file for being
    writable, before the command runs: a typo costs a millisecond, not a cluster read. The result is named by its
    command (its `command` field: `check`, `policy test`), not by its type, so that defining the commands loads
    no result models: `gitnad --version` and `--help` run without pydantic (issue 12).
    """

    def wrap(f: F) -> F:
        @functools.wraps(f)
        def command(*args: Any, formats: tuple[str, ...], outputs: tuple[Path, ...], quiet: bool, **kw: Any) -> Any:
            from gitnad.app import outputs as app_outputs
            from gitnad.report import RESULT_TYPE_OF, ensure_format

            targets = app_outputs.pair([OutputFormat(x) for x in formats], outputs)
            for t in targets:
                ensure_format(t.format, RESULT_TYPE_OF[command_name])
            app_outputs.check_targets(targets)
            settings = OutputSettings(targets=targets, color=colour(sys.stdout), quiet=quiet, width=text_width())
            return f(*args, out=settings, **kw)

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

    return wrap


def text_width() -> int:
    """The terminal's width when stdout is one (text wraps there), else DEFAULT_WIDTH: files and CI logs get the
    same bytes on every machine."""
    if not sys.stdout.isatty():
        return DEFAULT_WIDTH
    return max(MIN_WIDTH, shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns)


def deliver(result: Any, code: ExitCode, out: OutputSettings) -> int:
    """Every report of `out` for `result` (files first, then stdout); returns the exit code to end with."""
    from gitnad.app import outputs as app_outputs

    step_summary = os.environ.get("GITHUB_STEP_SUMMARY")
    app_outputs.deliver(result, out, echo, Path(step_summary) if step_summary else None)
    return int(code)
