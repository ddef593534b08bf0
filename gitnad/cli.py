"""Command line: click options -> frozen settings -> app use case -> rendered report and exit code.

The only module that imports click, prints or exits.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import click

from gitnad import __version__
from gitnad.config import DEFAULT_WAIT_TIMEOUT, ClusterSettings, ConfigFrom, OutputFormat, OutputSettings
from gitnad.errors import ExitCode, GitnadError, UsageError

F = TypeVar("F", bound=Callable[..., Any])


def _parse_duration(value: str) -> timedelta:
    """`90s`, `15m`, `2h`, `1d`, or plain seconds."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    v = value.strip()
    try:
        if v and v[-1] in units:
            return timedelta(seconds=float(v[:-1]) * units[v[-1]])
        return timedelta(seconds=float(v))
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a duration (e.g. 90s, 15m, 2h)") from None


class Duration(click.ParamType[timedelta]):
    name = "duration"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> timedelta:
        return value if isinstance(value, timedelta) else _parse_duration(str(value))


def common_options(f: F) -> F:
    f = click.option("-q", "--quiet", is_flag=True, help="Only print findings / non-converged items.")(f)
    f = click.option("-v", "--verbose", count=True, help="More detail (repeatable).")(f)
    f = click.option("--no-color", is_flag=True, help="Never colour the text output.")(f)
    f = click.option(
        "--output",
        "output",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Write the report here (atomically).",
    )(f)
    f = click.option(
        "--format",
        "fmt",
        type=click.Choice([m.value for m in OutputFormat]),
        default=OutputFormat.TEXT.value,
        show_default=True,
    )(f)
    f = click.option(
        "--config", "config_file", type=click.Path(dir_okay=False, path_type=Path), help="Default: .gitnad.yaml"
    )(f)
    f = click.option("--repo", type=click.Path(file_okay=False, path_type=Path), default=Path("."), show_default=True)(
        f
    )
    return f


def cluster_options(f: F) -> F:
    f = click.option(
        "--max-snapshot-age", type=Duration(), default=None, help="Warn when the snapshot is older than this."
    )(f)
    f = click.option("--context", default=None, help="Kubeconfig context (live).")(f)
    f = click.option(
        "--kubeconfig", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Kubeconfig file (live)."
    )(f)
    f = click.option(
        "--snapshot",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Read cluster facts from a file.",
    )(f)
    return f


def _output_settings(fmt: str, output: Path | None, no_color: bool, verbose: int, quiet: bool) -> OutputSettings:
    color = not no_color and output is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    return OutputSettings(format=OutputFormat(fmt), output=output, color=color, verbose=verbose, quiet=quiet)


def _cluster_settings(
    offline: bool, snapshot: Path | None, kubeconfig: Path | None, context: str | None, max_age: timedelta | None
) -> ClusterSettings:
    if offline and (snapshot is not None or kubeconfig is not None or context is not None):
        raise UsageError("--offline cannot be combined with --snapshot, --kubeconfig or --context")
    return ClusterSettings(
        offline=offline, snapshot=snapshot, kubeconfig=kubeconfig, context=context, max_snapshot_age=max_age
    )


def write_output(text: str, output: Path | None) -> None:
    """Print, or write the file atomically (temp file in the same directory, then rename)."""
    if output is None:
        click.echo(text, nl=not text.endswith("\n"))
        return
    output = output.resolve()
    fd, tmp = tempfile.mkstemp(prefix=f".{output.name}.", dir=output.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, output)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def run(action: Callable[[], tuple[str, ExitCode]], output: Path | None) -> None:
    """The one top-level error handler."""
    try:
        text, code = action()
    except GitnadError as e:
        click.echo(f"gitnad: error: {e.message}", err=True)
        sys.exit(int(e.exit_code))
    except KeyboardInterrupt:
        click.echo("gitnad: interrupted", err=True)
        sys.exit(int(ExitCode.UNDECIDED))
    write_output(text, output)
    sys.exit(int(code))


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(__version__, prog_name="gitnad")
def main() -> None:
    """gitnad keeps KubeVirt VM network (NAD) moves safe in GitOps."""


@main.command()
@click.argument("path", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--ref", default=None, help="Scan this git ref instead of the working tree.")
@common_options
def scan(
    path: Path | None,
    ref: str | None,
    repo: Path,
    config_file: Path | None,
    fmt: str,
    output: Path | None,
    no_color: bool,
    verbose: int,
    quiet: bool,
) -> None:
    """List every VM / VirtualMachinePool with its networks and interfaces, and every NAD."""
    import gitnad.app.scan as app_scan

    out = _output_settings(fmt, output, no_color, verbose, quiet)
    run(lambda: app_scan.run(path or repo, ref, config_file, out), output)


@main.command()
@click.option(
    "--base", default=None, help="Base ref (default: PRE_COMMIT_FROM_REF or merge-base with the default branch)."
)
@click.option("--head", default=None, help="Head ref (default: PRE_COMMIT_TO_REF or HEAD).")
@click.option("--staged", is_flag=True, help="Compare HEAD with the index (the pre-commit case).")
@click.option("--offline", is_flag=True, help="No cluster: only repo rules run; cluster rules are listed as skipped.")
@click.option(
    "--fail-on", type=click.Choice(["error", "warning", "info"]), default=None, help="Default: error (or failOn)."
)
@click.option("--policy", "policies", multiple=True, type=click.Path(path_type=Path), help="Policy file or dir.")
@click.option(
    "--config-from",
    type=click.Choice(["base", "head"]),
    default="base",
    show_default=True,
    help="Read .gitnad.yaml and the policy files from this ref (base: the reviewed state, so a change cannot relax "
    "its own rules). --config/--policy files are read from disk.",
)
@cluster_options
@common_options
def check(
    base: str | None,
    head: str | None,
    staged: bool,
    offline: bool,
    fail_on: str | None,
    policies: tuple[Path, ...],
    config_from: str,
    snapshot: Path | None,
    kubeconfig: Path | None,
    context: str | None,
    max_snapshot_age: timedelta | None,
    repo: Path,
    config_file: Path | None,
    fmt: str,
    output: Path | None,
    no_color: bool,
    verbose: int,
    quiet: bool,
) -> None:
    """The PR / pre-commit check: diff two refs, classify NAD changes, evaluate rules and policies."""
    import gitnad.app.check as app_check

    out = _output_settings(fmt, output, no_color, verbose, quiet)

    def action() -> tuple[str, ExitCode]:
        cluster = _cluster_settings(offline, snapshot, kubeconfig, context, max_snapshot_age)
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
            output=out,
            config_from=ConfigFrom(config_from),
        )
        return app_check.run(req)

    run(action, output)


@main.command()
@click.option("--ref", default="HEAD", show_default=True, help="Declared state.")
@click.option("--base", default=None, help="Only VMs whose NAD changed between BASE and REF.")
@click.option("--wait", is_flag=True, help="Watch until every item is converged or cannot change by itself.")
@click.option("--timeout", type=Duration(), default=str(int(DEFAULT_WAIT_TIMEOUT.total_seconds())) + "s")
@cluster_options
@common_options
def drift(
    ref: str,
    base: str | None,
    wait: bool,
    timeout: timedelta,
    snapshot: Path | None,
    kubeconfig: Path | None,
    context: str | None,
    max_snapshot_age: timedelta | None,
    repo: Path,
    config_file: Path | None,
    fmt: str,
    output: Path | None,
    no_color: bool,
    verbose: int,
    quiet: bool,
) -> None:
    """Post-sync proof: does every VM network run on the NAD declared in git?"""
    import gitnad.app.drift as app_drift

    out = _output_settings(fmt, output, no_color, verbose, quiet)

    def action() -> tuple[str, ExitCode]:
        cluster = _cluster_settings(False, snapshot, kubeconfig, context, max_snapshot_age)
        req = app_drift.DriftRequest(
            repo=repo,
            config_file=config_file,
            ref=ref,
            base=base,
            wait=wait,
            timeout=timeout,
            cluster=cluster,
            output=out,
        )
        return app_drift.run(req)

    run(action, output)


@main.command()
@click.option("--ref", default="HEAD", show_default=True, help="Declared state.")
@click.option("--base", default=None, help="Only VMs whose NAD changed between BASE and REF.")
@click.option("--apply", "apply_", is_flag=True, help="Execute the plan (default: dry-run).")
@click.option("--allow-restart", is_flag=True, help="Restart VMs that can only converge by a restart.")
@click.option("--max-actions", type=click.IntRange(min=0), default=None, help="At most this many actions.")
@cluster_options
@common_options
def reconcile(
    ref: str,
    base: str | None,
    apply_: bool,
    allow_restart: bool,
    max_actions: int | None,
    snapshot: Path | None,
    kubeconfig: Path | None,
    context: str | None,
    max_snapshot_age: timedelta | None,
    repo: Path,
    config_file: Path | None,
    fmt: str,
    output: Path | None,
    no_color: bool,
    verbose: int,
    quiet: bool,
) -> None:
    """Drift plus a plan to converge: create migrations within free slots, restart only if allowed."""
    import gitnad.app.reconcile as app_reconcile

    out = _output_settings(fmt, output, no_color, verbose, quiet)

    def action() -> tuple[str, ExitCode]:
        cluster = _cluster_settings(False, snapshot, kubeconfig, context, max_snapshot_age)
        if apply_ and snapshot is not None:
            raise UsageError("--apply needs a live cluster; it cannot act on a --snapshot")
        req = app_reconcile.ReconcileRequest(
            repo=repo,
            config_file=config_file,
            ref=ref,
            base=base,
            apply=apply_,
            allow_restart=allow_restart,
            max_actions=max_actions,
            cluster=cluster,
            output=out,
        )
        return app_reconcile.run(req)

    run(action, output)


@main.command()
@click.option("-o", "--out", "out_file", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.option("--namespace", "namespaces", multiple=True, help="Only these namespaces (repeatable).")
@click.option(
    "--format", "fmt", type=click.Choice(["yaml", "json"]), default=None, help="Default: from -o suffix, else yaml."
)
@click.option("--kubeconfig", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.option("--context", default=None)
def snapshot(
    out_file: Path | None, namespaces: tuple[str, ...], fmt: str | None, kubeconfig: Path | None, context: str | None
) -> None:
    """Write the cluster facts gitnad needs to a file (a v1 List), for checks without cluster credentials."""
    import gitnad.app.snapshot as app_snapshot

    def action() -> tuple[str, ExitCode]:
        cluster = ClusterSettings(kubeconfig=kubeconfig, context=context)
        return app_snapshot.run(cluster, namespaces, out_file, fmt)

    run(action, None)


@main.group()
def policy() -> None:
    """Validate and unit-test NADPolicy files."""


@policy.command("validate")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--format", "fmt", type=click.Choice([m.value for m in OutputFormat]), default="text")
def policy_validate(paths: tuple[Path, ...], fmt: str) -> None:
    """Validate policy (and exception) files against the schema."""
    import gitnad.app.policy as app_policy

    run(lambda: app_policy.validate(paths, _output_settings(fmt, None, False, 0, False)), None)


@policy.command("test")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice([m.value for m in OutputFormat]), default="text")
def policy_test(directory: Path, fmt: str) -> None:
    """Run policy test cases (manifests or a base/head pair, optional snapshot, expected findings)."""
    import gitnad.app.policy as app_policy

    run(lambda: app_policy.test(directory, _output_settings(fmt, None, False, 0, False)), None)


@main.command()
@click.option("--no-color", is_flag=True)
@click.option("--keep", type=click.Path(file_okay=False, path_type=Path), default=None, help="Keep the demo repo here.")
def demo(no_color: bool, keep: Path | None) -> None:
    """Run check then drift on the bundled fixtures (no cluster, no network) and print both reports."""
    import gitnad.app.demo as app_demo

    out = _output_settings("text", None, no_color, 0, False)
    run(lambda: app_demo.run(out, keep), None)


if __name__ == "__main__":  # pragma: no cover
    main()
