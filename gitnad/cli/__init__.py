"""Command line: click options -> frozen settings -> app use case -> reports and an exit code.

The only package that imports click, prints or exits. Each command below is one row: its own options, the
shared option groups (`options`), one call into `gitnad.app`, and delivery of the result in every format
asked for. The root command's `main` is the one error boundary (`boundary`).
"""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path
from typing import NoReturn

import click

from gitnad import __version__
from gitnad.cli.boundary import Gitnad, colour, echo, leave
from gitnad.cli.options import (
    Duration,
    cluster_options,
    declared_options,
    deliver,
    live_options,
    no_color_option,
    output_options,
    repo_options,
    text_width,
    verbose_option,
)
from gitnad.config import DEFAULT_WAIT_TIMEOUT, ClusterSettings, ConfigFrom, OutputSettings
from gitnad.errors import ExitCode, UsageError

__all__ = ["main", "run"]


@click.group(cls=Gitnad, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(__version__, prog_name="gitnad")
def main() -> None:
    """gitnad keeps KubeVirt VM network (NAD) moves safe in GitOps."""


def run() -> NoReturn:
    """The `gitnad` program (and `python -m gitnad.cli`): `main` on the process's arguments, then the process ends
    without tearing down what the run built (`boundary.leave`). In process (tests, CliRunner), call `main`."""
    try:
        main()
    except SystemExit as e:
        leave(e.code)
    leave(0)


@main.command()
@click.argument("path", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--ref", default=None, help="Scan this git ref instead of the working tree.")
@repo_options
@output_options("scan")
def scan(
    path: Path | None, ref: str | None, repo: Path, config_file: Path | None, no_cache: bool, out: OutputSettings
) -> int:
    """List every VM / VirtualMachinePool with its networks and interfaces, and every NAD."""
    import gitnad.app.scan as app_scan

    result, code = app_scan.run(path or repo, ref, config_file, cache=not no_cache)
    return deliver(result, code, out)


@main.command()
@click.option("--base", help="Base ref [default: PRE_COMMIT_FROM_REF, else merge-base with the default branch].")
@click.option("--head", help="Head ref [default: PRE_COMMIT_TO_REF, else HEAD].")
@click.option("--staged", is_flag=True, help="Compare HEAD with the index (the pre-commit case).")
@click.option("--fail-on", type=click.Choice(["error", "warning", "info"]), help="[default: failOn, else error]")
@click.option("--policy", "policies", multiple=True, type=click.Path(path_type=Path), help="Policy file or dir.")
@click.option(
    "--config-from",
    type=click.Choice([c.value for c in ConfigFrom]),
    default=ConfigFrom.BASE.value,
    show_default=True,
    help="Read .gitnad.yaml and the policy files from this ref (base: the reviewed state, so a change cannot relax "
    "its own rules). --config/--policy files are read from disk.",
)
@cluster_options(offline=True)
@repo_options
@output_options("check")
def check(
    base: str | None,
    head: str | None,
    staged: bool,
    fail_on: str | None,
    policies: tuple[Path, ...],
    config_from: str,
    cluster: ClusterSettings,
    repo: Path,
    config_file: Path | None,
    no_cache: bool,
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
        config_from=ConfigFrom(config_from),
        cache=not no_cache,
    )
    result, code = app_check.run(req)
    return deliver(result, code, out)


@main.command()
@declared_options
@click.option("--wait", is_flag=True, help="Watch until every item is converged or cannot change by itself.")
@click.option(
    "--timeout",
    type=Duration(),
    help=f"With --wait: give up after this long [default: {DEFAULT_WAIT_TIMEOUT.total_seconds() / 60:g}m].",
)
@cluster_options()
@repo_options
@output_options("drift")
def drift(
    ref: str,
    base: str | None,
    wait: bool,
    timeout: timedelta | None,
    cluster: ClusterSettings,
    repo: Path,
    config_file: Path | None,
    no_cache: bool,
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
        cache=not no_cache,
    )
    painted = colour(sys.stderr)  # the live display draws on stderr; the report goes to stdout
    result, code = app_drift.run(req, lambda: progress.display(sys.stderr, req.timeout.total_seconds(), painted))
    return deliver(result, code, out)


@main.command()
@declared_options
@click.option("--apply", "apply_", is_flag=True, help="Execute the plan (default: dry-run).")
@click.option("--allow-restart", is_flag=True, help="Restart VMs that can only converge by a restart.")
@click.option("--max-actions", type=click.IntRange(min=0), help="At most this many actions.")
@cluster_options()
@repo_options
@output_options("reconcile")
def reconcile(
    ref: str,
    base: str | None,
    apply_: bool,
    allow_restart: bool,
    max_actions: int | None,
    cluster: ClusterSettings,
    repo: Path,
    config_file: Path | None,
    no_cache: bool,
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
        cache=not no_cache,
    )
    result, code = app_reconcile.run(req)
    return deliver(result, code, out)


@main.command()
@click.option("-o", "--out", "out_file", type=click.Path(dir_okay=False, path_type=Path), help="[default: stdout]")
@click.option("--namespace", "namespaces", multiple=True, help="Only these namespaces (repeatable).")
@click.option("--format", "fmt", type=click.Choice(["yaml", "json"]), help="[default: from the -o suffix, else yaml]")
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Take `cluster:` (timeouts, retries) from this .gitnad.yaml [default: built-in defaults].",
)
@live_options
@verbose_option
def snapshot(
    out_file: Path | None,
    namespaces: tuple[str, ...],
    fmt: str | None,
    config_file: Path | None,
    kubeconfig: Path | None,
    context: str | None,
) -> int:
    """Write the cluster facts gitnad needs to a file (a v1 List), for checks without cluster credentials."""
    import gitnad.app.common as common
    import gitnad.app.snapshot as app_snapshot

    cluster = ClusterSettings(kubeconfig=kubeconfig, context=context)
    if config_file is not None:  # no repository here: only an explicit file, never one found by chance
        cluster = common.cluster_settings(cluster, common.load_config(Path.cwd(), config_file))
    text, code = app_snapshot.run(cluster, namespaces, out_file, fmt)
    echo(text)
    return int(code)


@main.group()
def policy() -> None:
    """Validate and unit-test NADPolicy files."""


@policy.command("validate")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@output_options("policy validate")
def policy_validate(paths: tuple[Path, ...], out: OutputSettings) -> int:
    """Validate policy (and exception) files against the schema."""
    import gitnad.app.policy as app_policy

    result, code = app_policy.validate(paths)
    return deliver(result, code, out)


@policy.command("test")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@output_options("policy test")
def policy_test(directory: Path, out: OutputSettings) -> int:
    """Run policy test cases (manifests or a base/head pair, optional snapshot, expected findings)."""
    import gitnad.app.policy as app_policy

    result, code = app_policy.test(directory)
    return deliver(result, code, out)


@main.command("rules")
@click.argument("names", nargs=-1)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@verbose_option
def rules_command(names: tuple[str, ...], fmt: str) -> int:
    """List every rule (built-in, policy, waiver), or print the documentation of the rules named (code or name)."""
    from gitnad.app import rules_catalogue
    from gitnad.report import rules as rules_report

    chosen = rules_catalogue.select(names)
    echo(rules_report.render(chosen, fmt, full=bool(names), version=__version__))
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
    echo(render_demo(result, color=colour(sys.stdout), width=text_width()))
    return int(code)
